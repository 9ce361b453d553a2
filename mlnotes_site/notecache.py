"""Whole rendered notes in the on-disk cache, keyed by everything rendering depends on.

A warm build with nothing changed parses no Markdown, highlights no code and renders no formula.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any

from . import __version__
from .cache import Cache
from .config import Config
from .content import Note
from .i18n import strings_for
from .problems import Problem, Severity
from .render import LinkRef, RenderedNote, TocEntry

KIND = "note"


def note_key(note: Note, config: Config, engine_version: str) -> str:
    """Changes when the note's text, its place, the settings that shape its HTML, or the renderer change."""
    parts = [
        __version__, engine_version, note.path, note.lang, note.topic, note.body, note.body_line, note.summary,
        note.toc, note.params.get("macros"), config.excerpt_length, config.math_number_equations, config.unsafe_html,
        sorted(config.math_macros.items()), sorted(strings_for(note.lang, config).items()),
    ]
    data = json.dumps(parts, ensure_ascii=False, default=str, sort_keys=True)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def dump(rendered: RenderedNote) -> dict[str, Any]:
    data = dataclasses.asdict(rendered)
    data["problems"] = [{**dataclasses.asdict(p), "severity": p.severity.value} for p in rendered.problems]
    return data


def load(data: dict[str, Any]) -> RenderedNote | None:
    try:
        return RenderedNote(
            html=data["html"],
            toc=tuple(TocEntry(**entry) for entry in data["toc"]),
            links=tuple(LinkRef(**link) for link in data["links"]),
            excerpt=data["excerpt"],
            math_page=tuple(data["math_page"]),
            math_feed=tuple(data["math_feed"]),
            math_count=int(data["math_count"]),
            han=int(data["han"]),
            words=int(data["words"]),
            reading_minutes=int(data["reading_minutes"]),
            problems=tuple(Problem(**{**p, "severity": Severity(p["severity"])}) for p in data["problems"]),
        )
    except (KeyError, TypeError, ValueError):
        return None  # an entry from another layout or a damaged one: render again


def get(cache: Cache, key: str) -> RenderedNote | None:
    found = cache.get_many(KIND, [key]).get(key)
    return load(found) if isinstance(found, dict) else None


def put(cache: Cache, key: str, rendered: RenderedNote) -> None:
    cache.put_many(KIND, {key: dump(rendered)})
