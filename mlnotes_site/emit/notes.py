"""Note pages, and redirect pages for their aliases."""
from __future__ import annotations

import posixpath
from collections.abc import Iterator

from markupsafe import Markup

from mlnotes_site.load.content import Note
from mlnotes_site.i18n import language_name, strings_for
from mlnotes_site.problems import Problem, error, warning
from mlnotes_site.slugs import MAX_SEGMENT_BYTES
from mlnotes_site.index.urls import output_file
from mlnotes_site.emit import Output
from mlnotes_site.emit.context import Pages, format_dates
from mlnotes_site.emit.knowledge import note_relations, relation_inputs
from mlnotes_site.emit.embeds import page_body


def note_pages(pages: Pages, only: set[str] | None = None) -> Iterator[Output]:
    """Every note's page, or those of the notes whose paths are in `only`."""
    site = pages.site
    neighbours = site.neighbour_map(only)
    for note in site.notes:
        if only is not None and note.path not in only:
            continue
        translations = site.translations(note)
        prev_note, next_note = neighbours[note.path]
        inputs = ("note", pages.version(note), [(lang, pages.listing(n)) for lang, n in translations.items()],
                  pages.listing(prev_note), pages.listing(next_note), pages.link_targets(note, note.lang),
                  relation_inputs(pages, note))
        yield pages.output(site.note_url(note), note.path, inputs,
                           lambda note=note, translations=translations, prev_note=prev_note, next_note=next_note:
                           _note_page(pages, note, translations, prev_note, next_note), "note.html")


def _note_page(pages: Pages, note: Note, translations: dict[str, Note], prev_note: Note | None,
               next_note: Note | None) -> Output:
    site = pages.site
    info = site.infos[note.path]
    body = pages.body(note)
    path = site.note_url(note)
    alternates = {lang: site.note_url(n) for lang, n in translations.items()}

    def link(other: Note | None) -> dict[str, str] | None:
        return {"title": pages.title_html(other), "href": pages.href(site.note_url(other))} if other else None

    relations = note_relations(pages, note)
    # other notes' titles the page shows: previous / next, backlinks, related notes
    shown = [n for n in (prev_note, next_note) if n is not None]
    shown += [b.source for b in pages.relations.backlinks(note, note.lang)]
    shown += [r.note for r in pages.relations.related(note, note.lang)]
    titles_math = any(site.infos[n.path].title_has_math for n in shown)
    filled = page_body(pages, note, body)
    return pages.render(
        "note.html", lang=note.lang, path=path, title=pages.title_text(note), alternates=alternates,
        origin=note.path, kind="note", has_math=info.shows_math or titles_math or filled.has_math,
        has_code='class="highlight' in filled.html, description=pages.description(note),
        note={
            "title": pages.title_html(note),
            "body": Markup(filled.html),
            "toc": [{"level": e.level, "id": e.id, "html": Markup(pages.fill(note, e.html, note.lang, math=body.math))}
                    for e in info.toc],
            "topics": [{"title": site.topic_title(t, note.lang), "href": pages.href(site.urls.topic(t, note.lang))}
                       for t in note.topics],
            "tags": [{"name": tag, "href": pages.href(site.urls.tag(tag, note.lang))} for tag in note.tags],
            "minutes": info.reading_minutes,
            "draft": note.draft,
            "params": note.params,
            "translations": [{"lang": lang, "name": language_name(lang), "href": pages.href(site.note_url(n))}
                             for lang, n in translations.items() if lang != note.lang],
            "prev": link(prev_note),
            "next": link(next_note),
            **format_dates(note, note.lang),
            **relations,
        },
    )


def is_redirect_alias(alias: str) -> bool:
    """Hugo's aliases are old URLs (`/old/ddim/`, `posts/old.html`), Obsidian's other names of a note
    (`DDIM 采样`, `MHA`, `多头注意力`): a URL is one with a "/" in it or ending in ".html"."""
    alias = alias.strip()
    return "/" in alias or alias.endswith(".html")


def alias_pages(pages: Pages, problems: list[Problem]) -> Iterator[Output]:
    site = pages.site
    for note in site.notes:
        for alias in note.aliases:
            if not is_redirect_alias(alias):
                continue  # another name of the note, as in Obsidian (for wikilinks), not a URL
            clean = posixpath.normpath("/" + alias.strip()).lstrip("/")
            if ".." in alias.split("/") or "\\" in alias or not clean or clean == ".":
                problems.append(error("url/alias", f"alias {alias!r} is not a path inside the site", note.path,
                                      note.line_of("aliases"), 1, hint="write it as /old/path/"))
                continue
            if any(len(part.encode()) > MAX_SEGMENT_BYTES for part in clean.split("/")):
                # an old URL must match exactly: shortening it would redirect from a URL nobody has
                problems.append(warning("url/too-long", f"alias {alias[:40]!r}… has a path segment over "
                                        f"{MAX_SEGMENT_BYTES} bytes; no redirect page is made", note.path,
                                        note.line_of("aliases"), 1, hint="shorten the alias"))
                continue
            path = clean + ("/" if alias.endswith("/") or "." not in clean.rsplit("/", 1)[-1] else "")
            target = pages.urls.absolute(site.note_url(note))
            html = pages.env.get_template("redirect.html").render(
                target=target, lang=note.lang, t=strings_for(note.lang, site.config), title=pages.title_text(note))
            yield Output(output_file(path), html.encode("utf-8"), origin=f"{note.path} (alias {alias})")
