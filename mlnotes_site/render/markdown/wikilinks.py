"""Obsidian wikilinks: `[[Note]]`, `[[Note|text]]`, `[[Note#Heading]]`, `[[#Heading]]` and embeds
`![[image.png]]`, `![[image.png|300]]`, `![[Note]]` (a link; alone on its line, embeds.py marks it
for the emit stage to show the note in place);
also Obsidian's size in a Markdown image's description, `![a cat|300](cat.png)`.

They become ordinary link and image tokens whose `meta["wiki"]` holds the name as written; the links
rule records them, and the site resolves the name (a file name, a path under content/, or a title)
once every note is known. In a table the `|` before the text is written `\\|`, as Obsidian asks.
"""
from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.common.utils import normalizeReference
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.rules_inline.image import image as standard_image
from markdown_it.rules_inline.link import link as standard_link
from markdown_it.token import Token

from mlnotes_site.render.markdown import scan
from mlnotes_site.slugs import heading_id

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".avif", ".bmp")
_SIZE_RE = re.compile(r"^\s*(\d+)(?:\s*x\s*(\d+))?\s*$")  # ![[a.png|300]], ![[a.png|300x200]]
_SIZED_ALT_RE = re.compile(r"\|\s*(\d+)(?:\s*x\s*(\d+))?\s*$")  # ![a cat|300](cat.png)
_SEPARATORS = re.compile(r"\\?\|")  # "|", or "\|" in a table
_STOP_RE = re.compile(r"[\[\]\n]")
_OPEN_RUN_RE = re.compile(r"!?\[+")


def split_wikilink(inner: str) -> tuple[str, str, str | None]:
    """(name, heading or "", text or None) of what stands between the brackets."""
    parts = _SEPARATORS.split(inner, maxsplit=1)
    target, text = parts[0].strip(), (parts[1].strip() if len(parts) > 1 else None)
    name, _, heading = target.partition("#")
    # `#^abc123`: a block reference, kept: the site links to the block's anchor when the note has one
    return name.strip(), heading.strip(), text


def _no_closing_bracket(state: StateInline, silent: bool) -> bool:
    """`[`, `![` with no `]` anywhere after them are text: said here once, as markdown-it's link and
    image rules would otherwise look for the end of a label from every one of them."""
    src, pos = state.src, state.pos
    if _last_closing_bracket(state) >= pos:  # asked at every bracket: kept cheap
        return False
    run = _OPEN_RUN_RE.match(src, pos, state.posMax)
    if run is None:
        return False
    if not silent:
        state.append_pending(run.group())
    state.pos = run.end()
    return True


def _last_closing_bracket(state: StateInline) -> int:
    """Where the last `]` before `posMax` is (a link's text is parsed with its own `posMax`): one
    search per text and end."""
    ends: dict[int, int] = scan.memo(state, "last-closing-bracket", dict)
    last = ends.get(state.posMax)
    if last is None:
        last = ends[state.posMax] = state.src.rfind("]", 0, state.posMax)
    return last


def _wikilink(state: StateInline, silent: bool) -> bool:
    if state.src[state.pos] not in "[!":
        return False
    if _no_closing_bracket(state, silent):
        return True
    src, pos = state.src, state.pos
    embed = src.startswith("![[", pos)
    if not embed and not src.startswith("[[", pos):
        return False
    start = pos + (3 if embed else 2)
    # the name may hold no bracket nor line break: the first of those must be the closing "]]" (a scan
    # to the next bracket, not to the end of the paragraph for every "[[")
    stop = _STOP_RE.search(src, start, state.posMax)
    if stop is None or not src.startswith("]]", stop.start()) or stop.start() + 2 > state.posMax:
        return False
    end = stop.start()
    inner = src[start:end]
    if not inner.strip():
        return False
    if _commonmark_reads_a_link(state, embed, inner, end):
        return False
    name, heading, text = split_wikilink(inner)
    if not name and not heading:
        return False
    if not silent:
        raw = src[pos:end + 2]
        if embed and name.lower().endswith(IMAGE_SUFFIXES):
            _image(state, name, text, raw)
        else:
            link = state.push("link_open", "a", 1)
            # the heading as written: the site makes it a note's anchor, or keeps it for a file (#page=3)
            link.attrs = {"href": f"#{heading_id(heading)}" if not name else ""}
            if name:
                link.meta = {"wiki": name, "fragment": heading, "raw": raw}
            link.attrs["class"] = "wikilink embed" if embed else "wikilink"
            if text:  # the text may hold emphasis or a formula: parsed like any link text, but as
                # in Obsidian raw HTML in it is text
                outer, state.posMax, first = state.posMax, end, len(state.tokens)
                state.pos = end - len(inner) + inner.rindex(text)
                state.md.inline.tokenize(state)
                state.posMax = outer
                for token in state.tokens[first:]:
                    if token.type == "html_inline":
                        token.type = "text"
                # a link inside a link is not HTML (an autolink in the text): its text stays
                state.tokens[first:] = [t for t in state.tokens[first:] if t.type not in ("link_open", "link_close")]
            else:
                shown = heading if not heading.startswith("^") else ""  # a block reference shows the note's name
                state.push("text", "", 0).content = f"{name} > {shown}" if name and shown else name or shown
            state.push("link_close", "a", -1)
    state.pos = end + 2
    return True


def _commonmark_reads_a_link(state: StateInline, embed: bool, inner: str, end: int) -> bool:
    """Whether CommonMark makes a link (or image) of these brackets: `[[3]](https://…)` and `[[1]](#ref1)`
    are citation links whose text is `[3]`, `[[x]][ref]` is a reference link, and `[[x]]` where `[x]` is a
    defined reference is `[` + a link + `]`. Standard Markdown keeps its meaning; only what CommonMark
    leaves as text is a wikilink. The link rule looks only at these brackets and what follows them."""
    if normalizeReference(inner) in state.env.get("references", {}):
        return True
    after = end + 2
    if after >= state.posMax or state.src[after] not in "([":
        return False
    pos = state.pos
    found = (standard_image if embed else standard_link)(state, True)
    state.pos = pos  # asked silently: whichever rule matches consumes it next
    return found


def _image(state: StateInline, name: str, text: str | None, raw: str) -> None:
    size = _SIZE_RE.match(text or "")
    alt = "" if size or text is None else text
    image = state.push("image", "img", 0)
    image.attrs = {"src": "", "alt": ""}
    if size:
        image.attrs["width"] = size.group(1)
        if size.group(2):
            image.attrs["height"] = size.group(2)
    child = Token("text", "", 0)
    child.content = alt
    image.children = [child] if alt else []
    image.content = alt
    image.meta = {"wiki": name, "fragment": "", "raw": raw}


def _sized_images(state: StateCore) -> None:
    for block in state.tokens:
        for image in block.children or []:
            if image.type != "image" or (image.meta or {}).get("wiki"):
                continue
            last = image.children[-1] if image.children else None
            size = _SIZED_ALT_RE.search(last.content) if last is not None and last.type == "text" else None
            if size is None or last is None:
                continue
            last.content = last.content[:size.start()].rstrip()
            image.content = _SIZED_ALT_RE.sub("", image.content).rstrip()
            image.attrSet("width", size.group(1))
            if size.group(2):
                image.attrSet("height", size.group(2))


def wikilinks_plugin(md: MarkdownIt) -> None:
    # before markdown-it's link and image rules (image comes after link), which would take "[[" for
    # a reference link; after code spans and formulas, which keep their brackets
    md.inline.ruler.before("link", "wikilink", _wikilink)
    md.core.ruler.push("obsidian_image_size", _sized_images)
