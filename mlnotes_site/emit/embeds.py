"""A note page's body with its Obsidian embeds filled: each `![[note]]` alone on its line becomes the
note's rendered body (or the section, or the block, it names) in a quiet box headed by a link to
it, with the embeds inside it filled in turn; what index/embeds.py refuses (a cycle, too deep, no
such note or heading) stays the link the renderer made.

Embedded HTML comes from other pages, so its ids are scoped: each embed on the page gets a prefix
(`embed-2-`, in page order) for the ids it brings, and a link within it to an id it does not bring
(a footnote of a section, say) goes to that id on the note's own page. Embedded headings are not in
the page's table of contents: that is made from the page's own headings.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape
from urllib.parse import unquote

from mlnotes_site.load.content import Note
from mlnotes_site.model import NoteBody, fill_embeds
from mlnotes_site.index.embeds import Embedded, resolve
from mlnotes_site.emit.context import Pages

# attributes of a tag (never text: text has its quotes escaped)
_ID_RE = re.compile(r'(<[A-Za-z][^<>]*?\s)id="([^"]*)"')
_HASH_HREF_RE = re.compile(r'(<[A-Za-z][^<>]*?\s)href="#([^"]*)"')


@dataclass(frozen=True)
class FilledBody:
    html: str
    has_math: bool  # an embedded note brought formulas: the page needs KaTeX's stylesheet


def page_body(pages: Pages, note: Note, body: NoteBody) -> FilledBody:
    """The note's body as its page shows it: links, formulas and embeds filled."""
    filler = _Filler(pages, note.lang)
    html = filler.fill(note, body.html, body.math, (note,), "", "")
    return FilledBody(html, filler.has_math)


class _Filler:
    def __init__(self, pages: Pages, lang: str) -> None:
        self.pages, self.lang = pages, lang
        self.count = 0  # embeds filled so far on the page: each one's id prefix
        self.has_math = False

    def fill(self, note: Note, html: str, math: tuple[str, ...], chain: tuple[Note, ...], prefix: str,
             page_href: str) -> str:
        html = self.pages.fill(note, html, self.lang, math=math, keep_embeds=True)
        if prefix:
            html = _scoped(html, prefix, page_href)
        return fill_embeds(html, lambda index, link: self._embed(note, index, link, chain))

    def _embed(self, holder: Note, index: int, link_html: str, chain: tuple[Note, ...]) -> str:
        site, pages = self.pages.site, self.pages
        outcome = resolve(site, holder, index, self.lang, tuple(n.path for n in chain))
        if not isinstance(outcome, Embedded):
            return link_html
        target = outcome.note
        body = pages.body(target)
        part = body.html[outcome.start:outcome.end] if outcome.anchor else body.html
        info = site.infos[target.path]
        self.count += 1
        self.has_math = self.has_math or info.math_count > 0 or info.title_has_math
        page_href = pages.href(site.note_url(target))
        inner = self.fill(target, part, body.math, chain + (target,), f"embed-{self.count}-", page_href)
        link = site.infos[holder.path].links[index]
        source = site.resolve(holder, link, self.lang)
        href = escape(pages.href(source) if source is not None else page_href)
        section = link.fragment if outcome.anchor and not link.fragment.startswith("^") else ""
        head = str(pages.title_html(target)) + (f' <span class="embed-sep">›</span> {escape(section)}' if section else "")
        return (f'<div class="embed"><div class="embed-head"><a href="{href}">{head}</a></div>\n'
                f'<div class="embed-body">\n{inner}</div></div>\n')


def _scoped(html: str, prefix: str, page_href: str) -> str:
    """Embedded HTML with its ids prefixed, and its links to ids on its own page kept pointing at them:
    to the prefixed id when the embed brings it, else to the id on the embedded note's page."""
    ids: set[str] = set()

    def scope(match: re.Match[str]) -> str:
        ids.add(match.group(2))
        return f'{match.group(1)}id="{prefix}{match.group(2)}"'

    html = _ID_RE.sub(scope, html)

    def target(match: re.Match[str]) -> str:
        ident = match.group(2)
        where = f"#{prefix}{ident}" if ident in ids or unquote(ident) in ids else f"{page_href}#{ident}"
        return f'{match.group(1)}href="{where}"'

    return _HASH_HREF_RE.sub(target, html)
