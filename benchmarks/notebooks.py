#!/usr/bin/env python3
"""Time building a site whose one note is a notebook of plots (issue 20's target).

    python benchmarks/notebooks.py [--images 50] [--kb 100] [--runs 5] [--keep DIR]

Writes a notebook with `--images` code cells, each with one PNG output of about `--kb` kB
(incompressible pixels, so the file really is that large) and a little text, plus a Markdown
cell with math, into a fresh site. Then, each in a child process of its own:

* cold runs: `.mlnotes-cache` and the output deleted first (the notebook is read, validated with
  nbformat, its images decoded and stored);
* warm runs: cache and output kept (the notebook is only stat'ed).

Two times are printed per run: `build`, the `build()` call inside the child as the CLI would
time it (the package already imported: it includes importing nbformat on a cold build), and
`process`, the whole `mlnotes build` command including Python's start. Medians of each.
With `--baseline`, the same runs on the same site with the notebook replaced by a Markdown note
of the same prose and code and no images: what any one-note site costs (KaTeX's node worker,
the theme, its fonts), so the notebook's own share can be read off.
Standard library and nbformat only.
"""
from __future__ import annotations

import argparse
import base64
import json
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

CHILD = """
import json, sys, time
from pathlib import Path
from mlnotes_site.build import BuildOptions, build
site = Path(sys.argv[1])
started = time.perf_counter()
result = build(BuildOptions(site, site / "public"))
seconds = time.perf_counter() - started
assert not result.failed, [p.format() for p in result.problems]
print(json.dumps({"seconds": seconds, "stages": result.stages, "rendered": result.rendered_notes,
                  "linked": result.linked}))
"""


def noise_png(width: int, height: int, seed: int) -> bytes:
    """A PNG of pseudo-random pixels: it does not compress, so its size is about width*height*3."""
    state = seed * 2654435761 & 0xFFFFFFFF
    rows = bytearray()
    for _ in range(height):
        rows.append(0)
        for _ in range(width * 3):
            state = (state * 1103515245 + 12345) & 0xFFFFFFFF
            rows.append(state >> 24)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(bytes(rows), 1)) + chunk(b"IEND", b""))


def write_baseline(root: Path, images: int) -> None:
    (root / "content/plots").mkdir(parents=True)
    (root / "mlnotes.yaml").write_text("title: Notebook benchmark\nlanguages: [en]\n", encoding="utf-8")
    cells = "".join(f"```python\nplt.plot(losses[{i}])\nprint('run {i}')\n```\n\n    run {i}\n\n" for i in range(images))
    (root / "content/plots/figures.md").write_text("---\ntitle: Plots\ndate: 2025-01-01\n---\n"
                                                   "Fifty figures of $\\mathcal{L}(\\theta)$ over training.\n\n" + cells,
                                                   encoding="utf-8")


def write_site(root: Path, images: int, kb: int) -> int:
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

    side = int((kb * 1000 / 3) ** 0.5)
    nb = new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "Python 3"}
    nb.metadata["language_info"] = {"name": "python"}
    nb.cells.append(new_markdown_cell("---\ntitle: Plots\ndate: 2025-01-01\n---\n"
                                      "Fifty figures of $\\mathcal{L}(\\theta)$ over training."))
    for i in range(images):
        data = base64.b64encode(noise_png(side, side, i + 1)).decode("ascii")
        nb.cells.append(new_code_cell(f"plt.plot(losses[{i}])\nprint('run {i}')", execution_count=i + 1, outputs=[
            new_output("stream", name="stdout", text=f"run {i}\n"),
            new_output("display_data", data={"image/png": data, "text/plain": "<Figure size 640x480 with 1 Axes>"}),
        ]))
    (root / "content/plots").mkdir(parents=True)
    (root / "mlnotes.yaml").write_text("title: Notebook benchmark\nlanguages: [en]\n", encoding="utf-8")
    path = root / "content/plots/figures.ipynb"
    nbformat.write(nb, str(path))
    return path.stat().st_size


def run(site: Path) -> tuple[dict, float]:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", CHILD, str(site)], capture_output=True, text=True,
                          env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"}, check=True)
    wall = time.perf_counter() - started
    return json.loads(done.stdout.strip().splitlines()[-1]), wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", type=int, default=50)
    parser.add_argument("--kb", type=int, default=100)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", type=Path)
    parser.add_argument("--baseline", action="store_true", help="also time the same site without the notebook")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="mlnotes-nb-bench-"))
    try:
        if root.exists():
            shutil.rmtree(root)
        size = write_site(root, args.images, args.kb)
        print(f"notebook: {args.images} PNG outputs of ~{args.kb} kB, file {size / 1e6:.1f} MB")
        measure(root, args.runs)
        if args.baseline:
            shutil.rmtree(root)
            write_baseline(root, args.images)
            print("baseline: the same prose and code as a Markdown note, no images")
            measure(root, args.runs)
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)


def measure(root: Path, runs: int) -> None:
    results: dict[str, list[tuple[float, float]]] = {"cold": [], "warm": []}
    for kind in ("cold", "warm"):
        for _ in range(runs):
            if kind == "cold":
                shutil.rmtree(root / ".mlnotes-cache", ignore_errors=True)
                shutil.rmtree(root / "public", ignore_errors=True)
            info, wall = run(root)
            results[kind].append((info["seconds"], wall))
            stages = " ".join(f"{k}={v:.3f}" for k, v in info["stages"].items())
            print(f"  {kind}: build {info['seconds']:.3f}s  process {wall:.3f}s  "
                  f"(rendered {info['rendered']}, files kept {info['linked']}; {stages})")
    for kind, timed in results.items():
        print(f"{kind} median: build {statistics.median(r[0] for r in timed):.3f}s, "
              f"process {statistics.median(r[1] for r in timed):.3f}s")


if __name__ == "__main__":
    main()
