"""The pipeline: config → load → render → index → emit → write (atomic swap)."""
from __future__ import annotations

import re
import time
from dataclasses import dataclass, field, replace
from itertools import chain
from pathlib import Path
from collections.abc import Callable, Iterator

from jinja2 import Environment

from mlnotes_site.config import Config
from mlnotes_site.load.siteconfig import load_config
from mlnotes_site.cache import CACHE_DIR, Cache
from mlnotes_site.load.content import Content, LoadMemo, Note, load_content
from mlnotes_site.load.notebook import locate_problems
from mlnotes_site.emit import Output
from mlnotes_site.emit.assets import RendererInfo
from mlnotes_site.emit.outputs import SiteOutputs
from mlnotes_site.write.writer import MARKER, OutputWriter, manifest_path, output_lock, recover, write_all
from mlnotes_site.problems import Problem, Severity, error, escalate, has_errors, warning
from mlnotes_site.render.math.engine import MathEngine
from mlnotes_site.render.cache import Bodies
from mlnotes_site.render.markdown.code import pygments_css
from mlnotes_site.render.stage import RenderMemo, RenderOutcome, RenderStats, default_jobs, render_all
from mlnotes_site.render.topics import render_topics
from mlnotes_site.version import code_version
from mlnotes_site.index.anchors import check_anchors
from mlnotes_site.index.embeds import check_embeds
from mlnotes_site.index.relations import check_translation_dates, translation_report
from mlnotes_site.index.site import Site
from mlnotes_site.emit.search import SearchIndex, start_search



@dataclass(frozen=True)
class BuildOptions:
    site_root: Path
    output: Path | None = None  # default: SITE/public
    base_url: str | None = None
    drafts: bool = False
    strict: bool = False
    force: bool = False
    write: bool = True
    translations: bool = False  # with write=False: add the translation report (check --translations)
    jobs: int = 0  # render processes; 0 = one per core
    log: Callable[[str], None] | None = None  # progress notes (e.g. waiting for a lock)
    progress: Callable[[str, int, int], None] | None = None  # (stage, done, total), for a terminal


class BuildInterrupted(KeyboardInterrupt):
    """Ctrl-C or SIGTERM after the new output was swapped in: the previous output is gone, the new one
    is complete (the CLI must not say the previous output is untouched)."""

    def __init__(self, output: Path) -> None:
        super().__init__(f"interrupted after {output} was replaced by this build's output")
        self.output = output


@dataclass
class BuildResult:
    problems: list[Problem] = field(default_factory=list)
    usage_error: bool = False  # config or output folder: exit code 2
    outputs: int = 0
    notes: int = 0
    written: bool = False
    seconds: float = 0.0
    math_rendered: int = 0  # formulas that went to KaTeX (or math-core): 0 on a warm build
    rendered_notes: int = 0  # notes rendered (not taken from the cache): 0 on a warm build
    linked: int = 0  # files unchanged since the previous build (hard-linked, not rewritten)
    made: int = 0  # pages rendered from templates (the others' inputs had not changed)
    processes: int = 1  # processes that made them
    stages: dict[str, float] = field(default_factory=dict)  # seconds per stage, for --profile
    digests: dict[str, str] = field(default_factory=dict)  # output file -> digest, when written

    @property
    def failed(self) -> bool:
        return self.usage_error or has_errors(self.problems)


def check_output_dir(out: Path, config: Config, force: bool) -> Problem | None:
    if out.is_symlink():
        return error("output/symlink", f"{out} is a symbolic link; the build replaces the folder it names",
                     str(out), hint="pass the real folder with -o, so nothing outside it is touched")
    out = out.resolve()
    root = config.root.resolve()
    content = config.content_dir.resolve()
    where = str(out)
    if out == Path(out.anchor) or out == Path.home().resolve():
        what = "the root of the file system" if out == Path(out.anchor) else "your home folder"
        return error("output/unsafe", f"refusing to write the site into {where}: it is {what}",
                     where, hint="use a folder of its own, e.g. -o public")
    if out == root or out in root.parents:
        return error("output/unsafe", f"refusing to write the site into {where}: it holds the site itself",
                     where, hint="use a folder of its own, e.g. -o public")
    cache = (root / CACHE_DIR).resolve()
    if out == cache or cache in out.parents:  # even with --force: the build reads its cache while writing
        return error("output/unsafe", f"refusing to write the site into {where}: it is mlnotes' cache folder",
                     where, hint="use a folder of its own, e.g. -o public")
    # with the site folder as the content, discover skips the output folder (public/ or any we wrote)
    if not config.content_at_root and (out == content or content in out.parents or (out / "content").exists()):
        return error("output/unsafe", f"refusing to write the site into {where}: it holds or is inside content/",
                     where, hint="use a folder of its own, e.g. -o public")
    if out.exists() and not out.is_dir():
        return error("output/not-folder", f"{where} exists and is not a folder", where)
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).exists() and not force:
        return error("output/not-ours", f"{where} is not empty and was not made by mlnotes", where,
                     hint="choose an empty folder, or pass --force to replace its contents")
    return None


def renderer_info(engine: MathEngine) -> RendererInfo:
    """What the emitters need to know of the code and engines that rendered the notes."""
    return RendererInfo(code_version(), engine.version,
                        engine.katex_dir / "dist" if engine.uses_katex and engine.katex_dir else None, pygments_css())


def _origin_path(origin: str) -> str:
    """The file of an output's origin: "content/a/b c.md (alias /x/)" -> "content/a/b c.md"."""
    return re.sub(r" \([^()]*\)$", "", origin)


def check_collisions(claims: list[tuple[str, str]]) -> list[Problem]:
    """Two sources for one output path; paths that differ only in case. Claims are (path, origin)."""
    problems: list[Problem] = []
    by_path: dict[str, list[str]] = {}
    by_lower: dict[str, set[str]] = {}
    for path, origin in claims:
        by_path.setdefault(path, []).append(origin)
        by_lower.setdefault(path.lower(), set()).add(path)
    for path, origins_of in sorted(by_path.items()):
        if len(origins_of) > 1:
            origins = sorted(set(origins_of))
            where = next((o for o in origins if o.startswith("content/")), origins[0])
            problems.append(error("url/duplicate", f"'{path}' is produced by {len(origins_of)} sources: {', '.join(origins)}",
                                  _origin_path(where), 1 if where.startswith("content/") else 0, 1,
                                  hint="give one of them another slug (front matter 'slug:') or alias"))
    for _, paths in sorted(by_lower.items()):
        if len(paths) > 1:
            names = sorted(paths)
            problems.append(warning("url/case-collision", f"these outputs differ only in case and clash on "
                                    f"case-insensitive file systems: {', '.join(names)}",
                                    _origin_path(by_path[names[0]][0]),
                                    hint="rename one of them"))
    return problems


@dataclass(frozen=True)
class Selection:
    """The notes a build publishes, and the drafts it leaves out (links to those get their own message)."""
    notes: list[Note]
    left_out: frozenset[str]  # content paths


def select_notes(content: Content, drafts: bool) -> Selection:
    """The one place drafts (and `publish: false`, which load reads as a draft) are left out."""
    return Selection([n for n in content.notes if drafts or not n.draft],
                     frozenset(n.content_path for n in content.notes if n.draft and not drafts))


class Laps:
    """Seconds per stage, each from the end of the one before."""

    def __init__(self, stages: dict[str, float], since: float | None = None) -> None:
        self.stages = stages
        self.mark = time.perf_counter() if since is None else since

    def __call__(self, name: str) -> None:
        now = time.perf_counter()
        self.stages[name] = now - self.mark
        self.mark = now


@dataclass
class DescribeMemo:
    """What a long-lived caller (serve) keeps between descriptions of the site, so that a change
    re-reads, re-renders and re-describes only what it touched."""
    load: LoadMemo = field(default_factory=LoadMemo)
    render: RenderMemo = field(default_factory=RenderMemo)
    site: dict = field(default_factory=dict)  # link targets and list items, see Site
    versions: dict[str, tuple[Note, str, tuple[str, str]]] = field(default_factory=dict)  # see Pages


@dataclass
class Described:
    """The site described, not yet written: every output can be listed (`outputs.all()`) and made."""
    site: Site
    bodies: Bodies
    outputs: SiteOutputs
    problems: list[Problem]  # of load, render and index
    emit_problems: list[Problem]  # template errors, appended while pages are made
    stats: RenderStats


def describe(config: Config, cache: Cache, engine: MathEngine, *, drafts: bool, strict: bool, jobs: int,
             laps: Laps, progress: Callable[[str, int, int], None] | None = None,
             memo: DescribeMemo | None = None, touched: frozenset[str] = frozenset(),
             env: Environment | None = None) -> Described:
    """load → select → render → index → emit: the stages `build` and `serve` share. With a memo,
    only what changed since the last call (`touched`: paths relative to content/) is done again."""
    content = load_content(config, memo.load if memo else None, touched)
    laps("load")
    selection = select_notes(content, drafts)
    stage = render_all(selection.notes, config, cache, engine, jobs, progress, memo.render if memo else None)
    laps("render")
    site, bodies, problems = index_site(config, content, selection, stage, engine, cache, strict,
                                        memo.site if memo else None)
    laps("index")
    emit_problems: list[Problem] = []
    outputs = SiteOutputs(site, renderer_info(engine), bodies, emit_problems, env, memo.versions if memo else None)
    return Described(site, bodies, outputs, problems, emit_problems, stage.stats)


def index_site(config: Config, content: Content, selection: Selection, stage: RenderOutcome, engine: MathEngine,
               cache: Cache, strict: bool, memo: dict | None = None) -> tuple[Site, Bodies, list[Problem]]:
    """The site model from loaded and rendered notes, its bodies, and every problem found so far."""
    infos = stage.infos
    rendered = replace(content, notes=[n for n in selection.notes if n.path in infos])
    # topic descriptions are rendered here, with the math engine the notes used
    site = Site(config, rendered, infos, selection.left_out, memo=memo,
                topic_html=render_topics(content.topic_metas, config, engine))
    bodies = Bodies(cache, stage.keys, stage.bodies)
    problems = list(content.problems) + stage.problems + site.problems
    for note in site.notes:
        problems += infos[note.path].problems
    problems += site.check_links(strict) + check_anchors(site, strict) + check_embeds(site, strict)
    problems += check_translation_dates(site.relations)
    problems = locate_problems(problems, content.notes)  # a notebook's: at their cells
    if stage.stats.math_unavailable and any(i.math_count for i in infos.values()):
        problems.append(warning("math/katex-missing", f"{stage.stats.math_unavailable}: formulas were rendered as MathML "
                                "with math-core instead of KaTeX", "",
                                hint="run the setup command (make setup), which installs KaTeX with npm ci"))
    return site, bodies, problems


def build(options: BuildOptions) -> BuildResult:
    """build = describe + write (an atomic swap of the output folder); `check` = describe + make every
    page (template errors) without writing."""
    started = time.perf_counter()
    result = BuildResult()
    config, config_problems = load_config(options.site_root.resolve(), options.base_url)
    if config_problems:
        result.problems = config_problems
        result.usage_error = True
        return result
    out = (options.output or config.root / "public")
    if options.write:
        out_problem = check_output_dir(out, config, options.force)
        if out_problem:
            result.problems = [out_problem]
            result.usage_error = True
            return result
        with output_lock(out, config.root / CACHE_DIR / "locks", options.log):
            recover(out.resolve())  # a killed build's output swap, even if this build writes nothing
    cache = Cache(config.root / CACHE_DIR)
    engine = MathEngine(config.root, config.math_macros, cache)
    writers: list[OutputWriter] = []  # the writer, once there is one: did an interruption come after its swap?
    try:
        laps = Laps(result.stages, started)
        jobs = options.jobs or default_jobs()
        described = describe(config, cache, engine, drafts=options.drafts, strict=options.strict, jobs=jobs,
                             laps=laps, progress=options.progress)
        result.notes = len(described.site.notes)
        result.math_rendered = described.stats.formulas
        result.rendered_notes = described.stats.rendered
        _write(options, config, described, engine, out, result, writers)
        laps("emit+write" if result.written else "emit")
        result.seconds = time.perf_counter() - started
        return result
    except KeyboardInterrupt as exc:
        if writers and writers[0].swapped and not isinstance(exc, BuildInterrupted):
            raise BuildInterrupted(writers[0].out) from exc
        raise
    finally:
        engine.close()
        cache.close()


def _write(options: BuildOptions, config: Config, described: Described, engine: MathEngine,
           out: Path, result: BuildResult, writers: list[OutputWriter]) -> None:
    problems, emit_problems = described.problems, described.emit_problems
    claims: list[tuple[str, str]] = []
    # The search index: cached, or made by a Pagefind process while the pages are written.
    writing = options.write and not has_errors(escalate(problems, options.strict))
    search = start_search(config, described.site, described.bodies) if writing else SearchIndex()

    def emitted() -> Iterator[Output]:
        for output in chain(described.outputs.all(), search.described()):
            claims.append((output.path, output.origin))
            if options.progress and len(claims) % 100 == 0:
                options.progress("writing", len(claims), 0)
            yield output

    def finish(all_problems: list[Problem]) -> list[Problem]:
        return sorted(escalate(all_problems, options.strict), key=Problem.sort_key)

    if writing:
        try:
            with output_lock(out, config.root / CACHE_DIR / "locks", options.log):
                writer = OutputWriter(out, manifest_path(config.root / CACHE_DIR, out))
                writers.append(writer)

                def after_fork() -> None:  # in a forked writer: own cache connection, no shared worker
                    fresh = Cache(config.root / CACHE_DIR)
                    described.bodies.cache = fresh
                    engine.forget_worker(fresh)
                try:
                    write_all(writer, emitted(), options.jobs or default_jobs(), after_fork, emit_problems)
                    search.add_to(writer)
                    result.problems = finish(problems + emit_problems + search.problems + check_collisions(claims))
                    if has_errors(result.problems):
                        writer.abort()
                    else:
                        result.digests = writer.commit()
                        result.written = True
                        result.linked = writer.linked
                        result.made = writer.made
                        result.processes = writer.processes
                except BaseException:
                    writer.abort()
                    raise
                finally:
                    search.cancel()
        except OSError as exc:
            result.problems = finish(problems + emit_problems) + [error(
                "output/write", f"cannot write the site: {exc.strerror or exc}"
                f"{' (' + exc.filename + ')' if exc.filename else ''}", str(out),
                hint="check free space and permissions; the previous output is untouched")]
    else:
        for output in emitted():
            output.content()  # made all the same: a check finds template errors too
        result.problems = finish(problems + emit_problems + check_collisions(claims))
        if options.translations:  # information, in its own order, after the problems
            report = translation_report(described.site.relations)
            # information: exit 0, unless --strict asks for translations in step (escalate keeps notes notes)
            result.problems += [replace(p, severity=Severity.ERROR) for p in report] if options.strict else report
    result.outputs = len(claims)
