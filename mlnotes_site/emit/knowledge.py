"""Linked knowledge: what a note page shows of the notes around it (backlinks, related notes, an
outdated-translation notice), the small JSON cards that link previews load, and graph.json."""
from __future__ import annotations

import json
from typing import Any, Iterator

from markupsafe import Markup

from mlnotes_site.emit import Output
from mlnotes_site.emit.context import Pages
from mlnotes_site.i18n import format_date, language_name, strings_for
from mlnotes_site.load.content import Note

PREVIEW_FILE = "preview.json"  # beside each note's and topic's index.html


def note_relations(pages: Pages, note: Note) -> dict[str, Any]:
    """The note page's backlinks, related notes and outdated notice, as template data."""
    site, relations, lang = pages.site, pages.relations, note.lang
    backlinks = [{"title": pages.title_html(b.source), "href": pages.href(site.note_url(b.source)),
                  "context": Markup(b.context), "foreign": language_name(b.source.lang) if b.foreign else None,
                  "foreign_lang": b.source.lang if b.foreign else None}
                 for b in relations.backlinks(note, lang)]
    related = [{"title": pages.title_html(r.note), "href": pages.href(site.note_url(r.note)),
                "foreign": language_name(r.note.lang) if r.foreign else None,
                "foreign_lang": r.note.lang if r.foreign else None}
               for r in relations.related(note, lang)]
    outdated = relations.outdated(note)
    notice = None
    if outdated is not None:
        newer = outdated.newer
        notice = {"lang": newer.lang, "name": language_name(newer.lang), "href": pages.href(site.note_url(newer)),
                  "updated": format_date(newer.updated, lang), "updated_iso": newer.updated.isoformat(timespec="seconds"),
                  "since": format_date(outdated.since, lang)}
    return {"backlinks": backlinks, "related": related, "outdated": notice}


def relation_inputs(pages: Pages, note: Note) -> tuple[Any, ...]:
    """What of other notes the note page shows through its relations: for its fingerprint."""
    relations, lang = pages.relations, note.lang
    outdated = relations.outdated(note)
    return ([(pages.listing(b.source), b.context, b.foreign) for b in relations.backlinks(note, lang)],
            [(pages.listing(r.note), r.foreign) for r in relations.related(note, lang)],
            (pages.listing(outdated.newer), outdated.since) if outdated else None)


def previews(pages: Pages) -> Iterator[Output]:
    """One small JSON card per page, loaded by a link preview on hover or keyboard focus."""
    site = pages.site
    for note in site.notes:
        path = site.note_url(note) + PREVIEW_FILE
        yield pages.output(path, note.path, ("preview", pages.listing(note)),
                           lambda note=note, path=path: Output(path, _json(_note_card(pages, note)), origin=note.path))
    # list pages have a card too (title and size), so a link to any page of the site finds one
    for lang in pages.config.languages:
        strings = strings_for(lang, pages.config)
        urls = site.urls
        lists = [(urls.home(lang), pages.config.site_title(lang), len(site.latest(lang)), "latest updates"),
                 (urls.topics(lang), strings["all_topics"], None, "topics"),
                 (urls.tags(lang), strings["all_tags"], None, "tags")]
        lists += [(urls.topic(topic, lang), site.topic_title(topic, lang), site.topic_count(topic, lang), f"topic {topic}")
                  for topic in sorted(t for t in site.topics if t)]
        lists += [(urls.tag(tag.name, lang), strings["tagged"].format(tag=tag.name), len(items), f"tag {tag.name}")
                  for tag, items in site.tags(lang).items()]
        for path, title, count, origin in lists:
            data = {"kind": "list", "title": title, "lang": lang,
                    "count": strings["notes_count"].format(n=count) if count is not None else ""}
            out = path + PREVIEW_FILE
            yield pages.output(out, origin, ("preview", data),
                               lambda out=out, data=data, origin=origin: Output(out, _json(data), origin=origin))


def _note_card(pages: Pages, note: Note) -> dict[str, Any]:
    site, lang = pages.site, note.lang
    info = site.infos[note.path]
    return {
        "kind": "note",
        "title": pages.title_text(note),  # shown as text by previews.js
        "lang": lang,
        "topic": site.topic_title(note.topic, lang) if note.topic else "",
        "date": format_date(note.updated, lang),
        "date_iso": note.updated.isoformat(timespec="seconds"),
        "excerpt": pages.fill(note, info.excerpt, lang),
        "math": info.math_count > 0,
    }


def graphs(pages: Pages) -> Iterator[Output]:
    """graph.json per language, at the language's home: notes (nodes) and the links between them."""
    for lang in pages.config.languages:
        path = pages.urls.home(lang) + "graph.json"
        inputs = ("graph", lang, pages.relations.digest, sorted(pages.listing(n) for n in pages.site.notes))
        yield pages.output(path, "graph", inputs,
                           lambda lang=lang, path=path: Output(path, _json(pages.relations.graph(lang)), origin="graph"))


def _json(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
