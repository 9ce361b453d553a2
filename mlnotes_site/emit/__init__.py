"""Emitters: each turns the indexed site into Outputs; none writes files.

A page is described before it is made: its path, and a fingerprint of everything its bytes depend
on. The writer reuses the previous build's file when the fingerprint is the same, and calls `make`
only for the rest, so an unchanged site renders no template and reads no note body.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from collections.abc import Callable


@dataclass(frozen=True)
class Output:
    path: str  # file path inside the output folder, forward slashes: "en/diffusion/ddim/index.html"
    data: bytes | None = None
    copy_from: Path | None = None  # a file copied as it is (assets), instead of data
    origin: str = ""  # the source that asked for it, for problems such as two sources for one URL
    fingerprint: str | None = None  # digest of the inputs of `make`
    make: Callable[[], bytes] | None = None  # the bytes, made only when needed
    # copy_from is a file nobody changes once written (a finished search index in the cache): the
    # writer hard-links it instead of copying (one call instead of a read and a write per file), and
    # knows it by its path alone (no stat: its folder is named by the digest of what it was made from)
    linkable: bool = False

    def content(self) -> bytes:
        if self.data is not None:
            return self.data
        return self.make() if self.make is not None else b""
