"""Writing in place, for `serve`: only files whose bytes changed are replaced (each by an atomic
rename, so a reader sees the old file or the new one), files no longer produced are removed, and
the manifest (the one `build` also keeps, see write/manifest.py) lets a restarted server skip what
is already on disk."""
from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Iterable

from mlnotes_site.emit import Output
from mlnotes_site.write.manifest import (MARKER, Record, as_written, data_digest, output_digest, read_manifest,
                                         record_of, write_manifest)


@dataclass
class Staged:
    """Files made into a staging folder before any is moved into the output: a template error met
    while making them leaves the output as it was."""
    folder: Path
    files: dict[str, tuple[Path, str, str]] = field(default_factory=dict)  # path -> (temp file, digest, fingerprint)
    made: int = 0  # pages made from templates

    def add(self, path: str, data: bytes | None, source: Path | None, digest: str, fingerprint: str) -> None:
        tmp = self.folder / f"{len(self.files)}"
        if source is not None:
            shutil.copyfile(source, tmp)
        else:
            tmp.write_bytes(data or b"")
        self.files[path] = (tmp, digest, fingerprint)


class InPlaceWriter:
    def __init__(self, out: Path, manifest: Path, staging: Path) -> None:
        self.out = out
        self.manifest = manifest
        self.staging = staging
        self.served: dict[str, Record] = read_manifest(manifest, out)  # the files as written
        self._swept = False  # stray files from an older session are removed at the first write
        self._trusted = False  # after our first write, `served` is what is on disk: no need to stat

    def stage(self, outputs: Iterable[Output]) -> Staged:
        """Make what changed (by fingerprint, else by digest) into a staging folder."""
        self.staging.mkdir(parents=True, exist_ok=True)
        staged = Staged(Path(tempfile.mkdtemp(dir=self.staging)))
        seen: set[str] = set()
        for output in outputs:
            if output.path not in seen:
                seen.add(output.path)
                self._stage_one(output, staged)
        return staged

    def _stage_one(self, output: Output, staged: Staged) -> None:
        record = self.served.get(output.path)
        if output.fingerprint and record and record[3] == output.fingerprint and self._intact(output.path, record):
            return
        if output.copy_from is not None:
            digest = output_digest(output, None)
            if not (record and record[0] == digest and self._intact(output.path, record)):
                staged.add(output.path, None, output.copy_from, digest, "")
            return
        data = output.content()
        staged.made += output.make is not None
        digest = data_digest(data)
        if record and record[0] == digest and self._intact(output.path, record):
            record[3] = output.fingerprint or ""  # same bytes from new inputs: remember them
            return
        staged.add(output.path, data, None, digest, output.fingerprint or "")

    def commit(self, staged: Staged, produced: set[str]) -> list[str]:
        """Move the staged files in, remove what is no longer produced; the paths changed."""
        out = self.out
        out.mkdir(parents=True, exist_ok=True)
        changed = []
        for path, (tmp, digest, fingerprint) in staged.files.items():
            target = out.joinpath(*path.split("/"))
            _make_room(target, out)
            os.replace(tmp, target)  # atomic: a reader sees the old file or the new one
            self.served[path] = record_of(target, digest, fingerprint)
            changed.append(path)
        for path in sorted(set(self.served) - produced):
            del self.served[path]
            target = out.joinpath(*path.split("/"))
            try:
                target.unlink()
            except OSError:
                pass  # gone already, or not a file any more
            _prune(target.parent, out)
            changed.append(path)
        self._sweep(produced)
        self._trusted = True
        marker = out / MARKER
        if not marker.exists():
            marker.write_text("This folder is written by mlnotes serve.\n", encoding="utf-8")
        write_manifest(self.manifest, out, self.served)
        return sorted(changed)

    def discard(self, staged: Staged) -> None:
        shutil.rmtree(staged.folder, ignore_errors=True)

    def _sweep(self, produced: set[str]) -> None:
        """Files in the output that no longer belong there (left by an older session)."""
        if self._swept:
            return
        self._swept = True
        for dirpath, _, filenames in os.walk(self.out):
            for name in filenames:
                path = Path(dirpath) / name
                rel = path.relative_to(self.out).as_posix()
                if rel != MARKER and rel not in produced:
                    path.unlink(missing_ok=True)

    def _intact(self, path: str, record: Record) -> bool:
        return self._trusted or as_written(self.out.joinpath(*path.split("/")), record)


def _make_room(target: Path, root: Path) -> None:
    """Folders up to `target`, where a file of an older page may stand in the way, and no folder
    where `target` goes."""
    for parent in reversed(target.parents):
        if parent != root and root in parent.parents and parent.is_file():
            parent.unlink()
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.is_dir() and not target.is_symlink():
        shutil.rmtree(target)


def _prune(folder: Path, root: Path) -> None:
    while folder != root and root in folder.parents:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent
