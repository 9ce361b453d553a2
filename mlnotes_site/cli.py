"""The commands. Thin: parse arguments, call the pipeline, print problems, pick the exit code."""
from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from datetime import datetime
from pathlib import Path

from mlnotes_site.build import BuildInterrupted, BuildOptions, BuildResult, build
from mlnotes_site.load.siteconfig import load_config
from mlnotes_site.problems import Problem, Severity
from mlnotes_site.scaffold import init_site, new_note

EXIT_OK, EXIT_CONTENT, EXIT_USAGE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mlnotes", description="Build a bilingual static site from Markdown notes.")
    sub = parser.add_subparsers(dest="command", required=True)

    b = sub.add_parser("build", help="build the site into an output folder")
    b.add_argument("site", nargs="?", default=".", help="the site folder (holds content/ and mlnotes.yaml)")
    b.add_argument("-o", "--output", help="output folder (default: SITE/public)")
    b.add_argument("--base-url", help="the URL the site is served from, e.g. https://example.org/kb/")
    b.add_argument("--drafts", action="store_true", help="include notes with draft: true")
    b.add_argument("--strict", action="store_true", help="treat warnings as errors")
    b.add_argument("--force", action="store_true", help="replace an output folder that mlnotes did not make")
    b.add_argument("-q", "--quiet", action="store_true", help="print only problems")
    b.add_argument("-j", "--jobs", type=int, default=0, help="render processes (default: one per core)")
    b.add_argument("--profile", action="store_true", help="print the time spent in each stage")

    c = sub.add_parser("check", help="validate everything, write nothing")
    c.add_argument("site", nargs="?", default=".")
    c.add_argument("--drafts", action="store_true")
    c.add_argument("--strict", action="store_true")
    c.add_argument("-q", "--quiet", action="store_true")
    c.add_argument("--translations", action="store_true",
                   help="also report notes missing in a language and translations older than another version")

    n = sub.add_parser("new", help="create a note with front matter")
    n.add_argument("title")
    n.add_argument("--topic", default="", help="topic folder, e.g. diffusion or llm/deepseek")
    n.add_argument("--lang", help="language (default: the site's first)")
    n.add_argument("--slug", help="file name without extension (default: from the title)")
    n.add_argument("--site", default=".", help="the site folder")

    s = sub.add_parser("serve", help="build, serve and rebuild on every change, with live reload")
    s.add_argument("site", nargs="?", default=".")
    s.add_argument("--host", default="127.0.0.1", help="address to bind (default: loopback only)")
    s.add_argument("--port", type=int, default=8000)
    s.add_argument("--drafts", action="store_true", default=True, help="show drafts (the default in serve)")
    s.add_argument("--no-drafts", dest="drafts", action="store_false", help="leave drafts out")
    s.add_argument("--open", action="store_true", help="open the site in a browser")
    s.add_argument("--allow-host", action="append", default=[], metavar="NAME",
                   help="also answer requests for this host name (beside localhost, IP addresses and --host); "
                        "'*' answers any name, which lets other web sites read the preview through DNS rebinding")

    i = sub.add_parser("init", help="create a new site")
    i.add_argument("dir")
    return parser


def _report(result: BuildResult, quiet: bool, action: str) -> int:
    for problem in result.problems:
        print(problem.format(), file=sys.stderr)
    errors = sum(p.is_error for p in result.problems)
    warnings = sum(p.severity is Severity.WARNING for p in result.problems)
    if result.usage_error:
        return EXIT_USAGE
    if errors:
        print(f"{action} failed: {errors} error(s), {warnings} warning(s); nothing was written"
              if action == "build" else f"check failed: {errors} error(s), {warnings} warning(s)", file=sys.stderr)
        return EXIT_CONTENT
    if not quiet:
        done = f"built {result.notes} notes into {result.outputs} files" if action == "build" else \
            f"checked {result.notes} notes: no errors"
        print(f"{done} in {result.seconds:.2f}s" + (f" ({warnings} warning(s))" if warnings else ""))
    return EXIT_OK


def _progress(stage: str, done: int, total: int) -> None:
    """One self-overwriting line on a terminal: notes rendered / total, pages written."""
    text = f"{stage} {done}/{total} notes" if total else f"{stage} {done} files"
    print(f"\r\033[K{text}", end="", file=sys.stderr, flush=True)


def _profile(result: BuildResult) -> None:
    total = sum(result.stages.values()) or 1.0
    print("stage         seconds   share", file=sys.stderr)
    for stage, seconds in result.stages.items():
        print(f"{stage:12} {seconds:8.2f}  {100 * seconds / total:5.1f}%", file=sys.stderr)
    print(f"{'total':12} {result.seconds:8.2f}   ({result.rendered_notes} notes rendered, "
          f"{result.notes - result.rendered_notes} from cache; {result.math_rendered} formulas rendered; "
          f"{result.made} pages made by {result.processes} process(es), {result.linked} files unchanged)",
          file=sys.stderr)
    index = result.search
    if index is not None:
        print(f"search index: {index.documents} documents ({index.document_bytes / 1e6:.2f} MB) written in "
              f"{index.prepare:.2f} s; Pagefind {index.seconds:.2f} s, {index.cpu:.2f} CPU-s, peak RSS "
              f"{index.peak_rss_mb:.0f} MB; waited {index.waited:.2f} s, added in {index.finish:.2f} s; "
              f"index {index.index_bytes / 1e6:.2f} MB", file=sys.stderr)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if threading.current_thread() is threading.main_thread():
        # SIGTERM unwinds like Ctrl-C: the writer removes its temporary folder, the old output stays.
        signal.signal(signal.SIGTERM, _interrupt)
    try:
        if args.command == "build":
            live = sys.stderr.isatty() and not args.quiet
            result = build(BuildOptions(Path(args.site), Path(args.output) if args.output else None, args.base_url,
                                        args.drafts, args.strict, args.force, jobs=args.jobs,
                                        log=lambda text: print(text, file=sys.stderr, flush=True),
                                        progress=_progress if live else None))
            if live:
                print("\r\033[K", end="", file=sys.stderr, flush=True)
            if args.profile:
                _profile(result)
            return _report(result, args.quiet, "build")
        if args.command == "check":
            result = build(BuildOptions(Path(args.site), drafts=args.drafts, strict=args.strict, write=False,
                                        translations=args.translations))
            return _report(result, args.quiet, "check")
        if args.command == "serve":
            from mlnotes_site.serve.server import DevServer  # watchdog is only needed here
            config, problems = load_config(Path(args.site).resolve())
            if problems:
                return _report(BuildResult(problems=problems, usage_error=True), False, "serve")
            try:
                server = DevServer(Path(args.site), args.host, args.port, drafts=args.drafts,
                                   log=lambda text: print(text, flush=True), allowed_hosts=tuple(args.allow_host))
            except OSError as exc:
                print(f"error[serve/port]: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}",
                      file=sys.stderr)
                print("  hint: pick another --port", file=sys.stderr)
                return EXIT_USAGE
            server.serve_forever(open_browser=args.open)
            return EXIT_OK
        if args.command == "new":
            config, problems = load_config(Path(args.site).resolve())
            if problems:
                return _report(BuildResult(problems=problems, usage_error=True), False, "new")
            made = new_note(config, args.title, args.topic, args.lang, args.slug, datetime.now(config.zone))
            if isinstance(made, Problem):
                print(made.format(), file=sys.stderr)
                return EXIT_USAGE
            print(made)
            return EXIT_OK
        if args.command == "init":
            made_site = init_site(Path(args.dir))
            if isinstance(made_site, Problem):
                print(made_site.format(), file=sys.stderr)
                return EXIT_USAGE
            print(f"created a site in {made_site}; build it with: mlnotes build {args.dir}")
            return EXIT_OK
    except BuildInterrupted as exc:
        print(f"interrupted after the swap: {exc.output} holds this build's complete new output", file=sys.stderr)
        return 130
    except KeyboardInterrupt:
        print("interrupted; the previous output is untouched" if args.command != "serve" else "stopped",
              file=sys.stderr)
        return 130
    except Exception as exc:  # a bug of ours: say so plainly; the previous output is untouched
        if os.environ.get("MLNOTES_DEBUG"):
            raise
        print(f"error[internal]: {type(exc).__name__}: {exc}", file=sys.stderr)
        print("  hint: this is a bug in mlnotes (the previous output is untouched); "
              "run with MLNOTES_DEBUG=1 to see the traceback and please report it", file=sys.stderr)
        return EXIT_CONTENT
    return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
