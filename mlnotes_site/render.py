"""Render one note: Markdown → body HTML (links as placeholders), ToC, excerpt, counts.

A pure function of the note and the config: the result can be cached by content hash.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from markdown_it.token import Token

from .config import Config
from .content import Note
from .i18n import strings_for
from .markdown import create_markdown, restore_pipes
from .markdown.math import math_html
from .problems import Problem
from .text import MATH_WEIGHT, Piece, count_han, count_words, make_excerpt, reading_minutes

_MORE_RE = re.compile(r"^\s*<!--\s*more\s*-->\s*$", re.IGNORECASE)
_MORE_SEARCH_RE = re.compile(r"<!--\s*more\s*-->", re.IGNORECASE)


@dataclass(frozen=True)
class TocEntry:
    level: int
    id: str
    html: str


@dataclass(frozen=True)
class LinkRef:
    target: str  # path relative to content/, normalized ("diffusion/ddim.md")
    fragment: str
    raw: str
    kind: str  # "link" or "image"
    line: int  # 1-based line in the note's file
    is_dir: bool


@dataclass(frozen=True)
class RenderedNote:
    html: str  # body; relative links are "\x00N\x00" placeholders indexing `links`
    toc: tuple[TocEntry, ...]
    links: tuple[LinkRef, ...]
    excerpt: str  # HTML, no placeholders
    math_count: int
    han: int
    words: int
    reading_minutes: int
    problems: tuple[Problem, ...]


def _inline_pieces(token: Token, code_label: str) -> list[Piece]:
    pieces: list[Piece] = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            pieces.append(Piece(restore_pipes(child.content)))
        elif child.type in ("softbreak", "hardbreak"):
            pieces.append(Piece(" "))
        elif child.type == "math_inline":
            pieces.append(Piece(html=math_html(child.content, False), weight=MATH_WEIGHT))
    return pieces


def _excerpt_pieces(tokens: list[Token], code_label: str, enough: int | None) -> tuple[list[Piece], bool]:
    """Visible pieces of the body in order, and whether a `<!-- more -->` marker ended them.

    Without a marker, stop once `enough` characters are gathered: an excerpt needs only the start.
    """
    pieces: list[Piece] = []
    gathered = 0
    skip_depth = 0  # inside footnotes
    for token in tokens:
        if enough is not None and gathered > enough:
            break
        if token.type == "footnote_block_open":
            skip_depth += 1
        elif token.type == "footnote_block_close":
            skip_depth -= 1
        if skip_depth:
            continue
        if token.type == "html_block" and _MORE_RE.match(token.content):
            return pieces, True
        if token.type == "inline":
            if any(c.type == "html_inline" and _MORE_RE.match(c.content) for c in token.children or []):
                for child in token.children or []:
                    if child.type == "html_inline" and _MORE_RE.match(child.content):
                        break
                    pieces.extend(_inline_pieces(Token("inline", "", 0, children=[child]), code_label))
                return pieces, True
            inline = _inline_pieces(token, code_label)
            gathered += sum(len(p.text) + p.weight * bool(p.html) for p in inline)
            pieces.extend(inline)
            pieces.append(Piece(" "))
        elif token.type in ("fence", "code_block"):
            pieces.append(Piece(f" {code_label} "))
        elif token.type == "math_block":
            pieces.append(Piece(html=math_html(token.content, False), weight=MATH_WEIGHT))
            pieces.append(Piece(" "))
    return pieces, False


def _count(tokens: list[Token]) -> tuple[int, int, int]:
    """(Han characters, Latin words, formulas) of the prose; code is not read aloud."""
    han = words = formulas = 0
    for token in tokens:
        for child in token.children or [token]:
            if child.type in ("text", "code_inline"):
                han += count_han(child.content)
                words += count_words(child.content)
            elif child.type in ("math_inline", "math_block"):
                formulas += 1
    return han, words, formulas


def summary_html(summary: str, lang: str) -> str:
    md = create_markdown()
    tokens = md.parseInline(summary, {"folder": ""})
    pieces: list[Piece] = []
    for token in tokens:
        pieces.extend(_inline_pieces(token, strings_for(lang)["code_placeholder"]))
    return make_excerpt(pieces, 0, truncate=False)


def render_note(note: Note, config: Config) -> RenderedNote:
    md = create_markdown()
    strings = strings_for(note.lang, config)
    env: dict[str, object] = {"folder": note.topic, "copy_label": strings["copy"],
                              "callout_titles": {k[len("callout_"):]: v for k, v in strings.items()
                                                 if k.startswith("callout_")}}
    tokens = md.parse(note.body, env)
    html = restore_pipes(md.renderer.render(tokens, md.options, env))

    toc = tuple(
        TocEntry(level, ident, restore_pipes(md.renderer.renderInline(
            [c for c in (inline.children or []) if c.type != "footnote_ref"], md.options, env)))
        for level, ident, inline in env.get("toc_tokens", [])  # type: ignore[union-attr]
        if 2 <= level <= 4
    ) if note.toc else ()

    links = tuple(LinkRef(str(l["target"]), str(l["fragment"]), str(l["raw"]), str(l["kind"]),
                          int(l["line"]) + note.body_line + 1, bool(l["is_dir"]))  # type: ignore[call-overload]
                  for l in env.get("links", []))  # type: ignore[union-attr]

    code_label = strings["code_placeholder"]
    if note.summary:
        excerpt = summary_html(note.summary, note.lang)
    else:
        has_marker = _MORE_SEARCH_RE.search(note.body) is not None
        pieces, marked = _excerpt_pieces(tokens, code_label, None if has_marker else 2 * config.excerpt_length + 20)
        excerpt = make_excerpt(pieces, config.excerpt_length, truncate=not marked)

    han, words, formulas = _count(tokens)
    problems: list[Problem] = []
    return RenderedNote(
        html=html,
        toc=toc,
        links=links,
        excerpt=excerpt,
        math_count=formulas,
        han=han,
        words=words + formulas,
        reading_minutes=reading_minutes(han, words + formulas),
        problems=tuple(problems),
    )
