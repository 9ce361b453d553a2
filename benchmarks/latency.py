"""What the two live-reload benchmarks (serve_latency.py, hugo_serve_latency.py) share: their corpus
and edit options, and the p50 / p95 / max line they print."""
from __future__ import annotations

import argparse
import statistics
from pathlib import Path


def add_arguments(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("--notes", type=int, default=1000)
    ap.add_argument("--edits", type=int, default=30)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--site", type=Path, help="use this generated site (edited in place) instead of a new corpus")


def summary(name: str, times: list[float]) -> str:
    """`name n= p50 p95 max` of save -> reload times (seconds), in milliseconds."""
    ms = sorted(t * 1000 for t in times)
    p95 = ms[min(len(ms) - 1, int(round(0.95 * (len(ms) - 1))))]
    return f"  {name:16} n={len(ms):3}  p50 {statistics.median(ms):8.0f} ms   p95 {p95:8.0f} ms   max {ms[-1]:8.0f} ms"
