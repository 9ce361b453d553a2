"""Watch a site's sources with watchdog: ignore editor debris and our own output, coalesce bursts."""
from __future__ import annotations

import threading
from pathlib import Path, PurePosixPath
from collections.abc import Callable

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import ObservedWatch

from mlnotes_site.cache import CACHE_DIR
from mlnotes_site.config import is_config_path
from mlnotes_site.load.discover import is_content, is_debris

THEME_DIRS = ("templates", "static")


def content_root_is_site(root: Path) -> bool:
    """No content/ folder: the site folder itself holds the notes (config.content_at_root; a folder
    without any Markdown is watched the same way, so its first note is seen)."""
    return not (root / "content").is_dir()


def relevant(path: str, root: Path, ignore: list[Path], is_dir: bool = False) -> str | None:
    """The site-relative path of a change worth a rebuild, or None: the config files, the theme's
    folders, and what discovery reads as content (load/discover.py decides, also for a site folder
    that is its own content, where the output, the cache and the tools' folders are not)."""
    try:
        p = Path(path).resolve() if Path(path).exists() else Path(path).absolute()
        rel = p.relative_to(root)
    except ValueError:
        return None
    if any(p == other or other in p.parents for other in ignore):
        return None
    parts = rel.parts
    if not parts or CACHE_DIR in parts:
        return None
    if parts[0] in THEME_DIRS:
        return None if any(is_debris(part) for part in parts) else rel.as_posix()
    if not is_dir and is_config_path(rel.as_posix()):
        return rel.as_posix()
    if content_root_is_site(root):
        return rel.as_posix() if is_content(PurePosixPath(*parts), root, True, is_dir) else None
    if parts[0] != "content":
        return None
    if len(parts) == 1 or is_content(PurePosixPath(*parts[1:]), root / "content", False, is_dir):
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
                rel = relevant(str(path), self.root, self.ignore, event.is_directory)
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
    """Folder events at the top of the site folder: content/, templates/, static/ (or, in a site
    folder that is its own content, any of its content folders) made or removed after serve started
    are watched from then on, or no longer."""

    def __init__(self, watcher: SiteWatcher) -> None:
        self.watcher = watcher

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.is_directory and event.event_type in ("created", "moved", "deleted"):
            self.watcher.sync()


class SiteWatcher:
    """The site folder (not recursively: it may hold a virtualenv, node_modules or the output) and,
    recursively, each of content/, templates/ and static/; without content/, each folder of the site
    folder that discovery reads (load/discover.py), so notes in sub-folders are seen but public/,
    _site/ or node_modules are never watched. Folders made after the start are watched too."""

    def __init__(self, root: Path, on_change: Callable[[set[str]], object], ignore: list[Path], delay: float = 0.02) -> None:
        self.root = root.resolve()
        self.debouncer = Debouncer(on_change, delay)
        self.observer = Observer()
        self.handler = _Handler(self.debouncer.add, self.root, [p.resolve() for p in ignore])
        self.lock = threading.Lock()
        self.watches: dict[str, ObservedWatch] = {}
        self.sync(initial=True)
        self.observer.schedule(self.handler, str(self.root), recursive=False)
        self.observer.schedule(_RootHandler(self), str(self.root), recursive=False)

    def _wanted(self) -> set[str]:
        """The top-level folders to watch recursively, as the site is now."""
        names = {name for name in (*THEME_DIRS, "config") if self._is_folder(name)}  # config/: Hugo's config folder
        if not content_root_is_site(self.root):
            return names | {"content"}
        try:
            entries = sorted(self.root.iterdir())
        except OSError:
            return names
        return names | {entry.name for entry in entries if self._is_folder(entry.name)
                        and relevant(str(entry), self.root, self.handler.ignore, is_dir=True)}

    def _is_folder(self, name: str) -> bool:
        folder = self.root / name
        return folder.is_dir() and not folder.is_symlink()

    def sync(self, initial: bool = False) -> None:
        """Watch the folders wanted now and no others. A folder newly watched counts as changed with
        every file already in it (it may have been filled before its watch began, e.g. moved in
        whole); one no longer watched counts as changed (its files are gone, or are no content now)."""
        wanted = self._wanted()
        with self.lock:
            gone = {name: self.watches.pop(name) for name in sorted(set(self.watches) - wanted)}
            new = sorted(wanted - set(self.watches))
            for name in new:
                self.watches[name] = self.observer.schedule(self.handler, str(self.root / name), recursive=True)
        for name, watch in gone.items():
            try:
                self.observer.unschedule(watch)
            except (KeyError, OSError):
                pass  # the emitter stopped with its folder already
            self.debouncer.add(name)
        if initial:
            return
        for name in new:  # listed after the watch began: a file made meanwhile is seen twice, never missed
            self.debouncer.add(name)
            for path in sorted((self.root / name).rglob("*")):
                rel = relevant(str(path), self.root, self.handler.ignore, path.is_dir())
                if rel and path.is_file():
                    self.debouncer.add(rel)

    def start(self) -> None:
        self.observer.start()

    def stop(self) -> None:
        self.debouncer.cancel()
        self.observer.stop()
        self.observer.join(timeout=5)
