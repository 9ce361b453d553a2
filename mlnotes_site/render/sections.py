"""The body HTML, and the parts of it another note can embed (`![[note#heading]]`, `![[note#^id]]`).

The tokens are rendered one at a time, as markdown-it's renderer does, noting where each top-level
block starts in the HTML: a slice between two such places is whole elements, so it can be cut out
and shown elsewhere without unbalancing either page. A heading's section is what follows it up to
the next top-level heading of its level or above; a block id's block is the top-level block holding
its anchor (or the one before, for an id on a line of its own after a list or table, as Obsidian reads it).
"""
from __future__ import annotations

import re
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token

from mlnotes_site.load.obsidian import block_anchor
from mlnotes_site.model import EMBED, placeholder
from mlnotes_site.render.markdown import restore_pipes

_BLOCK_ANCHOR_RE = re.compile(r'<span id="(' + re.escape(block_anchor("")) + r'[A-Za-z0-9-]+)"></span>')
_TAG_RE = re.compile(r"<[^<>]*>")


def render_body(md: MarkdownIt, tokens: list[Token], env: dict[str, Any]) -> tuple[str, tuple[tuple[str, int, int], ...]]:
    """The body HTML (as `md.renderer.render` makes it) and its embeddable sections, (id, start, end)."""
    renderer = md.renderer
    rules = renderer.rules  # type: ignore[attr-defined]  # RendererHTML, which create_markdown uses
    parts: list[str] = []
    starts: list[int] = []  # where each top-level block starts
    headings: list[tuple[int, int, str]] = []  # (block number, level, id) of the top-level headings
    length = depth = 0
    for i, token in enumerate(tokens):
        if depth == 0 and token.nesting >= 0:  # depth from nesting: tokens a plugin adds may lack a level
            starts.append(length)
            ident = token.attrGet("id") if token.type == "heading_open" else None
            if ident:
                headings.append((len(starts) - 1, int(token.tag[1]), str(ident)))
        depth += token.nesting
        if token.type == "inline":
            piece = renderer.renderInline(token.children or [], md.options, env)  # type: ignore[attr-defined]
        elif token.type in rules:
            piece = rules[token.type](tokens, i, md.options, env)
        else:
            piece = renderer.renderToken(tokens, i, md.options, env)  # type: ignore[attr-defined]
        piece = restore_pipes(piece)
        parts.append(piece)
        length += len(piece)
    html = "".join(parts)
    starts.append(length)
    sections: list[tuple[str, int, int]] = []
    for at, (block, level, ident) in enumerate(headings):
        end = next((starts[b] for b, other, _ in headings[at + 1:] if other <= level), length)
        sections.append((ident, starts[block + 1], end))
    for block in range(len(starts) - 1):
        start, end = starts[block], starts[block + 1]
        chunk = html[start:end]
        for found in _BLOCK_ANCHOR_RE.finditer(chunk):
            if block > 0 and not _TAG_RE.sub("", chunk).strip():  # the id alone: it names the block above
                start, end = starts[block - 1], start
            sections.append((found.group(1), start, end))
    return html, tuple(sections)


def embed_offsets(html: str, embeds: list[int]) -> tuple[tuple[int, int], ...]:
    """(link index, where its opening placeholder is in the body HTML) of each embed."""
    return tuple((index, html.find(placeholder(EMBED, index))) for index in embeds)
