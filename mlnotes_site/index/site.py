"""The indexed site: translations, topics tree, tags, list orders, link resolution.

It owns every relation between notes; emitters only read it.
"""
from __future__ import annotations

import hashlib
import posixpath
import unicodedata
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING
from collections.abc import Mapping

from mlnotes_site.config import Config
from mlnotes_site.i18n import split_lang_suffix
from mlnotes_site.load.content import Asset, Content, Note, NOTE_SUFFIXES
from mlnotes_site.load.notion import clean_name
from mlnotes_site.problems import Problem, error, warning
from mlnotes_site.model import LinkRef, NoteInfo
from mlnotes_site.render.topics import TopicDescription
from mlnotes_site.slugs import heading_id, tag_slug
from mlnotes_site.index.topicnames import topic_for_names
from mlnotes_site.index.urls import Urls

if TYPE_CHECKING:
    from mlnotes_site.index.relations import Relations


@dataclass
class Topic:
    path: str  # folder path, "" is the root (not a page)
    parent: str | None
    children: list[str] = field(default_factory=list)
    titles: dict[str, str] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)  # Markdown per language
    weights: dict[str, int] = field(default_factory=dict)

    def title(self, lang: str, default_lang: str) -> str:
        return self.titles.get(lang) or self.titles.get(default_lang) or clean_name(self.path.rsplit("/", 1)[-1])

    def weight(self, lang: str) -> int:
        return self.weights.get(lang, min(self.weights.values(), default=0))


@dataclass(frozen=True)
class Item:
    """A note as listed in one language: `foreign` when shown in a language it is not written in."""
    note: Note
    foreign: bool


@dataclass(frozen=True)
class Tag:
    slug: str
    name: str


class Site:
    def __init__(self, config: Config, content: Content, infos: dict[str, NoteInfo],
                 drafts_left_out: frozenset[str] = frozenset(),
                 memo: dict[tuple[object, ...], tuple[object, ...]] | None = None,
                 topic_html: Mapping[tuple[str, str], TopicDescription] | None = None) -> None:
        """`content` holds the notes to publish (see build.select_notes); `drafts_left_out` the content
        paths of the drafts it left out, so that a link to one says so."""
        self.config = config
        self.topic_html = topic_html or {}  # (topic, language) -> its rendered description (render/topics.py)
        self.urls = Urls(config)
        self.problems: list[Problem] = []
        # (note path, reader language) -> what its links resolve to, ("item", path, foreign) -> the
        # note's list item, ("topics", path) -> the note with its topic names resolved; a long-lived
        # caller passes the same dict to every Site, and an entry holds while the note (and for links,
        # the site's structure) is the same
        self._memo: dict[tuple[object, ...], tuple[object, ...]] = {} if memo is None else memo
        self.notes: list[Note] = self._named_topics(content, list(content.notes))
        self.drafts_left_out = set(drafts_left_out)
        self.infos = infos
        self.assets: dict[str, Asset] = {a.content_path: a for a in content.assets}
        for note in self.notes:  # images made of a notebook's outputs (a translation may share them)
            for made in note.files:
                self.assets.setdefault(made.content_path, made)
        self.folders = content.folders
        self.groups: dict[str, dict[str, Note]] = {}
        self.by_content_path: dict[str, Note] = {}
        for note in self.notes:
            self.by_content_path[note.content_path] = note
            group = self.groups.setdefault(note.key, {})
            if note.lang in group:
                other = group[note.lang]
                self.problems.append(error(
                    "translation/duplicate",
                    f"two '{note.lang}' notes share the translation key '{note.key}' (also {other.path})",
                    note.path, 1, 1, hint="give one of them another translation_key or language"))
                continue
            group[note.lang] = note
        self.topics = self._topics(content)
        self._note_urls: dict[str, str] = {}
        self._tags: dict[str, dict[Tag, list[Item]]] = {}

    # --- translations and listing ---------------------------------------------------------

    def translations(self, note: Note) -> dict[str, Note]:
        group = self.groups.get(note.key, {})
        return {lang: group[lang] for lang in self.config.languages if lang in group}

    def original(self, group: dict[str, Note]) -> Note:
        for lang in self.config.languages:
            if lang in group:
                return group[lang]
        return next(iter(group.values()))

    @cached_property
    def _items(self) -> dict[str, list[Item]]:
        items: dict[str, list[tuple[tuple[float, str, str], Item]]] = {lang: [] for lang in self.config.languages}
        for group in self.groups.values():
            for lang in self.config.languages:
                if lang in group:
                    items[lang].append(self._item(group[lang], False))
                elif self.config.untranslated == "show":
                    items[lang].append(self._item(self.original(group), True))
        return {lang: [item for _, item in sorted(lst, key=lambda pair: pair[0])] for lang, lst in items.items()}

    def _item(self, note: Note, foreign: bool) -> tuple[tuple[float, str, str], Item]:
        """An item with its latest-updates sort key (newest first, then title, then path), kept in the
        memo a long-lived caller passes, as long as the note is the same object."""
        known = self._memo.get(("item", note.path, foreign))
        if known is not None and known[0] is note:
            return known[1]  # type: ignore[return-value]
        made = ((-note.updated.timestamp(), note.title.casefold(), note.path), Item(note, foreign))
        self._memo[("item", note.path, foreign)] = (note, made)
        return made

    def latest(self, lang: str) -> list[Item]:
        return self._items[lang]

    def in_topic(self, topic: str, lang: str) -> list[Item]:
        """Notes of a topic and its sub-topics, newest first."""
        return self._by_topic[lang].get(topic, [])

    @cached_property
    def _by_topic(self) -> dict[str, dict[str, list[Item]]]:
        found: dict[str, dict[str, list[Item]]] = {}
        for lang, items in self._items.items():
            shelves: dict[str, list[Item]] = found.setdefault(lang, {})
            for item in items:
                under: set[str] = set()
                for topic in item.note.topics:
                    parts = topic.split("/")
                    under.update("/".join(parts[:n]) for n in range(1, len(parts) + 1))
                for topic in sorted(under):
                    shelves.setdefault(topic, []).append(item)
        return found

    def topic_count(self, topic: str, lang: str) -> int:
        return len(self.in_topic(topic, lang))

    # --- topics ------------------------------------------------------------------------------

    def _named_topics(self, content: Content, notes: list[Note]) -> list[Note]:
        """The notes with each name in their `topics:` replaced by the topic it means (topicnames.py):
        a folder's topic named by its title or folder name is that topic, not a second one."""
        existing: set[str] = set()
        for folder in [n.topic for n in notes] + [m.topic for m in content.topic_metas]:
            parts = folder.split("/") if folder else []
            existing.update("/".join(parts[:k]) for k in range(1, len(parts) + 1))
        titles: dict[str, list[str]] = {}
        for meta in content.topic_metas:
            if meta.title:
                titles.setdefault(meta.topic, []).append(meta.title)
        named = [name for n in notes for name in n.topics if name != n.topic]
        meant = topic_for_names(sorted(existing), titles, named)
        resolved: list[Note] = []
        for note in notes:
            topics = tuple(dict.fromkeys(meant.get(t, t) if t != note.topic else t for t in note.topics))
            if topics == note.topics:
                resolved.append(note)
                continue
            known = self._memo.get(("topics", note.path))
            if known is None or known[0] is not note or known[1] != topics:  # same object for an unchanged note
                known = (note, topics, replace(note, topics=topics))
                self._memo[("topics", note.path)] = known
            resolved.append(known[2])  # type: ignore[arg-type]
        return resolved

    def _topics(self, content: Content) -> dict[str, Topic]:
        topics: dict[str, Topic] = {"": Topic("", None)}

        def ensure(path: str) -> Topic:
            if path in topics:
                return topics[path]
            parent = path.rpartition("/")[0]
            ensure(parent).children.append(path)
            topics[path] = Topic(path, parent)
            return topics[path]

        for note in self.notes:
            for topic in note.topics:
                ensure(topic)
        for meta in content.topic_metas:
            if not meta.topic:
                continue
            described = ensure(meta.topic)
            if meta.title:
                described.titles[meta.lang] = meta.title
            described.descriptions[meta.lang] = meta.description
            described.weights[meta.lang] = meta.weight
        return topics

    def children(self, topic: str, lang: str) -> list[Topic]:
        kids = [self.topics[c] for c in self.topics[topic].children]
        return sorted(kids, key=lambda t: (t.weight(lang), t.title(lang, self.config.default_language).casefold(), t.path))

    def topic_title(self, topic: str, lang: str) -> str:
        return self.topics[topic].title(lang, self.config.default_language)

    def topic_description(self, topic: str, lang: str) -> TopicDescription | None:
        """The topic's description in `lang`, else in the default language, else None."""
        descriptions = self.topics[topic].descriptions
        chosen = lang if descriptions.get(lang) else self.config.default_language
        return self.topic_html.get((topic, chosen)) if descriptions.get(chosen) else None

    def neighbour_map(self, only: set[str] | None = None) -> dict[str, tuple[Note | None, Note | None]]:
        """Previous and next note of the same language in each note's folder topic (reading order);
        with `only` (note paths), just for the shelves those notes are on."""
        wanted = None if only is None else {(n.topic, n.lang) for n in self.notes if n.path in only}
        shelves: dict[tuple[str, str], list[Note]] = {}
        for note in self.notes:
            if wanted is None or (note.topic, note.lang) in wanted:
                shelves.setdefault((note.topic, note.lang), []).append(note)
        result: dict[str, tuple[Note | None, Note | None]] = {}
        for shelf in shelves.values():
            shelf.sort(key=lambda n: (n.weight, n.date, n.title.casefold(), n.path))
            for at, note in enumerate(shelf):
                result[note.path] = (shelf[at - 1] if at > 0 else None, shelf[at + 1] if at + 1 < len(shelf) else None)
        return result

    # --- tags ---------------------------------------------------------------------------------

    def tags(self, lang: str) -> dict[Tag, list[Item]]:
        if lang not in self._tags:
            self._tags[lang] = self._tags_of(lang)
        return self._tags[lang]

    def _tags_of(self, lang: str) -> dict[Tag, list[Item]]:
        names: dict[str, str] = {}
        tagged: dict[str, list[Item]] = {}
        for item in self._items[lang]:
            for name in _with_parents(item.note.tags):
                slug = tag_slug(name)
                if not slug or item in tagged.get(slug, ())[-1:]:
                    continue
                names.setdefault(slug, name)
                tagged.setdefault(slug, []).append(item)
        return {Tag(slug, names[slug]): tagged[slug] for slug in sorted(tagged)}

    # --- URLs ---------------------------------------------------------------------------------

    def note_url(self, note: Note) -> str:
        found = self._note_urls.get(note.path)
        if found is None:
            found = self._note_urls[note.path] = self.urls.note(note.topic, note.slug, note.lang)
        return found

    def resolve(self, note: Note, link: LinkRef, reader_lang: str) -> str | None:
        """The site path a relative link of `note` points to, in the reader's language, or None."""
        target = link.target
        fragment = f"#{link.fragment}" if link.fragment else ""
        if link.kind == "root":  # written for another tool's site root: kept, under our base path
            found = self.page_at(target)
            return (self.note_url(self.translations(found).get(reader_lang) or found) if isinstance(found, Note)
                    else target) + fragment
        if link.wiki:
            return self._resolve_wiki(link, reader_lang)
        found = self.linked_note(link, reader_lang)
        if found is not None:
            return self.note_url(found) + fragment
        if target.startswith("../") or target == "..":
            return None
        if target in self.assets:
            return self.urls.asset(target)
        folder = target.rstrip("/") if target != "." else ""
        if folder.endswith(NOTE_SUFFIXES) and folder not in self.topics:  # a Notion page that describes its folder
            folder = self._split(folder)[0]
        if folder in self.topics and folder and not link.kind == "image":
            return self.urls.topic(folder, reader_lang) + fragment
        return None

    def linked_note(self, link: LinkRef, reader_lang: str) -> Note | None:
        """The note a link points to, in the reader's language where the link leaves it open; None
        when it points to a file, a topic, outside the site or nowhere."""
        target = link.target
        if link.kind == "root":
            found = self.page_at(target)
            return (self.translations(found).get(reader_lang) or found) if isinstance(found, Note) else None
        if link.wiki:
            return self._wiki_note(link, reader_lang) if link.kind == "wiki" else None
        if target.startswith("../") or target == "..":
            return None
        found = self._note_for(target)
        if found is None:
            return None
        if target == found.content_path and self._split(target)[2]:
            return found  # "ddim.zh.md": that very translation
        return self.translations(found).get(reader_lang) or found

    def page_at(self, path: str) -> Note | str | None:
        """What a site path written from the site root ("posts/ddim/", "en/flows") names: a note, a
        topic (its path), or None."""
        clean = path.split("#", 1)[0].strip("/")
        return self._pages_by_url.get(clean)

    @cached_property
    def _pages_by_url(self) -> dict[str, Note | str]:
        pages: dict[str, Note | str] = {}
        for lang in self.config.languages:
            for topic in self.topics:
                if topic:
                    pages.setdefault(self.urls.topic(topic, lang).strip("/"), topic)
        for note in self.notes:
            pages[self.note_url(note).strip("/")] = note
        return pages

    def _split(self, path: str) -> tuple[str, str, str | None]:
        """(path without `.md`, that without its language suffix, the language or None):
        "a/ddim.zh.md" -> ("a/ddim.zh", "a/ddim", "zh")."""
        stem = next((path[:-len(x)] for x in NOTE_SUFFIXES if path.endswith(x)), path)
        found = split_lang_suffix(stem, self.config.languages)
        return (stem, found.name, found.lang) if found.lang else (stem, stem, None)

    def _note_for(self, target: str) -> Note | None:
        if target in self.by_content_path:
            return self.by_content_path[target]
        stem, bare, lang = self._split(target)
        for key in [stem] + ([bare] if lang else []):
            group = self.groups.get(key)
            if group:
                return group[lang] if lang in group else self.original(group)
        return None

    # --- wikilinks ------------------------------------------------------------------------------

    @cached_property
    def _wiki_index(self) -> tuple[dict[str, list[Note]], dict[str, list[Note]], dict[str, list[Note]],
                                   dict[str, list[str]]]:
        """Case-folded names a wikilink may use: each note's path under content/ without `.md` (and
        every shorter tail of it: "sampling/ddim", "ddim"), with its language suffix (that very note)
        or without (the note in the reader's language); each note's title and aliases; each file's
        path and name."""
        exact: dict[str, list[Note]] = {}
        named: dict[str, list[Note]] = {}
        titled: dict[str, list[Note]] = {}
        files: dict[str, list[str]] = {}
        for note in self.notes:
            stem, bare, lang = self._split(note.content_path)
            for tail in _tails(stem):
                (exact if lang else named).setdefault(_fold(tail), []).append(note)
            if lang:
                for tail in _tails(bare):
                    named.setdefault(_fold(tail), []).append(note)
            for title in (note.title, *note.aliases):  # Obsidian's aliases are other names of a note
                titled.setdefault(_fold(title), []).append(note)
        for path in self.assets:
            for tail in _tails(path):
                files.setdefault(_fold(tail), []).append(path)
        return exact, named, titled, files

    def _wiki_note(self, link: LinkRef, reader_lang: str) -> Note | None:
        """Like Obsidian: a note by file name or path, else by title (the shortest path when several match)."""
        exact, named, titled, _ = self._wiki_index
        name = _fold(link.target)
        note = _first(exact[name]) if name in exact else None
        if note is None and (named.get(name) or titled.get(name)):
            note = _first(named.get(name) or titled[name])
            note = self.translations(note).get(reader_lang) or note
        return note

    @staticmethod
    def wiki_anchor(link: LinkRef, note: Note) -> str:
        """The id a wikilink's `#heading` names in `note`; "" for none, or for the heading the note's
        title came from (the top of its page)."""
        if link.fragment.startswith("^"):  # an Obsidian block id: load/obsidian.py anchors it as is
            return link.fragment
        anchor = heading_id(link.fragment) if link.fragment else ""
        return anchor if anchor != heading_id(note.title) else ""

    def _resolve_wiki(self, link: LinkRef, reader_lang: str) -> str | None:
        """A note as `_wiki_note` finds it; for an embed, or when no note matches, a file by name or path."""
        _, _, _, files = self._wiki_index
        name = _fold(link.target)
        if link.kind == "wiki":
            note = self._wiki_note(link, reader_lang)
            if note is not None:
                anchor = self.wiki_anchor(link, note)
                return self.note_url(note) + (f"#{anchor}" if anchor else "")
        if name in files:
            path = min(files[name], key=lambda p: (p.count("/"), len(p), p))
            return self.urls.asset(path) + (f"#{link.fragment}" if link.fragment else "")
        return None

    @cached_property
    def relations(self) -> Relations:
        """Backlinks, related notes, the link graph and outdated translations (index/relations.py)."""
        from mlnotes_site.index.relations import Relations  # it reads this module's Site
        return Relations(self)

    @cached_property
    def structure(self) -> str:
        """Everything link resolution depends on besides the note itself."""
        shape = (sorted((n.path, n.key, n.lang, n.topic, n.slug, n.title, n.aliases) for n in self.notes),
                 sorted(self.assets),
                 sorted(self.topics), sorted(self.drafts_left_out), self.config.languages)
        return hashlib.blake2b(repr(shape).encode("utf-8"), digest_size=16).hexdigest()

    def link_targets(self, note: Note, lang: str) -> list[str | None]:
        """Where each relative link of the note points for a reader of `lang` (None: nowhere)."""
        info = self.infos[note.path]
        known = self._memo.get((note.path, lang))
        if known is not None and known[0] is note and known[1] is info and known[2] == self.structure:
            return known[3]  # type: ignore[return-value]
        targets = [self.resolve(note, link, lang) for link in info.links]
        self._memo[(note.path, lang)] = (note, info, self.structure, targets)
        return targets

    def check_links(self, strict: bool) -> list[Problem]:
        """Broken relative links and images of every note, as warnings (errors with --strict)."""
        problems: list[Problem] = []
        make = error if strict else warning
        for note in self.notes:
            for link, target in zip(self.infos[note.path].links, self.link_targets(note, note.lang)):
                if target is not None:
                    continue
                if link.wiki:
                    what = "a note or file" if link.kind == "wiki" else "a file"
                    problems.append(make("link/broken", f"wikilink '{link.raw}' names {what} not in content/",
                                         note.path, link.line, 1,
                                         hint="name a note by its file name without .md, its path under content/ "
                                              "or its title, and a file by its name"))
                    continue
                base = posixpath.normpath(link.target) if link.target else link.raw
                if link.target.startswith(".."):
                    why = "points outside content/"
                elif self._is_draft_target(link.target):
                    why = "points to a draft, which this build leaves out"
                else:
                    why = "points to nothing in content/"
                what = "image" if link.kind == "image" else "link"
                problems.append(make("link/broken", f"{what} '{link.raw}' {why} (resolved to content/{base})",
                                     note.path, link.line, 1,
                                     hint="fix the relative path; links are relative to the note's folder"))
        return problems

    def _is_draft_target(self, target: str) -> bool:
        return any(target == p or target == p.rsplit(".", 2)[0] + ".md" for p in self.drafts_left_out)


def _with_parents(tags: tuple[str, ...]) -> list[str]:
    """A nested tag `ml/diffusion` (Obsidian's) also files its note under `ml`, as Obsidian lists it."""
    named: list[str] = []
    for tag in tags:
        parts = tag.split("/")
        named.extend("/".join(parts[:k]) for k in range(1, len(parts)) if all(parts[:k]))
        named.append(tag)
    return named


def _fold(name: str) -> str:
    """How wikilink names compare: Unicode-normalized, case-folded, without a trailing `.md`."""
    name = unicodedata.normalize("NFC", name).strip().casefold()
    return name[:-3] if name.endswith(".md") else name


def _tails(path: str) -> list[str]:
    """ "a/b/c" -> ["a/b/c", "b/c", "c"] """
    parts = path.split("/")
    return ["/".join(parts[i:]) for i in range(len(parts))]


def _first(notes: list[Note]) -> Note:
    """The note a name means when several match: the one nearest the top of content/, then by path."""
    return min(notes, key=lambda n: (n.content_path.count("/"), len(n.content_path), n.content_path))
