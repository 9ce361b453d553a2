"""The on-disk cache in `.mlnotes-cache/`: a small SQLite key-value store, safe to delete.

A corrupt or unreadable cache is discarded and rebuilt; it never changes what a build produces.
"""
from __future__ import annotations

import json
import sqlite3
import zstandard
from array import array
from pathlib import Path
from typing import Any

CACHE_DIR = ".mlnotes-cache"
SCHEMA = 6  # values are zstd-compressed JSON or packed strings (KaTeX HTML shrinks about tenfold),
# except for small index rows stored as they are (see `mathcache`)


class Cache:
    def __init__(self, folder: Path | None) -> None:
        self.path = folder / "cache.sqlite" if folder else None
        self.db: sqlite3.Connection | None = None
        # zstd at level 1 with a checksum: on this cache's values (KaTeX HTML above all) it packs
        # about 2.3x faster than zlib's fastest level and a little smaller, and unpacks faster too.
        self._pack = zstandard.ZstdCompressor(level=1, write_checksum=True)
        self._unpack = zstandard.ZstdDecompressor()
        if self.path is not None:
            self._open()

    def _connect(self) -> None:
        assert self.path is not None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # check_same_thread=False: serve keeps one cache for its whole life and uses it from the thread
        # that runs each update (one update at a time, under its lock)
        self.db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        # A disposable cache: no fsync at all. A crash of the machine may damage it; every value is
        # checksummed (zstd frames) and a damaged cache is discarded, so output never depends on it.
        self.db.execute("PRAGMA synchronous=OFF")
        self.db.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT)")
        row = self.db.execute("SELECT value FROM meta WHERE name='schema'").fetchone()
        if row is None or row[0] != str(SCHEMA):
            self.db.execute("DROP TABLE IF EXISTS entries")
            self.db.execute("INSERT OR REPLACE INTO meta VALUES ('schema', ?)", (str(SCHEMA),))
        # A rowid table: values of many kilobytes make a WITHOUT ROWID table (whose rows live in
        # the key's B-tree) move them around on every insert, which cost a third more on a cold build.
        self.db.execute("CREATE TABLE IF NOT EXISTS entries (kind TEXT, key TEXT, value BLOB, "
                        "PRIMARY KEY (kind, key))")

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

    def get_raw(self, kind: str, keys: list[str], compressed: bool = True) -> dict[str, bytes]:
        """Decompressed values (stored values as they are, for a kind stored uncompressed); a garbled
        entry is a miss."""
        if self.db is None or not keys:
            return {}
        found: dict[str, bytes] = {}
        try:
            for start in range(0, len(keys), 500):
                chunk = keys[start:start + 500]
                marks = ",".join("?" * len(chunk))
                for key, value in self.db.execute(
                        f"SELECT key, value FROM entries WHERE kind=? AND key IN ({marks})", (kind, *chunk)):
                    if not compressed:
                        if isinstance(value, bytes):
                            found[key] = value
                        continue
                    try:
                        found[key] = self._unpack.decompress(value)
                    except (TypeError, zstandard.ZstdError):
                        continue
        except sqlite3.Error:
            self._reset()
            return {}
        return found

    def put_raw(self, entries: list[tuple[str, str, bytes]], uncompressed: frozenset[str] = frozenset()) -> bool:
        """Store (kind, key, value) entries in one transaction, compressed but for the `uncompressed`
        kinds; False if the cache is unusable."""
        if self.db is None:
            return False
        if not entries:
            return True
        try:
            self.db.execute("BEGIN")
            self.db.executemany("INSERT OR REPLACE INTO entries VALUES (?, ?, ?)",
                                [(kind, key, value if kind in uncompressed else self._pack.compress(value))
                                 for kind, key, value in entries])
            self.db.execute("COMMIT")
            return True
        except sqlite3.Error:
            self._reset()
            return False

    def drop(self, kind: str, keys: list[str]) -> None:
        """Forget these entries (a later get misses them)."""
        if self.db is None or not keys:
            return
        try:
            self.db.executemany("DELETE FROM entries WHERE kind=? AND key=?", [(kind, key) for key in keys])
            self.db.commit()
        except sqlite3.Error:
            self._reset()

    def holds(self, kind: str) -> bool:
        """Whether any entry of this kind is stored (an unusable cache holds none)."""
        if self.db is None:
            return False
        try:
            return self.db.execute("SELECT 1 FROM entries WHERE kind=? LIMIT 1", (kind,)).fetchone() is not None
        except sqlite3.Error:
            self._reset()
            return False

    def get_many(self, kind: str, keys: list[str]) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for key, value in self.get_raw(kind, keys).items():
            try:
                found[key] = json.loads(value)
            except ValueError:
                continue  # a garbled entry is a miss
        return found

    def put_many(self, kind: str, items: dict[str, Any]) -> bool:
        return self.put_raw([(kind, k, encode_json(v)) for k, v in items.items()])

    def close(self) -> None:
        if self.db is not None:
            try:
                self.db.close()
            except sqlite3.Error:
                pass
            self.db = None


def encode_json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8")


def pack_strings(strings: list[str]) -> bytes:
    """Strings in one value, decoded far faster than JSON: a count, the byte lengths, the bytes."""
    data = [s.encode("utf-8", "surrogatepass") for s in strings]
    head = array("I", [len(data), *(len(d) for d in data)])
    return head.tobytes() + b"".join(data)


def _pack_bounds(value: bytes) -> list[int] | None:
    """Where each string of a pack starts, plus its end; None for a value that is not such a pack."""
    try:
        count = array("I", value[:4])[0]
        lengths = array("I", value[4:4 + 4 * count])
    except (ValueError, IndexError):
        return None
    if len(lengths) != count:
        return None
    bounds = [4 + 4 * count]
    for n in lengths:
        bounds.append(bounds[-1] + n)
    return bounds if bounds[-1] == len(value) else None


def unpack_some(value: bytes, positions: list[int]) -> dict[int, str] | None:
    """Only the strings at `positions` of a pack (those out of range are left out); None for a value
    that is not such a pack."""
    bounds = _pack_bounds(value)
    return None if bounds is None else _decode_at(value, bounds, [i for i in positions if 0 <= i < len(bounds) - 1])


def unpack_strings(value: bytes) -> list[str] | None:
    """The strings `pack_strings` stored, or None for a value that is not such a pack."""
    bounds = _pack_bounds(value)
    strings = None if bounds is None else _decode_at(value, bounds, list(range(len(bounds) - 1)))
    return None if strings is None else list(strings.values())


def _decode_at(value: bytes, bounds: list[int], positions: list[int]) -> dict[int, str] | None:
    try:
        return {i: value[bounds[i]:bounds[i + 1]].decode("utf-8", "surrogatepass") for i in positions}
    except UnicodeDecodeError:
        return None
