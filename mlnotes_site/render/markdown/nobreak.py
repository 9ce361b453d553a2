"""Punctuation right after inline math stays on the formula's line: a browser may break after the
formula's box, which starts the next line with "。" or ",". The formula and the punctuation run
after it go into one `<span class="nobr">`."""
from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

# Closing punctuation, CJK and Latin (a run such as "）。" or ")." moves as one).
_TRAILING = re.compile(r"[。，、；：？！）」』】》〉〕…’”.,;:!?)\]'\"%]+")


def _glue_punctuation(state: StateCore) -> None:
    for token in state.tokens:
        if token.type != "inline" or not token.children:
            continue
        children = token.children
        if not any(c.type == "math_inline" for c in children):
            continue
        out: list[Token] = []
        i = 0
        while i < len(children):
            child = children[i]
            after = children[i + 1] if i + 1 < len(children) else None
            match = _TRAILING.match(after.content) if child.type == "math_inline" and after is not None \
                and after.type == "text" else None
            if match is None:
                out.append(child)
                i += 1
                continue
            assert after is not None
            punct = Token("text", "", 0, content=match.group(0))
            out += [Token("nobr_open", "span", 1), child, punct, Token("nobr_close", "span", -1)]
            rest = after.content[match.end():]
            if rest:
                after.content = rest
                out.append(after)
            i += 2
        token.children = out


def nobreak_plugin(md: MarkdownIt) -> None:
    md.core.ruler.push("math_punctuation", _glue_punctuation)
    md.add_render_rule("nobr_open", lambda self, tokens, idx, options, env: '<span class="nobr">')
    md.add_render_rule("nobr_close", lambda self, tokens, idx, options, env: "</span>")
