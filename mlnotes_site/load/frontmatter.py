"""Front matter: read a note file, split its YAML (or TOML) front matter from the body, and read
typed values from it, each failure a problem at the key's line."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

from mlnotes_site.dates import parse_date
from mlnotes_site.load.tomlfile import load_toml
from mlnotes_site.yamlfile import load_yaml
from mlnotes_site.problems import Problem, error, warning

_FENCE_RE = re.compile(r"^(---|\+\+\+)[ \t]*$")  # YAML, or TOML as Hugo writes it
_END_RE = {"---": re.compile(r"^(---|\.\.\.)[ \t]*$"), "+++": re.compile(r"^\+\+\+[ \t]*$")}
_CONTROL_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f]")
_YAML_ESCAPES = {0x07: "\\a", 0x08: "\\b", 0x09: "\\t", 0x0a: "\\n", 0x0b: "\\v", 0x0c: "\\f", 0x0d: "\\r",
                 0x1b: "\\e", 0x00: "\\0"}


@dataclass(frozen=True)
class SourceText:
    text: str
    front: dict[str, Any]
    key_lines: dict[str, int]  # 0-based file line of each front matter key
    body: str
    body_line: int
    has_front_matter: bool


def decode(data: bytes) -> str | Problem:
    """UTF-8 text with newlines normalized, or a problem saying where the bad byte is."""
    if b"\x00" in data[:8192]:
        return error("content/binary", "this file is binary, not Markdown text",
                     hint="rename it so it does not end in .md, or remove it")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        return error("content/encoding", f"invalid UTF-8 at byte offset {exc.start} (byte 0x{data[exc.start]:02x})",
                     line=line, column=column, hint="save the file as UTF-8")
    if text.startswith("\ufeff"):
        text = text[1:]
    return text.replace("\r\n", "\n").replace("\r", "\n")


def split_front_matter(text: str, path: str) -> tuple[SourceText | None, list[Problem]]:
    problems: list[Problem] = []
    lines = text.split("\n")
    start = 0
    while start < len(lines) and not lines[start].strip():
        start += 1
    if start >= len(lines) or not _FENCE_RE.match(lines[start]):
        return SourceText(text, {}, {}, text, 0, False), problems
    fence = lines[start].strip()
    if start > 0:
        problems.append(warning("front-matter/leading-blank", "blank lines before the front matter",
                                path, 1, 1, hint=f"start the file with the '{fence}' line"))
    end = next((i for i in range(start + 1, len(lines)) if _END_RE[fence].match(lines[i])), None)
    if end is None:
        problems.append(error("front-matter/unclosed", f"front matter opened with '{fence}' is never closed",
                              path, start + 1, 1, hint=f"add a line '{fence}' after the last front matter key"))
        return None, problems
    front_text = "\n".join(lines[start + 1:end])
    doc = load_yaml(front_text) if fence == "---" else load_toml(front_text)
    offset = start + 1
    code, hint = ("front-matter/yaml", "check indentation, quote values that contain ': ' or start with a special "
                  "character") if fence == "---" else ("front-matter/toml", "write each key as key = value, text in "
                                                       "double quotes")
    for issue in doc.issues:
        is_dup = issue.message.startswith("duplicate key")
        problems.append(error("front-matter/duplicate-key" if is_dup else code, issue.message,
                              path, issue.line + offset + 1, issue.column + 1,
                              hint="keep one of the two" if is_dup else hint))
    if doc.data is None and any(not i.message.startswith("duplicate") for i in doc.issues):
        return None, problems
    data = doc.data if doc.data is not None else {}
    if not isinstance(data, dict):
        problems.append(error("front-matter/not-mapping",
                              f"front matter must be a mapping of keys to values, not a {type(data).__name__}",
                              path, offset + 1, 1, hint="write it as 'key: value' lines, e.g. 'title: DDIM'"))
        return None, problems
    front = {str(k): v for k, v in data.items()}
    key_lines = {k: v + offset for k, v in doc.key_lines.items()}
    body = "\n".join(lines[end + 1:])
    return SourceText(text, front, key_lines, body, end + 1, True), problems


def read_source(path: Path, site_path: str) -> tuple[SourceText | None, list[Problem]]:
    """Read, decode and split one Markdown file; problems carry the file's path."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return None, [error("content/read", f"cannot read file: {exc.strerror or exc}", site_path)]
    text = decode(data)
    if isinstance(text, Problem):
        return None, [Problem(text.severity, text.code, text.message, site_path, text.line, text.column, text.hint)]
    return split_front_matter(text, site_path)


def _strings(value: Any) -> list[str] | None:
    """A list of strings; a lone string is accepted (split on commas) as writers often do."""
    if value is None:
        return []
    if isinstance(value, str):
        return [part.strip() for part in re.split(r"[,，]", value) if part.strip()]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return [str(value)]
    if isinstance(value, list) and all(isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in value):
        return [str(v).strip() for v in value if str(v).strip()]
    return None


class FrontMatter:
    """Typed access to front matter values, each failure a problem at the key's line."""

    def __init__(self, source: SourceText, path: str, zone: tzinfo) -> None:
        self.front = source.front
        self.lines = source.key_lines
        self.path = path
        self.zone = zone
        self.problems: list[Problem] = []

    def _line(self, key: str) -> int:
        return self.lines.get(key, 0) + 1 if key in self.lines else 0

    def fail(self, key: str, message: str, hint: str = "", code: str = "front-matter/type") -> None:
        self.problems.append(error(code, message, self.path, self._line(key), 1, hint))

    def warn(self, key: str, message: str, hint: str = "", code: str = "front-matter/type") -> None:
        self.problems.append(warning(code, message, self.path, self._line(key), 1, hint))

    def text(self, key: str) -> str | None:
        value = self.front.get(key)
        if value is None:
            return None
        if isinstance(value, str):
            if _CONTROL_RE.search(value) or ("$" in value and any(c in value for c in "\t\n\r")):
                # In double quotes YAML reads "\alpha" as BEL + "lpha", "\nabla" as a line break + "abla"
                # and so on. Beside a formula those were TeX: they get their backslash back.
                tex = "$" in value
                self.warn(key, f"'{key}' holds a control character that YAML made of a backslash escape "
                          f"in double quotes; {'read as the TeX it was' if tex else 'dropped'}",
                          hint=f"quote the value with single quotes, e.g. {key}: '$\\alpha$-散度'",
                          code="front-matter/control-character")
                value = value.translate(_YAML_ESCAPES) if tex else value
                value = _CONTROL_RE.sub("", value)
            return value.strip() or None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            self.warn(key, f"'{key}' is a number ({value}); it is used as text",
                      hint=f"quote it: {key}: \"{value}\"")
            return str(value)
        self.fail(key, f"'{key}' must be text, got {type(value).__name__}", hint=f"write {key}: some text")
        return None

    def date(self, key: str) -> datetime | None:
        if self.front.get(key) is None:
            return None
        parsed = parse_date(self.front[key], self.zone)
        if isinstance(parsed, str):
            self.fail(key, f"'{key}': {parsed}", hint=f"write {key}: 2025-03-01", code="front-matter/date")
            return None
        return parsed

    def flag(self, key: str, default: bool) -> bool:
        value = self.front.get(key, default)
        if isinstance(value, bool):
            return value
        self.fail(key, f"'{key}' must be true or false, got {value!r}")
        return default

    def integer(self, key: str, default: int) -> int:
        value = self.front.get(key, default)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        self.fail(key, f"'{key}' must be a whole number, got {value!r}")
        return default

    def strings(self, key: str) -> list[str]:
        values = _strings(self.front.get(key))
        if values is None:
            self.fail(key, f"'{key}' must be a list of text values", hint=f"e.g. {key}: [diffusion, 采样]")
            return []
        return values
