"""Obsidian embeds of notes: a paragraph that is only `![[note]]` (or `![[note#heading]]`,
`![[note#^block]]`) is marked, by its link's index, with a pair of EMBED placeholders around it. The
site knows later whether the name is a note (an image or file embed stays what wikilinks.py made);
the emit stage puts the note's body (or section) between them, or keeps the link.

An embed inside a paragraph, among other text, stays a link: a note's blocks cannot stand inside a
sentence (the site reports it, see index/embeds.py).
"""
from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from mlnotes_site.model import EMBED, LINK, find_placeholders, markdown_env, placeholder


def is_embed(token: Token) -> bool:
    """A link token a wikilink embed of a note made (not an image: wikilinks.py makes those images)."""
    return token.type == "link_open" and "embed" in str(token.attrGet("class") or "").split() and \
        bool((token.meta or {}).get("wiki"))


def _mark(state: StateCore) -> None:
    found = markdown_env(state.env)
    tokens = state.tokens
    for i in range(len(tokens) - 2):
        opening, inline = tokens[i], tokens[i + 1]
        if opening.type != "paragraph_open" or inline.type != "inline":
            continue
        children = inline.children or []
        # [link_open, its text (one or more tokens), link_close]: the embed is the whole paragraph
        if len(children) < 2 or not is_embed(children[0]) or children[-1].type != "link_close" \
                or any(c.type in ("link_open", "link_close") for c in children[1:-1]):
            continue
        link = next(find_placeholders(str(children[0].attrGet("href") or "")), None)
        if link is None or link.kind != LINK:
            continue
        opening.meta = {**(opening.meta or {}), "embed": link.index}
        found.embeds.append(link.index)


def _paragraph_open(self, tokens: list[Token], idx: int, options, env) -> str:  # type: ignore[no-untyped-def]
    index = (tokens[idx].meta or {}).get("embed")
    html = self.renderToken(tokens, idx, options, env)
    return html if index is None else placeholder(EMBED, index) + html


def _paragraph_close(self, tokens: list[Token], idx: int, options, env) -> str:  # type: ignore[no-untyped-def]
    html = self.renderToken(tokens, idx, options, env)
    # the opening paragraph token is two back: [paragraph_open, inline, paragraph_close]
    opening = tokens[idx - 2] if idx >= 2 else None
    index = (opening.meta or {}).get("embed") if opening is not None and opening.type == "paragraph_open" else None
    return html if index is None else html + placeholder(EMBED, index)


def embeds_plugin(md: MarkdownIt) -> None:
    # after the links rule, which gives each wikilink its index
    md.core.ruler.after("relative_links", "note_embeds", _mark)
    md.add_render_rule("paragraph_open", _paragraph_open)
    md.add_render_rule("paragraph_close", _paragraph_close)
