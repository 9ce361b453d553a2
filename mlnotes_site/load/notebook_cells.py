"""A notebook's cells as one Markdown text that our pipeline renders like any note.

Markdown cells go in verbatim (their math, wikilinks, callouts and relative links are a note's);
code cells become fenced code (highlighted in the kernel's language) in a `nb-cell` block with
their outputs (notebook_outputs.py). The front matter is the first Markdown cell's YAML block, else
made from the notebook's metadata. `cells` maps each stretch of the text back to its cell, so that
problems found later point at `nb.ipynb:cell 7`.

Tags, as Jupyter Book reads them: remove-cell, remove-input, remove-output leave a cell, its code or
its outputs out; hide-input, hide-output, hide-cell fold them into a <details>.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from html import escape
from typing import Any, Callable, Mapping
from urllib.parse import quote, unquote

from mlnotes_site.load.notebook_outputs import (EXTENSIONS, OutputContext, close_fences, decode_image, html_block,
                                                output_blocks, text_of)
from mlnotes_site.yamlfile import load_yaml
from mlnotes_site.problems import Problem, warning

_OPEN_RE = re.compile(r"^---[ \t]*$")
_CLOSE_RE = re.compile(r"^(---|\.\.\.)[ \t]*$")
_ATTACHMENT_RE = re.compile(r"attachment:([^\s)\"'<>]+)")
_BACKTICKS_RE = re.compile(r"`{3,}")
# What a notebook's metadata may say about the note, as front matter would (when the first cell's
# YAML does not say it): nbformat's documented `title` and `authors`, and a `date` some tools write.
METADATA_KEYS = ("title", "date", "authors")


@dataclass
class Converted:
    text: str  # Markdown with front matter, as a .md note would be written
    # (first line of a stretch of `text`, 1-based; its cell, 1-based, 0 for none; the line of the
    # cell's source that stretch starts at, 0 when it is generated: code, outputs)
    cells: list[tuple[int, int, int]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


class _Text:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.cells: list[tuple[int, int, int]] = []

    def add(self, text: str, cell: int, cell_line: int = 0) -> None:
        self.cells.append((len(self.lines) + 1, cell, cell_line))
        self.lines.extend(text.split("\n"))

    def gap(self) -> None:
        if self.lines and self.lines[-1] != "":
            self.lines.append("")


def kernel_language(metadata: Mapping[str, Any]) -> str:
    info = metadata.get("language_info") if isinstance(metadata.get("language_info"), Mapping) else {}
    spec = metadata.get("kernelspec") if isinstance(metadata.get("kernelspec"), Mapping) else {}
    name = info.get("name") or spec.get("language") or ""
    return re.sub(r"[^A-Za-z0-9_+#.-]", "", str(name)).lower()


def _tags(cell: Mapping[str, Any]) -> set[str]:
    meta = cell.get("metadata") or {}
    tags = meta.get("tags") if isinstance(meta, Mapping) else None
    return {str(t) for t in tags} if isinstance(tags, list) else set()


def _front_matter(source: str) -> tuple[list[str], int, int] | None:
    """(YAML lines, line of the opening ---, line after the closing one), 0-based, of a YAML block
    at the start of a cell."""
    lines = source.split("\n")
    start = 0
    while start < len(lines) and not lines[start].strip():
        start += 1
    if start >= len(lines) or not _OPEN_RE.match(lines[start]):
        return None
    end = next((i for i in range(start + 1, len(lines)) if _CLOSE_RE.match(lines[i])), None)
    if end is None:
        return None  # not a front matter block (a thematic break): the cell stays as written
    return lines[start + 1:end], start, end + 1


def _metadata_lines(metadata: Mapping[str, Any], present: set[str]) -> list[str]:
    """Front matter lines for what the notebook's metadata says and the YAML block does not."""
    lines = []
    for key in METADATA_KEYS:
        value = metadata.get(key)
        if key in present or (key == "date" and "created" in present) or value in (None, "", []):
            continue
        if key == "authors" and isinstance(value, list):
            value = [a.get("name") if isinstance(a, Mapping) else a for a in value]
            value = [str(a) for a in value if a]
            if not value:
                continue
        elif not isinstance(value, str):
            continue
        lines.append(f"{key}: {json.dumps(value, ensure_ascii=False)}")  # JSON is YAML
    return lines


def convert_cells(nb: Mapping[str, Any], site_path: str, strings: Mapping[str, str], max_lines: int,
                  store: Callable[[bytes, str], str]) -> Converted:
    """`store` keeps an image's bytes and says where they are, relative to the note's folder."""
    out = _Text()
    problems: list[Problem] = []
    metadata = nb.get("metadata") or {}
    cells = [c for c in (nb.get("cells") or []) if isinstance(c, Mapping)]
    language = kernel_language(metadata)

    # Front matter: the first Markdown cell's YAML block, plus what the metadata adds.
    first_md = next((i for i, c in enumerate(cells) if c.get("cell_type") == "markdown"), None)
    front = _front_matter(text_of(cells[first_md].get("source"))) if first_md is not None else None
    skip_lines = opened = 0
    yaml_lines: list[str] = []
    present: set[str] = set()
    if front is not None:
        yaml_lines, opened, skip_lines = front
        doc = load_yaml("\n".join(yaml_lines))
        present = {str(k) for k in doc.data} if isinstance(doc.data, dict) else {*METADATA_KEYS, "created"}
    extra = _metadata_lines(metadata if isinstance(metadata, Mapping) else {}, present)
    if front is not None or extra:
        cell_no = (first_md + 1) if first_md is not None and front is not None else 0
        out.add("---", cell_no, opened + 1 if front is not None else 0)
        if yaml_lines:
            out.add("\n".join(yaml_lines), cell_no, opened + 2)
        if extra:
            out.add("\n".join(extra), 0)
        out.add("---", cell_no, skip_lines if front is not None else 0)

    for index, cell in enumerate(cells):
        number = index + 1
        tags = _tags(cell)
        if "remove-cell" in tags:
            continue
        kind = cell.get("cell_type")
        source = text_of(cell.get("source"))
        if kind == "markdown":
            first_line = 1
            if index == first_md and front is not None:
                source = "\n".join(source.split("\n")[skip_lines:])
                first_line = skip_lines + 1
            source = _attachments(source, cell, number, first_line, site_path, store, problems)
            out.gap()
            out.add(close_fences(source.rstrip("\n")), number, first_line)
            out.gap()
        elif kind == "raw":
            _raw_cell(out, cell, source, number)
        elif kind == "code":
            ctx = OutputContext(strings, max_lines, store, site_path, number)
            _code_cell(out, cell, source, tags, language, strings, ctx)
            problems.extend(ctx.problems)
    return Converted("\n".join(out.lines).rstrip("\n") + "\n", out.cells, problems)


def _raw_cell(out: _Text, cell: Mapping[str, Any], source: str, number: int) -> None:
    """A raw cell is for one output format: HTML and Markdown ones are shown, others (LaTeX for
    nbconvert's PDF, reST) are not meant for a web page."""
    meta = cell.get("metadata") or {}
    mime = str(meta.get("format") or meta.get("raw_mimetype") or "") if isinstance(meta, Mapping) else ""
    if mime in ("text/html", "html"):
        out.gap()
        out.add(html_block(f'<div class="nb-raw">\n{source.strip(chr(10))}\n</div>'), number)
        out.gap()
    elif mime in ("text/markdown", "markdown"):
        out.gap()
        out.add(close_fences(source.rstrip("\n")), number, 1)
        out.gap()


def _fence(code: str, language: str) -> str:
    longest = max((len(m.group(0)) for m in _BACKTICKS_RE.finditer(code)), default=2)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}{language}\n{code}\n{ticks}"


def _details(summary: str, kind: str, inner: str) -> str:
    return f'<details class="nb-fold {kind}"><summary>{escape(summary)}</summary>\n\n{inner}\n\n</details>'


def _code_cell(out: _Text, cell: Mapping[str, Any], source: str, tags: set[str], language: str,
               strings: Mapping[str, str], ctx: OutputContext) -> None:
    show_input = "remove-input" not in tags and source.strip() != ""
    outputs = cell.get("outputs") if isinstance(cell.get("outputs"), list) else []
    blocks = output_blocks(outputs, ctx) if "remove-output" not in tags else []
    if not show_input and not blocks:
        return
    parts: list[str] = []
    count = cell.get("execution_count")
    head = '<div class="nb-cell nb-code">'
    if show_input and isinstance(count, int) and not isinstance(count, bool):
        head += f'\n<div class="nb-count" title="{escape(strings["notebook_count"])}">[{count}]</div>'
    parts.append(head)
    if show_input:
        code = _fence(source.rstrip("\n"), language)
        folded = "hide-input" in tags and "hide-cell" not in tags
        parts.append(_details(strings["notebook_show_code"], "nb-input", code) if folded else code)
    if blocks:
        joined = "<div class=\"nb-outputs\">\n\n" + "\n\n".join(blocks) + "\n\n</div>"
        folded = "hide-output" in tags and "hide-cell" not in tags
        parts.append(_details(strings["notebook_show_output"], "nb-output-fold", joined) if folded else joined)
    body = "\n\n".join(parts[1:])
    if "hide-cell" in tags:
        body = _details(strings["notebook_show_cell"], "nb-cell-fold", body)
    out.gap()
    out.add(f"{parts[0]}\n\n{body}\n\n</div>", ctx.cell)
    out.gap()


def _attachments(source: str, cell: Mapping[str, Any], number: int, first_line: int, site_path: str,
                 store: Callable[[bytes, str], str], problems: list[Problem]) -> str:
    """`attachment:name` references of a Markdown cell, pointed at the stored files."""
    if "attachment:" not in source:
        return source
    attached = cell.get("attachments") if isinstance(cell.get("attachments"), Mapping) else {}
    stored: dict[str, str] = {}

    def replace(match: re.Match[str]) -> str:
        name = unquote(match.group(1))
        if name not in stored:
            bundle = attached.get(name)
            mime = next((m for m in EXTENSIONS if isinstance(bundle, Mapping) and m in bundle), None)
            if mime is None:
                line = first_line + source.count("\n", 0, match.start())
                problems.append(warning("notebook/attachment", f"'attachment:{name}' names no attachment of "
                                        "this cell", site_path, line, match.start() -
                                        (source.rfind("\n", 0, match.start()) + 1) + 1,
                                        hint="paste the image into this cell again, or link a file beside the "
                                             "notebook", cell=number))
                return match.group(0)
            blob = decode_image(bundle[mime], mime)
            if blob is None:
                return match.group(0)
            stored[name] = quote(store(blob, mime))
        return stored[name]

    return _ATTACHMENT_RE.sub(replace, source)
