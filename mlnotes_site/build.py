"""The pipeline: config → load → render → index → emit → write (atomic swap)."""
from __future__ import annotations

import re
import time
from itertools import chain
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator


from mlnotes_site.config import Config, load_config
from mlnotes_site.cache import CACHE_DIR, Cache
from mlnotes_site.load.content import Content, load_content
from mlnotes_site.emit import Output
from mlnotes_site.emit.outputs import SiteOutputs
from mlnotes_site.write.writer import MARKER, OutputWriter, manifest_path, output_lock, write_all
from mlnotes_site.problems import Problem, error, escalate, has_errors, warning
from mlnotes_site.render.math.katex import MathEngine
from mlnotes_site.render.cache import Bodies
from mlnotes_site.render.note import render_note
from mlnotes_site.render.stage import RenderOutcome, default_jobs, render_all
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
    jobs: int = 0  # render processes; 0 = one per core
    log: Callable[[str], None] | None = None  # progress notes (e.g. waiting for a lock)
    progress: Callable[[str, int, int], None] | None = None  # (stage, done, total), for a terminal


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
    if out == root or out in root.parents or out == Path(out.anchor) or out == Path.home().resolve():
        return error("output/unsafe", f"refusing to write the site into {where}: it holds the site itself",
                     where, hint="use a folder of its own, e.g. -o public")
    if out == content or content in out.parents or (out / "content").exists():
        return error("output/unsafe", f"refusing to write the site into {where}: it holds or is inside content/",
                     where, hint="use a folder of its own, e.g. -o public")
    if out.exists() and not out.is_dir():
        return error("output/not-folder", f"{where} exists and is not a folder", where)
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).exists() and not force:
        return error("output/not-ours", f"{where} is not empty and was not made by mlnotes", where,
                     hint="choose an empty folder, or pass --force to replace its contents")
    return None


def emit_all(site: Site, engine: MathEngine, bodies: Bodies, problems: list[Problem]) -> Iterator[Output]:
    """Every output of the site; template errors met while making pages go to `problems`."""
    return SiteOutputs(site, engine, bodies, problems).all()


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
    for lower, paths in sorted(by_lower.items()):
        if len(paths) > 1:
            names = sorted(paths)
            problems.append(warning("url/case-collision", f"these outputs differ only in case and clash on "
                                    f"case-insensitive file systems: {', '.join(names)}",
                                    _origin_path(by_path[names[0]][0]),
                                    hint="rename one of them"))
    return problems


def index_site(config: Config, content: Content, stage: RenderOutcome, engine: MathEngine, cache: Cache,
               drafts: bool, strict: bool, memo: dict | None = None) -> tuple[Site, Bodies, list[Problem]]:
    """The site model from loaded and rendered notes, its bodies, and every problem found so far."""
    infos = stage.infos
    content.notes = [n for n in content.notes if n.path in infos or (n.draft and not drafts)]
    site = Site(config, content, infos, include_drafts=drafts, memo=memo)
    by_path = {note.path: note for note in site.notes}
    bodies = Bodies(cache, stage.keys, stage.bodies, lambda path: render_note(by_path[path], config, engine).body)
    problems = list(content.problems) + stage.problems + site.problems
    for note in site.notes:
        problems += infos[note.path].problems
    problems += site.check_links(strict)
    if stage.stats.math_unavailable and any(i.math_count for i in infos.values()):
        problems.append(warning("math/katex-missing", f"{stage.stats.math_unavailable}: formulas were rendered as MathML "
                                "with math-core instead of KaTeX", "",
                                hint="run the setup command (make setup), which installs KaTeX with npm ci"))
    return site, bodies, problems


def build(options: BuildOptions) -> BuildResult:
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

    content = load_content(config)
    result.stages["load"] = time.perf_counter() - started
    cache = Cache(config.root / CACHE_DIR)
    engine = MathEngine(config.root, config.math_macros, cache)
    try:
        return _build(options, config, content, cache, engine, out, result, started)
    finally:
        engine.close()
        cache.close()


def _build(options: BuildOptions, config: Config, content: Content, cache: Cache, engine: MathEngine, out: Path,
           result: BuildResult, started: float) -> BuildResult:
    mark = time.perf_counter()
    wanted = [n for n in content.notes if options.drafts or not n.draft]
    stage = render_all(wanted, config, cache, engine, options.jobs or default_jobs(), options.progress)
    result.stages["render"] = time.perf_counter() - mark
    mark = time.perf_counter()
    site, bodies, problems = index_site(config, content, stage, engine, cache, options.drafts, options.strict)
    result.stages["index"] = time.perf_counter() - mark
    mark = time.perf_counter()
    result.notes = len(site.notes)
    result.math_rendered = stage.stats.formulas
    result.rendered_notes = stage.stats.rendered
    emit_problems: list[Problem] = []
    claims: list[tuple[str, str]] = []
    # The search index: cached, or made by a Pagefind process while the pages are written.
    writing = options.write and not has_errors(escalate(problems, options.strict))
    search = start_search(config, site, bodies.keys, cache) if writing else SearchIndex()

    def emitted() -> Iterator[Output]:
        for output in chain(emit_all(site, engine, bodies, emit_problems), search.described()):
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

                def after_fork() -> None:  # in a forked writer: own cache connection, no shared worker
                    bodies.cache = Cache(config.root / CACHE_DIR)
                    engine.forget_worker(bodies.cache)
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
    result.outputs = len(claims)
    result.stages["emit+write" if result.written else "emit"] = time.perf_counter() - mark
    result.seconds = time.perf_counter() - started
    return result
