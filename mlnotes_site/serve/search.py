"""The search index in `serve`: rewritten in a background thread after a rebuild, debounced (a burst
of saves indexes once), never delaying the page reload. The same documents and cached indexes as
`build` (emit/search.py); the finished index is swapped into the preview's `pagefind/` folder."""
from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path
from collections.abc import Callable

from mlnotes_site.cache import CACHE_DIR, Cache
from mlnotes_site.config import Config
from mlnotes_site.emit import search
from mlnotes_site.index.site import Site
from mlnotes_site.render.cache import Bodies


class BackgroundIndexer:
    def __init__(self, output: Path, delay: float = 0.4, log: Callable[[str], None] | None = None) -> None:
        self.output = output
        self.delay = delay
        self.log = log
        self.written = ""  # digest of the index in the output
        self._pending: tuple[Config, Site, dict[str, str], list[search.SearchDoc], str] | None = None
        self._wake = threading.Condition()
        self._stopped = False
        self._thread: threading.Thread | None = None
        self.idle = threading.Event()  # set when no index is pending or being made (tests wait on it)
        self.idle.set()

    def schedule(self, config: Config, site: Site, keys: dict[str, str]) -> None:
        """After a successful rebuild: index this state once the saves have settled."""
        if not config.search or search.pagefind_binary() is None:
            return
        docs = search.search_docs(site, keys)
        digest = search.inputs_digest(docs)
        with self._wake:
            if digest == self.written and self._pending is None:
                return
            self._pending = (config, site, dict(keys), docs, digest)
            self.idle.clear()
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, daemon=True, name="mlnotes-search")
                self._thread.start()
            self._wake.notify()

    def _loop(self) -> None:
        while True:
            with self._wake:
                while self._pending is None and not self._stopped:
                    self.idle.set()
                    self._wake.wait()
                if self._stopped:
                    self.idle.set()
                    return
                # debounce: wait until no newer state has come for `delay` seconds
                while True:
                    seen = self._pending
                    self._wake.wait(self.delay)
                    if self._stopped:
                        self.idle.set()
                        return
                    if self._pending is seen:
                        break
                job, self._pending = self._pending, None
            assert job is not None
            try:
                self._index(*job)
            except Exception as exc:  # noqa: BLE001 - the preview keeps working without search
                if self.log:
                    self.log(f"search index: {type(exc).__name__}: {exc}")

    def _index(self, config: Config, site: Site, keys: dict[str, str], docs: list[search.SearchDoc],
               digest: str) -> None:
        if digest == self.written:
            return
        cache = Cache(config.root / CACHE_DIR)  # this thread's own connection
        try:
            bodies = Bodies(cache, keys, {})  # the records the render stage cached (made again if lost)
            index = search.launch(config.root / CACHE_DIR / "search", docs, digest, site, bodies)
            index.wait()
        finally:
            cache.close()
        for problem in index.problems:
            if self.log:
                self.log(problem.format())
        if index.folder is None or not (index.folder / "pagefind-entry.json").is_file():
            return
        self._install(index.folder)
        self.written = digest

    def _install(self, folder: Path) -> None:
        """Swap the finished index in: a reader sees the old folder or the new one, never half of one."""
        target = self.output / search.FOLDER
        fresh = self.output / f".{search.FOLDER}.new-{os.getpid()}"
        old = self.output / f".{search.FOLDER}.old-{os.getpid()}"
        shutil.rmtree(fresh, ignore_errors=True)
        shutil.copytree(folder, fresh)
        self.output.mkdir(parents=True, exist_ok=True)
        if target.exists():
            os.rename(target, old)
        os.rename(fresh, target)
        shutil.rmtree(old, ignore_errors=True)

    def close(self) -> None:
        with self._wake:
            self._stopped = True
            self._wake.notify()
        if self._thread is not None:
            self._thread.join(timeout=30)
