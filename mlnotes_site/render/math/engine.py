"""One interface for the programs that turn TeX into HTML (KaTeX, math-core), and the engine a build
renders formulas through: cache first, then the best renderer that runs, the fallback when it fails.

As in Zola's `MathCompiler`, the rest of the code sees one engine and never which renderer it holds.
"""
from __future__ import annotations

import hashlib
import json
from abc import ABC, abstractmethod
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Mapping, Sequence

from mlnotes_site.cache import Cache
from mlnotes_site.render.math import cache as mathcache
from mlnotes_site.render.math import mathjax
from mlnotes_site.render.math.cache import Outcome

Item = tuple[str, bool]  # (TeX, display mode)
RECENT_FORMULAS = 2048  # outcomes kept in memory per engine (KaTeX HTML is ~4 kB a formula)
# What a renderer that stops working raises (a dead process, a broken pipe, garbled replies).
RENDERER_ERRORS = (OSError, RuntimeError, ValueError)


@dataclass(frozen=True)
class MathResult:
    html: str  # what a page shows: KaTeX HTML+MathML (feeds take its MathML), or "" on error
    error: str | None = None
    position: int = -1  # offset of the error inside the TeX, -1 if unknown
    length: int = 0


class MathRenderer(ABC):
    """Renders batches of formulas, each into an outcome: `[True, html]` or `[False, message,
    position, length]`. Batches are sent and received in order, so a renderer running in another
    process can work on one batch while the caller prepares the next."""

    version: str  # names the renderer (and its version) in cache keys: outcomes of two never mix

    @abstractmethod
    def send(self, items: Sequence[Item], macros: Mapping[str, str]) -> None:
        """Queue a batch; raises one of RENDERER_ERRORS when the renderer cannot run."""

    @abstractmethod
    def receive(self) -> list[Outcome]:
        """The outcomes of the oldest batch not received yet, one per item."""

    def render(self, items: Sequence[Item], macros: Mapping[str, str]) -> list[Outcome]:
        self.send(items, macros)
        return self.receive()

    def start(self) -> None:
        """Get ready now rather than at the first batch (a renderer that takes time to start)."""

    def detach(self) -> None:
        """In a forked process: forget what belongs to the parent (its processes, its queue)."""

    def close(self) -> None:
        """Release what the renderer holds."""


def choose_renderer(site_root: Path) -> tuple[MathRenderer, Path | None, str | None]:
    """KaTeX when it can run, else math-core: (the renderer, the KaTeX package, why not KaTeX)."""
    from mlnotes_site.render.math.fallback import MathCoreRenderer
    from mlnotes_site.render.math.katex import KatexRenderer, find_katex, find_node

    katex_dir = find_katex(site_root)
    node = find_node()
    if katex_dir is None:
        return MathCoreRenderer(), None, "the npm package katex is not installed"
    if node is None:
        return MathCoreRenderer(), katex_dir, "no node executable was found"
    return KatexRenderer(node, katex_dir), katex_dir, None


@dataclass
class Ticket:
    keys: list[str]
    cached: dict[str, Outcome]
    todo: list[str]  # keys to render, in the order sent
    items: list[Item]
    macros: dict[str, str]
    version: str  # the renderer the keys were made for
    sent_to: MathRenderer | None = None  # the renderer rendering `items`, if they were sent
    borrowed: dict[str, Ticket] = field(default_factory=dict)  # keys an earlier ticket sent
    fresh: dict[str, Outcome] | None = None  # what this ticket's renderer returned, once collected


class MathEngine:
    """Renders formulas for a whole build: cache first, then KaTeX, else math-core."""

    def __init__(self, site_root: Path, macros: Mapping[str, str], cache: Cache) -> None:
        from mlnotes_site.render.math.fallback import MathCoreRenderer

        self.macros = {**mathjax.MACROS, **macros}  # MathJax's habits first; the site's own win
        self.cache = cache
        self.renderer, self.katex_dir, self.unavailable = choose_renderer(site_root)
        # renders what the chosen renderer could not (it stopped, or it is the fallback itself)
        self.fallback: MathRenderer = MathCoreRenderer()
        self.version = self.renderer.version
        self.rendered = 0  # formulas sent to a renderer (cache misses)
        # Formulas repeat across notes: the latest outcomes are kept at hand, and a formula already
        # sent for an earlier ticket that is not collected yet is not sent again.
        self._recent: OrderedDict[str, Outcome] = OrderedDict()
        self._inflight: dict[str, Ticket] = {}
        # False while the cache is known to have held no formulas when this build began (a cold
        # build): then it is asked only for formulas this engine rendered itself since (those it
        # no longer keeps in memory), not for every formula of every note.
        self.lookups = True
        self._mine: set[str] = set()  # a prefix of the key of each formula this engine rendered

    @property
    def uses_katex(self) -> bool:
        return self.unavailable is None

    def _keys(self, items: list[Item], macros: Mapping[str, str]) -> list[str]:
        """Each formula's cache key: the digest of JSON `[renderer, display, macros, tex]` (the
        macros are encoded once for all the items)."""
        heads = {d: json.dumps([self.version, d, sorted(macros.items())], ensure_ascii=False)[:-1] + ", "
                 for d in (False, True)}
        dumps, sha256 = json.dumps, hashlib.sha256
        return [sha256((heads[bool(display)] + dumps(tex, ensure_ascii=False) + "]").encode("utf-8")).hexdigest()
                for tex, display in items]

    def set_lookups(self, lookups: bool) -> None:
        """Whether the cache may hold formulas this engine did not render (see `lookups`)."""
        self.lookups, self._mine = lookups, set()

    def render(self, items: list[Item], extra_macros: Mapping[str, str] | None = None) -> list[MathResult]:
        return self.collect(self.submit(items, extra_macros))

    def submit(self, items: list[Item], extra_macros: Mapping[str, str] | None = None) -> Ticket:
        """Look formulas up in the cache and send the rest to the renderer without waiting for it;
        `collect` the tickets in the order they were submitted. `extra_macros`: the note's own."""
        macros = {**self.macros, **(extra_macros or {})}
        keys = self._keys(items, macros)
        unique = list(dict.fromkeys(keys))
        cached = {k: self._recent[k] for k in unique if k in self._recent}
        borrowed = {k: self._inflight[k] for k in unique if k not in cached and k in self._inflight}
        rest = [k for k in unique if k not in cached and k not in borrowed]
        asked = rest if self.lookups else [k for k in rest if k[:16] in self._mine]
        if asked:
            cached.update(mathcache.get(self.cache, asked))
        todo = [k for k in rest if k not in cached]
        first = {key: item for key, item in zip(keys, items)} if todo else {}
        ticket = Ticket(keys, cached, todo, [first[k] for k in todo], macros, self.version, borrowed=borrowed)
        self._inflight.update((k, ticket) for k in todo)
        if todo:
            renderer = self.renderer
            try:
                renderer.send(ticket.items, macros)
                ticket.sent_to = renderer
            except RENDERER_ERRORS as exc:
                self._give_up(exc)
        return ticket

    def collect(self, ticket: Ticket, store: bool = True) -> list[MathResult]:
        """The ticket's results. Newly rendered formulas go into the cache unless `store` is False:
        then the caller stores them with the note body that shows them (`mathcache.body_rows`)."""
        fresh: dict[str, Outcome] = {}
        if ticket.todo:
            outcomes: list[Outcome] | None = None
            if ticket.sent_to is not None and ticket.sent_to is self.renderer:
                try:
                    outcomes = self.renderer.receive()
                except RENDERER_ERRORS as exc:
                    self._give_up(exc)
            if outcomes is None:  # never sent, or sent to a renderer that stopped since
                outcomes = self.fallback.render(ticket.items, ticket.macros)
            fresh = dict(zip(ticket.todo, outcomes))
            if store and ticket.version == self.version:  # never file math-core output under a KaTeX key
                mathcache.put(self.cache, fresh)
            self.rendered += len(ticket.todo)
            if not self.lookups:
                self._mine.update(key[:16] for key in ticket.todo)
            for key in ticket.todo:
                if self._inflight.get(key) is ticket:
                    del self._inflight[key]
        ticket.fresh = fresh
        for key, earlier in ticket.borrowed.items():
            if earlier.fresh is None:
                raise RuntimeError("math tickets must be collected in the order they were submitted")
            fresh[key] = earlier.fresh[key]
        results = []
        for key in ticket.keys:
            entry = ticket.cached.get(key) or fresh[key]
            self._remember(key, entry)
            if entry[0]:
                results.append(MathResult(str(entry[1])))
            else:
                results.append(MathResult("", str(entry[1]), int(entry[2]), int(entry[3])))
        return results

    def _remember(self, key: str, entry: Outcome) -> None:
        recent = self._recent
        if key in recent:
            recent.move_to_end(key)
            return
        recent[key] = entry
        if len(recent) > RECENT_FORMULAS:
            recent.popitem(last=False)

    def warm_up(self) -> None:
        """Start the renderer now (node and KaTeX take ~0.2 s to load), so that the first formula
        a writer adds in `serve` does not wait for it."""
        try:
            self.renderer.start()
        except RENDERER_ERRORS as exc:
            self._give_up(exc)

    def forget_worker(self, cache: Cache) -> None:
        """In a forked process: the parent's renderer process and cache connection are not ours to use."""
        self.renderer.detach()
        self.fallback.detach()
        self._inflight = {}
        self.cache = cache

    def _give_up(self, exc: Exception) -> None:
        """The renderer stopped working: the fallback renders the rest of the build."""
        if self.renderer is self.fallback:
            return  # (math-core reports each formula's failure as its outcome; it does not stop)
        self.unavailable = f"KaTeX could not run ({exc})"
        self.renderer.close()
        self.renderer = self.fallback
        self.version = self.fallback.version

    def close(self) -> None:
        self.renderer.close()
        self.fallback.close()
