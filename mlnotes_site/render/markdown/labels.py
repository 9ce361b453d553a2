"""Link labels found once: markdown-it's `parseLinkLabel` with a memo, so that `[[a]` repeated (or any run
of unclosed brackets) does not walk the rest of the paragraph again from every `[`.

markdown-it-py's own search (helpers/parse_link_label.py) walks from the `[` token by token, counting the
brackets that are text, until the one that closes it. Every `[` asks again, and the link, image and
reference rules ask for the same brackets, so a paragraph of `[[a]` walks ~20 brackets per bracket (its
`maxNesting` is what stops it): over 1 s per 100 KB in markdown-it-py alone.

The walk here is the same walk, step for step, with one addition: when a text `[` opens a nested level,
where that level closes (or that it never does) is remembered by the position after the `[`. A later walk
reaching that `[` jumps to its close. That is exact, not a heuristic: the walk already made went through
markdown-it's `skipToken`, which caches where each token it skipped ends (and never changes an entry), so
a second walk over the same stretch would only read that cache — no rule runs, nothing changes — and
would reach the same place. The rules that run (uncached `skipToken` steps) run at the same positions, in
the same order and at the same nesting level as in markdown-it's walk, so the tokens are the same.
tests/test_hostile_scans.py holds it to markdown-it-py's own search on bracket-heavy text.
"""
from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from markdown_it import MarkdownIt
from markdown_it import helpers as standard_helpers
from markdown_it.rules_inline import StateInline
from markdown_it.rules_inline.image import image as standard_image
from markdown_it.rules_inline.link import link as standard_link

from mlnotes_site.render.markdown import scan

_NESTED = -2  # a walk that met a `[` skipped as a token (a link) before its close: enough for disableNested


class _Closes:
    """Per inline state and `posMax` (a link's text is parsed with a smaller one): the position after a
    text `[` -> where its level closes (the `]`), -1 if it never does before `posMax`, and whether a `[`
    skipped as a token (a nested link) comes first."""

    def __init__(self) -> None:
        self.close: dict[int, int] = {}
        self.nested: set[int] = set()


def parse_link_label(state: StateInline, start: int, disableNested: bool = False) -> int:  # noqa: N803 (markdown-it's name)
    """As markdown-it's `parseLinkLabel(state, start, disableNested)`: the position of the `]` that closes
    the `[` at `start`, or -1."""
    closes: _Closes = scan.memo(state, f"labels:{state.posMax}", _Closes)
    old_pos = state.pos
    try:
        return _walk(state, start + 1, disableNested, closes)
    finally:
        state.pos = old_pos


def _walk(state: StateInline, first: int, disable_nested: bool, closes: _Closes) -> int:
    src, end, cache = state.src, state.posMax, state.cache
    close, nested = closes.close, closes.nested
    skip = state.md.inline.skipToken
    # the levels open now: the position after each one's `[`, and how many nested links had been met when
    # it opened (a level has met one before its close when the count grew since)
    levels: list[tuple[int, int]] = []
    met = 0

    def open_level(at: int) -> int:
        """Open the level starting at `at`, or jump over it when known: the position to go on from (after
        the level's `]`), -1 when the level never closes, _NESTED when disable_nested stops the walk."""
        nonlocal met
        if at in close:
            if at in nested:
                if disable_nested:
                    return _NESTED
                met += 1
            shut = close[at]
            if shut < 0:
                return -1
            return _step(shut)
        if disable_nested and at in nested:
            return _NESTED
        levels.append((at, met))
        return at

    def _step(pos: int) -> int:
        """Skip the token at `pos` as markdown-it's walk does: from its cache, or by asking the rules."""
        if pos in cache:
            return cache[pos]
        state.pos = pos
        skip(state)
        return state.pos

    if first in close:  # this very label was found (or not) before
        return -1 if disable_nested and first in nested else close[first]
    if disable_nested and first in nested:
        return -1
    levels.append((first, 0))
    pos = first
    while 0 <= pos < end:
        marker = src[pos]
        if marker == "]":
            at, met_then = levels.pop()
            close[at] = pos
            if met > met_then:
                nested.add(at)
            if not levels:
                return pos
        after = _step(pos)
        if marker == "[":
            if after == pos + 1:  # a `[` that is text opens a level
                pos = open_level(after)
                continue
            if disable_nested:  # a link inside the label: no link (CommonMark)
                for at, _ in levels:  # each open level meets it before its close
                    nested.add(at)
                return -1
            met += 1
        pos = after
    if pos == _NESTED:
        for at, _ in levels:
            nested.add(at)
        return -1
    for at, met_then in levels:  # the end of the text: none of the open levels closes
        close[at] = -1
        if met > met_then:
            nested.add(at)
    return -1


def cannot_link(state: StateInline) -> bool:
    """No link or image can start at `state.pos`, and asking the rule would change nothing: no reference
    is defined (so only an inline link, `[text](…)`, could be one), no `](` stands between here and the
    end, and no `^[` (an inline footnote) is in the text. The footnote's own label search reads
    `skipToken`'s cache, which label searches for links fill in; without it, every label search a link
    rule would make is for a link that cannot be, and nothing else reads that cache. The paragraph of
    `[[a]` then costs one lookup per bracket instead of a label search."""
    if state.env.get("references"):
        return False
    found: dict[int, int] = scan.memo(state, "last-link-close", dict)  # posMax -> where the last "](" is
    last = found.get(state.posMax)
    if last is None:
        last = found[state.posMax] = state.src.rfind("](", 0, state.posMax)
        if "^[" in state.src:
            last = found[state.posMax] = state.posMax
    return last < state.pos


def _unless_cannot_link(rule: Any) -> Any:
    def fast(state: StateInline, silent: bool) -> bool:
        return False if cannot_link(state) else bool(rule(state, silent))
    return fast


def labels_plugin(md: MarkdownIt) -> None:
    # this instance only: markdown-it's helpers are a module, shared with every other instance
    helpers: Any = SimpleNamespace(**{name: getattr(standard_helpers, name) for name in standard_helpers.__all__})
    helpers.parseLinkLabel = parse_link_label
    md.helpers = helpers
    md.inline.ruler.at("link", _unless_cannot_link(standard_link))
    md.inline.ruler.at("image", _unless_cannot_link(standard_image))
