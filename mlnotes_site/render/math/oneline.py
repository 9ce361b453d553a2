"""A display formula as a list excerpt shows it: inline, and one line high.

An excerpt is a few lines of prose on the home, topic and tag pages; a formula that keeps its rows
there makes a ragged two- or three-row line. So the rows of the aligning environments (`align`,
`aligned`, `gather`, `split`, ...) and of `\\\\` at the top are joined into one row, `&` dropped
and the rows spaced by a `\\quad` (`a = b \\quad = c` reads as the chain it was); the conditions of
a `\\substack` are joined by commas. A grid (a matrix, `cases`, `array`) cannot be read on one line:
when it has several rows its content becomes `\\cdots` inside its own delimiters, `A = (⋯)`,
`f(x) = {⋯`, the rest of the formula kept as written (the note shows it whole). Display-size
operators become text-size ones.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from mlnotes_site.render.math.equations import LABEL_RE, without_tags
from mlnotes_site.render.math.macros import group_end

ROW_SEPARATOR = r" \quad "
ELIDED = r"\cdots"
# Rows of these are joined; the environment itself goes (KaTeX refuses the display-only ones inline).
_ROWS = {"align", "aligned", "gather", "gathered", "split", "alignat", "alignedat", "flalign", "multline",
         "eqnarray", "equation"}
# A grid whose rows cannot be read side by side: several rows become `\cdots`.
_GRIDS = {"matrix", "pmatrix", "bmatrix", "Bmatrix", "vmatrix", "Vmatrix", "smallmatrix", "cases", "dcases",
          "rcases", "drcases", "array", "darray", "subarray", "CD"}
_TOKEN_RE = re.compile(r"\\begin\s*\{([A-Za-z]+)(\*?)\}|\\end\s*\{([A-Za-z]+)(\*?)\}|\\\\(?:\[[^\]]*\])?|\\[A-Za-z]+|\\.|[{}&]",
                       re.S)
_TEXT_SIZE = {r"\displaystyle": r"\textstyle", r"\dfrac": r"\frac", r"\dbinom": r"\binom", r"\limits": r"\nolimits"}
_TEXT_SIZE_RE = re.compile(r"\\(?:displaystyle|dfrac|dbinom|limits)(?![A-Za-z])")
_NO_NUMBER_RE = re.compile(r"\\(?:notag|nonumber)(?![A-Za-z])")


@dataclass
class _Frame:
    name: str  # "" for the formula itself
    grid: bool
    depth: int  # brace depth inside the environment
    start: int  # index in the output where its content starts
    row: int  # index in the output where the current row starts
    rows: int = 1


def inline_form(tex: str) -> str:
    """`tex` (a display formula) as one line of inline math; see the module's docstring."""
    tex = _NO_NUMBER_RE.sub(" ", LABEL_RE.sub("", without_tags(tex)))
    tex = _TEXT_SIZE_RE.sub(lambda m: _TEXT_SIZE[m.group()], tex)
    out: list[str] = []
    stack = [_Frame("", False, 0, 0, 0)]
    depth = 0
    at = 0
    conditions = False  # a \substack's group comes next
    for match in _TOKEN_RE.finditer(tex):
        if match.start() < at:
            continue  # inside an environment's arguments, already copied or skipped
        out.append(tex[at:match.start()])
        at = match.end()
        token = match.group()
        frame = stack[-1]
        if match.group(1):  # \begin{name}
            name = match.group(1)
            if name in _ROWS or name in _GRIDS:
                if name in _GRIDS:
                    out.append(token)
                at = _skip_arguments(tex, at, name, out if name in _GRIDS else None)
                if name in _ROWS:
                    out.append("{")
                depth += 1  # an environment is a group: its rows' \\ and & are at this depth
                stack.append(_Frame(name, name in _GRIDS, depth, len(out), len(out)))
                continue
        elif match.group(3):  # \end{name}
            if frame.name == match.group(3) and len(stack) > 1:
                stack.pop()
                depth -= 1
                if frame.grid:
                    if frame.rows > 1:
                        del out[frame.start:]
                        out.append(ELIDED)
                    out.append(token)
                else:
                    _drop_empty_row(out, frame)
                    out.append("}")
                continue
        elif token == "}" and frame.name == "substack" and depth == frame.depth:
            stack.pop()
            depth -= 1
        elif token.startswith("\\\\") and depth == frame.depth:
            if frame.name == "substack":
                out.append(", ")
                continue
            if frame.grid:
                frame.rows += 1
                out.append(token)
            elif "".join(out[frame.row:]).strip():
                out.append(ROW_SEPARATOR)
                frame.row = len(out)
            continue
        elif token == "&" and depth == frame.depth and not frame.grid and frame.name:
            continue  # an alignment point: nothing to show on one line
        elif token == r"\substack":
            conditions = True
        elif token == "{":
            depth += 1
            if conditions:
                out.append(token)
                stack.append(_Frame("substack", False, depth, len(out), len(out)))
                conditions = False
                continue
        elif token == "}":
            depth -= 1
        out.append(token)
    out.append(tex[at:])
    _drop_empty_row(out, stack[0])
    return "".join(out).strip()


def _skip_arguments(tex: str, at: int, name: str, out: list[str] | None) -> int:
    """Past an environment's arguments (`{2}` of alignat, `{cc}` of array, `[t]` of aligned); kept in
    `out` when given (a grid keeps its column layout)."""
    start = at
    while at < len(tex) and tex[at].isspace():
        at += 1
    if at < len(tex) and tex[at] == "[" and "]" in tex[at:]:
        at = tex.index("]", at) + 1
    if name in ("alignat", "alignedat", "array", "darray", "subarray"):
        end = group_end(tex, at)
        at = end if end > 0 else at
    if out is not None:
        out.append(tex[start:at])
    return at


def _drop_empty_row(out: list[str], frame: _Frame) -> None:
    """A row break at the end (`a \\\\ b \\\\`) leaves no separator behind."""
    if frame.row > frame.start and not "".join(out[frame.row:]).strip():
        del out[frame.row - 1:]
        frame.row = frame.start
