"""What a writer remembers of the files it wrote, for the next write: one format and one digest for
`build` (atomic swap) and `serve` (in-place writes).

The manifest of an output folder lives in the site's cache folder (never in the output), as JSON:
{"output": "/abs/path", "files": {"a/index.html": [digest, size, mtime_ns, fingerprint], ...}}.
A file is taken as unchanged only while its size and mtime are those recorded (nobody edited it).
"""
from __future__ import annotations

import hashlib
import json
import os
from stat import S_ISREG
from pathlib import Path

from mlnotes_site.emit import Output

MARKER = ".mlnotes-output"  # in every output folder we write: a later build may replace it

# output path -> [digest, size, mtime_ns, fingerprint] (a list: it is JSON, and serve updates it in place)
Record = list[object]


def data_digest(data: bytes) -> str:
    # SHA-256 rather than BLAKE2: processors with SHA extensions hash it about twice as fast
    return hashlib.sha256(data).hexdigest()[:32]


def output_digest(output: Output, data: bytes | None) -> str:
    """The digest of an output's bytes; a copied file is named by its source's path, size and mtime
    (reading every image of the site to hash it would cost more than copying it)."""
    if output.copy_from is not None:
        if output.linkable:  # a file nobody changes once written, in a folder named by its inputs' digest
            return f"link:{output.copy_from}"
        stat = output.copy_from.stat()
        return f"copy:{output.copy_from}:{stat.st_size}:{stat.st_mtime_ns}"
    return data_digest(data or b"")


def record_of(file: Path, digest: str, fingerprint: str) -> Record:
    stat = file.stat()
    return [digest, stat.st_size, stat.st_mtime_ns, fingerprint]


def as_written(file: Path, record: Record) -> bool:
    """The file is still the one recorded: a regular file (not a link) of the recorded size and mtime."""
    try:
        stat = file.lstat()
    except OSError:
        return False
    return S_ISREG(stat.st_mode) and [stat.st_size, stat.st_mtime_ns] == record[1:3]


def manifest_path(cache_dir: Path, out: Path) -> Path:
    name = hashlib.blake2b(str(out.resolve()).encode(), digest_size=8).hexdigest()
    return cache_dir / "manifests" / f"{name}.json"


def read_manifest(path: Path | None, out: Path) -> dict[str, Record]:
    """The records of the files last written into `out`; empty when there are none (or they are
    another folder's, or damaged)."""
    if path is None:
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("output") != str(out.resolve()):
            return {}
        return {k: list(v) for k, v in data["files"].items() if isinstance(v, list) and len(v) == 4}
    except (OSError, ValueError, AttributeError, KeyError, TypeError):
        return {}


def write_manifest(path: Path | None, out: Path, files: dict[str, Record]) -> None:
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".tmp-{os.getpid()}")
        tmp.write_text(json.dumps({"output": str(out.resolve()), "files": files}, sort_keys=True), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass  # only saves work at the next write
