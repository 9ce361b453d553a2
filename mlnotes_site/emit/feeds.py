"""Atom feeds: the latest updates per language and per topic, newest first, full content."""
from __future__ import annotations

import dataclasses
import re
from xml.sax.saxutils import escape, quoteattr

from mlnotes_site.dates import iso
from mlnotes_site.index.site import Item
from mlnotes_site.emit import Output
from mlnotes_site.emit.context import VERSION, Pages

FEED_LIMIT = 20


def _limited(pages: Pages, items: list[Item]) -> list[Item]:
    limit = pages.config.params.get("feed_limit", FEED_LIMIT)
    return items[:limit] if isinstance(limit, int) and limit > 0 else items


def _feed(pages: Pages, lang: str, items: list[Item], feed_path: str, home_path: str, title: str) -> Output:
    """The feed of `items`, described by its inputs: it is written only when they change."""
    items = _limited(pages, items)
    inputs = ("feed", lang, home_path, title, [(pages.version(i.note), pages.link_targets(i.note, i.note.lang))
                                               for i in items])
    return pages.output(feed_path, "feed", inputs,
                        lambda: Output(feed_path, _feed_xml(pages, lang, items, feed_path, home_path, title)))


def _feed_xml(pages: Pages, lang: str, items: list[Item], feed_path: str, home_path: str, title: str) -> bytes:
    urls, site = pages.urls, pages.site
    updated = max((i.note.updated for i in items), default=None)
    author = pages.config.author or pages.config.site_title(lang)
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang={quoteattr(lang)}>',
        f"  <title>{escape(title)}</title>",
    ]
    if pages.config.description.get(lang):
        lines.append(f"  <subtitle>{escape(pages.config.description[lang])}</subtitle>")
    lines += [
        f'  <link rel="self" type="application/atom+xml" href={quoteattr(urls.absolute(feed_path))}/>',
        f'  <link rel="alternate" type="text/html" href={quoteattr(urls.absolute(home_path))}/>',
        f"  <id>{escape(urls.absolute(feed_path))}</id>",
        f"  <updated>{iso(updated) if updated else '1970-01-01T00:00:00+00:00'}</updated>",
        f"  <author><name>{escape(author)}</name></author>",
        f'  <generator version="{VERSION}">mlnotes-site</generator>',
    ]
    for item in items:
        note = item.note
        info = site.infos[note.path]
        url = urls.absolute(site.note_url(note))
        # a very large note is linked, not copied: every feed it is in (its language's, each topic's)
        # would otherwise hold the whole of it, and the build's memory grow with feeds x note size
        body: str | None = None
        if len(note.body) > pages.config.note_warning_bytes:
            summary = escape(info.description)
        else:
            note_body = pages.body(note, feed=True)
            # the excerpt's formulas are the body's (same ids): both take the feed's form from the body
            body = pages.fill(note, note_body.html, note.lang, absolute=True, math=note_body.math)
            summary = pages.fill(note, info.excerpt, note.lang, absolute=True, math=note_body.math)
        lines += [
            f"  <entry xml:lang={quoteattr(note.lang)}>",
            f"    <title>{escape(pages.title_text(note))}</title>",
            f'    <link rel="alternate" type="text/html" href={quoteattr(url)}/>',
            f"    <id>{escape(url)}</id>",
            f"    <published>{iso(note.date)}</published>",
            f"    <updated>{iso(note.updated)}</updated>",
        ]
        for topic in note.topics:
            lines.append(f"    <category term={quoteattr(topic)} label={quoteattr(site.topic_title(topic, lang))}/>")
        for tag in note.tags:
            lines.append(f"    <category term={quoteattr(tag)}/>")
        lines += [
            f'    <summary type="html">{escape(summary)}</summary>',
            *([f'    <content type="html">{escape(body)}</content>'] if body is not None else []),
            "  </entry>",
        ]
    lines.append("</feed>\n")
    return xml_safe("\n".join(lines)).encode("utf-8")


# Characters XML 1.0 forbids, even escaped: a feed holding one is rejected by every reader. A note
# may carry them (a YAML "\a" in double quotes is a BEL); pages shrug them off, feeds must drop them.
_NOT_XML_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_safe(text: str) -> str:
    return _NOT_XML_RE.sub("", text)


def feeds(pages: Pages, topics: set[str] | None = None) -> list[Output]:
    """The feed of each language, and of each topic (or only of `topics`) in each language."""
    site, urls = pages.site, pages.urls
    outputs = []
    for lang in pages.config.languages:
        outputs.append(_feed(pages, lang, site.latest(lang), urls.feed(lang), urls.home(lang),
                             pages.config.site_title(lang)))
        for topic in sorted(t for t in site.topics if t and (topics is None or t in topics)):
            title = f"{site.topic_title(topic, lang)} · {pages.config.site_title(lang)}"
            feed = _feed(pages, lang, site.in_topic(topic, lang), urls.topic_feed(topic, lang), urls.topic(topic, lang),
                         title)
            outputs.append(dataclasses.replace(feed, origin=f"content/{topic}/ (feed)"))
    return outputs
