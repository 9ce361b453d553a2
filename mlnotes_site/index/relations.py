"""How notes relate: which notes link to which (backlinks, with the sentence around the link),
related notes, the link graph, and translations that fell behind their other-language versions.

Everything here is computed from the Site index once per build and only read by the emitters.
Notes are compared by translation group (`Note.key`): a link to any language's version of a note
links to the note.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property

from mlnotes_site.dates import parse_date
from mlnotes_site.index.site import Site
from mlnotes_site.load.content import Note
from mlnotes_site.i18n import language_name
from mlnotes_site.problems import Problem, note as note_problem, warning

RELATED_COUNT = 5
# What a shared trait is worth when ranking related notes: a link either way says most.
_LINK_SCORE, _TAG_SCORE, _TOPIC_SCORE = 3, 2, 1


@dataclass(frozen=True)
class Backlink:
    source: Note  # the linking note, in the reader's language when that version links too
    context: str  # HTML: the sentence around the first such link, the link's text in <mark>
    foreign: bool  # shown in a language it is not written in


@dataclass(frozen=True)
class Related:
    note: Note
    foreign: bool


@dataclass(frozen=True)
class Outdated:
    """A newer version in another language: this note was last updated (or checked) before it."""
    newer: Note
    since: datetime  # when this note was last updated or checked


class Relations:
    def __init__(self, site: Site) -> None:
        self.site = site

    # --- links between notes ----------------------------------------------------------------------

    @cached_property
    def _edges(self) -> dict[str, list[tuple[str, int]]]:
        """Target group key -> [(source note path, link index)], every note-to-note link of every note
        (a note's links to itself and to its own translations left out)."""
        edges: dict[str, list[tuple[str, int]]] = {}
        site = self.site
        for note in site.notes:
            for index, link in enumerate(site.infos[note.path].links):
                if link.kind not in ("link", "wiki", "root"):
                    continue
                target = site.linked_note(link, note.lang)
                if target is None or target.key == note.key:
                    continue
                edges.setdefault(target.key, []).append((note.path, index))
        return edges

    @cached_property
    def _notes(self) -> dict[str, Note]:
        return {note.path: note for note in self.site.notes}

    @cached_property
    def _linked(self) -> dict[str, set[str]]:
        """Group key -> keys of the groups it links to or is linked from."""
        linked: dict[str, set[str]] = {}
        for target, sources in self._edges.items():
            for path, _ in sources:
                source = self._notes[path].key
                linked.setdefault(target, set()).add(source)
                linked.setdefault(source, set()).add(target)
        return linked

    @cached_property
    def digest(self) -> str:
        """Changes when any note-to-note link appears or goes, or its sentence changes: what
        backlinks, related notes and the graph are made of besides front matter."""
        shape = sorted((target, path, index, self.site.infos[path].links[index].context)
                       for target, sources in self._edges.items() for path, index in sources)
        return hashlib.blake2b(repr(shape).encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()

    def backlinks(self, note: Note, lang: str) -> list[Backlink]:
        """Notes that link to `note` (any of its languages), one per linking group: its version in
        `lang` when that version links, else the first linking version in the site's language order;
        ordered by title, then path."""
        by_group: dict[str, list[tuple[Note, int]]] = {}
        for path, index in self._edges.get(note.key, []):
            source = self._notes[path]
            by_group.setdefault(source.key, []).append((source, index))
        order = {code: at for at, code in enumerate(self.site.config.languages)}
        found: list[Backlink] = []
        for links in by_group.values():
            links.sort(key=lambda pair: (pair[0].lang != lang, order.get(pair[0].lang, len(order)), pair[1]))
            source, index = links[0]
            context = self.site.infos[source.path].links[index].context
            found.append(Backlink(source, context, source.lang != lang))
        found.sort(key=lambda b: (b.source.title.casefold(), b.source.path))
        return found

    def related(self, note: Note, lang: str) -> list[Related]:
        """Up to RELATED_COUNT other notes that share links (either way), tags or topics with `note`,
        best first (then the most recently updated, then by path); never its own translation, never
        a draft."""
        site = self.site
        scores: dict[str, int] = {}
        for other in self._linked.get(note.key, ()):
            scores[other] = scores.get(other, 0) + _LINK_SCORE
        for tag in {t.casefold() for t in note.tags}:
            for other in self._by_tag.get(tag, ()):
                scores[other] = scores.get(other, 0) + _TAG_SCORE
        for topic in note.topics:
            for other in self._by_topic.get(topic, ()):
                scores[other] = scores.get(other, 0) + _TOPIC_SCORE
        scores.pop(note.key, None)
        chosen: list[tuple[tuple[int, float, str], Related]] = []
        for key, score in scores.items():
            group = site.groups.get(key)
            if not group:
                continue
            shown = group.get(lang) or site.original(group)
            if shown.draft:
                continue
            chosen.append(((-score, -shown.updated.timestamp(), shown.path), Related(shown, shown.lang != lang)))
        chosen.sort(key=lambda pair: pair[0])
        return [related for _, related in chosen[:RELATED_COUNT]]

    @cached_property
    def _by_tag(self) -> dict[str, set[str]]:
        found: dict[str, set[str]] = {}
        for note in self.site.notes:
            for tag in note.tags:
                found.setdefault(tag.casefold(), set()).add(note.key)
        return found

    @cached_property
    def _by_topic(self) -> dict[str, set[str]]:
        found: dict[str, set[str]] = {}
        for note in self.site.notes:
            for topic in note.topics:
                found.setdefault(topic, set()).add(note.key)
        return found

    def graph(self, lang: str) -> dict[str, object]:
        """The link graph as a reader of `lang` sees it: nodes are the notes listed in that language,
        edges the links between them (by URL)."""
        site = self.site
        shown = {item.note.key: item.note for item in site.latest(lang)}
        nodes = [{"id": site.urls.href(site.note_url(n)), "title": site.infos[n.path].title_text or n.title, "lang": n.lang,
                  "topic": n.topic, "tags": list(n.tags), "updated": n.updated.isoformat(timespec="seconds")}
                 for n in sorted(shown.values(), key=lambda n: site.note_url(n))]
        edges = sorted({(site.urls.href(site.note_url(shown[self._notes[path].key])),
                         site.urls.href(site.note_url(shown[target])))
                        for target, sources in self._edges.items() if target in shown
                        for path, _ in sources if self._notes[path].key in shown})
        return {"lang": lang, "nodes": nodes, "edges": [{"source": s, "target": t} for s, t in edges]}

    # --- translations ------------------------------------------------------------------------------

    def outdated(self, note: Note) -> Outdated | None:
        """The newest other-language version updated on a later day than this note was last updated
        (or checked, front matter `translation_checked:`), or None. Days, not instants: versions
        edited on the same day are in step."""
        since = self.checked(note)
        newest: Note | None = None
        for other in self.site.translations(note).values():
            if other is note or other.draft:
                continue
            if _day(other.updated, self.site) > _day(since, self.site) and (
                    newest is None or other.updated > newest.updated):
                newest = other
        return Outdated(newest, since) if newest is not None else None

    def checked(self, note: Note) -> datetime:
        """When the note was last brought in step with its other versions."""
        parsed = self.checked_date(note)
        return parsed if isinstance(parsed, datetime) and parsed > note.updated else note.updated

    def checked_date(self, note: Note) -> datetime | str | None:
        """Front matter `translation_checked:` as a date, an error message, or None when absent."""
        value = note.params.get("translation_checked")
        if value is None:
            return None
        zone = self.site.config.zone or note.updated.tzinfo
        return parse_date(value, zone) if zone is not None else None


def check_translation_dates(relations: Relations) -> list[Problem]:
    """A `translation_checked:` that is not a date."""
    problems = []
    for note in relations.site.notes:
        parsed = relations.checked_date(note)
        if isinstance(parsed, str):
            problems.append(warning("front-matter/date", f"'translation_checked': {parsed}", note.path,
                                    note.line_of("translation_checked"), 1,
                                    hint="write translation_checked: 2026-05-02 (the day the translation was brought in step)"))
    return problems


def translation_report(relations: Relations) -> list[Problem]:
    """`check --translations`: each note missing in a site language and each outdated translation, as
    notes (information), then one summary line."""
    site = relations.site
    problems: list[Problem] = []
    missing: dict[str, int] = {lang: 0 for lang in site.config.languages}
    outdated = 0
    for key in sorted(site.groups):
        group = site.groups[key]
        present = site.original(group)
        for lang in site.config.languages:
            if lang not in group:
                missing[lang] += 1
                problems.append(note_problem("translation/missing", f"no {language_name(lang)} ({lang}) version of "
                                             f"'{present.title}'", present.path, 1, 1,
                                             hint=f"add {_sibling(present.content_path, present.lang, lang)}"))
        for version in group.values():
            behind = relations.outdated(version)
            if behind is None:
                continue
            outdated += 1
            problems.append(note_problem(
                "translation/outdated",
                f"updated {behind.since.date().isoformat()}, but its {behind.newer.lang} version "
                f"({behind.newer.path}) was updated {behind.newer.updated.date().isoformat()}",
                version.path, 1, 1,
                hint=f"bring it in step, then set translation_checked: {behind.newer.updated.date().isoformat()}"))
    counts = ", ".join(f"{n} missing in {lang}" for lang, n in missing.items())
    problems.append(note_problem("translation/summary", f"{len(site.groups)} notes: {counts}, {outdated} outdated"))
    return problems


def _sibling(content_path: str, lang: str, other: str) -> str:
    """content/a/b.zh.md -> content/a/b.en.md (or b.en.md beside b.md)."""
    for suffix in (".md", ".markdown"):
        if content_path.endswith(f".{lang}{suffix}"):
            return "content/" + content_path[:-len(f".{lang}{suffix}")] + f".{other}{suffix}"
        if content_path.endswith(suffix):
            return "content/" + content_path[:-len(suffix)] + f".{other}{suffix}"
    return f"a .{other}.md file beside content/{content_path}"


def _day(moment: datetime, site: Site) -> date:
    return moment.astimezone(site.config.zone).date() if site.config.zone else moment.date()
