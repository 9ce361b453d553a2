"""How work is cut into tasks for a pool of processes."""
from __future__ import annotations


def shrinking_ranges(count: int, jobs: int, most: int, least: int = 1) -> list[tuple[int, int]]:
    """(start, end) ranges covering `count` items in order, large first and smaller towards the end
    (each about a quarter of what is left per process, between `least` and `most`): few tasks to
    hand out, and no process left alone with a large last task while the others wait."""
    ranges: list[tuple[int, int]] = []
    start = 0
    while start < count:
        size = max(least, min(most, (count - start) // (4 * max(1, jobs))))
        ranges.append((start, min(count, start + size)))
        start += size
    return ranges
