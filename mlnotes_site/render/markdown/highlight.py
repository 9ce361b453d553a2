"""`==highlighted text==` (Obsidian, Typora) becomes `<mark>`. The opener must not be followed, nor
the closer preceded, by a space ("a == b" is left alone); code spans and formulas come first."""
from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline

from mlnotes_site.render.markdown.math import code_span_end, match_inline
from mlnotes_site.render.markdown.scan import NoCloser, memo

MARK = "=="
_SCAN_RE = re.compile(r"[`$\\=]")
_RUN_RE = re.compile(r"=+")


def _closer(src: str, start: int, end: int) -> int:
    """Where the closing "==" is, past code spans and formulas (their "==" do not count), or -1."""
    pos = start
    while True:
        found = _SCAN_RE.search(src, pos, end)
        if found is None:
            return -1
        pos = found.start()
        ch = src[pos]
        if ch == "`":
            pos = code_span_end(src, pos, end)
        elif ch in "$\\":
            formula = match_inline(src, pos, end)
            pos = formula[2] if formula else pos + (2 if ch == "\\" else 1)
        elif src.startswith(MARK, pos):
            found_run = _RUN_RE.match(src, pos, end)
            run = found_run.end() - pos if found_run else 1
            if run == len(MARK) and not src[pos - 1].isspace():
                return pos
            pos += run  # "===" and longer are no closer, nor a part of them
        else:
            pos += 1


def _highlight(state: StateInline, silent: bool) -> bool:
    src, pos, end = state.src, state.pos, state.posMax
    if not src.startswith(MARK, pos) or src.startswith("=", pos + len(MARK)) or (pos and src[pos - 1] == "="):
        return False
    start = pos + len(MARK)
    if start >= end or src[start].isspace():
        return False
    # an opener whose scan found no closer: every later opener in the paragraph would find none either
    absent = memo(state, "highlight", NoCloser)
    if absent.known_absent(start, end):
        return False
    close = _closer(src, start, end)
    if close < 0:
        absent.absent(start, end)
        return False
    if not silent:
        state.push("mark_open", "mark", 1)
        outer = state.posMax
        state.pos, state.posMax = start, close
        state.md.inline.tokenize(state)  # the text inside may have emphasis, links, formulas
        state.posMax = outer
        state.push("mark_close", "mark", -1)
    state.pos = close + len(MARK)
    return True


def highlight_plugin(md: MarkdownIt) -> None:
    md.inline.ruler.before("strikethrough", "highlight", _highlight)
