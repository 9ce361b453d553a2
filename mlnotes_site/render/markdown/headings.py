"""Heading anchors: stable ids that keep CJK characters, deduplicated, and a table of contents."""
from __future__ import annotations

from html import escape

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from mlnotes_site.load.content import TOC_MARKERS
from mlnotes_site.model import markdown_env
from mlnotes_site.slugs import heading_id


def inline_text(token: Token) -> str:
    """The visible text of an inline token: text, code and formula sources, no markup."""
    parts: list[str] = []
    for child in token.children or []:
        if child.type in ("text", "code_inline", "math_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "image":
            parts.append(child.content)
    return "".join(parts)


def _anchors(state: StateCore) -> None:
    found = markdown_env(state.env)
    used, toc = found.heading_ids, found.toc
    tokens = state.tokens
    for i, token in enumerate(tokens):
        if token.type != "heading_open" or token.attrGet("id"):
            continue
        inline = tokens[i + 1]
        base = heading_id(inline_text(inline))
        ident = base
        if ident in used:
            used[base] += 1
            ident = f"{base}-{used[base]}"
            while ident in used:
                used[base] += 1
                ident = f"{base}-{used[base]}"
        used[ident] = 0
        token.attrSet("id", ident)
        tokens[i + 2].meta = {"id": ident}
        toc.append((int(token.tag[1]), ident, inline))


def _toc_markers(state: StateCore) -> None:
    """Each page has its own table of contents: a paragraph that is only another tool's marker goes."""
    tokens = state.tokens
    drop = {i + k for i in range(len(tokens) - 2)
            if tokens[i].type == "paragraph_open" and tokens[i + 1].type == "inline"
            and tokens[i + 1].content.strip().lower() in TOC_MARKERS for k in range(3)}
    if drop:
        state.tokens = [t for i, t in enumerate(tokens) if i not in drop]


def _heading_close(self, tokens: list[Token], idx: int, options, env) -> str:  # type: ignore[no-untyped-def]
    ident = (tokens[idx].meta or {}).get("id")
    anchor = f'<a class="heading-anchor" href="#{escape(ident)}" aria-hidden="true" tabindex="-1">#</a>' if ident else ""
    return f"{anchor}</{tokens[idx].tag}>\n"


def headings_plugin(md: MarkdownIt) -> None:
    md.core.ruler.push("heading_anchors", _anchors)
    md.core.ruler.push("toc_markers", _toc_markers)
    md.add_render_rule("heading_close", _heading_close)
