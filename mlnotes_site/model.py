"""The nouns the stages hand on, declared once: what rendering a note makes (`RenderedNote` and its
parts), the formulas and links a Markdown pass records (`MarkdownEnv`, `Formula`), and the
placeholders rendered HTML keeps until the emit stage knows what goes there."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple
from collections.abc import Callable, Iterator, Mapping, MutableMapping

from mlnotes_site.problems import Problem

if TYPE_CHECKING:
    from markdown_it.token import Token


# --- placeholders ----------------------------------------------------------------------------------
# Rendered HTML keeps what is not known yet as "\x00" KIND N "\x00": a relative link's URL (kind "",
# N indexes the note's links: it depends on the reader's language and on other notes), a formula
# (kind "m", N is its id: KaTeX HTML for pages, MathML for feeds), and, only while an excerpt is
# made, a display formula whose inline copy is rendered if the excerpt keeps it (kind "c").
# An Obsidian embed `![[note]]` alone on its line is a pair of "e" placeholders (N: the embed's link
# index) around the link it shows when it is not filled: the emit stage puts the embedded note there
# (emit/embeds.py), or keeps the link (feeds; a cycle, too deep, a missing target).

LINK, MATH, COPY, EMBED = "", "m", "c", "e"
_PLACEHOLDER_RE = re.compile("\x00([mc]?)(\\d+)\x00")
_EMBED_RE = re.compile("\x00e(\\d+)\x00(.*?)\x00e\\1\x00", re.S)


def placeholder(kind: str, index: int) -> str:
    return f"\x00{kind}{index}\x00"


class Placeholder(NamedTuple):
    kind: str  # LINK, MATH or COPY
    index: int  # type: ignore[assignment]  # a field, not tuple.index (NamedTuple allows the name)
    start: int  # where it is in the text
    end: int


def find_placeholders(text: str) -> Iterator[Placeholder]:
    for match in _PLACEHOLDER_RE.finditer(text):
        yield Placeholder(match.group(1), int(match.group(2)), match.start(), match.end())


def fill_placeholders(text: str, fill: Mapping[str, Callable[[int], str]]) -> str:
    """`text` with each placeholder whose kind `fill` has replaced by what its function returns for
    the index; the other kinds stay."""
    def repl(match: re.Match[str]) -> str:
        function = fill.get(match.group(1))
        return match.group(0) if function is None else function(int(match.group(2)))
    return _PLACEHOLDER_RE.sub(repl, text)


def fill_embeds(text: str, fill: Callable[[int, str], str] | None = None) -> str:
    """`text` with each embed (a pair of EMBED placeholders around its link) replaced by what `fill`
    returns for its index and the link's HTML; without `fill`, by the link."""
    if "\x00" + EMBED not in text:
        return text
    return _EMBED_RE.sub(lambda m: m.group(2) if fill is None else fill(int(m.group(1)), m.group(2)), text)


# --- what a Markdown pass records ------------------------------------------------------------------

@dataclass
class Formula:
    """A formula of a note, numbered by its place in the document (its id)."""
    tex: str  # as written
    display: bool
    block: bool  # a display formula standing as a block of its own (not inside a paragraph)
    line: int  # 0-based line of the body where its source starts
    numbered: str | None = None  # for a display formula: its TeX with labels out and numbers in
    copy_of: int | None = None  # an excerpt's inline copy of the display formula with this id
    summary: bool = False  # from the front matter summary, not the body
    title: bool = False  # from the note's title, not the body
    prefix: str = ""  # definitions earlier formulas made that this one uses, sent before it
    annotate: str | None = None  # the TeX a reader copies, when what is sent to KaTeX differs

    @property
    def render_tex(self) -> str:
        return self.tex if self.numbered is None else self.numbered


@dataclass(frozen=True)
class LinkRef:
    target: str  # path relative to content/, normalized ("diffusion/ddim.md")
    fragment: str
    raw: str
    kind: str  # "link" or "image"; "wiki" or "wiki-image" for a wikilink, whose target is a name
    line: int  # 1-based line in the note's file (while Markdown runs: 0-based in the body)
    is_dir: bool
    context: str = ""  # the sentence around the link, as HTML with the link's text in <mark> (backlinks)

    @property
    def wiki(self) -> bool:
        """A wikilink: its target is a name the site looks up, not a path."""
        return self.kind in ("wiki", "wiki-image")


@dataclass
class MarkdownEnv:
    """What our Markdown rules share with each other and with their caller during one pass: the
    settings they read and what they record. markdown-it hands every rule an `env` dict; ours
    travel in it as this one object (see `markdown_env`)."""
    # read by the rules
    folder: str = ""  # the note's folder, relative links resolve against it (links)
    copy_label: str = "Copy"  # the code blocks' copy button (code)
    safe_html: bool = False  # raw HTML cleaned of scripts (rawhtml)
    callout_titles: dict[str, str] = field(default_factory=dict)  # default titles by kind (callouts)
    code_cached: dict[str, str] = field(default_factory=dict)  # highlighted code found in the cache (code)
    labels: dict[str, tuple[str, str]] = field(default_factory=dict)  # label -> (number, anchor) (math)
    # recorded by the rules
    formulas: list[Formula] = field(default_factory=list)  # by id (math)
    links: list[LinkRef] = field(default_factory=list)  # by placeholder index (links, wikilinks)
    fragments: list[tuple[str, int, str]] = field(default_factory=list)  # links within the page: (fragment, line, as written) (links)
    toc: list[tuple[int, str, Token]] = field(default_factory=list)  # heading level, id, inline (headings)
    heading_ids: dict[str, int] = field(default_factory=dict)  # ids given, for -1, -2 suffixes (headings)
    code_new: dict[str, str] = field(default_factory=dict)  # code highlighted now, for the cache (code)
    unclosed_math: dict[int, tuple[str, int]] = field(default_factory=dict)  # line -> (opener, column) (math)
    unclosed_comment: int | None = None  # line of a `%%` never closed (comments)
    unknown_refs: list[str] = field(default_factory=list)  # \eqref labels no equation has (math)
    embeds: list[int] = field(default_factory=list)  # link indexes of embeds alone in a paragraph (embeds)


_ENV_KEY = "mlnotes"


def new_env(state: MarkdownEnv | None = None) -> dict[str, Any]:
    """An `env` dict for markdown-it carrying `state` (a fresh one by default)."""
    return {_ENV_KEY: state if state is not None else MarkdownEnv()}


def markdown_env(env: MutableMapping[str, Any]) -> MarkdownEnv:
    """Our state in a markdown-it `env` (added with defaults when the caller passed none)."""
    state = env.get(_ENV_KEY)
    if state is None:
        state = env[_ENV_KEY] = MarkdownEnv()
    return state


# --- a rendered note -------------------------------------------------------------------------------

@dataclass(frozen=True)
class TocEntry:
    level: int
    id: str
    html: str


@dataclass(frozen=True)
class NoteInfo:
    """What every page but the note's own needs: small, kept in memory for the whole site."""
    toc: tuple[TocEntry, ...]
    links: tuple[LinkRef, ...]
    excerpt: str  # HTML with formula placeholders
    math: Mapping[int, str]  # page HTML of the formulas the excerpt shows, by formula id
    math_count: int  # formulas of the body (excerpt copies not counted)
    han: int
    words: int
    reading_minutes: int
    problems: tuple[Problem, ...]
    description: str = ""  # the meta description: the excerpt as plain text, formulas as TeX
    anchors: tuple[str, ...] = ()  # every id on the note's page (headings, equations, footnotes)
    fragments: tuple[tuple[str, int, str], ...] = ()  # links within the page: (fragment, line, as written)
    # The title as HTML pages show it (text escaped, formula placeholders filled from `math`), and as
    # plain text for <title>, feeds and redirects (formulas as readable TeX: α for \alpha). Empty
    # when made by an older layout: then the title as written.
    title_html: str = ""
    title_text: str = ""
    # Obsidian embeds: the `![[note]]` standing alone on their line (render/markdown/embeds.py) as (link
    # index, where it starts in the body HTML), and what of the body another note can embed: (id, start,
    # end) slices of the body HTML, a top-level heading's section (after it, up to the next heading of
    # its level or above) and a block id's top-level block (render/sections.py)
    embeds: tuple[tuple[int, int], ...] = ()
    sections: tuple[tuple[str, int, int], ...] = ()

    @property
    def shows_math(self) -> bool:
        """Whether a page showing the note's title or excerpt needs KaTeX's stylesheet."""
        return self.math_count > 0 or self.title_has_math

    @property
    def title_has_math(self) -> bool:
        """Whether the title holds a formula (other notes' pages that show the title need KaTeX's CSS)."""
        return "\x00" + MATH in self.title_html


@dataclass(frozen=True)
class NoteBody:
    """The note's page body: large, read from the cache only when its page is written."""
    html: str  # body with link and formula placeholders
    math: tuple[str, ...]  # per formula id: the HTML a page shows


@dataclass(frozen=True)
class RenderedNote:
    info: NoteInfo
    body: NoteBody
    search: str = ""  # the search record (render/searchtext.py): an HTML fragment, cached apart from the body
