"""Fenced code blocks seen line by line, for the importers' line-based passes (which leave code alone)."""
from __future__ import annotations

import re

FENCE_RE = re.compile(r"^[ \t]{0,3}(`{3,}|~{3,})")


class Fences:
    """Which lines belong to fenced code: a fence opens with three or more backticks or tildes and
    closes with a line of at least as many of the same, and nothing else (as CommonMark reads it)."""

    def __init__(self) -> None:
        self.open: str | None = None  # the opening marker, while inside a fenced block

    def code(self, line: str) -> bool:
        """Whether `line` is a fence line or inside a fenced block (read lines in order)."""
        match = FENCE_RE.match(line)
        if match:
            marker = match.group(1)
            if self.open is None:
                self.open = marker
            elif marker[0] == self.open[0] and len(marker) >= len(self.open) and not line.strip()[len(marker):].strip():
                self.open = None
            return True
        return self.open is not None
