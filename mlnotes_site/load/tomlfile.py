"""TOML front matter (`+++` fences, as Hugo writes it), read like the YAML kind: the data, the line
of each top-level key, and the problems with their line and column."""
from __future__ import annotations

import re
import tomllib

from mlnotes_site.yamlfile import YamlDoc, YamlIssue

_AT_RE = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_KEY_RE = re.compile(r"""^\s*("(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_-]+)\s*[.=]""")
_TABLE_RE = re.compile(r"^\s*\[")


def load_toml(text: str) -> YamlDoc:
    doc = YamlDoc()
    try:
        doc.data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        at = _AT_RE.search(message)
        line, column = (int(at.group(1)) - 1, int(at.group(2)) - 1) if at else (0, 0)
        doc.issues.append(YamlIssue(f"invalid TOML: {_AT_RE.sub('', message)}", line, column))
        return doc
    except RecursionError:
        doc.issues.append(YamlIssue("invalid TOML: nested too deeply", 0, 0))
        return doc
    for number, line in enumerate(text.split("\n")):
        if _TABLE_RE.match(line):
            break  # keys below a [table] header are not top-level
        key = _KEY_RE.match(line)
        if key:
            doc.key_lines.setdefault(key.group(1).strip("\"'"), number)
    return doc
