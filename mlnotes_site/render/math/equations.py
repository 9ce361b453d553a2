"""Equation numbers and references inside one note: `\\label`, `\\tag`, `\\eqref`, `\\ref`.

KaTeX knows `\\tag` but not labels or references; we resolve them at build time so a reference
becomes a link `(3)` to the equation's anchor."""
from __future__ import annotations

import re
from dataclasses import dataclass

from mlnotes_site.render.math.macros import group_end
from mlnotes_site.slugs import heading_id

LABEL_RE = re.compile(r"\\label\{([^{}]*)\}")
_TAG_START_RE = re.compile(r"\\tag\*?\s*\{")
REF_RE = re.compile(r"\\(eqref|ref)\{([^{}]*)\}")  # in formulas and in prose alike
_NO_NUMBER_RE = re.compile(r"\\(?:notag|nonumber)\b|\\begin\{[a-z]+\*\}")


def find_tags(tex: str) -> list[tuple[int, int, str]]:
    """Each `\\tag{..}` / `\\tag*{..}` of a formula: (start, end, what the braces hold), nested
    braces included (`\\tag{\\text{1a}}`); an unclosed one runs to the end."""
    found: list[tuple[int, int, str]] = []
    at = 0
    for match in _TAG_START_RE.finditer(tex):
        if match.start() < at:
            continue
        end = group_end(tex, match.end() - 1)
        at = end if end > 0 else len(tex)
        found.append((match.start(), at, tex[match.end():end - 1 if end > 0 else len(tex)]))
    return found


@dataclass(frozen=True)
class Numbered:
    tex: str  # labels removed, an automatic \tag added where the formula is numbered
    anchor: str | None


def anchor_for(label: str) -> str:
    return "eq-" + heading_id(label.replace(":", "-"))


def number_display(texes: list[str], auto: bool) -> tuple[list[Numbered], dict[str, tuple[str, str]]]:
    """Numbers display formulas in order: their own \\tag, else the next number when labelled or
    when `auto` is on. Returns the rewritten formulas and label → (number, anchor)."""
    labels: dict[str, tuple[str, str]] = {}
    numbered: list[Numbered] = []
    counter = 0
    for tex in texes:
        rows = _rows(tex)
        if rows is not None and len(rows) > 1:
            counter, done = _number_rows(tex, rows, auto, counter, labels)
            numbered.append(done)
            continue
        found = [m.group(1).strip() for m in LABEL_RE.finditer(tex)]
        tags = find_tags(tex)
        stripped = LABEL_RE.sub("", tex)
        number: str | None = None
        if tags:
            number = tags[0][2].strip()
        elif (found or auto) and not _NO_NUMBER_RE.search(tex):
            counter += 1
            number = str(counter)
            stripped = f"{stripped.rstrip()} \\tag{{{number}}}"  # KaTeX puts it beside the whole formula
        fresh = [label for label in found if label not in labels]  # a label used again keeps its first equation
        anchor = anchor_for(fresh[0]) if fresh else None
        if number is not None:
            for label in found:
                labels.setdefault(label, (number, anchor or anchor_for(label)))
        numbered.append(Numbered(stripped, anchor))
    return numbered, labels


# KaTeX numbers the rows of these itself, with one CSS counter across the whole page, beside our
# \tag; their starred forms show the \tag a row has and number nothing.
_SELF_NUMBERED_RE = re.compile(r"\\(begin|end)\{(equation|align|gather|alignat)\}")


def starred(tex: str) -> str:
    """`tex` as KaTeX gets it: its self-numbering environments starred, since the numbers are ours
    (`number_display`); the TeX a reader copies keeps them as written."""
    return _SELF_NUMBERED_RE.sub(lambda m: f"\\{m.group(1)}{{{m.group(2)}*}}", tex) if "\\begin{" in tex else tex


# Environments LaTeX numbers row by row (KaTeX shows a \tag per row in them, and numbers none itself)
_ROWS_ENV_RE = re.compile(r"\\begin\{(align|gather|alignat|flalign)\}")


def _rows(tex: str) -> list[tuple[int, int]] | None:
    """(start, end) of each row of the formula's first row-numbered environment, split at the `\\\\`
    outside braces and inner environments; None without such an environment."""
    begin = _ROWS_ENV_RE.search(tex)
    if begin is None:
        return None
    start = begin.end()
    if begin.group(1) == "alignat":  # \begin{alignat}{2}: the column count is not a row
        start = max(start, group_end(tex, start))
    stop = tex.find(f"\\end{{{begin.group(1)}}}", start)
    if stop < 0:
        return None
    rows, depth, inner, at, row = [], 0, 0, start, start
    while at < stop:
        if tex.startswith("\\\\", at):
            if depth == 0 and inner == 0:
                rows.append((row, at))
                row = at + 2
            at += 2
        elif tex.startswith(("\\begin{", "\\end{"), at):
            opens = tex.startswith("\\begin{", at)
            inner += 1 if opens else -1
            at += 6 if opens else 4  # past the command: its {name} is counted like any brace group
        elif tex[at] == "\\":
            at += 2
        else:
            depth += (tex[at] == "{") - (tex[at] == "}")
            at += 1
    rows.append((row, stop))
    return rows


def _number_rows(tex: str, rows: list[tuple[int, int]], auto: bool, counter: int,
                 labels: dict[str, tuple[str, str]]) -> tuple[int, Numbered]:
    """Each row its own number, as LaTeX gives: its \\tag, else the next number when the row is labelled
    or `auto` is on (not with \\nonumber or \\notag). References go to the formula's anchor."""
    out, at, anchor = [], 0, None
    for start, end in rows:
        row = tex[start:end]
        found = [m.group(1).strip() for m in LABEL_RE.finditer(row)]
        tags = find_tags(row)
        number: str | None = None
        if tags:
            number = tags[0][2].strip()
        elif (found or auto) and row.strip() and not _NO_NUMBER_RE.search(row):
            counter += 1
            number = str(counter)
            row = f"{row.rstrip()} \\tag{{{number}}} "
        fresh = [label for label in found if label not in labels]
        anchor = anchor or (anchor_for(fresh[0]) if fresh else None)
        if number is not None:
            for label in fresh:
                labels[label] = (number, anchor or anchor_for(label))
        out += [tex[at:start], row]
        at = end
    out.append(tex[at:])
    return counter, Numbered(LABEL_RE.sub("", "".join(out)), anchor)


def resolve_refs(tex: str, labels: dict[str, tuple[str, str]]) -> tuple[str, list[tuple[str, int]]]:
    """Turn references inside a formula into in-page links; unknown labels with their offset."""
    unknown: list[tuple[str, int]] = []

    def repl(match: re.Match[str]) -> str:
        label = match.group(2).strip()
        if label not in labels:
            unknown.append((label, match.start()))
            return r"\text{(??)}"
        number, anchor = labels[label]
        text = f"({number})" if match.group(1) == "eqref" else number
        return rf"\href{{#{anchor}}}{{\text{{{text}}}}}"

    return REF_RE.sub(repl, tex), unknown


def without_tags(tex: str) -> str:
    """`tex` less its `\\tag{..}` / `\\tag*{..}`, whatever braces the tag holds."""
    out, at = [], 0
    for start, end, _ in find_tags(tex):
        out.append(tex[at:start])
        at = end
    return "".join(out) + tex[at:]
