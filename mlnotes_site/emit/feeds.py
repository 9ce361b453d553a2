"""Atom feeds: the latest updates per language and per topic, newest first, full content."""
from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from ..dates import iso
from ..site import Item
from . import Output
from .context import VERSION, Pages

FEED_LIMIT = 20


def _feed(pages: Pages, lang: str, items: list[Item], feed_path: str, home_path: str, title: str) -> bytes:
    urls, site = pages.urls, pages.site
    limit = pages.config.params.get("feed_limit", FEED_LIMIT)
    items = items[:limit] if isinstance(limit, int) and limit > 0 else items
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
        rendered = site.rendered[note.path]
        url = urls.absolute(site.note_url(note))
        body = pages.fill(note, rendered.html, note.lang, absolute=True, feed=True)
        summary = pages.fill(note, rendered.excerpt, note.lang, absolute=True, feed=True)
        lines += [
            f"  <entry xml:lang={quoteattr(note.lang)}>",
            f"    <title>{escape(note.title)}</title>",
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
            f'    <content type="html">{escape(body)}</content>',
            "  </entry>",
        ]
    lines.append("</feed>\n")
    return "\n".join(lines).encode("utf-8")


def feeds(pages: Pages) -> list[Output]:
    site, urls = pages.site, pages.urls
    outputs = []
    for lang in pages.config.languages:
        outputs.append(Output(urls.feed(lang), _feed(pages, lang, site.latest(lang), urls.feed(lang), urls.home(lang),
                                                     pages.config.site_title(lang)), origin="feed"))
        for topic in sorted(t for t in site.topics if t):
            title = f"{site.topic_title(topic, lang)} · {pages.config.site_title(lang)}"
            outputs.append(Output(urls.topic_feed(topic, lang),
                                  _feed(pages, lang, site.in_topic(topic, lang), urls.topic_feed(topic, lang),
                                        urls.topic(topic, lang), title), origin=f"content/{topic}/ feed"))
    return outputs
