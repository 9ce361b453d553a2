"""What every page's template gets: URLs with the base path, alternates, language switch, strings."""
from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from html import escape
from urllib.parse import quote
from typing import Any, Protocol
from collections.abc import Callable, Mapping, Sequence

from jinja2 import Environment, TemplateError, meta
from markupsafe import Markup

from mlnotes_site.load.content import Note
from mlnotes_site.model import LINK, MATH, fill_embeds, fill_placeholders, find_placeholders
from mlnotes_site.i18n import format_date, language_name, strings_for
from mlnotes_site.problems import Problem, error
from mlnotes_site.model import NoteBody
from mlnotes_site.emit.wikilinks import unresolved_as_text
from mlnotes_site.sitefiles import is_readable
from mlnotes_site.index.site import Item, Site
from mlnotes_site.index.embeds import Embedded, walk
from mlnotes_site.index.urls import output_file
from mlnotes_site.emit.theme import template_dirs
from mlnotes_site.emit.assets import RendererInfo
from mlnotes_site.emit.search import search_enabled
from mlnotes_site.emit import Output

VERSION = "0.1.0"


class BodyStore(Protocol):
    """Where the render stage keeps note bodies (render/cache.py's Bodies)."""

    def key(self, path: str) -> str:
        """Changes whenever the note's rendering does."""

    def get(self, path: str) -> NoteBody | None:
        """The body as a page shows it; None if the cache lost it meanwhile."""

    def feed(self, path: str) -> NoteBody | None:
        """The body as a feed carries it (formulas as MathML); None if the cache lost it meanwhile."""

    def search(self, notes: Sequence[Note]) -> dict[str, str]:
        """The notes' search records (an HTML fragment each) by note path."""


@dataclass(frozen=True)
class Pager:
    current: int
    total: int
    links: tuple[tuple[int | None, str], ...]  # page number (None for a gap) and its href
    prev_href: str | None
    next_href: str | None


def paginate(items: list[Any], per_page: int) -> list[list[Any]]:
    pages = [items[i:i + per_page] for i in range(0, len(items), per_page)]
    return pages or [[]]


def page_count(items: int, per_page: int) -> int:
    return max(1, -(-items // per_page))


def pager(current: int, total: int, href_of: Any) -> Pager:
    shown = sorted({1, total, *range(max(1, current - 2), min(total, current + 2) + 1)})
    links: list[tuple[int | None, str]] = []
    for n in shown:
        if links and links[-1][0] is not None and n - int(links[-1][0] or 0) > 1:
            links.append((None, ""))
        links.append((n, href_of(n)))
    return Pager(current, total, tuple(links),
                 href_of(current - 1) if current > 1 else None,
                 href_of(current + 1) if current < total else None)


def digest(*parts: Any) -> str:
    """Of plain data (str, numbers, None, tuples, lists, dicts built in a fixed order, dates): its repr."""
    return hashlib.blake2b(repr(parts).encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def theme_digest(site_root: Any) -> str:
    """Every template file of the theme (a site's own and the default), by name and content."""
    h = hashlib.blake2b(digest_size=16)
    real_root = Path(site_root).resolve()
    for folder in template_dirs(site_root):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and (real_root not in folder.parents or is_readable(path, real_root)):
                h.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


# Template sources already parsed, by digest: serve asks again at every change, and an edited
# template adds a source each time, so only the latest few are kept.
_REFERENCES: OrderedDict[str, list[str | None]] = OrderedDict()
_REFERENCES_KEPT = 256


def _references(env: Environment, source: str) -> list[str | None]:
    """The templates a template's source names (None for a name computed at render time)."""
    key = hashlib.blake2b(source.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
    found = _REFERENCES.get(key)
    if found is not None:
        _REFERENCES.move_to_end(key)
        return found
    found = _REFERENCES[key] = list(meta.find_referenced_templates(env.parse(source)))
    if len(_REFERENCES) > _REFERENCES_KEPT:
        _REFERENCES.popitem(last=False)
    return found


class Pages:
    """Renders templates into Outputs with the context every page shares."""

    def __init__(self, site: Site, env: Environment, renderer: RendererInfo, bodies: BodyStore,
                 versions: dict[str, tuple[Note, str, tuple[str, str]]] | None = None,
                 on_template_error: Callable[[TemplateError], None] | None = None,
                 on_problem: Callable[[Problem], None] | None = None) -> None:
        self.site = site
        self.config = site.config
        self.urls = site.urls
        self.env = env
        self.renderer = renderer
        self.bodies = bodies
        self.on_template_error = on_template_error
        self.on_problem = on_problem
        self.relations = site.relations
        # KaTeX's stylesheet ships with the site only when KaTeX rendered something.
        self.uses_katex_css = renderer.katex_dist is not None and (
            any(i.shows_math for i in site.infos.values()) or any(d.has_math for d in site.topic_html.values()))
        self.search = search_enabled(self.config)  # a search box on every page (emit/search.py)
        topics = [(t.path, t.parent, t.children, t.titles, t.descriptions, t.weights)
                  for _, t in sorted(site.topics.items())]
        # What every page may show besides its own notes: code, config, theme, topics, renderer.
        self.site_digest = digest(renderer.code_version, repr(self.config), topics, renderer.math_version,
                                  self.uses_katex_css, self.search)
        self._template_digests: dict[str, str] = {}
        # note path -> (the Note, its body key, its version); a long-lived caller passes the same dict
        # to every build, so unchanged notes are not digested again
        self._versions = {} if versions is None else versions
        self._with_embeds: dict[str, str] = {}  # note path -> its version with what its page embeds

    # --- fingerprints ----------------------------------------------------------------------------

    def version(self, note: Note | None) -> str:
        """Everything about a note that any page can show: its rendering and its front matter, and
        for a note that embeds others, what of them its page shows (so an edit of an embedded note
        rewrites the page in `build` and in `serve`)."""
        if note is None:
            return "-"
        own = self._versions_of(note)[0]
        if not self.site.infos[note.path].embeds:
            return own
        found = self._with_embeds.get(note.path)
        if found is None:
            shown = [(path[-1].path, index, outcome.note.path, outcome.anchor, self._versions_of(outcome.note)[0],
                      self.link_targets(outcome.note, note.lang))
                     for path, index, outcome in walk(self.site, note, note.lang) if isinstance(outcome, Embedded)]
            found = self._with_embeds[note.path] = digest(own, shown)
        return found

    def listing(self, note: Note | None) -> str:
        """What pages other than its own (and feeds) show of a note: front matter, excerpt, ToC
        formulas, reading time; not its body, so an edit further down leaves lists alone."""
        return self._versions_of(note)[1] if note is not None else "-"

    def _versions_of(self, note: Note) -> tuple[str, str]:
        key = self.bodies.key(note.path)
        known = self._versions.get(note.path)
        if known is not None and known[0] is note and known[1] == key:
            return known[2]
        info = self.site.infos[note.path]
        fields = (note.path, note.content_path, note.lang, note.key, note.topic, note.slug, note.title, note.date,
                  note.updated, note.topics, note.tags, note.summary, note.draft, note.aliases, note.toc,
                  note.weight, note.params)
        # the excerpt as shown: formula ids shift when formulas are added above, their HTML does not
        excerpt = fill_placeholders(info.excerpt, {MATH: lambda mid: info.math.get(mid, "")})
        # (the excerpt with its formulas is tens of kilobytes: hashed as bytes, not through repr)
        shown = hashlib.sha256(excerpt.encode("utf-8", "surrogatepass")).hexdigest()
        listing = digest(repr(fields), shown, info.reading_minutes, info.shows_math, info.title_html,
                         [info.math.get(found.index, "") for found in find_placeholders(info.title_html)])
        versions = (digest(key, listing), listing)
        self._versions[note.path] = (note, key, versions)
        return versions

    def link_targets(self, note: Note, lang: str) -> list[str | None]:
        """Where the note's relative links point for a reader of `lang` (they change with other notes)."""
        return self.site.link_targets(note, lang)

    def template_digest(self, name: str | None) -> str:
        """The template and every template it extends, includes or imports, by content; the whole
        theme when a reference is computed at render time."""
        if name is None:
            return ""
        found = self._template_digests.get(name)
        if found is None:
            parts: list[str] = []
            todo, seen = [name], set()
            while todo:
                current = todo.pop()
                if current in seen:
                    continue
                seen.add(current)
                try:
                    source = self.env.loader.get_source(self.env, current)[0] if self.env.loader else ""
                    refs = _references(self.env, source)
                except TemplateError:
                    refs, source = [None], ""  # reported when the page is made
                if None in refs:
                    parts = [theme_digest(self.config.root)]
                    break
                parts.append(f"{current}\0{source}")
                todo.extend(str(r) for r in refs)
            found = self._template_digests[name] = digest(sorted(parts))
        return found

    def output(self, path: str, origin: str, inputs: Sequence[Any], make: Callable[[], Output],
               template: str | None = None) -> Output:
        """A page described by its inputs (and the templates that make it), made only if the writer
        has no file for the same inputs."""
        out_path = output_file(path)

        def made() -> bytes:
            try:
                return make().content()
            except TemplateError as exc:
                if self.on_template_error is None:
                    raise
                self.on_template_error(exc)  # reported as a problem; the build writes nothing
                return b""
        fingerprint = digest(self.site_digest, self.template_digest(template), out_path, *inputs)
        return Output(out_path, origin=origin, fingerprint=fingerprint, make=made)

    # --- filling placeholders --------------------------------------------------------------------

    def href(self, path: str) -> str:
        return self.urls.href(path)

    def fill(self, note: Note, html: str, lang: str, absolute: bool = False,
             math: Mapping[int, str] | Sequence[str] | None = None, keep_embeds: bool = False) -> str:
        """Put real URLs where the renderer left link placeholders, and rendered math where it left
        formula placeholders. `math` is the formulas of the note's body in the form wanted (a page's
        or a feed's, see BodyStore); without it, those of the excerpt as a page shows them. An embed
        shows its link (a feed's form) unless `keep_embeds` leaves it for emit/embeds.py to fill."""
        info = self.site.infos[note.path]
        shown = info.math if math is None else math

        def formula(mid: int) -> str:
            try:
                return shown[mid]
            except (IndexError, KeyError):
                return ""  # the formulas of a body the cache lost (reported: the build fails)

        def url(index: int) -> str:
            link = info.links[index]
            path = self.site.resolve(note, link, lang)
            if path is None:  # a broken link stays as written (a wikilink: its name), reported at build
                return escape(quote(link.target) if link.wiki else link.raw)
            return escape(self.urls.absolute(path) if absolute else self.urls.href(path))

        def unresolved(index: int) -> str | None:  # the name a wikilink that resolves to nothing wrote
            link = info.links[index]
            return link.target if link.wiki and self.site.resolve(note, link, lang) is None else None

        html = unresolved_as_text(html, unresolved, strings_for(lang, self.config)["wikilink_unresolved"])
        html = fill_placeholders(html, {MATH: formula, LINK: url})
        return html if keep_embeds else fill_embeds(html)

    def title_html(self, note: Note) -> Markup:
        """The note's title where a page shows it as HTML: its formulas rendered (by the render stage)."""
        html = self.site.infos[note.path].title_html
        return Markup(self.fill(note, html, note.lang)) if html else Markup.escape(note.title)

    def title_text(self, note: Note) -> str:
        """The note's title as plain text (<title>, feeds): formulas as readable TeX, `α` for `\\alpha`."""
        return self.site.infos[note.path].title_text or note.title

    def description(self, note: Note) -> str:
        """The note's meta description (plain text, made by the render stage)."""
        return self.site.infos[note.path].description

    def body(self, note: Note, feed: bool = False) -> NoteBody:
        """The note's body, for its page or for a feed. One the cache lost since the render stage is
        reported (the build then writes nothing) and shown empty."""
        found = self.bodies.feed(note.path) if feed else self.bodies.get(note.path)
        if found is None:
            if self.on_problem is not None:
                self.on_problem(error("cache/lost", "the rendered body of this note left the cache while the "
                                      "site was written", note.path, 0, 0,
                                      hint="build again (was .mlnotes-cache deleted during the build?)"))
            return NoteBody("", ())
        return found

    def item(self, item: Item, lang: str) -> dict[str, Any]:
        note = item.note
        rendered = self.site.infos[note.path]
        return {
            "title": self.title_html(note),
            "href": self.href(self.site.note_url(note)),
            "updated": format_date(note.updated, lang),
            "updated_iso": note.updated.isoformat(timespec="seconds"),
            "topics": [{"title": self.site.topic_title(t, lang), "href": self.href(self.urls.topic(t, lang))}
                       for t in note.topics],
            "minutes": rendered.reading_minutes,
            "excerpt": Markup(self.fill(note, rendered.excerpt, lang)),
            "foreign": language_name(note.lang) if item.foreign else None,
            "foreign_lang": note.lang if item.foreign else None,
            "draft": note.draft,
            "has_math": rendered.shows_math,
            "outdated": self.relations.outdated(note) is not None,
        }

    def nav(self, lang: str) -> list[dict[str, str]]:
        return [{"title": t.title(lang, self.config.default_language), "href": self.href(self.urls.topic(t.path, lang))}
                for t in self.site.children("", lang)]

    def render(self, template: str, *, lang: str, path: str, title: str, alternates: Mapping[str, str],
               origin: str = "", kind: str = "page", description: str = "", has_math: bool = False,
               has_code: bool = False, **extra: Any) -> Output:
        strings = strings_for(lang, self.config)
        default = self.config.default_language
        switch = []
        for other in self.config.languages:
            target = alternates.get(other)
            switch.append({
                "lang": other, "name": language_name(other), "current": other == lang,
                "href": self.href(target) if target is not None else self.href(self.urls.home(other)) + "#untranslated",
                "missing": target is None,
            })
        alt_links = [{"lang": other, "href": self.urls.absolute(alternates[other])}
                     for other in self.config.languages if other in alternates]
        x_default = alternates.get(default, path if not alternates else next(iter(alternates.values())))
        context = {
            "lang": lang,
            "t": strings,
            "site": {
                "title": self.config.site_title(lang),
                "description": self.config.description.get(lang, ""),
                "home": self.href(self.urls.home(lang)),
                "topics": self.href(self.urls.topics(lang)),
                "tags": self.href(self.urls.tags(lang)),
                "feed": self.href(self.urls.feed(lang)),
                "katex_css": self.href("katex/katex.min.css") if self.uses_katex_css else "",
                "search": {"script": self.href("pagefind/pagefind.js"), "base": self.config.base_path}
                if self.search else None,
                "languages": self.config.languages,
                "params": self.config.params,
                "generator": f"mlnotes-site {VERSION}",
            },
            "asset": lambda p: self.href(p),
            "nav": self.nav(lang),
            "page": {
                "kind": kind,
                "title": title,
                "description": description,
                "path": path,
                "canonical": self.urls.absolute(path),
                "alternates": alt_links,
                "x_default": self.urls.absolute(x_default),
                "switch": switch,
                "has_math": has_math,
                "has_code": has_code,  # the code highlighting stylesheet loads only then
            },
        }
        context.update(extra)
        html = self.env.get_template(template).render(context)
        out_path = output_file(path)
        return Output(out_path, html.encode("utf-8"), origin=origin)


def format_dates(note: Note, lang: str) -> dict[str, str]:
    return {"date": format_date(note.date, lang), "date_iso": note.date.isoformat(timespec="seconds"),
            "updated": format_date(note.updated, lang), "updated_iso": note.updated.isoformat(timespec="seconds")}
