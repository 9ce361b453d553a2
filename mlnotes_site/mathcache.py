"""Rendered formulas in the on-disk cache, keyed by formula (TeX, display mode, macros, renderer).

A note's newly rendered formulas are stored a few together: one compressed entry holds each batch,
and each formula gets a small uncompressed row naming its batch and place. Compressing several
formulas at once is much cheaper than one by one (and compresses better), which matters on a cold
build, where every formula is new.
"""
from __future__ import annotations

import hashlib
import json
from typing import Any

from .cache import Cache, pack_strings, unpack_some

INDEX = "math"  # formula key -> "batch key:position"
BATCH = "mathbatch"  # batch key -> packed outcomes
# Formulas to a batch: enough to compress well and cheaply (one call per batch, not per formula),
# few enough that a formula found in another note's batch costs little to decompress.
BATCH_SIZE = 8

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


def put(cache: Cache, outcomes: dict[str, Outcome]) -> bool:
    """Store newly rendered formulas, a few to a batch; False when the cache is unusable."""
    keys = list(outcomes)
    entries: list[tuple[str, str, bytes]] = []
    for start in range(0, len(keys), BATCH_SIZE):
        chunk = keys[start:start + BATCH_SIZE]
        batch = hashlib.sha256("\n".join(chunk).encode("ascii")).hexdigest()
        entries.append((BATCH, batch, pack_strings([_encode(outcomes[k]) for k in chunk])))
        entries += [(INDEX, key, f"{batch}:{i}".encode("ascii")) for i, key in enumerate(chunk)]
    return cache.put_raw(entries, uncompressed=frozenset({INDEX})) if entries else True


def get(cache: Cache, keys: list[str]) -> dict[str, Outcome]:
    """The stored outcome of each formula key found; a missing or damaged entry is a miss."""
    wanted: dict[str, list[tuple[str, int]]] = {}
    for key, ref in cache.get_raw(INDEX, keys, compressed=False).items():
        batch, _, position = ref.decode("ascii", "replace").partition(":")
        if position.isdigit():
            wanted.setdefault(batch, []).append((key, int(position)))
    found: dict[str, Outcome] = {}
    for batch, value in cache.get_raw(BATCH, list(wanted)).items():
        strings = unpack_some(value, [position for _, position in wanted[batch]])
        if strings is None:
            continue
        for key, position in wanted[batch]:
            outcome = _decode(strings[position]) if position in strings else None
            if outcome is not None:
                found[key] = outcome
    return found
