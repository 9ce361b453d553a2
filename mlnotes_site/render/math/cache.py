"""Rendered formulas in the on-disk cache, keyed by formula (TeX, display mode, macros, renderer).

Each formula has a small uncompressed index row. Most formulas are rendered for a note, whose cached
body already holds each formula's page HTML: the row points into that body (which is compressed
anyway) instead of storing the HTML a second time, so a cold build compresses and writes every
formula once. A failed formula's row holds its outcome (message and position) itself. Formulas
rendered outside a note (topic descriptions) are stored a few together in a compressed batch.
"""
from __future__ import annotations

import hashlib
import json
from typing import Any
from collections.abc import Sequence

from mlnotes_site.cache import Cache, pack_strings, unpack_some

INDEX = "math"  # formula key -> where its outcome is (see "Index rows" below)
BATCH = "mathbatch"  # batch key -> packed outcomes
NOTE_BODY = "notebody"  # note body key -> packed [html, page HTML of each formula] (see notecache)
# Formulas to a batch: enough to compress well and cheaply (one call per batch, not per formula),
# few enough that a formula found in another note's batch costs little to decompress.
BATCH_SIZE = 8
_BLOCK_OPEN = '<div class="math-block"'
_BLOCK_CLOSE = "</div>"

Outcome = list[Any]  # [True, html] or [False, message, position, length]


def _encode(outcome: Outcome) -> str:
    return "1" + str(outcome[1]) if outcome[0] else "0" + json.dumps(outcome[1:], ensure_ascii=False)


def _decode(text: str) -> Outcome | None:
    if text[:1] == "1":
        return [True, text[1:]]
    try:
        message, position, length = json.loads(text[1:])
        return [False, str(message), int(position), int(length)]
    except (ValueError, TypeError):
        return None


# Index rows: "b:BATCH:I" (I-th outcome of a batch), "n:BODY:I:W" (the page HTML of formula I of a
# note body, W=1 when it is wrapped in a math-block div), "e" + the encoded failed outcome.


def put(cache: Cache, outcomes: dict[str, Outcome]) -> bool:
    """Store formulas rendered outside a note, a few to a batch; False when the cache is unusable."""
    keys = list(outcomes)
    entries: list[tuple[str, str, bytes]] = []
    for start in range(0, len(keys), BATCH_SIZE):
        chunk = keys[start:start + BATCH_SIZE]
        batch = hashlib.sha256("\n".join(chunk).encode("ascii")).hexdigest()
        entries.append((BATCH, batch, pack_strings([_encode(outcomes[k]) for k in chunk])))
        entries += [(INDEX, key, f"b:{batch}:{i}".encode("ascii")) for i, key in enumerate(chunk)]
    return cache.put_raw(entries, uncompressed=frozenset({INDEX})) if entries else True


def body_rows(body_key: str, outcomes: dict[str, Outcome], keys: Sequence[str],
              page: Sequence[str]) -> list[tuple[str, str, bytes]]:
    """Index rows for formulas rendered for a note, to be stored with its body (`NOTE_BODY`,
    `body_key`): `keys` and `page` are the key and page HTML of each of the note's formulas."""
    where: dict[str, int] = {}
    for mid, key in enumerate(keys):
        where.setdefault(key, mid)
    rows = []
    for key, outcome in outcomes.items():
        found = where.get(key)
        if found is None:
            continue
        mid = found
        if not outcome[0]:
            value = "e" + _encode(outcome)
        else:
            html, shown = str(outcome[1]), page[mid]
            if shown == html:
                value = f"n:{body_key}:{mid}:0"
            elif _unwrap(shown, True) == html:
                value = f"n:{body_key}:{mid}:1"
            else:
                continue  # shown some other way: not found again (rendered again if needed)
        rows.append((INDEX, key, value.encode("utf-8")))
    return rows


def block_html(html: str, ident: str = "") -> str:
    """How a page shows a display formula's HTML (`ident`: its id attribute, or "")."""
    return f"{_BLOCK_OPEN}{ident}>{html}{_BLOCK_CLOSE}"


def _unwrap(shown: str, wrapped: bool) -> str | None:
    """The formula's HTML inside what a page shows (`block_html` when `wrapped`)."""
    if not wrapped:
        return shown
    start = shown.find(">")
    if not shown.startswith(_BLOCK_OPEN) or start < 0 or not shown.endswith(_BLOCK_CLOSE):
        return None
    return shown[start + 1:-len(_BLOCK_CLOSE)]


def get(cache: Cache, keys: list[str]) -> dict[str, Outcome]:
    """The stored outcome of each formula key found; a missing or damaged entry is a miss."""
    found: dict[str, Outcome] = {}
    in_batches: dict[str, list[tuple[str, int]]] = {}
    in_bodies: dict[str, list[tuple[str, int, bool]]] = {}
    for key, ref in cache.get_raw(INDEX, keys, compressed=False).items():
        text = ref.decode("utf-8", "replace")
        if text[:1] == "e":
            outcome = _decode(text[1:])
            if outcome is not None and not outcome[0]:
                found[key] = outcome
            continue
        parts = text.split(":")
        if len(parts) == 3 and parts[0] == "b" and parts[2].isdigit():
            in_batches.setdefault(parts[1], []).append((key, int(parts[2])))
        elif len(parts) == 4 and parts[0] == "n" and parts[2].isdigit() and parts[3] in ("0", "1"):
            in_bodies.setdefault(parts[1], []).append((key, int(parts[2]), parts[3] == "1"))
    for batch, value in cache.get_raw(BATCH, list(in_batches)).items():
        strings = unpack_some(value, [position for _, position in in_batches[batch]])
        for key, position in in_batches[batch] if strings is not None else []:
            outcome = _decode(strings[position]) if position in strings else None  # type: ignore[index,operator]
            if outcome is not None:
                found[key] = outcome
    for body, value in cache.get_raw(NOTE_BODY, list(in_bodies)).items():
        strings = unpack_some(value, [mid + 1 for _, mid, _ in in_bodies[body]])
        for key, mid, wrapped in in_bodies[body] if strings is not None else []:
            html = _unwrap(strings[mid + 1], wrapped) if mid + 1 in strings else None  # type: ignore[index,operator]
            if html is not None:
                found[key] = [True, html]
    return found
