"""Pandoc's and Typora's subscript and superscript: `H~2~O`, `x^2^`.

Only where it cannot mean anything else: the text between the markers is one word of plain text (no
space, no markup, no formula or code), so "~5 minutes", "~/notes" and "2^10" stay as written, and
GFM's `~~strikethrough~~` (a run of two) is never taken. Formulas and code spans are tokenized by
their own rules before the marker is reached, so nothing inside them changes. The scan stops at the
first space or markup character: linear.
"""
from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline

_WORD = re.compile(r"[^\s`$\\<>\[\]()*_~^=|]+")  # what may stand between the markers


def _rule(marker: str, tag: str):  # type: ignore[no-untyped-def]
    def rule(state: StateInline, silent: bool) -> bool:
        src, start, end = state.src, state.pos, state.posMax
        if src[start] != marker or (start > 0 and src[start - 1] == marker):
            return False
        word = _WORD.match(src, start + 1, end)
        if word is None:
            return False  # "~~" (strikethrough), "~ ", "~`code`", "~$x$"
        close = word.end()
        if close >= end or src[close] != marker or (close + 1 < end and src[close + 1] == marker):
            return False
        if not silent:
            state.push(f"{tag}_open", tag, 1).markup = marker
            state.push("text", "", 0).content = word.group(0)
            state.push(f"{tag}_close", tag, -1).markup = marker
        state.pos = close + 1
        return True
    return rule


def subsup_plugin(md: MarkdownIt) -> None:
    md.inline.ruler.before("strikethrough", "subscript", _rule("~", "sub"))
    md.inline.ruler.before("strikethrough", "superscript", _rule("^", "sup"))
