"""The pipeline: config → load → render → index → emit → write (atomic swap)."""
from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import hashlib
import json
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
from .notecache import Bodies
from .render import render_note
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
    """Every output of the site, one at a time, so the writer never holds the whole site. A template
    error while a page is made becomes a problem (once per template and message)."""
    pages = Pages(site, make_environment(site.config.root), engine, bodies)
    seen: set[tuple[str, str]] = set()

    def report(exc: TemplateError) -> None:
        if isinstance(exc, TemplateSyntaxError):
            problem = error("template/syntax", exc.message or str(exc), _template_path(exc.filename, exc.name),
                            exc.lineno or 0, 1, hint="fix the template syntax")
        else:
            problem = error("template/error", f"{type(exc).__name__}: {exc}", "templates", 0, 0,
                            hint="check the template for undefined names")
        if (problem.path, problem.message) not in seen:
            seen.add((problem.path, problem.message))
            problems.append(problem)

    def guarded(output: Output) -> Output:
        make = output.make
        if make is None:
            return output

        def safe() -> bytes:
            try:
                return make()
            except TemplateError as exc:
                report(exc)
                return b""
        return dataclasses.replace(output, make=safe)

    try:
        for emitter in (note_pages(pages), alias_pages(pages, problems), latest_pages(pages), topic_pages(pages),
                        tag_pages(pages), topics_index(pages), not_found_pages(pages), feeds(pages), sitemap(pages)):
            for output in emitter:
                yield guarded(output)
    except TemplateError as exc:  # aliases render their small template at once
        report(exc)
    yield from static_files(site)
    yield from note_assets(site)
    if pages.uses_katex_css:
        yield from katex_assets(engine)


def _template_path(filename: str | None, name: str | None) -> str:
    if filename:
        try:
            return Path(filename).resolve().relative_to(Path.cwd()).as_posix()
        except ValueError:
            return filename
    return f"templates/{name}" if name else "templates"


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
                                  where.split(" ")[0], 1 if where.startswith("content/") else 0, 1,
                                  hint="give one of them another slug (front matter 'slug:') or alias"))
    for lower, paths in sorted(by_lower.items()):
        if len(paths) > 1:
            names = sorted(paths)
            problems.append(warning("url/case-collision", f"these outputs differ only in case and clash on "
                                    f"case-insensitive file systems: {', '.join(names)}",
                                    by_path[names[0]][0].split(" ")[0],
                                    hint="rename one of them"))
    return problems


def _digest(output: Output, data: bytes | None) -> str:
    if output.copy_from is not None:
        stat = output.copy_from.stat()
        return f"copy:{output.copy_from}:{stat.st_size}:{stat.st_mtime_ns}"
    return hashlib.blake2b(data or b"", digest_size=16).hexdigest()


class OutputWriter:
    """Writes outputs into a fresh folder beside `out` as they come, then swaps it in; `abort` (or any
    exception) leaves `out` as it was. A file identical to the previous build's is hard-linked from
    it, so it keeps its timestamp and deploy tools see only real changes; a page whose fingerprint
    (the digest of its inputs) is the previous build's is not even made."""

    def __init__(self, out: Path, manifest_path: Path | None) -> None:
        self.out = out.resolve()
        self.manifest_path = manifest_path
        self.previous: dict[str, list[object]] = {}
        if manifest_path and manifest_path.is_file() and self.out.is_dir():
            try:
                self.previous = json.loads(manifest_path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                self.previous = {}
        self.out.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = Path(tempfile.mkdtemp(prefix=f".{self.out.name}.tmp-", dir=self.out.parent))
        os.chmod(self.tmp, 0o755)
        self.digests: dict[str, str] = {}
        self.fingerprints: dict[str, str] = {}
        self.linked = 0
        self.made = 0  # pages whose bytes were made (the rest had the previous build's fingerprint)
        self._dirs: set[Path] = set()

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
        digest = _digest(output, data)
        self.digests[output.path] = digest
        if self._link_unchanged(output.path, digest, target):
            return
        if output.copy_from is not None:
            shutil.copyfile(output.copy_from, target)
        else:
            target.write_bytes(data or b"")

    def _link_unchanged(self, path: str, digest: str, target: Path) -> bool:
        record = self.previous.get(path)
        if not record or record[0] != digest:
            return False
        old = self.out.joinpath(*path.split("/"))
        try:
            stat = old.lstat()
            if not old.is_file() or old.is_symlink() or [stat.st_size, stat.st_mtime_ns] != record[1:3]:
                return False  # changed by hand since: write it again
            os.link(old, target)
        except OSError:
            return False
        self.linked += 1
        return True

    def commit(self) -> dict[str, str]:
        (self.tmp / MARKER).write_text("This folder is written by mlnotes build; it is replaced on every build.\n",
                                       encoding="utf-8")
        manifest = {}
        for path, digest in self.digests.items():
            stat = self.tmp.joinpath(*path.split("/")).stat()
            manifest[path] = [digest, stat.st_size, stat.st_mtime_ns, self.fingerprints.get(path, "")]
        old: Path | None = None
        try:
            if self.out.exists():
                old = Path(tempfile.mkdtemp(prefix=f".{self.out.name}.old-", dir=self.out.parent))
                os.rename(self.out, old / "x")
            os.rename(self.tmp, self.out)
        except BaseException:
            if old is not None and (old / "x").exists() and not self.out.exists():
                os.rename(old / "x", self.out)
            self.abort()
            raise
        finally:
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
        if self.manifest_path is not None:
            try:
                self.manifest_path.parent.mkdir(parents=True, exist_ok=True)
                self.manifest_path.write_text(json.dumps(manifest, sort_keys=True), encoding="utf-8")
            except OSError:
                pass  # only an optimisation for the next build
        return self.digests

    def abort(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)


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


def _manifest_path(config: Config, out: Path) -> Path:
    name = hashlib.blake2b(str(out.resolve()).encode(), digest_size=8).hexdigest()
    return config.root / CACHE_DIR / "manifests" / f"{name}.json"


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
    infos = stage.infos
    content.notes = [n for n in content.notes if n.path in infos or (n.draft and not options.drafts)]
    render_problems = stage.problems
    site = Site(config, content, infos, include_drafts=options.drafts)
    by_path = {note.path: note for note in site.notes}
    bodies = Bodies(cache, stage.keys, stage.bodies, lambda path: render_note(by_path[path], config, engine).body)
    problems = list(content.problems) + render_problems + site.problems
    for note in site.notes:
        problems += infos[note.path].problems
    problems += site.check_links(options.strict)
    if stage.stats.math_unavailable and any(i.math_count for i in infos.values()):
        problems.append(warning("math/katex-missing", f"{stage.stats.math_unavailable}: formulas were rendered as MathML "
                                "with math-core instead of KaTeX", "",
                                hint="run the setup command (make setup), which installs KaTeX with npm ci"))
    result.stages["index"] = time.perf_counter() - mark
    mark = time.perf_counter()
    result.notes = len(site.notes)
    result.math_rendered = stage.stats.formulas
    result.rendered_notes = stage.stats.rendered
    emit_problems: list[Problem] = []
    claims: list[tuple[str, str]] = []

    def emitted() -> Iterator[Output]:
        for output in emit_all(site, engine, bodies, emit_problems):
            claims.append((output.path, output.origin))
            if options.progress and len(claims) % 100 == 0:
                options.progress("writing", len(claims), 0)
            yield output

    def finish(all_problems: list[Problem]) -> list[Problem]:
        return sorted(escalate(all_problems, options.strict), key=Problem.sort_key)

    if options.write and not has_errors(escalate(problems, options.strict)):
        try:
            with output_lock(out, config.root / CACHE_DIR / "locks", options.log):
                writer = OutputWriter(out, _manifest_path(config, out))
                try:
                    for output in emitted():
                        writer.add(output)
                    result.problems = finish(problems + emit_problems + check_collisions(claims))
                    if has_errors(result.problems):
                        writer.abort()
                    else:
                        result.digests = writer.commit()
                        result.written = True
                        result.linked = writer.linked
                        result.made = writer.made
                except BaseException:
                    writer.abort()
                    raise
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
