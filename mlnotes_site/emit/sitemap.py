"""sitemap.xml with hreflang alternates, and robots.txt pointing at it."""
from __future__ import annotations

from urllib.parse import quote
from xml.sax.saxutils import escape, quoteattr

from mlnotes_site.dates import iso
from mlnotes_site.emit import Output
from mlnotes_site.emit.context import Pages


def _loc(pages: Pages, path: str) -> str:
    # The sitemap protocol wants URLs percent-encoded (no raw CJK).
    return quote(pages.urls.absolute(path), safe=":/?#[]@!$&'()*+,;=%-._~")


def sitemap(pages: Pages) -> list[Output]:
    """The sitemap depends on every note (its URL, translations and date) and the tags of each language;
    it is made only when one of those changed."""
    site = pages.site
    inputs = ("sitemap", sorted(pages.listing(n) for n in site.notes),
              [sorted(tag.slug for tag in site.tags(lang)) for lang in pages.config.languages])
    robots = f"User-agent: *\nAllow: /\n\nSitemap: {_loc(pages, 'sitemap.xml')}\n"
    return [pages.output("sitemap.xml", "sitemap", inputs, lambda: Output("sitemap.xml", _sitemap_xml(pages))),
            Output("robots.txt", robots.encode("utf-8"), origin="robots.txt")]


def _sitemap_xml(pages: Pages) -> bytes:
    site, urls, config = pages.site, pages.urls, pages.config
    entries: list[tuple[str, dict[str, str], str | None]] = []  # path, alternates, lastmod
    every = lambda path_of: {lang: path_of(lang) for lang in config.languages}  # noqa: E731
    for lang in config.languages:
        entries.append((urls.home(lang), every(urls.home), None))
        entries.append((urls.topics(lang), every(urls.topics), None))
        entries.append((urls.tags(lang), every(urls.tags), None))
        for topic in sorted(t for t in site.topics if t):
            entries.append((urls.topic(topic, lang), every(lambda l, t=topic: urls.topic(t, l)), None))
        for tag in site.tags(lang):
            entries.append((urls.tag(tag.name, lang), {lang: urls.tag(tag.name, lang)}, None))
    for note in site.notes:
        alternates = {lang: site.note_url(n) for lang, n in site.translations(note).items()}
        entries.append((site.note_url(note), alternates, iso(note.updated)))
    lines = ['<?xml version="1.0" encoding="utf-8"?>',
             '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
             'xmlns:xhtml="http://www.w3.org/1999/xhtml">']
    for path, alternates, lastmod in sorted(entries, key=lambda e: e[0]):
        lines.append("  <url>")
        lines.append(f"    <loc>{escape(_loc(pages, path))}</loc>")
        if lastmod:
            lines.append(f"    <lastmod>{lastmod}</lastmod>")
        if len(alternates) > 1:
            for lang, alt in alternates.items():
                lines.append(f'    <xhtml:link rel="alternate" hreflang={quoteattr(lang)} href={quoteattr(_loc(pages, alt))}/>')
            default = alternates.get(config.default_language, next(iter(alternates.values())))
            lines.append(f'    <xhtml:link rel="alternate" hreflang="x-default" href={quoteattr(_loc(pages, default))}/>')
        lines.append("  </url>")
    lines.append("</urlset>\n")
    return "\n".join(lines).encode("utf-8")
