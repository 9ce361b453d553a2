"""The site as `serve` keeps it between changes: the loaded files, the rendered notes and the
fingerprint of every served file stay in memory, so a change re-reads only the files that changed,
re-renders only the notes whose text changed, and makes and writes only the pages whose inputs
changed. What ends up in the output folder is byte for byte what `mlnotes build` would write.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from jinja2 import Environment

from mlnotes_site.build import DescribeMemo, Described, Laps, check_collisions, describe
from mlnotes_site.cache import CACHE_DIR, Cache
from mlnotes_site.config import Config, is_config_path
from mlnotes_site.load.siteconfig import load_config
from mlnotes_site.load.content import NOTE_SUFFIXES
from mlnotes_site.load.discover import is_content
from mlnotes_site.index.site import Site
from mlnotes_site.load.languages import languages_used
from mlnotes_site.emit import Output
from mlnotes_site.render.math.engine import MathEngine
from mlnotes_site.problems import Problem, escalate, has_errors
from mlnotes_site.render.stage import default_jobs
from mlnotes_site.emit.theme import make_environment
from mlnotes_site.write.inplace import InPlaceWriter
from mlnotes_site.write.manifest import manifest_path

# A config change starts the model afresh (it shapes every note's HTML); a theme change only means
# a new template environment (every page's fingerprint holds the theme's digest); content is incremental.
THEME = ("templates", "static")


def touches_theme(path: str) -> bool:
    return path.split("/", 1)[0] in THEME


def content_path(config: Config, path: str) -> str | None:
    """A changed site-relative path as the content root names it, when it is content (as discovery
    reads it: in a site folder that is its own content, its theme folders and config files are not)."""
    if not config.content_at_root:
        if not path.startswith("content/"):
            return None
        path = path[len("content/"):]
    return path if is_content(PurePosixPath(path), config.content_dir, config.content_at_root) else None


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
    search: SearchState | None = None  # what the output now shows, for serve's background search index


@dataclass(frozen=True)
class SearchState:
    """A written state of the site, as the search index needs it (serve/search.py indexes it later)."""
    config: Config
    site: Site
    keys: dict[str, str]  # note path -> body key: its search record in the cache


@dataclass
class Written:
    """What the output folder holds: the site's shape (see SiteOutputs.shape), its files, and per note
    the version of its page and what lists show of it. `produced` None: describe every output again."""
    shape: str = ""
    produced: set[str] | None = None
    rendered_as: dict[str, str] = field(default_factory=dict)
    listed: dict[str, str] = field(default_factory=dict)
    structure: str = ""
    site_digest: str = ""
    relations: str = ""  # backlinks, related notes, the graph (index/relations.py)


@dataclass
class Plan:
    """The outputs one update writes, and the state the output is in once they are written."""
    outputs: list[Output]
    state: Written


class LiveSite:
    def __init__(self, root: Path, output: Path, drafts: bool = True) -> None:
        self.root = root.resolve()
        self.output = output
        self.drafts = drafts
        self.config: Config | None = None
        self.cache: Cache | None = None
        self.engine: MathEngine | None = None
        self.memo = DescribeMemo()
        self.env: Environment | None = None
        self.written = Written()
        self.writer = InPlaceWriter(output, manifest_path(self.root / CACHE_DIR, output),
                                    self.root / CACHE_DIR / "staging")

    # --- the model --------------------------------------------------------------------------------

    def _reset(self) -> list[Problem]:
        config, problems = load_config(self.root)
        if problems:
            return problems
        self.close()
        self.config = config
        self.cache = Cache(config.root / CACHE_DIR)
        self.engine = MathEngine(config.root, config.math_macros, self.cache)
        self.memo = DescribeMemo()
        self.env = make_environment(config.root, auto_reload=True)
        self.written = Written()
        return []

    def _refresh(self, changed: set[str] | None) -> list[Problem]:
        """Start afresh after a config change (or at first); a new template environment after a theme change."""
        if (self.config is None or changed is None or any(is_config_path(p) for p in changed)
                or self._layout_changed() or self._languages_changed(changed)):
            return self._reset()
        if any(touches_theme(p) for p in changed):
            self.env = make_environment(self.config.root, auto_reload=True)
            self.written.produced = None
        return []

    def _layout_changed(self) -> bool:
        """content/ made in a site folder that was its own content, or removed (or never there: a
        folder without notes may have just got its first)."""
        assert self.config is not None
        return (self.root / "content").is_dir() == self.config.content_at_root

    def _languages_changed(self, changed: set[str]) -> bool:
        """A site without `languages:` takes them from its files (load/languages.py): a note added,
        removed or edited (its `lang:`) may change them, and with them every page."""
        config = self.config
        if config is None or not config.languages_from_files:
            return False
        def settled(rel: str) -> bool:  # an edit of a known note whose suffix names a language it keeps
            stem = rel.rsplit("/", 1)[-1].rsplit(".", 1)[0]
            return (rel in self.memo.load.files and (config.content_dir / rel).is_file()
                    and "." in stem and stem.rsplit(".", 1)[1] in config.languages)

        notes = [rel for rel in (content_path(config, p) for p in changed) if rel and rel.endswith(NOTE_SUFFIXES)]
        if all(settled(p) for p in notes):
            return False
        return languages_used(config.content_dir, config.content_at_root) != config.languages

    def update(self, changed: set[str] | None = None, strict: bool = False) -> Update:
        """Bring the output up to date after `changed` (site-relative paths; None: anything)."""
        started = time.perf_counter()
        result = Update()
        problems = self._refresh(changed)
        if problems:
            result.problems, result.failed = problems, True
            return result
        assert self.config and self.cache and self.engine
        laps = Laps(result.stages)
        touched = frozenset(rel for rel in (content_path(self.config, p) for p in changed or ()) if rel is not None)
        jobs = default_jobs() if not self.memo.render.notes else 1
        described = describe(self.config, self.cache, self.engine, drafts=self.drafts, strict=strict, jobs=jobs,
                             laps=laps, memo=self.memo, touched=touched, env=self.env)
        result.notes, result.rendered = len(described.site.notes), described.stats.rendered
        plan = self._plan(described)
        laps("describe")
        self._write(described, plan, strict, result, laps)
        if changed is None and not result.failed:
            self.engine.warm_up()  # after the first build: the first edit need not wait for node
        result.seconds = time.perf_counter() - started
        return result

    def _plan(self, described: Described) -> Plan:
        """The outputs to write: when nothing any list, index or neighbour shows has changed (the site's
        shape is the same), only the pages of notes whose rendering changed, and the feeds; else all."""
        site, pages, last = described.site, described.outputs.pages, self.written
        state = Written(listed={n.path: pages.listing(n) for n in site.notes}, structure=site.structure,
                        site_digest=pages.site_digest, relations=site.relations.digest,
                        rendered_as={n.path: pages.version(n) for n in site.notes})
        # Only known notes were edited (no file added or removed, theme untouched) and none of them
        # changed what others show of it: no need to compute the whole site's shape.
        quick = (last.produced is not None and not self.memo.load.walked and state.listed == last.listed
                 and state.structure == last.structure and state.site_digest == last.site_digest
                 and state.relations == last.relations)
        state.shape = last.shape if quick else described.outputs.shape()
        if state.shape == last.shape and last.produced is not None:
            changed_notes = {path for path, version in state.rendered_as.items() if last.rendered_as.get(path) != version}
            state.produced = last.produced
            return Plan(list(described.outputs.for_notes(changed_notes)), state)
        outputs = list(described.outputs.all())
        state.produced = {o.path for o in outputs}
        described.problems += check_collisions([(o.path, o.origin) for o in outputs])
        return Plan(outputs, state)

    def _write(self, described: Described, plan: Plan, strict: bool, result: Update, laps: Laps) -> None:
        """Make the planned pages, then write them in place unless there are errors (the last good
        pages stay served)."""
        problems = sorted(escalate(described.problems, strict), key=Problem.sort_key)
        if has_errors(problems):
            result.problems, result.failed = problems, True
            return
        staged = self.writer.stage(plan.outputs)
        laps("make")
        try:
            result.made = staged.made
            result.problems = sorted(escalate(described.problems + described.emit_problems, strict),
                                     key=Problem.sort_key)
            if has_errors(result.problems):
                result.failed = True
                return
            assert plan.state.produced is not None
            result.changed = self.writer.commit(staged, plan.state.produced)
            self.written = plan.state
            assert self.config is not None
            result.search = SearchState(self.config, described.site, dict(described.bodies.keys))
            laps("write")
        finally:
            self.writer.discard(staged)

    def close(self) -> None:
        if self.engine is not None:
            self.engine.close()
        if self.cache is not None:
            self.cache.close()
        self.engine = self.cache = None
