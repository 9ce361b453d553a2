"""Every Markdown rule scans linearly (issue 18 item 2): adversarial shapes that made an opener search
the rest of the text for its closer again and again. Checked by slope (8x the input may take about 8x
the time, not 64x) so that a loaded machine does not make the tests flaky, and with one 1 MB line."""
from __future__ import annotations

import random
import sys
import time
from pathlib import Path

import pytest

from mlnotes_site.render.markdown import create_markdown
from mlnotes_site.render.markdown.math import _dollar_close

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from hostile import SHAPES  # noqa: E402  (the benchmark's shapes: one list for both)

RULES = ["highlight", "dollar-brace", "paren", "bracket", "double-paren", "double-dollar-inline", "wikilink",
         "backticks", "highlight-backticks", "comment-lines", "dollar-lines", "bracket-lines", "align-blocks",
         "align-lines", "pipes-table"]


def _seconds(text: str) -> float:
    md = create_markdown()
    best = float("inf")
    for _ in range(2):  # CPU time, the best of two: the machine may be busy with something else
        started = time.process_time()
        md.render(text, {"folder": ""})
        best = min(best, time.process_time() - started)
    return best


@pytest.mark.parametrize("shape", RULES)
def test_each_rule_is_linear_in_its_input(shape):
    small, large = _seconds(SHAPES[shape](5_000)), _seconds(SHAPES[shape](40_000))
    # quadratic: 64x; linear: 8x (plus noise at these small sizes)
    assert large < 20 * small + 0.3, f"{shape}: {small:.3f}s at 5 KB, {large:.3f}s at 40 KB"


def test_a_one_megabyte_adversarial_line_renders_in_seconds():
    shapes = ["highlight", "dollar-brace", "paren", "bracket", "double-dollar-inline", "wikilink", "backticks"]
    line = "".join(SHAPES[name](1_000_000 // len(shapes)) for name in shapes)
    started = time.process_time()
    create_markdown().render(line, {"folder": ""})
    seconds = time.process_time() - started
    # CPU time, not wall time: other processes may share the machine. Before: hours (20 KB of "==a "
    # alone took 9.7 s); well under a second per 100 KB now
    assert seconds < 10, f"{seconds:.1f}s for {len(line) // 1000} KB"


def _reference_dollar_close(src: str, start: int, end: int) -> int:
    """The original scan (one per opener, quadratic), kept as the definition the fast one must match."""
    def scan(braces: bool) -> int:
        if start >= end or src[start].isspace() or src[start] == "$":
            return -1
        pos, depth = start, 0
        while pos < end:
            ch = src[pos]
            if ch == "\\":
                pos += 2
                continue
            if ch in "{}":
                depth = depth + 1 if ch == "{" and braces else max(0, depth - 1)
            elif ch == "$" and depth == 0:
                if src[pos - 1].isspace() or (pos + 1 < end and src[pos + 1].isdigit()):
                    return -1
                return pos
            elif ch == "\n" and pos + 1 < end and src[pos + 1] == "\n":
                return -1
            pos += 1
        return -1
    close = scan(True)
    return close if close >= 0 else scan(False)


def test_the_linear_dollar_search_finds_what_the_scan_per_opener_found():
    rng = random.Random(18)
    for _ in range(4000):
        src = "".join(rng.choice("$$a{}\\ \n1") for _ in range(rng.randint(1, 16)))
        pos = 0
        while pos < len(src):  # every '$' the tokenizer could open a formula at (not an escaped one)
            if src[pos] == "\\":
                pos += 2
                continue
            if src[pos] == "$":
                for end in (len(src), max(pos + 1, len(src) - 2)):
                    assert _dollar_close(src, pos + 1, end) == _reference_dollar_close(src, pos + 1, end), (src, pos)
            pos += 1


@pytest.mark.parametrize("text, html", [
    ("a ==b== c", "<mark>b</mark>"),
    ("$\\text{当 $x>0$ 时}$", "\x00m0\x00"),
    ("[[Note]] and [[Other|text]]", 'class="wikilink"'),
    ("para\n$$\na\n$$\n", "\x00m0\x00"),
    ("\\begin{align}\n\\begin{align}\na\n\\end{align}\n\\end{align}\n", "\x00m0\x00"),
    ("%%\nhidden\n%%\nshown", "shown"),
    ("``a ` b`` c", "<code>a ` b</code>"),
])
def test_the_shapes_still_mean_what_they_meant(text, html):
    out = create_markdown().render(text, {"folder": ""})
    assert html in out
    assert "hidden" not in out
