"""Watch a site's sources with watchdog: ignore editor debris and our own output, coalesce bursts."""
from __future__ import annotations

import threading
from pathlib import Path
from collections.abc import Callable

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import ObservedWatch

from mlnotes_site.cache import CACHE_DIR
from mlnotes_site.config import CONFIG_NAME
from mlnotes_site.load.discover import is_debris

WATCHED_DIRS = ("content", "templates", "static")
def relevant(path: str, root: Path, ignore: list[Path]) -> str | None:
    """The site-relative path of a change worth a rebuild, or None."""
    try:
        p = Path(path).resolve() if Path(path).exists() else Path(path).absolute()
        rel = p.relative_to(root)
    except ValueError:
        return None
    if any(p == other or other in p.parents for other in ignore):
        return None
    parts = rel.parts
    if not parts or is_debris(parts[-1]):
        return None
    if any(part.startswith(".") for part in parts) or CACHE_DIR in parts:
        return None
    if parts == (CONFIG_NAME,) or parts[0] in WATCHED_DIRS:
        return rel.as_posix()
    return None


class _Handler(FileSystemEventHandler):
    def __init__(self, sink: Callable[[str], None], root: Path, ignore: list[Path]) -> None:
        self.sink, self.root, self.ignore = sink, root, ignore

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write"):
            return
        if event.is_directory and event.event_type == "modified":
            return
        for path in (event.src_path, getattr(event, "dest_path", "")):
            if path:
                rel = relevant(str(path), self.root, self.ignore)
                if rel:
                    self.sink(rel)


class Debouncer:
    """Calls `action(changed paths)` once things have been quiet for `delay` seconds."""

    def __init__(self, action: Callable[[set[str]], object], delay: float = 0.02) -> None:
        self.action, self.delay = action, delay
        self.pending: set[str] = set()
        self.lock = threading.Lock()
        self.timer: threading.Timer | None = None

    def add(self, path: str) -> None:
        with self.lock:
            self.pending.add(path)
            if self.timer is not None:
                self.timer.cancel()
            self.timer = threading.Timer(self.delay, self._fire)
            self.timer.daemon = True
            self.timer.start()

    def _fire(self) -> None:
        with self.lock:
            changed, self.pending, self.timer = self.pending, set(), None
        if changed:
            self.action(changed)

    def cancel(self) -> None:
        with self.lock:
            if self.timer is not None:
                self.timer.cancel()


class _RootHandler(FileSystemEventHandler):
    """Events of the site folder itself: content/, templates/ or static/ made (or removed) after
    serve started are watched from then on."""

    def __init__(self, watcher: SiteWatcher) -> None:
        self.watcher = watcher

    def on_any_event(self, event: FileSystemEvent) -> None:
        if not event.is_directory:
            return
        if event.event_type in ("created", "moved"):
            path = str(getattr(event, "dest_path", "") or event.src_path)
            name = Path(path).name
            if Path(path).parent == self.watcher.root and name in WATCHED_DIRS:
                self.watcher.appeared(name)
        elif event.event_type == "deleted" and Path(str(event.src_path)).name in WATCHED_DIRS:
            self.watcher.gone(Path(str(event.src_path)).name)


class SiteWatcher:
    """The site folder (not recursively: it may hold a virtualenv or node_modules) and, recursively,
    each of content/, templates/ and static/, also those made after the start."""

    def __init__(self, root: Path, on_change: Callable[[set[str]], object], ignore: list[Path], delay: float = 0.02) -> None:
        self.root = root.resolve()
        self.debouncer = Debouncer(on_change, delay)
        self.observer = Observer()
        self.handler = _Handler(self.debouncer.add, self.root, [p.resolve() for p in ignore])
        self.lock = threading.Lock()
        self.watches: dict[str, ObservedWatch] = {}
        for name in WATCHED_DIRS:
            self._watch(name)
        self.observer.schedule(self.handler, str(self.root), recursive=False)
        self.observer.schedule(_RootHandler(self), str(self.root), recursive=False)

    def _watch(self, name: str) -> bool:
        folder = self.root / name
        with self.lock:
            if name in self.watches or not folder.is_dir() or folder.is_symlink():
                return False
            self.watches[name] = self.observer.schedule(self.handler, str(folder), recursive=True)
            return True

    def appeared(self, name: str) -> None:
        """A watched folder made after the start: watch it, and count every file already in it as
        changed (it may have been filled before the watch began, e.g. moved in whole)."""
        if not self._watch(name):
            return
        self.debouncer.add(name)
        for path in sorted((self.root / name).rglob("*")):
            rel = relevant(str(path), self.root, self.handler.ignore)
            if rel and path.is_file():
                self.debouncer.add(rel)

    def gone(self, name: str) -> None:
        with self.lock:
            watch = self.watches.pop(name, None)
        if watch is not None:
            try:
                self.observer.unschedule(watch)
            except (KeyError, OSError):
                pass  # the emitter stopped with its folder already
        self.debouncer.add(name)

    def start(self) -> None:
        self.observer.start()

    def stop(self) -> None:
        self.debouncer.cancel()
        self.observer.stop()
        self.observer.join(timeout=5)
