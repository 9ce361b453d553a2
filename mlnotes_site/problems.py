"""Problems: what is wrong with the input, collected as values and printed gcc-style."""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from enum import StrEnum

# Control characters (a line break above all) and bidi overrides from a note would let a crafted value
# print a line of its own, such as a fake "file:line: error" for an editor to jump to, or reorder one.
_UNPRINTABLE_RE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """Text on one line with its control characters written as escapes (\\n, \\x1b, \\u202e)."""
    return _UNPRINTABLE_RE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"  # worth knowing, never a failure (not even with --strict)


@dataclass(frozen=True)
class Problem:
    severity: Severity
    code: str  # stable, e.g. "front-matter/yaml", "link/broken"
    message: str
    path: str = ""  # relative to the site root, with forward slashes
    line: int = 0  # 1-based; 0 when the whole file is meant
    column: int = 0
    hint: str = ""
    snippet: str = ""  # the source line with a caret under the spot, when there is one
    cell: int = 0  # 1-based notebook cell (then `line` counts within the cell's source), 0 otherwise

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def format(self) -> str:
        where = printable(self.path or "<site>")
        if self.cell:
            where += f":cell {self.cell}"
        if self.line:
            where += f":{self.line}:{max(self.column, 1)}"
        text = f"{where}: {self.severity.value}[{self.code}]: {printable(self.message)}"
        if self.snippet:  # its own lines (the source line, the caret under it), each made printable
            text += "\n" + "\n".join(printable(line) for line in self.snippet.split("\n"))
        if self.hint:
            text += f"\n  hint: {printable(self.hint)}"
        return text

    def sort_key(self) -> tuple[str, int, int, int, str, str]:
        return (self.path, self.cell, self.line, self.column, self.code, self.message)


def error(code: str, message: str, path: str = "", line: int = 0, column: int = 0, hint: str = "",
          snippet: str = "", cell: int = 0) -> Problem:
    return Problem(Severity.ERROR, code, message, path, line, column, hint, snippet, cell)


def warning(code: str, message: str, path: str = "", line: int = 0, column: int = 0, hint: str = "",
            snippet: str = "", cell: int = 0) -> Problem:
    return Problem(Severity.WARNING, code, message, path, line, column, hint, snippet, cell)


def note(code: str, message: str, path: str = "", line: int = 0, column: int = 0, hint: str = "",
         cell: int = 0) -> Problem:
    return Problem(Severity.NOTE, code, message, path, line, column, hint, cell=cell)


def escalate(problems: list[Problem], strict: bool) -> list[Problem]:
    """With --strict, warnings count as errors (notes stay notes)."""
    if not strict:
        return problems
    return [dataclasses.replace(p, severity=Severity.ERROR) if p.severity is Severity.WARNING else p
            for p in problems]


def has_errors(problems: list[Problem]) -> bool:
    return any(p.is_error for p in problems)
