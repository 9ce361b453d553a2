"""The sentence around each link of a note, for the backlinks of the note it points to.

A context is HTML: the sentence's text escaped, its inline formulas as formula placeholders (filled
with their rendered HTML once the note's formulas are back), and the link's own text in `<mark>`.
Other links in the sentence are plain text: the backlink entry itself links to the note.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape

from markdown_it.token import Token

from mlnotes_site.model import LINK, MATH, fill_placeholders, find_placeholders, placeholder
from mlnotes_site.render.markdown.math import restore_pipes

CONTEXT_CHARS = 120  # characters of text kept on each side of a link when its sentence is longer
# Where a sentence ends: CJK full stops anywhere, Latin ones before a space.
_SENTENCE_END_RE = re.compile(r"[。！？；]|[.!?;](?=\s)")


@dataclass
class _Segment:
    html: str
    text: str  # what counts as characters (and where sentences end); "" for a formula
    link: int | None = None  # the link index when this segment is a link's text


def _segments(children: list[Token]) -> list[_Segment]:
    """The inline children as a flat run of segments; a link's content is one segment."""
    segments: list[_Segment] = []
    link: int | None = None
    inside: list[str] = []
    depth = 0
    for child in children:
        if child.type == "link_open":
            depth += 1
            if depth == 1:
                href = str(child.attrGet("href") or "")
                found = next(find_placeholders(href), None)
                link = found.index if found and found.kind == LINK and (found.start, found.end) == (0, len(href)) else None
                inside = []
            continue
        if child.type == "link_close":
            depth -= 1
            if depth == 0:
                text = "".join(inside)
                segments.append(_Segment(f"<mark>{text}</mark>" if link is not None else text,
                                         _strip_tags(text), link))
                link = None
            continue
        piece, text = _piece(child)
        if depth:
            inside.append(piece)
        elif piece:
            segments.append(_Segment(piece, text))
    return segments


_TAG_RE = re.compile(r"<[^>]*>|\x00m?\d+\x00")


def _strip_tags(html: str) -> str:
    return _TAG_RE.sub("", html)


def _piece(child: Token) -> tuple[str, str]:
    if child.type == "text":
        text = restore_pipes(child.content)
        return escape(text), text
    if child.type == "code_inline":
        text = restore_pipes(child.content)
        return f"<code>{escape(text)}</code>", text
    if child.type == "math_inline":
        return placeholder(MATH, child.meta["mid"]), ""
    if child.type in ("softbreak", "hardbreak"):
        return " ", " "
    if child.type == "image":
        alt = "".join(c.content for c in child.children or [])
        return escape(alt), alt
    return "", ""


def _sentence_bounds(segments: list[_Segment], at: int) -> tuple[int, int, int, int]:
    """(first segment, offset in it, last segment, end offset in it) of the sentence around segment `at`."""
    start_seg, start_off = 0, 0
    for i in range(at - 1, -1, -1):
        ends = list(_SENTENCE_END_RE.finditer(segments[i].text)) if segments[i].link is None else []
        if ends:
            start_seg, start_off = i, ends[-1].end()
            break
    end_seg, end_off = len(segments) - 1, len(segments[-1].text)
    for i in range(at + 1, len(segments)):
        found = _SENTENCE_END_RE.search(segments[i].text) if segments[i].link is None else None
        if found:
            end_seg, end_off = i, found.end()
            break
    return start_seg, start_off, end_seg, end_off


def _text_html(segment: _Segment, start: int, end: int) -> str:
    """Part of a text segment as HTML (text segments are escaped text, code or a formula)."""
    if segment.link is not None or segment.html != escape(segment.text):
        return segment.html  # a link, code or formula: whole
    return escape(segment.text[start:end])


def _context(segments: list[_Segment], at: int) -> str:
    start_seg, start_off, end_seg, end_off = _sentence_bounds(segments, at)
    before: list[str] = []
    budget = CONTEXT_CHARS
    for i in range(at - 1, start_seg - 1, -1):
        seg = segments[i]
        lo = start_off if i == start_seg else 0
        if seg.html != escape(seg.text) or seg.link is not None:  # code, formula, another link: whole or nothing
            if len(seg.text) > budget:
                before.append("…")
                break
            before.append(seg.html if seg.link is None else escape(seg.text))
            budget -= len(seg.text)
            continue
        text = seg.text[lo:]
        if len(text) > budget:
            before.append("…" + escape(text[len(text) - budget:].lstrip()))
            break
        before.append(escape(text))
        budget -= len(text)
    after: list[str] = []
    budget = CONTEXT_CHARS
    for i in range(at + 1, end_seg + 1):
        seg = segments[i]
        hi = end_off if i == end_seg else len(seg.text)
        if seg.html != escape(seg.text) or seg.link is not None:
            if len(seg.text) > budget:
                after.append("…")
                break
            after.append(seg.html if seg.link is None else escape(seg.text))
            budget -= len(seg.text)
            continue
        text = seg.text[:hi]
        if len(text) > budget:
            after.append(escape(text[:budget].rstrip()) + "…")
            break
        after.append(escape(text))
        budget -= len(text)
    return ("".join(reversed(before)) + segments[at].html + "".join(after)).strip()


def link_contexts(tokens: list[Token], link_count: int) -> list[str]:
    """Per link index, the HTML of the sentence around it ("" for a link outside inline text, such
    as one in raw HTML)."""
    contexts = [""] * link_count
    for token in tokens:
        if token.type != "inline" or not token.children:
            continue
        if not any(c.type == "link_open" for c in token.children):
            continue
        segments = _segments(token.children)
        for at, segment in enumerate(segments):
            if segment.link is not None and segment.link < link_count and not contexts[segment.link]:
                contexts[segment.link] = _context(segments, at)
    return contexts


def fill_formulas(context: str, page: list[str]) -> str:
    """The context with its formula placeholders replaced by the rendered formulas."""
    return fill_placeholders(context, {MATH: lambda mid: page[mid] if mid < len(page) else ""})
