#!/usr/bin/env python3
"""Time `mlnotes build` on a synthetic corpus.

    python benchmarks/run.py --notes 1000 [--runs 3] [--seed 1] [--keep DIR] [--mlnotes CMD]

Generates the corpus (benchmarks/corpus.py) into a temporary directory, or into DIR with
--keep (left in place afterwards), then runs ``CMD build SITE -o OUT --quiet``:

* ``--runs`` cold runs: ``SITE/.mlnotes-cache`` and OUT deleted before each;
* then ``--runs`` warm runs: cache and output kept from the run before.

Each run is one child process started with Popen and reaped with ``os.wait4`` so that wall
time (``time.perf_counter``), peak RSS (``ru_maxrss``) and CPU time belong to that build
alone.  Peak RSS is the largest single process (the build or one of its workers, if it
waits for them), not a sum.  Standard library only.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpus  # noqa: E402  (sibling module, benchmarks/ is not a package)

CACHE_DIR = ".mlnotes-cache"


@dataclass
class Run:
    kind: str
    wall_s: float
    peak_rss_mb: float
    cpu_s: float
    returncode: int


class BuildFailed(Exception):
    def __init__(self, returncode: int, stderr: str, stdout: str) -> None:
        super().__init__(returncode)
        self.returncode = returncode
        self.stderr = stderr
        self.stdout = stdout


def default_command() -> list[str]:
    exe = Path(sys.executable).parent / "mlnotes"
    if exe.exists():
        return [str(exe)]
    return [sys.executable, "-m", "mlnotes_site"]


def _maxrss_bytes(ru_maxrss: int) -> int:
    # Linux reports KiB, macOS bytes.
    return ru_maxrss if sys.platform == "darwin" else ru_maxrss * 1024


def run_once(cmd: list[str], kind: str, logs: Path) -> tuple[Run, str, str]:
    """Run cmd once; return its measurements and its stderr and stdout text."""
    err_path, out_path = logs / "stderr.txt", logs / "stdout.txt"
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    run = Run(kind, wall, _maxrss_bytes(usage.ru_maxrss) / 1e6,
              usage.ru_utime + usage.ru_stime, proc.returncode)
    return (run, err_path.read_text(encoding="utf-8", errors="replace"),
            out_path.read_text(encoding="utf-8", errors="replace"))


def _is_quiet_usage_error(stderr: str) -> bool:
    s = stderr.lower()
    return "quiet" in s and any(w in s for w in ("usage", "unrecognized", "no such option"))


class Bench:
    def __init__(self, base_cmd: list[str], site: Path, out: Path, logs: Path) -> None:
        self.base_cmd = base_cmd
        self.site = site
        self.out = out
        self.logs = logs
        self.quiet = True

    def command(self) -> list[str]:
        cmd = [*self.base_cmd, "build", str(self.site), "-o", str(self.out)]
        return cmd + ["--quiet"] if self.quiet else cmd

    def clean(self) -> None:
        for path in (self.site / CACHE_DIR, self.out):
            if path.is_dir():
                shutil.rmtree(path)
            elif path.exists():
                path.unlink()

    def build(self, kind: str) -> Run:
        if kind == "cold":
            self.clean()
        run, err, out = run_once(self.command(), kind, self.logs)
        if run.returncode != 0 and self.quiet and _is_quiet_usage_error(err):
            print("  (`--quiet` not accepted by this mlnotes; retrying without it)", flush=True)
            self.quiet = False
            if kind == "cold":
                self.clean()
            run, err, out = run_once(self.command(), kind, self.logs)
        if run.returncode != 0:
            raise BuildFailed(run.returncode, err, out)
        return run


def output_counts(out: Path) -> dict[str, object]:
    files = html = size = 0
    by_top: Counter[str] = Counter()
    if out.is_dir():
        for path in out.rglob("*"):
            if not path.is_file():
                continue
            files += 1
            size += path.stat().st_size
            if path.suffix == ".html":
                html += 1
                rel = path.relative_to(out).parts
                by_top[rel[0] + "/" if len(rel) > 1 else "(top level)"] += 1
    return {"files": files, "html": html, "mb": size / 1e6, "html_by_dir": dict(by_top.most_common())}


def summarize(runs: list[Run], notes: int, formulas: int = 0) -> dict[str, float]:
    walls = [r.wall_s for r in runs]
    med = statistics.median(walls)
    return {
        "runs": len(runs),
        "median_s": med,
        "min_s": min(walls),
        "max_s": max(walls),
        "median_rss_mb": statistics.median(r.peak_rss_mb for r in runs),
        "median_cpu_s": statistics.median(r.cpu_s for r in runs),
        "notes_per_s": notes / med if med > 0 else float("inf"),
        "formulas_per_s": formulas / med if med > 0 else float("inf"),
    }


def print_table(rows: dict[str, dict[str, float]]) -> None:
    head = (f"  {'':6}{'runs':>5}{'median s':>11}{'min s':>9}{'max s':>9}{'peak RSS MB':>13}{'CPU s':>9}"
            f"{'notes/s':>10}{'formulas/s':>12}")
    print(head)
    print("  " + "-" * (len(head) - 2))
    for kind, s in rows.items():
        print(f"  {kind:6}{s['runs']:>5}{s['median_s']:>11.3f}{s['min_s']:>9.3f}{s['max_s']:>9.3f}"
              f"{s['median_rss_mb']:>13.1f}{s['median_cpu_s']:>9.2f}{s['notes_per_s']:>10.1f}"
              f"{s['formulas_per_s']:>12.0f}")


def print_failure(e: BuildFailed) -> None:
    sys.stdout.flush()
    text = e.stderr if e.stderr.strip() else e.stdout
    lines = text.splitlines()
    print(f"\nmlnotes build failed (exit code {e.returncode}); "
          f"{'stderr' if e.stderr.strip() else 'stdout'} (first 40 of {len(lines)} lines):",
          file=sys.stderr)
    for line in lines[:40]:
        print("  | " + line, file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Benchmark `mlnotes build` on a synthetic corpus.")
    ap.add_argument("--notes", type=int, default=1000, help="notes in the corpus (default 1000)")
    ap.add_argument("--runs", type=int, default=3, help="cold runs, then as many warm runs (default 3)")
    ap.add_argument("--seed", type=int, default=1, help="corpus seed (default 1)")
    ap.add_argument("--keep", type=Path, metavar="DIR",
                    help="generate the site into DIR (output in DIR/public) and keep it")
    ap.add_argument("--mlnotes", metavar="CMD",
                    help="command to run instead of the mlnotes next to this Python, e.g. "
                         "'python -m mlnotes_site'")
    ap.add_argument("--link-style", choices=("file", "bare"), default="file",
                    help="how notes link to each other (see corpus.py)")
    ap.add_argument("--json", type=Path, metavar="FILE", help="also write the results as JSON")
    args = ap.parse_args(argv)
    if args.notes < 1 or args.runs < 1:
        ap.error("--notes and --runs must be >= 1")

    base_cmd = shlex.split(args.mlnotes) if args.mlnotes else default_command()
    tmp = None
    if args.keep:
        site = args.keep.resolve()
        out = site / "public"
    else:
        tmp = Path(tempfile.mkdtemp(prefix="mlnotes-bench-"))
        site, out = tmp / "site", tmp / "public"
    logs = Path(tempfile.mkdtemp(prefix="mlnotes-bench-logs-"))
    try:
        return _bench(args, base_cmd, site, out, logs)
    finally:
        shutil.rmtree(logs, ignore_errors=True)
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


def _bench(args: argparse.Namespace, base_cmd: list[str], site: Path, out: Path, logs: Path) -> int:
    print("mlnotes build benchmark")
    print(f"  python   : {platform.python_version()} on {platform.system()} {platform.machine()}, "
          f"{os.cpu_count()} CPUs")

    t0 = time.perf_counter()
    # Refuses (SystemExit) a non-empty --keep DIR that corpus.py did not make.
    st = corpus.generate(site, args.notes, args.seed, args.link_style)
    gen_s = time.perf_counter() - t0
    print(f"\ncorpus (seed {args.seed}, generated in {gen_s:.1f} s) at {site}")
    print(f"  files    : {st.files} ({st.notes} notes, {st.translations} translations, "
          f"{st.topics} topic index pairs)")
    print(f"  size     : {st.bytes / 1e6:.2f} MB")
    print(f"  formulas : {st.formulas} ({st.unique_formulas} distinct, "
          f"{st.formulas / max(1, st.notes + st.translations):.1f} per note file)")

    bench = Bench(base_cmd, site, out, logs)
    print(f"\ncommand: {shlex.join(bench.command())}")
    runs: list[Run] = []
    html_after: dict[str, dict[str, object]] = {}
    try:
        for kind in ("cold", "warm"):
            for i in range(args.runs):
                run = bench.build(kind)
                runs.append(run)
                print(f"  {kind} #{i + 1}: {run.wall_s:8.3f} s  {run.peak_rss_mb:7.1f} MB  "
                      f"cpu {run.cpu_s:6.2f} s", flush=True)
            html_after[kind] = output_counts(out)
    except BuildFailed as e:
        print_failure(e)
        return 1
    except OSError as e:  # e.g. the command does not exist
        sys.stdout.flush()
        print(f"\ncannot run {shlex.join(bench.command())}: {e}", file=sys.stderr)
        return 1

    rows = {kind: summarize([r for r in runs if r.kind == kind], args.notes, st.formulas)
            for kind in ("cold", "warm")}
    print(f"\nresults ({args.notes} notes; wall time, peak RSS of the build process)")
    print_table(rows)

    print("\noutput")
    for kind, c in html_after.items():
        print(f"  after {kind}: {c['html']} HTML files, {c['files']} files in all, {c['mb']:.2f} MB")
    by_dir = html_after["warm"]["html_by_dir"]
    if by_dir:
        shown = list(by_dir.items())[:12]
        more = len(by_dir) - len(shown)
        print("  HTML by folder: " + ", ".join(f"{k} {v}" for k, v in shown)
              + (f", ... {more} more" if more > 0 else ""))

    if args.json:
        args.json.write_text(json.dumps({
            "notes": args.notes, "seed": args.seed, "command": bench.command(),
            "corpus": asdict(st), "summary": rows, "runs": [asdict(r) for r in runs],
            "output": html_after,
        }, indent=2, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
