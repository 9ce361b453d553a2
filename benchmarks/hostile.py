"""Hostile input sweep (issue 18): time each adversarial Markdown shape at growing sizes, through the
same parser and renderer a build uses, to show the slope (linear: time doubles when the size does).
Times are CPU seconds of this process.

    PYTHONPATH=. python benchmarks/hostile.py                 # every shape, 50 KB .. 1 MB
    PYTHONPATH=. python benchmarks/hostile.py --sizes 50000,100000 --shape highlight
    PYTHONPATH=. python benchmarks/hostile.py --floor       # also plain markdown-it-py (CommonMark +
                                                              # tables) at the largest size: the floor
    PYTHONPATH=. python benchmarks/hostile.py --note-sizes --sizes 500000,1000000,2000000,4000000
                                                              # whole builds of one big note (item 10)
"""
from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable

# Each shape makes about `size` characters of text that the rule must scan.
SHAPES: dict[str, Callable[[int], str]] = {
    "highlight": lambda n: "==a " * (n // 4),
    "dollar-brace": lambda n: "$a{" * (n // 3),
    "dollar-space": lambda n: "$a " * (n // 3),
    "paren": lambda n: "\\(a " * (n // 4),
    "bracket": lambda n: "\\[a " * (n // 4),
    "double-paren": lambda n: "\\\\(a " * (n // 5),
    "double-dollar-inline": lambda n: "$$a " * (n // 4),
    "wikilink": lambda n: "[[a " * (n // 4),
    "wikilink-bracket": lambda n: "[[a]" * (n // 4),
    "backticks": lambda n: "`a ``b " * (n // 7),
    "highlight-backticks": lambda n: "==a `" * (n // 5),
    "comment-inline": lambda n: "a %%b " * (n // 6),
    "comment-lines": lambda n: "para\n" + "%%a\n" * (n // 4),
    "dollar-lines": lambda n: "para\n" + "$$a\n" * (n // 4),
    "bracket-lines": lambda n: "para\n" + "\\[a\n" * (n // 4),
    "align-blocks": lambda n: "\\begin{align}\n" * (n // 14),
    "align-lines": lambda n: "para\n" + "\\begin{align} a\n" * (n // 16),
    "callout-lines": lambda n: "> [!note]\n" * (n // 10),
    "tabs-lines": lambda n: "=== \"a\"\n" * (n // 8),
    "pipes-table": lambda n: "| a | b |\n|---|---|\n" + "| $a | `b |\n" * (n // 12),
    "scheme-space": lambda n: "a:// " * (n // 5),
    "scheme-run": lambda n: "a://" * (n // 4),
    "url-run": lambda n: "http://a.b)" * (n // 11),
}


def ordinary(n: int) -> str:
    """About `n` characters of ordinary notes, for comparison: the example site's, repeated."""
    from pathlib import Path
    content = Path(__file__).resolve().parent.parent / "content"
    notes = "\n\n".join(p.read_text(encoding="utf-8").split("\n---\n", 1)[-1] for p in sorted(content.rglob("*.md")))
    return (notes * (1 + n // len(notes)))[:n]


def render(text: str, plain: bool = False) -> float:
    from markdown_it import MarkdownIt
    from mlnotes_site.render.markdown import create_markdown
    md = MarkdownIt("commonmark").enable(["table", "strikethrough"]) if plain else create_markdown()
    started = time.process_time()  # CPU seconds: fair on a machine shared with other work
    md.render(text, {"folder": ""})
    return time.process_time() - started


def sweep(sizes: list[int], shapes: list[str], floor: bool = False) -> None:
    print(f"{'shape':24}" + "".join(f"{s // 1000:>8}k" for s in sizes) + "   s/100KB at max"
          + ("   plain markdown-it-py" if floor else ""))
    for name in ["(ordinary notes)"] + shapes:
        make = SHAPES.get(name, ordinary)
        row = []
        for size in sizes:
            row.append(render(make(size)))
            if row[-1] > 30:
                break
        cells = "".join(f"{t:9.3f}" for t in row)
        at = sizes[len(row) - 1]
        plain = f"   {render(make(at), plain=True) / (at / 100_000):.3f}" if floor else ""
        print(f"{name:24}{cells}   {row[-1] / (at / 100_000):.3f}{plain}", flush=True)


def sweep_builds(sizes: list[int]) -> None:
    """Whole builds (`mlnotes build` in a child process) of a site whose one big note, in 3 topics,
    is `size` bytes of prose with a formula every ~500 bytes: wall time, the child's peak memory, output size."""
    import resource
    import subprocess
    import tempfile
    from pathlib import Path
    print(f"{'note':>9} {'seconds':>8} {'peak MB':>8} {'output MB':>10} {'feed.xml KB':>12}")
    for size in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            site = Path(tmp) / "site"
            (site / "content/t").mkdir(parents=True)
            (site / "mlnotes.yaml").write_text("languages: [en]\nlimits: {note_error_mb: 100}\n", encoding="utf-8")
            para = ("word " * 95 + "$x_{i}^2$ ") + "\n\n"
            body = para * max(1, size // len(para))
            (site / "content/t/big.en.md").write_text(
                f"---\ntitle: Big\ndate: 2025-01-01\ntopics: [a, b]\n---\n\n{body}", encoding="utf-8")
            for i in range(5):
                (site / f"content/t/n{i}.en.md").write_text(f"---\ntitle: N{i}\ndate: 2025-01-0{i + 2}\n---\n\nsmall\n")
            started = time.perf_counter()
            subprocess.run([sys.executable, "-m", "mlnotes_site", "build", str(site), "-o", str(site / "public"),
                            "--quiet"], check=False)
            seconds = time.perf_counter() - started
            peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            out = sum(p.stat().st_size for p in (site / "public").rglob("*") if p.is_file()) / (1 << 20)
            feed = (site / "public/feed.xml").stat().st_size / 1024
            print(f"{size / (1 << 20):8.1f}M {seconds:8.2f} {peak:8.0f} {out:10.1f} {feed:12.0f}", flush=True)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="50000,100000,200000,500000,1000000")
    parser.add_argument("--shape", action="append")
    parser.add_argument("--floor", action="store_true", help="also time plain markdown-it-py on each shape")
    parser.add_argument("--note-sizes", action="store_true", help="sweep whole builds of one big note instead")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    if args.note_sizes:
        sweep_builds(sizes)
        return 0
    sweep(sizes, args.shape or list(SHAPES), args.floor)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
