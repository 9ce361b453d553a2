"""Pools of processes: how a pool process starts, and how work is cut into tasks for them."""
from __future__ import annotations

import ctypes
import gc
import multiprocessing
import os
import signal
import sys

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def die_with_parent() -> None:
    """Ask Linux to kill this process when its parent dies (kill -9 included), so a killed build leaves
    no render or writer process behind (each holds a KaTeX worker whose stdin then closes, and node
    exits). Elsewhere a no-op: pool processes there stop with their pool."""
    if not sys.platform.startswith("linux"):
        return
    parent = multiprocessing.parent_process()
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        return
    if parent is not None and os.getppid() != parent.pid:
        os._exit(1)  # the parent died before the request above: nobody is left to kill us


def start_pool_process() -> None:
    """First thing in a pool process. Ctrl-C and SIGTERM are the main process's to handle (pool
    processes just stop with the pool), and what the process inherited lives as long as it does,
    so it is kept out of every garbage collection (they scanned the whole site model again and again)."""
    die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    gc.freeze()


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
