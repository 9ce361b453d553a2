#!/usr/bin/env python3
"""What the search index costs a build (issue 21), and how best to feed Pagefind.

    python benchmarks/search_feed.py [--notes 1000] [--runs 3] [--seed 1] [--keep DIR]
    python benchmarks/search_feed.py --feed SITE [--runs 3]

The first form generates the benchmark corpus (benchmarks/corpus.py) twice, once with
``search: false`` in its mlnotes.yaml ("off") and once as generated ("on"), and times
``python -m mlnotes_site build SITE -o OUT --quiet --profile``, interleaved: ``--runs`` rounds
of a cold build off then on (cache and output deleted first), then ``--runs`` rounds of warm
builds (nothing changed). Each build is a child reaped with ``os.wait4``; the build process's
own peak RSS is sampled from /proc (VmHWM, every 20 ms), since wait4's figure is the largest of
it and the children it reaped, Pagefind included. The search build's --profile line gives
Pagefind's CPU time and peak RSS (reaped by the build with wait4), the search documents and
the index size. Printed: every build, then medians, the on/off ratio of the medians and of each
round, the mean of the rounds' ratios with its 95% bootstrap interval (a run's ratio of medians
moves by several points from run to run on a shared VM), the CPU time the hypervisor stole during
each build (other guests of the host: the noise in these timings), and the machine's load
average before and after.

The second form compares two ways of feeding Pagefind the same search documents (SITE must
have been built once; its cache holds the search records):

* ``cli``: write each document as a small HTML file into a temporary folder, run the packaged
  binary over it with ``--output-path`` (what mlnotes does);
* ``service``: speak the binary's ``--service`` protocol directly (base64 JSON messages ending
  in ","; NewIndex, AddFile per document, WriteFiles), all requests written at once while a
  thread reads the answers, so nothing waits between messages (the Python wrapper sleeps 0.1 s
  per response).
"""
from __future__ import annotations

import argparse
import base64
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpus  # noqa: E402  (sibling module, benchmarks/ is not a package)
from mlnotes_site.build import Laps, describe  # noqa: E402
from mlnotes_site.cache import CACHE_DIR, Cache  # noqa: E402
from mlnotes_site.load.siteconfig import load_config  # noqa: E402
from mlnotes_site.emit import search  # noqa: E402
from mlnotes_site.render.math.engine import MathEngine  # noqa: E402
from mlnotes_site.render.stage import default_jobs  # noqa: E402


def documents(root: Path) -> list[tuple[str, str]]:
    config, _ = load_config(root)
    cache = Cache(root / CACHE_DIR)
    engine = MathEngine(config.root, config.math_macros, cache)
    try:
        described = describe(config, cache, engine, drafts=False, strict=False, jobs=default_jobs(), laps=Laps({}))
        docs = search.search_docs(described.site, described.bodies.keys)
        texts = search.records(docs, described.site, described.bodies)
        return [(doc.file, search.document_html(doc, texts[doc.path])) for doc in docs]
    finally:
        engine.close()
        cache.close()


def run(cmd: list[str]) -> tuple[float, float, float]:
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, cmd
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def via_cli(docs: list[tuple[str, str]], binary: Path, work: Path) -> tuple[float, float, float]:
    start = time.perf_counter()
    folder = work / "docs"
    for file, html in docs:
        target = folder / file
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(html, encoding="utf-8")
    written = time.perf_counter() - start
    seconds, cpu, rss = run([str(binary), "--site", str(folder), "--output-path", str(work / "out-cli"), "--silent"])
    return written + seconds, cpu, rss


def via_service(docs: list[tuple[str, str]], binary: Path, work: Path) -> tuple[float, float, float]:
    """All requests written at once; a reader thread collects the answers. The service drops work
    still pending when its input closes, so input stays open until WriteFiles has answered."""
    start = time.perf_counter()
    proc = subprocess.Popen([str(binary), "--service"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL)
    last = len(docs) + 2
    done = threading.Event()
    answers: list[dict] = []

    def read() -> None:
        assert proc.stdout is not None
        buffer = b""
        while chunk := proc.stdout.read1(1 << 16):
            buffer += chunk
            *complete, buffer = buffer.split(b",")
            for message in complete:
                answer = json.loads(base64.b64decode(message))
                answers.append(answer)
                if answer.get("message_id") == last or answer["payload"].get("type") == "Error":
                    done.set()
        done.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    assert proc.stdin is not None

    def send(message_id: int, payload: dict) -> None:
        proc.stdin.write(base64.b64encode(json.dumps({"message_id": message_id, "payload": payload}).encode()) + b",")

    send(1, {"type": "NewIndex", "config": None})
    for i, (file, html) in enumerate(docs, start=2):
        send(i, {"type": "AddFile", "index_id": 0, "file_path": file, "url": None, "file_contents": html})
    send(last, {"type": "WriteFiles", "index_id": 0, "output_path": str(work / "out-service")})
    proc.stdin.flush()
    done.wait()
    proc.stdin.close()
    _, status, usage = os.wait4(proc.pid, 0)
    errors = [a for a in answers if a["payload"].get("type") == "Error"]
    assert not errors and (work / "out-service" / "pagefind-entry.json").is_file(), errors[:1]
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def feed(site: Path, runs: int) -> int:
    binary = search.pagefind_binary()
    assert binary is not None, "pip install 'pagefind[extended]'"
    docs = documents(site.resolve())
    size = sum(len(html.encode()) for _, html in docs)
    print(f"{len(docs)} documents, {size / 1e6:.2f} MB, binary {binary.name} {search.pagefind_version()}")
    for n in range(runs):
        for name, way in (("cli", via_cli), ("service", via_service)):
            work = Path(tempfile.mkdtemp(prefix="search-feed-"))
            try:
                seconds, cpu, rss = way(docs, binary, work)
            finally:
                shutil.rmtree(work, ignore_errors=True)
            print(f"  {name:8s} #{n + 1}: {seconds:6.2f} s wall  {cpu:6.2f} s CPU  peak RSS {rss:6.0f} MB", flush=True)
    return 0


PROFILE = re.compile(r"search index: (?P<docs>\d+) documents \((?P<doc_mb>[\d.]+) MB\) written in (?P<prepare>[\d.]+) s; "
                     r"Pagefind (?P<pf_s>[\d.]+) s, (?P<pf_cpu>[\d.]+) CPU-s, peak RSS (?P<pf_rss>\d+) MB; "
                     r"waited (?P<waited>[\d.]+) s, added in (?P<finish>[\d.]+) s; index (?P<index_mb>[\d.]+) MB")


def _vm_hwm(pid: int) -> float:
    """The process's peak resident set so far, MB (10^6 bytes), or 0 once it is gone."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024 / 1e6
    except OSError:
        pass
    return 0.0


def _steal() -> float:
    """CPU seconds the hypervisor gave to other guests so far, over all CPUs (0 where unknown): a
    round with much of it was slowed by the host, not by the build."""
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            fields = stat.readline().split()
        return int(fields[8]) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def timed_build(site: Path, out: Path, cold: bool) -> dict[str, float]:
    if cold:
        shutil.rmtree(site / CACHE_DIR, ignore_errors=True)
        shutil.rmtree(out, ignore_errors=True)
    cmd = [sys.executable, "-m", "mlnotes_site", "build", str(site), "-o", str(out), "--quiet", "--profile"]
    with tempfile.TemporaryFile() as err:
        stolen = _steal()
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err)
        own = 0.0
        while True:  # the build's own peak RSS, until it exits
            own = max(own, _vm_hwm(proc.pid))
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            time.sleep(0.02)
        wall = time.perf_counter() - start
        stolen = _steal() - stolen
        err.seek(0)
        text = err.read().decode("utf-8", "replace")
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"build failed: {' '.join(cmd)}\n{text[-3000:]}")
    row = {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss": own, "tree_rss": usage.ru_maxrss * 1024 / 1e6,
           "steal": stolen}
    found = PROFILE.search(text)
    if found:
        row.update({k: float(v) for k, v in found.groupdict().items()})
    return row


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def ratio_interval(off: list[float], on: list[float], resamples: int = 10000) -> tuple[float, float, float]:
    """The mean of the rounds' on/off ratios, and its 95% percentile-bootstrap interval: a round's
    builds run back to back, so the machine's drift over the run moves both alike, but its speed
    still varies from build to build (by a tenth and more here), which a single ratio of medians
    hides. A fixed seed: the same timings always print the same interval."""
    ratios = [b / a for a, b in zip(off, on)]
    rng = random.Random(0)
    means = sorted(statistics.fmean(rng.choices(ratios, k=len(ratios))) for _ in range(resamples))
    return statistics.fmean(ratios), means[int(0.025 * resamples)], means[int(0.975 * resamples) - 1]


def builds(args: argparse.Namespace) -> int:
    """Cold and warm builds of the corpus with search off and on, interleaved."""
    if search.pagefind_binary() is None:
        sys.exit("Pagefind is not installed: pip install 'pagefind[extended]'")
    work = args.keep or Path(tempfile.mkdtemp(prefix="mlnotes-search-bench-"))
    sites = {"off": work / "off", "on": work / "on"}
    for name, site in sites.items():
        if not (site / "mlnotes.yaml").is_file():
            corpus.main([str(site), "--notes", str(args.notes), "--seed", str(args.seed)])
            if name == "off":
                with open(site / "mlnotes.yaml", "a", encoding="utf-8") as config:
                    config.write("search: false\n")
    print(f"corpus: {args.notes} notes (seed {args.seed}) at {work}; {os.cpu_count()} CPUs; load {_load()}")
    runs: dict[tuple[str, str], list[dict[str, float]]] = {}
    try:
        for kind in ("cold", "warm"):
            for n in range(args.runs):
                for name in ("off", "on"):
                    row = timed_build(sites[name], work / f"public-{name}", kind == "cold")
                    runs.setdefault((kind, name), []).append(row)
                    extra = (f"  Pagefind {row['pf_cpu']:5.2f} CPU-s {row['pf_rss']:4.0f} MB, docs written in "
                             f"{row['prepare']:.2f} s, waited {row['waited']:.2f} s, added in {row['finish']:.2f} s"
                             if "pf_cpu" in row else "")
                    print(f"  {kind} {name:3s} #{n + 1}: {row['wall']:7.2f} s wall {row['cpu']:6.2f} CPU-s (reaped) "
                          f"build RSS {row['rss']:5.0f} MB, steal {row['steal']:5.2f} s{extra}", flush=True)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    print(f"load after: {_load()}")
    print("\nmedians        off s     on s   on/off   per round (on/off)")
    for kind in ("cold", "warm"):
        off = [r["wall"] for r in runs[(kind, "off")]]
        on = [r["wall"] for r in runs[(kind, "on")]]
        rounds = ", ".join(f"{b / a:.3f}" for a, b in zip(off, on))
        print(f"  {kind}   {statistics.median(off):9.2f} {statistics.median(on):8.2f} "
              f"{statistics.median(on) / statistics.median(off):8.3f}   {rounds}   (on - off: "
              f"{statistics.median(on) - statistics.median(off):+.2f} s; steal, medians: off "
              f"{statistics.median(r['steal'] for r in runs[(kind, 'off')]):.2f} s, on "
              f"{statistics.median(r['steal'] for r in runs[(kind, 'on')]):.2f} s)")
    off, on = [r["wall"] for r in runs[("cold", "off")]], [r["wall"] for r in runs[("cold", "on")]]
    mean, low, high = ratio_interval(off, on)
    print(f"\ncold, mean of the rounds' on/off: {mean:.3f}, 95% interval {low:.3f} to {high:.3f} (bootstrap over "
          f"{len(off)} rounds); ratio of the mean walls {statistics.fmean(on) / statistics.fmean(off):.3f}")
    cold = runs[("cold", "on")]
    with_index = [r for r in cold if "pf_cpu" in r]
    if with_index:
        med = {k: statistics.median(r[k] for r in with_index) for k in with_index[0]}
        print(f"\nsearch index (cold, medians): {med['docs']:.0f} documents, {med['doc_mb']:.2f} MB; index "
              f"{med['index_mb']:.2f} MB; Pagefind {med['pf_cpu']:.2f} CPU-s over {med['pf_s']:.2f} s, peak RSS "
              f"{med['pf_rss']:.0f} MB")
        print(f"build process peak RSS (cold, medians): off {statistics.median(r['rss'] for r in runs[('cold', 'off')]):.0f} MB,"
              f" on {med['rss']:.0f} MB")
    warm_index = [r for r in runs[("warm", "on")] if "pf_cpu" in r]
    print(f"warm builds that re-indexed: {len(warm_index)} of {len(runs[('warm', 'on')])}")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--feed", type=Path, metavar="SITE", help="compare the CLI and --service feeds on a built site")
    ap.add_argument("--notes", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--keep", type=Path, help="generate the corpora here (or reuse them) and keep them")
    args = ap.parse_args()
    if args.feed:
        return feed(args.feed, args.runs)
    return builds(args)


if __name__ == "__main__":
    sys.exit(main())
