"""An image alone in its paragraph with a title, `![alt](a.png "Figure 1: $x$ against $y$")`, is a
figure: `<figure><img …><figcaption>Figure 1: …</figcaption></figure>`. The caption is the title read
as inline Markdown (formulas rendered); an image without a title, or with text beside it, stays as
CommonMark has it."""
from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token


def _figures(state: StateCore) -> None:
    tokens = state.tokens
    out: list[Token] = []
    i = 0
    while i < len(tokens):
        opening = tokens[i]
        inline = tokens[i + 1] if i + 2 < len(tokens) else None
        children = [c for c in (inline.children or []) if not (c.type == "text" and not c.content.strip())] \
            if inline is not None and inline.type == "inline" else []
        image = children[0] if len(children) == 1 and children[0].type == "image" else None
        title = str(image.attrGet("title") or "") if image is not None else ""
        if opening.type != "paragraph_open" or image is None or not title.strip() or opening.hidden:
            out.append(opening)
            i += 1
            continue
        assert inline is not None
        del image.attrs["title"]  # the caption says it
        figure = Token("figure_open", "figure", 1, map=opening.map, level=opening.level, block=True)
        inside: list[Token] = []
        caption = Token("inline", "", 0, content=title, map=opening.map, level=opening.level + 2, children=inside)
        state.md.inline.parse(title, state.md, state.env, inside)
        out += [figure, inline,
                Token("figcaption_open", "figcaption", 1, level=opening.level + 1, block=True), caption,
                Token("figcaption_close", "figcaption", -1, level=opening.level + 1, block=True),
                Token("figure_close", "figure", -1, level=opening.level, block=True)]
        i += 3  # paragraph_open, inline, paragraph_close
    state.tokens = out


def figures_plugin(md: MarkdownIt) -> None:
    # after the inline rule (the image is known) and before formulas are numbered (a caption's count)
    md.core.ruler.before("math_ids", "figures", _figures)
