"""The on-disk cache in `.mlnotes-cache/`: a small SQLite key-value store, safe to delete.

A corrupt or unreadable cache is discarded and rebuilt; it never changes what a build produces.
"""
from __future__ import annotations

import json
import sqlite3
import zlib
from pathlib import Path
from typing import Any

CACHE_DIR = ".mlnotes-cache"
SCHEMA = 2  # values are zlib-compressed JSON (KaTeX HTML shrinks about tenfold)


class Cache:
    def __init__(self, folder: Path | None) -> None:
        self.path = folder / "cache.sqlite" if folder else None
        self.db: sqlite3.Connection | None = None
        if self.path is not None:
            self._open()

    def _connect(self) -> None:
        assert self.path is not None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        # A disposable cache: no fsync per commit (WAL + NORMAL stays consistent; damage is discarded).
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("CREATE TABLE IF NOT EXISTS entries (kind TEXT, key TEXT, value BLOB, "
                        "PRIMARY KEY (kind, key)) WITHOUT ROWID")
        self.db.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT)")
        row = self.db.execute("SELECT value FROM meta WHERE name='schema'").fetchone()
        if row is None or row[0] != str(SCHEMA):
            self.db.execute("DELETE FROM entries")
            self.db.execute("INSERT OR REPLACE INTO meta VALUES ('schema', ?)", (str(SCHEMA),))

    def _open(self) -> None:
        try:
            self._connect()
        except (sqlite3.Error, OSError):
            self._reset()

    def _reset(self) -> None:
        """Throw a damaged cache away and start again; without a usable folder, run uncached."""
        self.close()
        if self.path is None:
            return
        for suffix in ("", "-wal", "-shm"):
            try:
                Path(str(self.path) + suffix).unlink()
            except OSError:
                pass
        try:
            self._connect()
        except (sqlite3.Error, OSError):
            self.db = None

    def get_many(self, kind: str, keys: list[str]) -> dict[str, Any]:
        if self.db is None or not keys:
            return {}
        found: dict[str, Any] = {}
        try:
            for start in range(0, len(keys), 500):
                chunk = keys[start:start + 500]
                marks = ",".join("?" * len(chunk))
                for key, value in self.db.execute(
                        f"SELECT key, value FROM entries WHERE kind=? AND key IN ({marks})", (kind, *chunk)):
                    try:
                        found[key] = json.loads(zlib.decompress(value))
                    except (ValueError, TypeError, zlib.error):
                        continue  # a garbled entry is a miss
        except sqlite3.Error:
            self._reset()
            return {}
        return found

    def put_many(self, kind: str, items: dict[str, Any]) -> None:
        if self.db is None or not items:
            return
        try:
            self.db.execute("BEGIN")
            self.db.executemany("INSERT OR REPLACE INTO entries VALUES (?, ?, ?)",
                                [(kind, k, zlib.compress(json.dumps(v, ensure_ascii=False).encode("utf-8"), 1))
                                 for k, v in items.items()])
            self.db.execute("COMMIT")
        except sqlite3.Error:
            self._reset()

    def close(self) -> None:
        if self.db is not None:
            try:
                self.db.close()
            except sqlite3.Error:
                pass
            self.db = None
