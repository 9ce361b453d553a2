"""Emitters: each turns the indexed site into Outputs; none writes files."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Output:
    path: str  # file path inside the output folder, forward slashes: "en/diffusion/ddim/index.html"
    data: bytes | None = None
    copy_from: Path | None = None  # a file copied as it is (assets), instead of data
    origin: str = ""  # the source that asked for it, for problems such as two sources for one URL
