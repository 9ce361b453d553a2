"""An image alone in its paragraph with a title, `![alt](a.png "Figure 1: $x$ against $y$")`, is a
figure: `<figure><img …><figcaption>Figure 1: …</figcaption></figure>`. The caption is the title read
as inline Markdown (formulas rendered); an image without a title, or with text beside it, stays as
CommonMark has it."""
from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token


def _lone_image(inline: Token) -> Token | None:
    """The image that is the only thing (but blank text) in a paragraph's inline token."""
    found = None
    for child in inline.children or []:
        if child.type == "text" and not child.content.strip():
            continue
        if found is not None or child.type != "image":
            return None
        found = child
    return found


def _figures(state: StateCore) -> None:
    tokens = state.tokens
    out: list[Token] = []
    i = 0
    while i < len(tokens):
        opening = tokens[i]
        # the cheap tests first: this looks at every token of the note (every cell of a long table)
        inline = tokens[i + 1] if opening.type == "paragraph_open" and not opening.hidden and i + 2 < len(tokens) \
            else None
        image = _lone_image(inline) if inline is not None and inline.type == "inline" else None
        title = str(image.attrGet("title") or "") if image is not None else ""
        if image is None or not title.strip():
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
