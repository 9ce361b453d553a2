"""Shared scanners that keep every rule linear: an opener never searches the rest of the text for its
closer again and again. Each structure is built once per text (one pass) and answers in O(log n);
rules that scan forward remember where no closer exists.

Texts are keyed by identity (a paragraph's source, a block state's source): markdown-it hands every
rule the same string object while it parses one paragraph or one document.
"""
from __future__ import annotations

import re
import threading
from bisect import bisect_left
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")
_SLOTS = 4  # texts remembered per thread: a rule may look at a line while a paragraph is parsed
_local = threading.local()


def per_text(src: str, kind: str, make: Callable[[str], T]) -> T:
    """The structure `make(src)` of one kind, made once per text object."""
    slots: list[tuple[str, dict[str, Any]]] | None = getattr(_local, "slots", None)
    if slots is None:
        slots = _local.slots = []
    made: dict[str, Any] | None = None
    if slots and slots[0][0] is src:  # asked at every opener: the text of the last question, most often
        made = slots[0][1]
    else:
        for i, (text, kept) in enumerate(slots):
            if text is src:
                made = kept
                slots.insert(0, slots.pop(i))
                break
        if made is None:
            made = {}
            slots.insert(0, (src, made))
            del slots[_SLOTS:]
    found = made.get(kind)
    if found is None:
        found = made[kind] = make(src)
    return found  # type: ignore[no-any-return]


class Occurrences:
    """Every place a fixed string starts in a text (overlaps included), or a one-character pattern
    matches (`\\s`, say): `find` answers as str.find (as `pattern.search(...).start()`), or -1."""

    def __init__(self, src: str, needle: str | re.Pattern[str]) -> None:
        if isinstance(needle, re.Pattern):
            self.size, self.starts = 1, [m.start() for m in needle.finditer(src)]
            return
        self.size = len(needle)
        self.starts = []
        at = src.find(needle)
        while at >= 0:
            self.starts.append(at)
            at = src.find(needle, at + 1)

    def find(self, start: int, end: int) -> int:
        i = bisect_left(self.starts, start)
        if i < len(self.starts) and self.starts[i] + self.size <= end:
            return self.starts[i]
        return -1


def search(src: str, pattern: re.Pattern[str], start: int, end: int) -> int:
    """The first match of a one-character pattern in src[start:end], in O(log n) after one pass."""
    return per_text(src, "search:" + pattern.pattern, lambda s: Occurrences(s, pattern)).find(start, end)


def find(src: str, needle: str, start: int, end: int) -> int:
    """`src.find(needle, start, end)` in O(log n) after one pass over the text."""
    return per_text(src, "find:" + needle, lambda s: Occurrences(s, needle)).find(start, end)


class FirstAtMost:
    """Over a list of ints: the first index >= lo whose value is <= bound (a min segment tree)."""

    def __init__(self, values: list[int]) -> None:
        size = 1
        while size < max(1, len(values)):
            size *= 2
        self.size, self.count = size, len(values)
        big = 1 << 62
        tree = [big] * (2 * size)
        tree[size:size + len(values)] = values
        for i in range(size - 1, 0, -1):
            tree[i] = min(tree[2 * i], tree[2 * i + 1])
        self.tree = tree

    def first(self, lo: int, bound: int) -> int:
        """The first index >= lo with value <= bound, or -1: up from leaf `lo` to the first subtree to
        its right holding such a value, then down to its leftmost one (O(log n), no recursion)."""
        if lo >= self.count:
            return -1
        tree, size = self.tree, self.size
        i = lo + size
        while tree[i] > bound:
            while i & 1:  # a right child: its right neighbours are under an ancestor's right sibling
                i >>= 1
            if i == 0:
                return -1
            i += 1
        while i < size:
            i = 2 * i if tree[2 * i] <= bound else 2 * i + 1
        return i - size if i - size < self.count else -1


_BACKTICKS_RE = re.compile(r"`+")


class BacktickRuns:
    """Maximal runs of backticks by length, for code spans: a span closes at the next run of exactly
    as many backticks (CommonMark)."""

    def __init__(self, src: str) -> None:
        self.by_length: dict[int, list[int]] = {}
        for match in _BACKTICKS_RE.finditer(src):
            self.by_length.setdefault(match.end() - match.start(), []).append(match.start())

    def closer(self, length: int, start: int, end: int) -> int:
        starts = self.by_length.get(length, [])
        i = bisect_left(starts, start)
        return starts[i] if i < len(starts) and starts[i] + length <= end else -1


def backtick_runs(src: str) -> BacktickRuns:
    return per_text(src, "backticks", BacktickRuns)


class NoCloser:
    """What a forward scan learnt: scanning from `start` to `end` found no closer, so a later opener
    in the same range need not look again. Kept on the parser state (one per rule and range)."""

    def __init__(self) -> None:
        self.failed_from: dict[int, int] = {}  # end -> the smallest start that found nothing

    def known_absent(self, start: int, end: int) -> bool:
        return start >= self.failed_from.get(end, end + 1)

    def absent(self, start: int, end: int) -> None:
        self.failed_from[end] = min(start, self.failed_from.get(end, start))


def memo(state: Any, name: Hashable, make: Callable[[], T]) -> T:
    """A per-parser-state memo: markdown-it makes one state per paragraph (inline) or per document
    (block), so what a rule learns is forgotten with the text it was learnt on."""
    memos: dict[Hashable, Any] | None = getattr(state, "_mlnotes_scan", None)
    if memos is None:
        memos = state._mlnotes_scan = {}
    made = memos.get(name)
    if made is None:
        made = memos[name] = make()
    return made  # type: ignore[no-any-return]


class NextLine:
    """The next line of a block state for which a test holds, each line tested about once: an answer
    found by scanning from `lo` is the answer for every start in [lo, found]."""

    def __init__(self, test: Callable[[int], bool]) -> None:
        self.test = test
        self.lo, self.found = 0, -1

    def next(self, start: int, end: int) -> int:
        """The first line in [start, end) passing the test, or -1."""
        if not (self.lo <= start <= self.found):
            line = start
            while line < end and not self.test(line):
                line += 1
            self.lo, self.found = start, line
        return self.found if self.found < end else -1


def next_line(state: Any, name: str, start: int, end: int, test: Callable[[int], bool]) -> int:
    """`NextLine` kept on a block state per test and per nesting (a blockquote or a list shifts the
    line starts the test reads, so its answers are kept apart). Asked for every line of a paragraph
    whose lines all look like openers: kept cheap (a tuple key, no string formatting)."""
    memos: dict[Hashable, Any] | None = getattr(state, "_mlnotes_scan", None)
    if memos is None:
        memos = state._mlnotes_scan = {}
    # state.level too: nested blockquotes share parentType and blkIndent but not their line starts
    key = ("line", name, end, state.parentType, state.blkIndent, state.level)
    finder: NextLine | None = memos.get(key)
    if finder is None:
        finder = memos[key] = NextLine(test)
    return finder.next(start, end)
