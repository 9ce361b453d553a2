"""Rendered notes in the on-disk cache, keyed by everything rendering depends on.

Each note is two entries: its small `NoteInfo` (ToC, links, excerpt, counts, problems), which every
build reads for the whole site, and its large `NoteBody`, read only when the note's own page or a
feed entry is written. A warm build with nothing changed parses no Markdown, highlights no code and
renders no formula.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
from collections import OrderedDict
from typing import Any
from collections.abc import Sequence

from mlnotes_site.render.math import cache as mathcache
from mlnotes_site.version import code_version
from mlnotes_site.cache import Cache, encode_json, pack_strings, unpack_strings
from mlnotes_site.config import Config
from mlnotes_site.load.content import Note
from mlnotes_site.i18n import strings_for
from mlnotes_site.problems import Problem, Severity
from mlnotes_site.model import LinkRef, MarkdownEnv, NoteBody, NoteInfo, RenderedNote, TocEntry, new_env
from mlnotes_site.render.markdown import create_markdown
from mlnotes_site.render.searchtext import search_text
from mlnotes_site.render.math.html import feed_math

INFO = "noteinfo"
BODY = mathcache.NOTE_BODY
SEARCH = "searchtext"  # a note's search record: read on its own when the search index is rebuilt


def note_key(note: Note, config: Config, engine_version: str) -> str:
    """Changes when the note's text, its place, the settings that shape its HTML, or the renderer change."""
    parts = [
        code_version(), engine_version, note.path, note.lang, note.topic, note.title, note.body, note.body_line, note.summary,
        note.toc, note.params.get("macros"), config.excerpt_length, config.math_number_equations, config.unsafe_html,
        sorted(config.math_macros.items()), sorted(strings_for(note.lang, config).items()),
    ]
    data = json.dumps(parts, ensure_ascii=False, default=str, sort_keys=True)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def dump_info(info: NoteInfo) -> dict[str, Any]:
    """As plain data for JSON (spelled out: `dataclasses.asdict` is several times slower)."""
    return {
        "toc": [{"level": e.level, "id": e.id, "html": e.html} for e in info.toc],
        "links": [{"target": l.target, "fragment": l.fragment, "raw": l.raw, "kind": l.kind, "line": l.line,
                   "is_dir": l.is_dir, "context": l.context} for l in info.links],
        "anchors": list(info.anchors),
        "fragments": [list(f) for f in info.fragments],
        "excerpt": info.excerpt,
        "math": [[mid, html] for mid, html in info.math.items()],
        "math_count": info.math_count,
        "han": info.han,
        "words": info.words,
        "reading_minutes": info.reading_minutes,
        "problems": [{**{f.name: getattr(p, f.name) for f in dataclasses.fields(p)}, "severity": p.severity.value}
                     for p in info.problems],
        "description": info.description,
        "title_html": info.title_html,
        "title_text": info.title_text,
        "embeds": [list(e) for e in info.embeds],
        "sections": [list(s) for s in info.sections],
    }


def load_info(data: Any) -> NoteInfo | None:
    try:
        return NoteInfo(
            toc=tuple(TocEntry(**entry) for entry in data["toc"]),
            links=tuple(LinkRef(**link) for link in data["links"]),
            excerpt=data["excerpt"],
            math={int(mid): str(html) for mid, html in data["math"]},
            math_count=int(data["math_count"]),
            han=int(data["han"]),
            words=int(data["words"]),
            reading_minutes=int(data["reading_minutes"]),
            problems=tuple(Problem(**{**p, "severity": Severity(p["severity"])}) for p in data["problems"]),
            description=str(data["description"]),
            title_html=str(data["title_html"]),
            title_text=str(data["title_text"]),
            anchors=tuple(str(a) for a in data["anchors"]),
            fragments=tuple((str(f), int(line), str(raw)) for f, line, raw in data["fragments"]),
            embeds=tuple((int(index), int(at)) for index, at in data["embeds"]),
            sections=tuple((str(ident), int(start), int(end)) for ident, start, end in data["sections"]),
        )
    except (KeyError, TypeError, ValueError):
        return None  # an entry from another layout or a damaged one: render again


def get_infos(cache: Cache, keys: list[str]) -> dict[str, NoteInfo]:
    found = {}
    for key, data in cache.get_many(INFO, keys).items():
        info = load_info(data)
        if info is not None:
            found[key] = info
    return found


def get_body(cache: Cache, key: str) -> NoteBody | None:
    value = cache.get_raw(BODY, [key]).get(key)
    strings = unpack_strings(value) if value is not None else None
    return NoteBody(strings[0], tuple(strings[1:])) if strings else None


def get_search(cache: Cache, keys: list[str]) -> dict[str, str]:
    """Search records by body key; a missing or garbled one is left out (the caller renders again)."""
    found = {}
    for key, value in cache.get_raw(SEARCH, keys).items():
        try:
            found[key] = value.decode("utf-8", "surrogatepass")
        except UnicodeDecodeError:
            continue
    return found


def put(cache: Cache, key: str, rendered: RenderedNote, formulas: dict[str, list[Any]] | None = None,
        formula_keys: Sequence[str] = ()) -> bool:
    """Store both parts, and index `formulas` (newly rendered outcomes, by formula key) into the body
    (`formula_keys`: each formula's key, in body order); False when the cache is unusable (the caller
    keeps the body itself)."""
    rows = mathcache.body_rows(key, formulas, formula_keys, rendered.body.math) if formulas else []
    return cache.put_raw([(BODY, key, pack_strings([rendered.body.html, *rendered.body.math])),
                          (INFO, key, encode_json(dump_info(rendered.info))),
                          (SEARCH, key, rendered.search.encode("utf-8", "surrogatepass")), *rows],
                         uncompressed=frozenset({mathcache.INDEX}))


class Bodies:
    """Note bodies for the emitters: kept in memory only where the cache could not take them, else
    read back from the cache (a few recent ones remembered, as feeds ask for the same notes). A body
    the cache lost since the note was rendered (a damaged entry, the cache deleted by hand) is None:
    the emitter reports it, and its info is dropped too, so that the next build renders the note again."""

    RECENT = 64  # bodies remembered, in each form

    def __init__(self, cache: Cache, keys: dict[str, str], memory: dict[str, NoteBody]) -> None:
        self.cache, self.keys, self.memory = cache, keys, memory
        self.recent: OrderedDict[tuple[str, bool], NoteBody] = OrderedDict()

    def key(self, path: str) -> str:
        """The note's cache key: it changes whenever its rendering does."""
        return self.keys.get(path, "")

    def get(self, path: str) -> NoteBody | None:
        """The body as a page shows it: formulas as KaTeX HTML (or math-core's MathML)."""
        return self._remembered(path, False)

    def feed(self, path: str) -> NoteBody | None:
        """The body as a feed carries it: formulas as MathML (the TeX of a failed one)."""
        return self._remembered(path, True)

    def search(self, notes: Sequence[Note]) -> dict[str, str]:
        """The notes' search records (render/searchtext.py) by note path: from the cache, else made
        again from the note's Markdown (no cache, or it lost one): formulas need no engine for it."""
        keys = [self.keys[n.path] for n in notes if n.path in self.keys]
        found = get_search(self.cache, keys)
        records: dict[str, str] = {}
        for note in notes:
            record = found.get(self.keys.get(note.path, ""))
            if record is None:
                state = MarkdownEnv(folder=note.topic)
                tokens = create_markdown().parse(note.body, new_env(state))
                record = search_text(tokens, state.formulas)
            records[note.path] = record
        return records

    def _remembered(self, path: str, feed: bool) -> NoteBody | None:
        if not feed and path in self.memory:
            return self.memory[path]
        found = self.recent.get((path, feed))
        if found is not None:
            self.recent.move_to_end((path, feed))
            return found
        body = self.memory.get(path) or (get_body(self.cache, self.keys[path]) if path in self.keys else None)
        if body is None:
            if path in self.keys:
                self.cache.drop(INFO, [self.keys[path]])
            return None
        if feed:
            body = NoteBody(body.html, tuple(feed_math(html) for html in body.math))
        self.recent[(path, feed)] = body
        if len(self.recent) > self.RECENT:
            self.recent.popitem(last=False)
        return body
