"""The pipeline: config → load → render → index → emit → write (atomic swap)."""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from jinja2 import TemplateError, TemplateSyntaxError

from .config import Config, load_config
from .cache import CACHE_DIR, Cache
from .content import Content, load_content
from .emit import Output
from .emit.assets import katex_assets, note_assets, static_files
from .emit.context import Pages
from .emit.feeds import feeds
from .emit.lists import latest_pages, not_found_pages, tag_pages, topic_pages, topics_index
from .emit.notes import alias_pages, note_pages
from .emit.sitemap import sitemap
from .problems import Problem, error, escalate, has_errors, warning
from .mathrender import MathEngine
from .renderstage import default_jobs, render_all
from .site import Site
from .theme import make_environment

MARKER = ".mlnotes-output"


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


def emit_all(site: Site, engine: MathEngine) -> tuple[list[Output], list[Problem]]:
    pages = Pages(site, make_environment(site.config.root), engine)
    problems: list[Problem] = []
    outputs: list[Output] = []
    try:
        outputs += note_pages(pages)
        aliases, alias_problems = alias_pages(pages)
        outputs += aliases
        problems += alias_problems
        outputs += latest_pages(pages)
        outputs += topic_pages(pages)
        outputs += tag_pages(pages)
        outputs += topics_index(pages)
        outputs += not_found_pages(pages)
        outputs += feeds(pages)
        outputs += sitemap(pages)
    except TemplateSyntaxError as exc:
        problems.append(error("template/syntax", exc.message or str(exc), _template_path(exc.filename, exc.name),
                              exc.lineno or 0, 1, hint="fix the template syntax"))
    except TemplateError as exc:
        problems.append(error("template/error", f"{type(exc).__name__}: {exc}", "templates", 0, 0,
                              hint="check the template for undefined names"))
    outputs += static_files(site)
    outputs += note_assets(site)
    if pages.uses_katex_css:
        outputs += katex_assets(engine)
    return outputs, problems


def _template_path(filename: str | None, name: str | None) -> str:
    if filename:
        try:
            return Path(filename).resolve().relative_to(Path.cwd()).as_posix()
        except ValueError:
            return filename
    return f"templates/{name}" if name else "templates"


def check_collisions(outputs: list[Output]) -> list[Problem]:
    problems: list[Problem] = []
    by_path: dict[str, list[Output]] = {}
    by_lower: dict[str, set[str]] = {}
    for output in outputs:
        by_path.setdefault(output.path, []).append(output)
        by_lower.setdefault(output.path.lower(), set()).add(output.path)
    for path, claims in sorted(by_path.items()):
        if len(claims) > 1:
            origins = sorted({c.origin for c in claims})
            where = next((o for o in origins if o.startswith("content/")), origins[0])
            problems.append(error("url/duplicate", f"'{path}' is produced by {len(claims)} sources: {', '.join(origins)}",
                                  where.split(" ")[0], 1 if where.startswith("content/") else 0, 1,
                                  hint="give one of them another slug (front matter 'slug:') or alias"))
    for lower, paths in sorted(by_lower.items()):
        if len(paths) > 1:
            names = sorted(paths)
            problems.append(warning("url/case-collision", f"these outputs differ only in case and clash on "
                                    f"case-insensitive file systems: {', '.join(names)}",
                                    next(iter(by_path[names[0]])).origin.split(" ")[0],
                                    hint="rename one of them"))
    return problems


def _digest(output: Output) -> str:
    if output.copy_from is not None:
        stat = output.copy_from.stat()
        return f"file:{output.copy_from}:{stat.st_size}:{stat.st_mtime_ns}"
    return hashlib.blake2b(output.data or b"", digest_size=16).hexdigest()


def write_output(outputs: list[Output], out: Path) -> dict[str, str]:
    """Write everything into a fresh folder beside `out`, then swap it in; a failure leaves `out` as it was.
    Returns a digest of every file written, so `serve` can tell which pages changed."""
    out = out.resolve()
    parent = out.parent
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=parent))
    old: Path | None = None
    digests: dict[str, str] = {}
    try:
        os.chmod(tmp, 0o755)
        for output in sorted(outputs, key=lambda o: o.path):
            parts = output.path.split("/")
            if output.path.startswith("/") or ".." in parts or "" in parts[:-1]:
                raise ValueError(f"unsafe output path {output.path!r}")
            target = tmp.joinpath(*parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            if output.copy_from is not None:
                shutil.copyfile(output.copy_from, target)
            else:
                target.write_bytes(output.data or b"")
            digests[output.path] = _digest(output)
        (tmp / MARKER).write_text("This folder is written by mlnotes build; it is replaced on every build.\n",
                                  encoding="utf-8")
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=parent))
            os.rename(out, old / "x")
        os.rename(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if old is not None and (old / "x").exists() and not out.exists():
            os.rename(old / "x", out)
        raise
    finally:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    return digests


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
    cache = Cache(config.root / CACHE_DIR)
    engine = MathEngine(config.root, config.math_macros, cache)
    try:
        return _build(options, config, content, cache, engine, out, result, started)
    finally:
        engine.close()
        cache.close()


def _build(options: BuildOptions, config: Config, content: Content, cache: Cache, engine: MathEngine, out: Path,
           result: BuildResult, started: float) -> BuildResult:
    wanted = [n for n in content.notes if options.drafts or not n.draft]
    stage = render_all(wanted, config, cache, engine, options.jobs or default_jobs())
    rendered = stage.rendered
    content.notes = [n for n in content.notes if n.path in rendered or (n.draft and not options.drafts)]
    render_problems = stage.problems
    site = Site(config, content, rendered, include_drafts=options.drafts)
    problems = list(content.problems) + render_problems + site.problems
    for note in site.notes:
        problems += rendered[note.path].problems
    problems += site.check_links(options.strict)
    if stage.stats.math_unavailable and any(r.math_count for r in rendered.values()):
        problems.append(warning("math/katex-missing", f"{stage.stats.math_unavailable}: formulas were rendered as MathML "
                                "with math-core instead of KaTeX", "",
                                hint="run the setup command (make setup), which installs KaTeX with npm ci"))
    outputs, emit_problems = emit_all(site, engine)
    problems += emit_problems
    problems += check_collisions(outputs)
    problems = escalate(problems, options.strict)
    result.problems = sorted(problems, key=Problem.sort_key)
    result.notes = len(site.notes)
    result.outputs = len(outputs)
    result.math_rendered = stage.stats.formulas
    result.rendered_notes = stage.stats.rendered
    if options.write and not has_errors(result.problems):
        try:
            with output_lock(out, config.root / CACHE_DIR / "locks", options.log):
                result.digests = write_output(outputs, out)
            result.written = True
        except OSError as exc:
            result.problems.append(error("output/write", f"cannot write the site: {exc.strerror or exc}"
                                         f"{' (' + exc.filename + ')' if exc.filename else ''}", str(out),
                                         hint="check free space and permissions; the previous output is untouched"))
    result.seconds = time.perf_counter() - started
    return result
