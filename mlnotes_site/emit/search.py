"""The search index: Pagefind (its extended build, which segments Chinese) over one small plain
document per note, never over the written pages.

Each document is the note's search record (made by render/searchtext.py, cached beside its body)
wrapped in `data-pagefind-body` with the note's title, topics, tags and date as metadata and
filters, in `<html lang>` of the note's language: Pagefind makes one index per language, and the
page a reader is on searches its own. Documents are written to a temporary folder and the
packaged binary indexes it into `.mlnotes-cache/search/<inputs digest>/` while the pages are
written (by way of memory, /dev/shm, when there is room: a thousand small files cost a disk's file
system many times the CPU, on the cores the page writers use); the finished files are then added
to the output's `pagefind/` folder. The digest covers every input of the index, so a build in
which no note changed reuses the cached index at once, and one changed note re-indexes from the
cached records without reading any page.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from functools import lru_cache
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any
from collections.abc import Iterator

from mlnotes_site.cache import CACHE_DIR
from mlnotes_site.config import Config
from mlnotes_site.emit import Output
from mlnotes_site.emit.searchrun import write_file
from mlnotes_site.i18n import format_date
from mlnotes_site.index.site import Site
from mlnotes_site.index.urls import output_file
from mlnotes_site.problems import Problem, warning

if TYPE_CHECKING:  # a protocol only: emit reads records the render stage made, never renders
    from mlnotes_site.emit.context import BodyStore

FOLDER = "pagefind"  # in the output, as Pagefind's script expects
STAMP = f"{FOLDER}/mlnotes-index.txt"  # names the inputs of the index beside it
KEEP = 3  # cached indexes kept (the newest): switching back and forth between two states stays fast
FORMAT = "1"  # of the documents below; bump when they change shape


@lru_cache(maxsize=1)
def pagefind_binary() -> Path | None:
    """The Pagefind binary of the installed PyPI package (the extended build first), or None."""
    for module in ("pagefind_bin_extended", "pagefind_bin"):
        try:
            found = __import__(module).get_executable()
        except (ImportError, FileNotFoundError, OSError):
            continue
        if found is not None and os.access(found, os.X_OK):
            return Path(found)
    return None


@lru_cache(maxsize=1)
def pagefind_version() -> str:
    """The binary itself, by name, size and time: part of the index's cache key (a stat, where asking
    the package metadata costs a scan of site-packages on every build)."""
    binary = pagefind_binary()
    if binary is None:
        return ""
    stat = binary.stat()
    return f"{binary.name}:{stat.st_size}:{stat.st_mtime_ns}"


def search_enabled(config: Config) -> bool:
    """Whether pages get a search box: the site wants search and Pagefind can run here."""
    return config.search and pagefind_binary() is not None


@dataclass(frozen=True)
class SearchDoc:
    """What the index knows of one note, besides its record."""
    file: str  # where Pagefind finds it, which is its URL: "en/diffusion/ddim/index.html"
    lang: str
    path: str  # the note's source, for a record the cache lost
    key: str  # the note's body key: its record in the cache
    title: str
    topics: tuple[str, ...]  # titles in the note's language
    tags: tuple[str, ...]
    date: str


def search_docs(site: Site, keys: dict[str, str]) -> list[SearchDoc]:
    """One document per published note (drafts only when the build includes them: `site.notes`)."""
    return [SearchDoc(output_file(site.note_url(note)), note.lang, note.path, keys.get(note.path, ""), note.title,
                      tuple(site.topic_title(t, note.lang) for t in note.topics), tuple(note.tags),
                      format_date(note.date, note.lang))
            for note in site.notes]


def inputs_digest(docs: list[SearchDoc]) -> str:
    """Everything the index is made from: the binary, this format, and each document (its record
    is fixed by its body key, which changes with the note's text and the renderer)."""
    h = hashlib.blake2b(digest_size=16)
    h.update(f"{FORMAT}\0{pagefind_version()}\0".encode())
    for doc in sorted(docs, key=lambda d: d.file):
        h.update(repr((doc.file, doc.lang, doc.key, doc.title, doc.topics, doc.tags, doc.date)).encode("utf-8",
                                                                                                       "surrogatepass"))
    return h.hexdigest()


def _attr(kind: str, key: str, value: str) -> str:
    # the value in an attribute of its own (`key[data-v]`): commas and colons in it stay as written
    return f'<span data-pagefind-{kind}="{key}[data-v]" data-v="{escape(value)}"></span>'


def document_html(doc: SearchDoc, record: str) -> str:
    parts = [f'<!DOCTYPE html><html lang="{escape(doc.lang)}"><head><meta charset="utf-8"><title>{escape(doc.title)}'
             f'</title></head><body><main data-pagefind-body><h1 data-pagefind-meta="title">{escape(doc.title)}</h1>']
    if doc.topics:
        parts.append(_attr("meta", "topic", " · ".join(doc.topics)))
    parts.append(_attr("meta", "date", doc.date))
    parts += [_attr("filter", "topic", topic) for topic in doc.topics]
    parts += [_attr("filter", "tag", tag) for tag in doc.tags]
    parts.append(record)
    parts.append("</main></body></html>")
    return "".join(parts)


def records(docs: list[SearchDoc], site: Site, bodies: BodyStore) -> dict[str, str]:
    """Each document's record by note path, as the render stage made it (BodyStore.search)."""
    wanted = {doc.path for doc in docs}
    return bodies.search([note for note in site.notes if note.path in wanted])


@dataclass
class IndexStats:
    """What making an index cost, for `build --profile` and the benchmark (benchmarks/search_feed.py)."""
    documents: int = 0
    document_bytes: int = 0
    seconds: float = 0.0  # from the Pagefind process's start until this build had reaped it
    cpu: float = 0.0  # user + system seconds of the Pagefind process
    peak_rss_mb: float = 0.0
    index_bytes: int = 0
    prepare: float = 0.0  # seconds this build spent writing the documents (before Pagefind started)
    waited: float = 0.0  # seconds this build waited for Pagefind after writing the pages
    finish: float = 0.0  # seconds from there until the index was added to the output


@dataclass
class SearchIndex:
    """The index of one build: found in the cache, or being made by a Pagefind process."""
    folder: Path | None = None  # the finished index (cached), or where the running process writes it
    digest: str = ""
    process: subprocess.Popen[bytes] | None = None
    scratch: Path | None = None  # the documents, while the process reads them
    ram: Path | None = None  # the documents and Pagefind's output in memory (ram_folder); the runner copies
    # the index to `folder` and removes this
    problems: list[Problem] = field(default_factory=list)
    fresh: bool = False  # made by this build (its files are added after the pages)
    log: Any = None  # the process's error output
    stats: IndexStats | None = None  # of a fresh index, once made
    started: float = 0.0

    def described(self) -> Iterator[Output]:
        """The outputs known before the pages are written: the cached index, or a stamp that says a
        new one follows (so the writer knows the output changes)."""
        if self.folder is None:
            return
        yield Output(STAMP, f"{self.digest}\n".encode(), origin="search index")
        if not self.fresh:
            yield from _files(self.folder)

    def wait(self) -> list[Output]:
        """The files of an index made by this build, once Pagefind has finished."""
        process, making = self.process, self.folder
        if process is None or making is None:
            return []
        try:
            # wait4, not wait: the process's own CPU time and peak memory, for --profile
            waiting = time.perf_counter()
            _, status, usage = os.wait4(process.pid, 0)
            process.returncode = os.waitstatus_to_exitcode(status)
            if self.stats is not None:
                self.stats.waited = time.perf_counter() - waiting
                self.stats.seconds = time.perf_counter() - self.started
                self.stats.cpu = usage.ru_utime + usage.ru_stime
                self.stats.peak_rss_mb = usage.ru_maxrss / 1024  # KiB on Linux
            err = b""
            if self.log is not None:
                self.log.seek(0)
                err = self.log.read()
                self.log.close()
        finally:
            self.process = None
            _remove(self.scratch, self.ram)
            self.scratch = self.ram = None
        done = making.parent / self.digest
        if process.returncode != 0 or not (making / "pagefind-entry.json").is_file():
            shutil.rmtree(making, ignore_errors=True)
            tail = err.decode("utf-8", "replace").strip().splitlines()[-3:]
            self.problems.append(warning("search/index-failed", f"Pagefind could not build the search index "
                                         f"(exit {process.returncode}): {' / '.join(tail)}", "",
                                         hint="the site is written without search; run the build again"))
            return []
        canonical_filters(making)
        shutil.rmtree(done, ignore_errors=True)
        os.rename(making, done)
        self.folder = done
        files = list(_files(done))
        if self.stats is not None:
            self.stats.index_bytes = sum(output.copy_from.stat().st_size for output in files if output.copy_from)
        return files

    def add_to(self, writer: Any) -> None:
        """Add a fresh index's files to a writer that has written the pages (see build.py)."""
        began = time.perf_counter()
        files = self.wait()
        if not getattr(writer, "kept", False):  # kept: the stamp was the previous build's, whose index failed
            for output in files:
                writer.add(output)
        if self.stats is not None:
            self.stats.finish = time.perf_counter() - began - self.stats.waited

    def cancel(self) -> None:
        """Stop a Pagefind process still running (the build failed) and remove what it wrote."""
        if self.process is None:
            return
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                if hasattr(os, "killpg"):
                    os.killpg(self.process.pid, signal.SIGKILL)  # Pagefind with it
                else:
                    self.process.kill()
        self.process.wait()
        self.process = None
        _remove(self.scratch, self.folder, self.ram)


_SIGNATURE = b"pagefind_dcd"


def _cbor_end(data: bytes, at: int) -> int:
    """Where the CBOR item starting at `at` ends (the kinds Pagefind writes: numbers, strings, arrays, maps)."""
    major, info = data[at] >> 5, data[at] & 31
    at += 1
    if info < 24:
        value = info
    else:
        size = {24: 1, 25: 2, 26: 4, 27: 8}[info]
        value, at = int.from_bytes(data[at:at + size], "big"), at + size
    if major in (2, 3):
        return at + value
    if major in (4, 5):
        for _ in range(value * (2 if major == 5 else 1)):
            at = _cbor_end(data, at)
    return at


def _header_end(data: bytes, at: int) -> int:
    info = data[at] & 31
    return at + 1 + ({24: 1, 25: 2, 26: 4, 27: 8}.get(info, 0))


def _sorted_meta_filters(meta: bytes) -> bytes:
    """A meta file is `[version, pages, chunks, filters, sorts, fields]`: its filters in order too."""
    at = _header_end(meta, len(_SIGNATURE))
    for _ in range(3):
        at = _cbor_end(meta, at)
    end = _cbor_end(meta, at)
    first = _header_end(meta, at)
    spans, item = [], first
    while item < end:
        spans.append(meta[item:_cbor_end(meta, item)])
        item = _cbor_end(meta, item)
    return meta[:first] + b"".join(sorted(spans)) + meta[end:]


def canonical_filters(folder: Path) -> None:
    """Make Pagefind's filter files byte-stable: it writes each filter's values in hash-map order, so
    two runs over the same documents differ (and so do the names of the files that point to them).
    Each filter file is `[name, [[value, [pages]], ...]]`: its values are put in order, the file
    renamed by its content, and the language's meta file and pagefind-entry.json follow."""
    import gzip
    entry_path = folder / "pagefind-entry.json"
    entry = json.loads(entry_path.read_text(encoding="utf-8"))
    for lang, info in entry["languages"].items():
        meta_path = folder / f"pagefind.{info['hash']}.pf_meta"
        meta = gzip.decompress(meta_path.read_bytes())
        for old in sorted((folder / "filter").glob(f"{lang}_*.pf_filter")):
            data = gzip.decompress(old.read_bytes())
            body = len(_SIGNATURE)
            name_end = _cbor_end(data, _header_end(data, body))
            list_at = name_end
            values_at = _header_end(data, list_at)
            spans, at = [], values_at
            while at < len(data):
                end = _cbor_end(data, at)
                value_end = _cbor_end(data, _header_end(data, at))
                spans.append((data[_header_end(data, _header_end(data, at)):value_end], data[at:end]))
                at = end
            fixed = data[:values_at] + b"".join(span for _, span in sorted(spans))
            name = f"{lang}_{hashlib.sha256(fixed).hexdigest()[:len(old.stem) - len(lang) - 1]}"
            old.unlink()
            (folder / "filter" / f"{name}.pf_filter").write_bytes(gzip.compress(fixed, mtime=0))
            meta = meta.replace(old.stem.encode(), name.encode())
        meta = _sorted_meta_filters(meta)
        meta_path.unlink()
        info["hash"] = f"{lang}_{hashlib.sha256(meta).hexdigest()[:len(info['hash']) - len(lang) - 1]}"
        (folder / f"pagefind.{info['hash']}.pf_meta").write_bytes(gzip.compress(meta, mtime=0))
    entry["languages"] = dict(sorted(entry["languages"].items()))
    entry_path.write_text(json.dumps(entry, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


def _files(folder: Path) -> Iterator[Output]:
    """The index's files, in a fixed order (a warm build lists all of them: string joins, not Path math)."""
    top = str(folder)
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames.sort()
        rel = dirpath[len(top):].replace(os.sep, "/")
        for name in sorted(filenames):
            yield Output(f"{FOLDER}{rel}/{name}", copy_from=Path(dirpath, name), origin="search index",
                         linkable=True)  # a finished index folder is never written again


def unavailable() -> Problem:
    return warning("search/unavailable", "Pagefind is not installed for this platform: the site is built without "
                   "search", "", hint="install the 'pagefind[extended]' package, or set 'search: false' in mlnotes.yaml")


def start_search(config: Config, site: Site, bodies: BodyStore) -> SearchIndex:
    """The index for this build: the cached one when its inputs are unchanged, else a Pagefind
    process started over freshly written documents (it runs while the caller writes the pages)."""
    if not config.search:
        return SearchIndex()
    if pagefind_binary() is None:
        return SearchIndex(problems=[unavailable()])
    docs = search_docs(site, {note.path: bodies.key(note.path) for note in site.notes})
    try:
        return launch(config.root / CACHE_DIR / "search", docs, inputs_digest(docs), site, bodies)
    except OSError as exc:  # no room for the documents, or the binary cannot start: pages still get written
        return SearchIndex(problems=[warning("search/index-failed", f"cannot build the search index: {exc}", "",
                                             hint="check free space in .mlnotes-cache/; the site is written "
                                                  "without search")])


def launch(root: Path, docs: list[SearchDoc], digest: str, site: Site, bodies: BodyStore) -> SearchIndex:
    """The index of these documents in `root/<digest>/`: found there, or a Pagefind process making it."""
    binary = pagefind_binary()
    assert binary is not None
    cached = root / digest
    if (cached / "pagefind-entry.json").is_file():
        os.utime(cached)  # the newest is kept when old ones are pruned
        return SearchIndex(cached, digest)
    root.mkdir(parents=True, exist_ok=True)
    _prune(root)
    began = time.perf_counter()
    texts = records(docs, site, bodies)
    pages = [(doc.file, document_html(doc, texts[doc.path]).encode("utf-8")) for doc in docs]
    stats = IndexStats(len(docs), sum(len(data) for _, data in pages))
    making = Path(tempfile.mkdtemp(prefix=f"{digest}.tmp-", dir=root))
    # errors to a file, not a pipe: nobody reads a pipe while the pages are written, and a full one would stall it
    log = tempfile.TemporaryFile()
    # the documents and Pagefind's output in memory when there is room (see the module's docstring), else
    # in the cache folder. Pagefind reads the documents in their folder's order, which is the file
    # system's: memory (tmpfs) lists a folder in the order it was written, a disk (ext4) by a hash of the
    # names. The same documents make the same index on either, but not the same bytes on both.
    ram = ram_folder(stats.document_bytes)
    scratch = Path(tempfile.mkdtemp(prefix="docs-", dir=root)) if ram is None else ram / "docs"
    built = making if ram is None else ram / "index"
    command = [str(binary), "--site", str(scratch), "--output-path", str(built), "--silent"]
    write_documents(pages, scratch)
    # Pagefind, and the copy of its index out of memory, run by emit/searchrun.py: started with Popen
    # (vfork and exec), the build's memory never shared with a copy of it. (A forked child of the build
    # cost the page writers, forked after it, a fifth more time: 4.25-5.06 s against 3.45-4.17 s for
    # 3,239 pages with Pagefind doing nothing.) A session of its own: cancel() stops both.
    process = subprocess.Popen([sys.executable, "-m", "mlnotes_site.emit.searchrun", str(ram or ""), str(making), "--",
                                *command], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log,
                               start_new_session=hasattr(os, "killpg"))
    started = time.perf_counter()
    stats.prepare = started - began
    return SearchIndex(making, digest, process, scratch, ram, fresh=True, log=log, stats=stats, started=started)


def write_documents(pages: list[tuple[str, bytes]], scratch: Path) -> None:
    """One file per document, by plain system calls: a thousand files through `open()` objects and
    Path joins cost the build's busy cores several times as much."""
    top = str(scratch)
    made: set[str] = set()
    for file, data in pages:
        folder, _, _ = file.rpartition("/")
        if folder not in made:
            os.makedirs(os.path.join(top, folder), exist_ok=True)
            made.add(folder)
        write_file(os.path.join(top, file), data)


RAM = Path("/dev/shm")  # tmpfs on Linux: a thousand small files cost a fraction of a disk's CPU there
RAM_PREFIX = "mlnotes-search-"
RAM_MARKER = "mlnotes-search.txt"  # in each of our folders there: what the stale-folder sweep looks for


def ram_folder(document_bytes: int) -> Path | None:
    """A new folder in memory (/dev/shm) for Pagefind's documents (`docs/`) and output (`index/`),
    when there is one with room to spare (the index is about as large as its documents; containers
    often have a 64 MB /dev/shm); else None, and both are in the cache folder on disk."""
    try:
        if not ram_has_room(document_bytes):
            return None
        sweep_ram()
        folder = Path(tempfile.mkdtemp(prefix=RAM_PREFIX, dir=RAM))
        (folder / RAM_MARKER).write_text(f"{os.getpid()}\nmlnotes build: a search index being made "
                                         "by the process above; removed by the next build once it has ended\n",
                                         encoding="utf-8")
    except OSError:
        return None
    return folder


def ram_has_room(document_bytes: int) -> bool:
    try:
        fs = os.statvfs(RAM)
    except OSError:
        return False
    return os.access(RAM, os.W_OK | os.X_OK) and fs.f_bavail * fs.f_frsize >= 4 * document_bytes + (64 << 20)


def sweep_ram(now: float | None = None) -> None:
    """Our memory folders that a killed build left: ours by their marker, whose build has ended (or,
    should its process number have been reused, a day old)."""
    day_ago = (time.time() if now is None else now) - 86400
    for entry in RAM.glob(f"{RAM_PREFIX}*"):
        with contextlib.suppress(OSError, ValueError):
            marker = entry / RAM_MARKER
            if entry.is_symlink() or not marker.is_file():
                continue
            if _alive(int(marker.read_text(encoding="utf-8").split()[0])) and marker.stat().st_mtime > day_ago:
                continue
            shutil.rmtree(entry, ignore_errors=True)


def _remove(*folders: Path | None) -> None:
    for folder in folders:
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def _prune(root: Path) -> None:
    """Old indexes beyond the newest few, and what killed builds left (an hour old: another build
    of the same site into another folder may be using it now)."""
    finished: list[Path] = []
    leftovers: list[Path] = []
    for entry in root.iterdir():
        (leftovers if "." in entry.name or entry.name.startswith("docs-") else finished).append(entry)
    finished.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    stale = time.time() - 3600
    for entry in finished[KEEP:] + [e for e in leftovers if e.stat().st_mtime < stale]:
        shutil.rmtree(entry, ignore_errors=True)
