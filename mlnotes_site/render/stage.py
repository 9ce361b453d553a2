"""The render stage for a whole site: cached notes come from `.mlnotes-cache/`, the rest are rendered
in a pool of processes (one KaTeX worker each). Output does not depend on scheduling."""
from __future__ import annotations

import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from collections.abc import Callable

from mlnotes_site.render.math import cache as mathcache
from mlnotes_site.render import cache as notecache
from mlnotes_site.cache import CACHE_DIR, Cache
from mlnotes_site.config import Config
from mlnotes_site.load.content import Note
from mlnotes_site.render.math.engine import MathEngine, Ticket
from mlnotes_site.parallel import shrinking_ranges, start_pool_process
from mlnotes_site.problems import Problem, error
from mlnotes_site.model import NoteBody, NoteInfo, RenderedNote
from mlnotes_site.render.note import Prepared, finish_note, prepare_note

POOL_THRESHOLD = 24  # fewer notes to render than this: stay in one process (no start-up cost)


@dataclass
class RenderStats:
    cached: int = 0
    rendered: int = 0
    formulas: int = 0  # formulas sent to KaTeX or math-core
    math_unavailable: str | None = None


@dataclass
class RenderOutcome:
    infos: dict[str, NoteInfo] = field(default_factory=dict)  # by note path
    keys: dict[str, str] = field(default_factory=dict)  # note path -> cache key of its body
    bodies: dict[str, NoteBody] = field(default_factory=dict)  # only those the cache could not take
    problems: list[Problem] = field(default_factory=list)  # notes that could not be rendered at all
    stats: RenderStats = field(default_factory=RenderStats)


# One rendered note as a batch reports it: its info (or why it failed), and its body unless the
# cache holds it, so that bodies do not travel between processes.
Outcome = tuple[str, NoteInfo | Problem, NoteBody | None]


def _guarded(step, note: Note, *args):  # type: ignore[no-untyped-def]
    """One note that trips the renderer (a bug, or input deeper than Python can recurse) is a problem
    for that note, not a crash of the whole build."""
    try:
        return step(*args)
    except RecursionError:
        return error("markdown/too-deep", "the note nests blocks too deeply to render", note.path, 1, 1,
                     hint="reduce the nesting of lists or block quotes")
    except Exception as exc:  # noqa: BLE001 - reported with the note's path, never a bare traceback
        return error("render/internal", f"rendering failed: {type(exc).__name__}: {exc}", note.path, 1, 1,
                     hint="this is a bug in mlnotes; please report it with this note")


def render_batch(batch: list[tuple[Note, str]], config: Config, engine: MathEngine,
                 cache: Cache) -> list[Outcome]:
    """Render notes in order, pipelined: while KaTeX renders one note's formulas, the next note is parsed."""
    results: list[Outcome] = []
    pending: tuple[Note, str, Prepared, Ticket] | None = None

    def finish(note: Note, key: str, prep: Prepared, ticket: Ticket) -> None:
        outcome = _guarded(lambda: finish_note(prep, engine.collect(ticket, store=False)), note)
        if not isinstance(outcome, RenderedNote):
            results.append((note.path, outcome, None))
            return
        # Keyed for this renderer: cache only what it made (not a math-core fallback under a KaTeX key).
        # The formulas it rendered are indexed into the body, which holds their HTML already.
        rendered = {k: ticket.fresh[k] for k in ticket.todo} if ticket.fresh else {}
        stored = engine.version == ticket.version and notecache.put(cache, key, outcome, rendered, ticket.keys)
        results.append((note.path, outcome.info, None if stored else outcome.body))

    for note, key in batch:
        prep = _guarded(prepare_note, note, note, config, cache)
        ticket = engine.submit(prep.requests, prep.macros) if isinstance(prep, Prepared) else None
        if pending is not None:
            finish(*pending)
            pending = None
        if isinstance(prep, Problem) or ticket is None:
            results.append((note.path, prep, None))
        else:
            pending = (note, key, prep, ticket)
    if pending is not None:
        finish(*pending)
    return results


class _Worker:
    """Per process: a cache connection and a math engine, opened once."""

    config: Config | None = None
    cache: Cache | None = None
    engine: MathEngine | None = None

    @classmethod
    def start(cls, config: Config, lookups: bool) -> None:
        start_pool_process()
        cls.config = config
        cls.cache = Cache(config.root / CACHE_DIR)
        cls.engine = MathEngine(config.root, config.math_macros, cls.cache)
        cls.engine.set_lookups(lookups)

    @classmethod
    def render(cls, batch: list[tuple[Note, str]]) -> tuple[list[Outcome], int]:
        assert cls.config and cls.cache and cls.engine
        before = cls.engine.rendered
        return render_batch(batch, cls.config, cls.engine, cls.cache), cls.engine.rendered - before


@dataclass
class RenderMemo:
    """What a long-lived process (serve) keeps between renders: per note path, the Note it rendered
    (the very object: `load_content` hands back the same one for an unchanged file), its key, its
    info and, when the cache could not take it, its body."""
    engine_version: str = ""
    notes: dict[str, tuple[Note, str, NoteInfo, NoteBody | None]] = field(default_factory=dict)


def render_all(notes: list[Note], config: Config, cache: Cache, engine: MathEngine, jobs: int,
               progress: Callable[[str, int, int], None] | None = None, memo: RenderMemo | None = None) -> RenderOutcome:
    result = RenderOutcome()
    if memo is not None and memo.engine_version != engine.version:
        memo.notes, memo.engine_version = {}, engine.version
    keys: dict[str, str] = {}
    todo: list[tuple[Note, str]] = []
    lookup: list[Note] = []
    for note in notes:
        known = memo.notes.get(note.path) if memo is not None else None
        if known is not None and known[0] is note:
            keys[note.path], result.infos[note.path] = known[1], known[2]
            if known[3] is not None:
                result.bodies[note.path] = known[3]
        else:
            keys[note.path] = notecache.note_key(note, config, engine.version)
            lookup.append(note)
    result.keys = keys
    found = notecache.get_infos(cache, [keys[n.path] for n in lookup])
    for note in lookup:
        cached = found.get(keys[note.path])
        if cached is not None:
            result.infos[note.path] = cached
        else:
            todo.append((note, keys[note.path]))
    result.stats.cached = len(notes) - len(todo)
    result.stats.rendered = len(todo)
    # A cache without formulas (a cold build) is not asked for each one.
    lookups = not todo or cache.holds(mathcache.INDEX)

    outcomes: list[Outcome] = []
    if len(todo) < POOL_THRESHOLD or jobs <= 1:
        before = engine.rendered
        engine.set_lookups(lookups)
        try:
            outcomes = render_batch(todo, config, engine, cache)
        finally:
            engine.set_lookups(True)
        result.stats.formulas = engine.rendered - before
        if progress and todo:
            progress("rendering", len(todo), len(todo))
    else:
        batches = [todo[start:end] for start, end in shrinking_ranges(len(todo), jobs, most=16, least=2)]
        # fork only from a process with one thread (serve has several): spawn otherwise
        context = multiprocessing.get_context("fork" if threading.active_count() == 1 else "spawn")
        with ProcessPoolExecutor(max_workers=jobs, initializer=_Worker.start, initargs=(config, lookups),
                                 mp_context=context) as pool:
            for batch_results, formulas in pool.map(_Worker.render, batches):
                outcomes.extend(batch_results)
                result.stats.formulas += formulas
                if progress:
                    progress("rendering", len(outcomes), len(todo))
    for path, outcome, body in outcomes:
        if isinstance(outcome, Problem):
            result.problems.append(outcome)
            continue
        result.infos[path] = outcome
        if body is not None:
            result.bodies[path] = body
    if memo is not None:
        memo.notes = {note.path: (note, keys[note.path], result.infos[note.path], result.bodies.get(note.path))
                      for note in notes if note.path in result.infos}
    if result.stats.formulas and engine.unavailable is None and not engine.uses_katex:
        result.stats.math_unavailable = "KaTeX could not run"
    result.stats.math_unavailable = result.stats.math_unavailable or engine.unavailable
    return result


def default_jobs() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))
