"""Problems: what is wrong with the input, collected as values and printed gcc-style."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"  # information (reports such as check --translations), never fails a build


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

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def format(self) -> str:
        where = self.path or "<site>"
        if self.line:
            where += f":{self.line}:{max(self.column, 1)}"
        text = f"{where}: {self.severity.value}[{self.code}]: {self.message}"
        if self.snippet:
            text += "\n" + self.snippet
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.path, self.line, self.column, self.code, self.message)


def error(code: str, message: str, path: str = "", line: int = 0, column: int = 0, hint: str = "",
          snippet: str = "") -> Problem:
    return Problem(Severity.ERROR, code, message, path, line, column, hint, snippet)


def warning(code: str, message: str, path: str = "", line: int = 0, column: int = 0, hint: str = "",
            snippet: str = "") -> Problem:
    return Problem(Severity.WARNING, code, message, path, line, column, hint, snippet)


def note(code: str, message: str, path: str = "", line: int = 0, column: int = 0, hint: str = "") -> Problem:
    return Problem(Severity.NOTE, code, message, path, line, column, hint)


def escalate(problems: list[Problem], strict: bool) -> list[Problem]:
    """With --strict, warnings count as errors."""
    if not strict:
        return problems
    return [dataclasses.replace(p, severity=Severity.ERROR) for p in problems]


def has_errors(problems: list[Problem]) -> bool:
    return any(p.is_error for p in problems)
