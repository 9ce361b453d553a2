"""The site as `serve` keeps it between changes: the loaded files, the rendered notes and the
fingerprint of every served file stay in memory, so a change re-reads only the files that changed,
re-renders only the notes whose text changed, and makes and writes only the pages whose inputs
changed. What ends up in the output folder is byte for byte what `mlnotes build` would write.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import Environment

from mlnotes_site.build import check_collisions, index_site
from mlnotes_site.cache import CACHE_DIR, Cache
from mlnotes_site.config import CONFIG_NAME, Config, load_config
from mlnotes_site.load.content import LoadMemo, Note, load_content
from mlnotes_site.emit import Output
from mlnotes_site.emit.outputs import SiteOutputs
from mlnotes_site.render.math.katex import MathEngine
from mlnotes_site.problems import Problem, escalate, has_errors
from mlnotes_site.render.stage import RenderMemo, default_jobs, render_all
from mlnotes_site.emit.theme import make_environment
from mlnotes_site.write.writer import MARKER, output_digest

# A config change starts the model afresh (it shapes every note's HTML); a theme change only means
# a new template environment (every page's fingerprint holds the theme's digest); content is incremental.
THEME = ("templates/", "static/")


@dataclass
class Update:
    problems: list[Problem] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)  # output paths written or removed
    failed: bool = False
    notes: int = 0
    rendered: int = 0  # notes rendered (not found in memory or in the cache)
    made: int = 0  # pages made from templates
    seconds: float = 0.0
    stages: dict[str, float] = field(default_factory=dict)  # seconds per step
    search: tuple | None = None  # (config, site, body keys) of a written state, for the search index


class LiveSite:
    def __init__(self, root: Path, output: Path, drafts: bool = True) -> None:
        self.root = root.resolve()
        self.output = output
        self.drafts = drafts
        self.config: Config | None = None
        self.cache: Cache | None = None
        self.engine: MathEngine | None = None
        self.load_memo = LoadMemo()
        self.render_memo = RenderMemo()
        self.env: Environment | None = None
        self.versions: dict[str, tuple[Note, str, tuple[str, str]]] = {}
        self.memo: dict = {}  # Site memo (link targets, list items), see Site
        # the last written state: its shape (see SiteOutputs.shape), its files, each note's version
        self.shape = ""
        self.produced: set[str] | None = None
        self.rendered_as: dict[str, str] = {}
        self.listed: dict[str, str] = {}
        self.structure = self.site_digest = ""
        # output path -> [digest, size, mtime_ns, fingerprint] of the file as written
        self.served: dict[str, list[object]] = {}
        self.manifest = self.root / CACHE_DIR / "serve-manifest.json"
        self._read_manifest()
        self._swept = False  # stray files from an older session are removed at the first write
        self._trusted = False  # after our first write, `served` is what is on disk: no need to stat

    # --- the model --------------------------------------------------------------------------------

    def _reset(self) -> list[Problem]:
        config, problems = load_config(self.root)
        if problems:
            return problems
        self.close()
        self.config = config
        self.cache = Cache(config.root / CACHE_DIR)
        self.engine = MathEngine(config.root, config.math_macros, self.cache)
        self.load_memo = LoadMemo()
        self.render_memo = RenderMemo()
        self.env = make_environment(config.root, auto_reload=True)
        self.versions = {}
        self.memo = {}
        self.shape, self.produced, self.rendered_as = "", None, {}
        return []

    def update(self, changed: set[str] | None = None, strict: bool = False) -> Update:
        """Bring the output up to date after `changed` (site-relative paths; None: anything)."""
        started = time.perf_counter()
        result = Update()
        if self.config is None or changed is None or CONFIG_NAME in changed:
            problems = self._reset()
            if problems:
                result.problems, result.failed = problems, True
                return result
        elif any(p.startswith(THEME) for p in changed):
            assert self.config is not None
            self.env = make_environment(self.config.root, auto_reload=True)
            self.produced = None  # describe every output again
        assert self.config and self.cache and self.engine
        config, cache, engine = self.config, self.cache, self.engine
        touched = frozenset(p[len("content/"):] for p in (changed or ()) if p.startswith("content/"))
        mark = time.perf_counter()

        def lap(name: str) -> None:
            nonlocal mark
            now = time.perf_counter()
            result.stages[name] = now - mark
            mark = now
        content = load_content(config, self.load_memo, touched)
        lap("load")
        wanted = [n for n in content.notes if self.drafts or not n.draft]
        jobs = default_jobs() if len(self.render_memo.notes) == 0 else 1
        stage = render_all(wanted, config, cache, engine, jobs, memo=self.render_memo)
        lap("render")
        site, bodies, problems = index_site(config, content, stage, engine, cache, self.drafts, strict,
                                            self.memo)
        result.notes, result.rendered = len(site.notes), stage.stats.rendered
        lap("index")
        emit_problems: list[Problem] = []
        described = SiteOutputs(site, engine, bodies, emit_problems, self.env, self.versions)
        listed = {n.path: described.pages.listing(n) for n in site.notes}
        # Only known notes were edited (no file added or removed, theme untouched) and none of them
        # changed what others show of it: no need to look at the whole site's shape.
        quick = (self.produced is not None and not self.load_memo.walked and listed == self.listed
                 and site.structure == self.structure and described.pages.site_digest == self.site_digest)
        shape = self.shape if quick else described.shape()
        if shape == self.shape and self.produced is not None:
            # Nothing any list, index or neighbour shows has changed: only the pages of notes whose
            # rendering changed, and the feeds, can differ.
            changed_notes = {n.path for n in site.notes if self.rendered_as.get(n.path) != described.pages.version(n)}
            outputs = list(described.for_notes(changed_notes))
            produced = self.produced
        else:
            outputs = list(described.all())
            produced = {o.path for o in outputs}
            problems += check_collisions([(o.path, o.origin) for o in outputs])
        lap("describe")
        if has_errors(escalate(problems, strict)):
            result.problems, result.failed = sorted(escalate(problems, strict), key=Problem.sort_key), True
            return result
        staged, made = self._stage(outputs)
        lap("make")
        try:
            all_problems = sorted(escalate(problems + emit_problems, strict), key=Problem.sort_key)
            result.problems, result.made = all_problems, made
            if has_errors(all_problems):
                result.failed = True  # the last good pages stay served
                return result
            result.changed = self._commit(staged, produced)
            self.shape, self.produced = shape, produced
            self.rendered_as = {n.path: described.pages.version(n) for n in site.notes}
            self.listed, self.structure, self.site_digest = listed, site.structure, described.pages.site_digest
            result.search = (config, site, bodies.keys)
            lap("write")
        finally:
            shutil.rmtree(staged.folder, ignore_errors=True)
        if changed is None:
            engine.warm_up()  # after the first build: the first edit need not wait for node
        result.seconds = time.perf_counter() - started
        return result

    # --- writing in place ---------------------------------------------------------------------------

    def _stage(self, outputs: list[Output]) -> tuple["_Staged", int]:
        """Make what changed into a staging folder first: a template error leaves the output as it was."""
        staging = self.root / CACHE_DIR / "staging"
        staging.mkdir(parents=True, exist_ok=True)
        staged = _Staged(Path(tempfile.mkdtemp(dir=staging)))
        made = 0
        seen: set[str] = set()
        for output in outputs:
            if output.path in seen:
                continue
            seen.add(output.path)
            record = self.served.get(output.path)
            if output.fingerprint and record and record[3] == output.fingerprint and self._intact(output.path, record):
                continue
            if output.copy_from is not None:
                digest = output_digest(output, None)
                if record and record[0] == digest and self._intact(output.path, record):
                    continue
                staged.add(output.path, None, output.copy_from, digest, "")
                continue
            data = output.content()
            made += output.make is not None
            digest = hashlib.blake2b(data, digest_size=16).hexdigest()
            if record and record[0] == digest and self._intact(output.path, record):
                record[3] = output.fingerprint or ""  # same bytes from new inputs: remember them
                continue
            staged.add(output.path, data, None, digest, output.fingerprint or "")
        return staged, made

    def _commit(self, staged: "_Staged", produced: set[str]) -> list[str]:
        out = self.output
        out.mkdir(parents=True, exist_ok=True)
        changed = []
        for path, (tmp, digest, fingerprint) in staged.files.items():
            target = out.joinpath(*path.split("/"))
            _make_room(target, out)
            os.replace(tmp, target)  # atomic: a reader sees the old file or the new one
            stat = target.stat()
            self.served[path] = [digest, stat.st_size, stat.st_mtime_ns, fingerprint]
            changed.append(path)
        for path in sorted(set(self.served) - produced):
            del self.served[path]
            target = out.joinpath(*path.split("/"))
            try:
                target.unlink()
            except OSError:
                pass
            _prune(target.parent, out)
            changed.append(path)
        self._sweep(produced)
        self._trusted = True
        marker = out / MARKER
        if not marker.exists():
            marker.write_text("This folder is written by mlnotes serve.\n", encoding="utf-8")
        self._write_manifest()
        return sorted(changed)

    def _sweep(self, produced: set[str]) -> None:
        """Files in the output that no longer belong there (left by an older session)."""
        if self._swept:
            return
        self._swept = True
        for dirpath, _, filenames in os.walk(self.output):
            for name in filenames:
                path = Path(dirpath) / name
                rel = path.relative_to(self.output).as_posix()
                if rel != MARKER and rel not in produced:
                    path.unlink(missing_ok=True)

    def _intact(self, path: str, record: list[object]) -> bool:
        if self._trusted:
            return True
        try:
            stat = self.output.joinpath(*path.split("/")).lstat()
        except OSError:
            return False
        return [stat.st_size, stat.st_mtime_ns] == record[1:3]

    def _read_manifest(self) -> None:
        try:
            data = json.loads(self.manifest.read_text(encoding="utf-8"))
            if data.get("output") == str(self.output.resolve()):
                self.served = {k: list(v) for k, v in data["files"].items() if isinstance(v, list) and len(v) == 4}
        except (OSError, ValueError, AttributeError, KeyError):
            self.served = {}

    def _write_manifest(self) -> None:
        try:
            self.manifest.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.manifest.with_suffix(".tmp")
            tmp.write_text(json.dumps({"output": str(self.output.resolve()), "files": self.served}), encoding="utf-8")
            os.replace(tmp, self.manifest)
        except OSError:
            pass  # only saves work at the next start

    def close(self) -> None:
        if self.engine is not None:
            self.engine.close()
        if self.cache is not None:
            self.cache.close()
        self.engine = self.cache = None


class _Staged:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.files: dict[str, tuple[Path, str, str]] = {}

    def add(self, path: str, data: bytes | None, source: Path | None, digest: str, fingerprint: str) -> None:
        tmp = self.folder / f"{len(self.files)}"
        if source is not None:
            shutil.copyfile(source, tmp)
        else:
            tmp.write_bytes(data or b"")
        self.files[path] = (tmp, digest, fingerprint)


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
