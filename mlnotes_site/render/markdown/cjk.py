"""Chinese and Japanese line joins: a soft line break of the source (hard-wrapped Markdown) between
two CJK characters is no space at all in CJK text, so it is dropped; between CJK and Latin it stays
a space, as CommonMark says. Hangul is left alone (Korean separates words with spaces)."""
from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

# Han, kana, CJK symbols and punctuation, full-width forms; the general punctuation that Chinese
# text uses beside them (quotes, ellipsis, dashes) counts when the other side is CJK.
_CJK = re.compile(r"[\u2e80-\u2fff\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f"
                  r"\uff00-\uffef\U00020000-\U0003134f]")
_SHARED = re.compile(r"[\u2018\u2019\u201c\u201d\u2026\u2014\u00b7]")
# Tokens that draw nothing themselves: look through them for the character beside the break.
_MARKUP = {"em_open", "em_close", "strong_open", "strong_close", "s_open", "s_close",
           "link_open", "link_close"}


def _edge(children: list[Token], start: int, step: int) -> str:
    """The visible character next to children[start - step], looking in direction `step`."""
    i = start
    while 0 <= i < len(children):
        child = children[i]
        if child.type == "text" and child.content:
            return child.content[-1] if step < 0 else child.content[0]
        if child.type not in _MARKUP and child.type != "text":  # (empty text tokens are markup's leftovers)
            return ""
        i += step
    return ""


def joins_without_space(before: str, after: str) -> bool:
    if not before or not after:
        return False
    cjk_before, cjk_after = bool(_CJK.match(before)), bool(_CJK.match(after))
    return (cjk_before and cjk_after) or (cjk_before and bool(_SHARED.match(after))) \
        or (cjk_after and bool(_SHARED.match(before)))


def _join_cjk_lines(state: StateCore) -> None:
    for token in state.tokens:
        if token.type != "inline" or not token.children:
            continue
        children = token.children
        if not any(c.type == "softbreak" for c in children):
            continue
        kept: list[Token] = []
        for i, child in enumerate(children):
            if child.type == "softbreak" and joins_without_space(_edge(children, i - 1, -1), _edge(children, i + 1, 1)):
                continue
            kept.append(child)
        token.children = kept


def cjk_plugin(md: MarkdownIt) -> None:
    md.core.ruler.push("cjk_soft_breaks", _join_cjk_lines)
