"""Writing a build's outputs: into a fresh folder swapped in at the end, unchanged files hard-linked
from the previous build, pages made in parallel by forked processes when there are many."""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import multiprocessing
import os
import shutil
import threading
from pathlib import Path
from typing import Any
from collections.abc import Callable, Iterator

from mlnotes_site.emit import Output
from mlnotes_site.parallel import shrinking_ranges, start_pool_process
from mlnotes_site.write.manifest import (MARKER, Record, as_written, manifest_path, output_digest, read_manifest,
                                         record_of, write_manifest)

__all__ = ["MARKER", "OutputWriter", "manifest_path", "output_digest", "output_lock", "write_all"]

PARALLEL_THRESHOLD = 64  # fewer pages to make than this: make them here
# In the temporary folders beside the output (the new output being written, the previous one during
# the swap): a later build removes such a folder only when it holds this file (or the output MARKER),
# never because of its name alone.
SWAP_MARKER = ".mlnotes-swap"


def _ours(folder: Path) -> bool:
    return not folder.is_symlink() and folder.is_dir() and \
        ((folder / SWAP_MARKER).is_file() or (folder / MARKER).is_file())


def remove_ours(folder: Path) -> None:
    """Remove a temporary folder of ours, its markers last: interrupted half-way, it is still ours."""
    if not _ours(folder):
        return
    for entry in os.scandir(folder):
        if entry.name in (SWAP_MARKER, MARKER):
            continue
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                os.unlink(entry.path)
    for name in (MARKER, SWAP_MARKER):
        with contextlib.suppress(OSError):
            (folder / name).unlink()
    with contextlib.suppress(OSError):
        folder.rmdir()


def recover(out: Path) -> None:
    """Undo what a build killed mid-way (kill -9, power loss) left beside `out`: a missing output whose
    previous version waits in our `.old` folder is put back (the killed build did not finish, so its
    new output is not trusted), and every temporary folder of ours is removed. Run under the output's
    lock, so no live build's folders are touched."""
    parent = out.parent
    if not parent.is_dir():
        return
    prefixes = (f".{out.name}.old-", f".{out.name}.tmp-")
    found = sorted((p for p in parent.iterdir() if p.name.startswith(prefixes) and _ours(p)),
                   key=lambda p: not p.name.startswith(prefixes[0]))  # .old first: restore, then clean
    for folder in found:
        previous = folder / "x"
        if folder.name.startswith(prefixes[0]) and not out.exists() and not out.is_symlink() \
                and previous.is_dir() and not previous.is_symlink():
            os.rename(previous, out)
        remove_ours(folder)


class OutputWriter:
    """Writes outputs into a fresh folder beside `out` as they come, then swaps it in; `abort` (or any
    exception) leaves `out` as it was. A file identical to the previous build's is hard-linked from
    it, so it keeps its timestamp and deploy tools see only real changes; a page whose fingerprint
    (the digest of its inputs) is the previous build's is not even made."""

    def __init__(self, out: Path, manifest_path: Path | None) -> None:
        self.out = out.resolve()
        self.manifest_path = manifest_path
        recover(self.out)  # first, what a killed build left (we hold the output's lock)
        self.previous: dict[str, Record] = read_manifest(manifest_path, self.out) if self.out.is_dir() else {}
        # Named by process (one build per output at a time, under its lock): `abort` knows what to
        # remove however early a signal comes, even before the folder exists.
        self.tmp = self._free_name("tmp")
        self.old = self._free_name("old")
        self.digests: dict[str, str] = {}
        self.fingerprints: dict[str, str] = {}
        self.linked = 0
        self.made = 0  # pages whose bytes were made (the rest had the previous build's fingerprint)
        self.processes = 1  # how many processes made them
        self.kept = False  # the output folder already was this build's output: left untouched
        self._dirs: set[Path] = set()
        self._phase = ""  # "swapping" from the first rename on; "aborted" once the swap was undone
        self._started = False

    def _free_name(self, kind: str) -> Path:
        """`.OUT.tmp-PID` (or `.old-`): a name no folder has (one not ours, left by hand, is kept)."""
        base = self.out.parent / f".{self.out.name}.{kind}-{os.getpid()}"
        path, n = base, 0
        while path.exists() or path.is_symlink():
            n += 1
            path = base.with_name(f"{base.name}-{n}")
        return path

    @property
    def swapped(self) -> bool:
        """The new output is in place (an interruption from here on does not leave the previous one)."""
        return self._phase == "swapping" and not self.tmp.exists()

    def start(self) -> None:
        self.out.parent.mkdir(parents=True, exist_ok=True)
        self._started = True  # before the folder: a signal may come between the mkdir and its marker
        self.tmp.mkdir(mode=0o755)
        (self.tmp / SWAP_MARKER).write_text("mlnotes build: the next output while it is written\n", encoding="utf-8")

    def unchanged(self, outputs: list[Output]) -> bool:
        """The output folder already is exactly what these outputs would write: every page has the
        previous build's fingerprint and its file is as written, every other file has the previous
        digest, and the folder holds nothing else. Then nothing needs to be written or swapped."""
        if not self.previous or len(outputs) != len(self.previous) or not (self.out / MARKER).is_file():
            return False
        for output in outputs:
            record = self.previous.get(output.path)
            if record is None:
                return False
            if output.make is not None:
                if not self.reusable(output):
                    return False
            elif record[0] != output_digest(output, output.content() if output.copy_from is None else None) \
                    or not self._as_written(output.path, record):
                return False
        found: set[str] = set()
        for folder, _, files in os.walk(self.out):
            rel = os.path.relpath(folder, self.out).replace(os.sep, "/")
            found.update(name if rel == "." else f"{rel}/{name}" for name in files)
        return found == set(self.previous) | {MARKER}

    def keep(self) -> None:
        """Leave the output folder as it is (see `unchanged`); `commit` then swaps nothing."""
        self.kept = True
        self.digests = {path: str(record[0]) for path, record in self.previous.items()}
        self.fingerprints = {path: str(record[3]) for path, record in self.previous.items() if len(record) > 3}
        self.linked = len(self.previous)

    def _as_written(self, path: str, record: Record) -> bool:
        return as_written(self.out.joinpath(*path.split("/")), record)

    def reusable(self, output: Output) -> bool:
        """The previous build wrote this page from the same inputs, and the file is still as written."""
        record = self.previous.get(output.path)
        if not (output.fingerprint and record and len(record) > 3 and record[3] == output.fingerprint):
            return False
        return self._as_written(output.path, record)

    def add(self, output: Output) -> None:
        parts = output.path.split("/")
        if output.path.startswith("/") or ".." in parts or "" in parts[:-1] or output.path in self.digests:
            return  # unsafe, or a second claim on one path (reported as url/duplicate)
        target = self.tmp.joinpath(*parts)
        if target.parent not in self._dirs:
            target.parent.mkdir(parents=True, exist_ok=True)
            self._dirs.add(target.parent)
        record = self.previous.get(output.path)
        if output.fingerprint:
            self.fingerprints[output.path] = output.fingerprint
            if record and len(record) > 3 and record[3] == output.fingerprint \
                    and self._link_unchanged(output.path, str(record[0]), target):
                self.digests[output.path] = str(record[0])
                return
        data = output.content() if output.copy_from is None else None
        self.made += output.make is not None
        digest = output_digest(output, data)
        self.digests[output.path] = digest
        if self._link_unchanged(output.path, digest, target):
            return
        if output.copy_from is not None:
            if not (output.linkable and _hard_link(output.copy_from, target)):
                shutil.copyfile(output.copy_from, target)
        else:
            target.write_bytes(data or b"")

    def _link_unchanged(self, path: str, digest: str, target: Path) -> bool:
        record = self.previous.get(path)
        if not record or record[0] != digest:
            return False
        if not self._as_written(path, record):
            return False  # changed by hand since: write it again
        try:
            os.link(self.out.joinpath(*path.split("/")), target)
        except OSError:
            return False
        self.linked += 1
        return True

    def commit(self) -> dict[str, str]:
        if self.kept:
            return self.digests
        (self.tmp / MARKER).write_text("This folder is written by mlnotes build; it is replaced on every build.\n",
                                       encoding="utf-8")
        manifest = {path: record_of(self.tmp.joinpath(*path.split("/")), digest, self.fingerprints.get(path, ""))
                    for path, digest in self.digests.items()}
        (self.tmp / SWAP_MARKER).unlink()  # not part of the output (MARKER now says the folder is ours)
        self._phase = "swapping"
        try:
            if self.out.exists():
                self.old.mkdir()
                (self.old / SWAP_MARKER).write_text("mlnotes build: the previous output during the swap\n",
                                                    encoding="utf-8")
                os.rename(self.out, self.old / "x")
            os.rename(self.tmp, self.out)
        except BaseException:
            if self.tmp.exists():  # not swapped: put the previous output back
                self._phase = "aborted"
                if (self.old / "x").exists() and not self.out.exists():
                    os.rename(self.old / "x", self.out)
                self.abort()
            raise
        finally:
            if self.out.exists():
                remove_ours(self.old)
        write_manifest(self.manifest_path, self.out, manifest)
        return self.digests

    def abort(self) -> None:
        remove_ours(self.tmp)
        if self._started and not self.tmp.is_symlink():  # made by this build (its name was free) but
            with contextlib.suppress(OSError):  # interrupted before its marker: empty, so rmdir takes it
                self.tmp.rmdir()
        if (self.old / "x").exists() and not self.out.exists():
            return  # the previous output is in there: commit, or the next build (recover), puts it back
        remove_ours(self.old)


def _hard_link(source: Path, target: Path) -> bool:
    try:
        os.link(source, target)
    except OSError:  # another file system, or one without hard links: copied instead
        return False
    return True


@contextlib.contextmanager
def output_lock(out: Path, lock_dir: Path, log: Callable[[str], None] | None = None) -> Iterator[None]:
    """One build at a time per output folder: a second one waits for the first (output never mixed).
    The lock file lives in the site's cache folder, not beside the output."""
    out = out.resolve()
    lock_dir.mkdir(parents=True, exist_ok=True)
    name = hashlib.blake2b(str(out).encode(), digest_size=8).hexdigest()
    with open(lock_dir / f"output-{name}.lock", "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if log:
                log(f"waiting for another build writing {out} to finish…")
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# What a forked writer process inherits: the writer, the outputs, and a function it runs first
# (to open its own cache connection and forget the parent's KaTeX worker).
_FORKED: tuple[OutputWriter, list[Output], Callable[[], None], list[Any]] | None = None


def _after_fork() -> None:
    start_pool_process()
    assert _FORKED is not None
    _FORKED[2]()


def _write_range(bounds: tuple[int, int]) -> tuple[dict[str, str], dict[str, str], int, int, list[Any]]:
    assert _FORKED is not None
    writer, outputs, _, problems = _FORKED
    writer.digests, writer.fingerprints, writer.linked, writer.made = {}, {}, 0, 0
    known = len(problems)
    for output in outputs[bounds[0]:bounds[1]]:
        writer.add(output)
    return writer.digests, writer.fingerprints, writer.linked, writer.made, problems[known:]


def write_all(writer: OutputWriter, outputs: Iterator[Output], jobs: int, after_fork: Callable[[], None],
              problems: list[Any], progress: Callable[[int], None] | None = None) -> None:
    """Add every output to the writer, which starts its fresh folder only if the output folder is not
    already exactly this output (a build with nothing changed touches nothing). Pages that must be
    made are made by `jobs` forked processes when there are many of them (the site model is
    inherited, nothing is pickled but the results); output bytes never depend on which process made
    them. `problems` is the list that making pages
    appends to (template errors); a forked process's additions are brought back to it."""
    global _FORKED
    pending: list[Output] = []
    claimed: set[str] = set()
    described: list[Output] = []  # descriptions only: no page is made yet
    for count, output in enumerate(outputs, start=1):
        if output.path in claimed:
            continue  # a second claim on one path is reported as url/duplicate
        claimed.add(output.path)
        described.append(output)
        if progress and count % 100 == 0:
            progress(count)
    if writer.unchanged(described):
        writer.keep()
        return
    writer.start()
    for output in described:
        if output.make is None or writer.reusable(output):
            writer.add(output)
        else:
            pending.append(output)
    # fork only from a process with one thread: a lock held by another thread would stay locked
    if jobs <= 1 or len(pending) < PARALLEL_THRESHOLD or threading.active_count() > 1:
        for output in pending:
            writer.add(output)
        return
    ranges = shrinking_ranges(len(pending), jobs, most=max(8, len(pending) // (jobs * 8)), least=4)
    _FORKED = (writer, pending, after_fork, problems)
    writer.processes = jobs
    saved = writer.digests, writer.fingerprints, writer.linked, writer.made
    try:
        with multiprocessing.get_context("fork").Pool(jobs, initializer=_after_fork) as pool:
            results = pool.map(_write_range, ranges, chunksize=1)
    finally:
        _FORKED = None
        writer.digests, writer.fingerprints, writer.linked, writer.made = saved
    seen = {(p.path, p.message) for p in problems}
    for digests, fingerprints, linked, made, new_problems in results:
        for problem in new_problems:
            if (problem.path, problem.message) not in seen:
                seen.add((problem.path, problem.message))
                problems.append(problem)
        writer.digests.update(digests)
        writer.fingerprints.update(fingerprints)
        writer.linked += linked
        writer.made += made
