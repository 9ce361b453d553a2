"""MathJax habits KaTeX lacks, as KaTeX's nearest equivalents, so notes written for MathJax
(Jupyter, Typora, Obsidian) render instead of showing error boxes:

- `\\require{cancel}` (MathJax's extension loader) does nothing: KaTeX has the extensions built in;
- `\\mbox{..}` is `\\text{..}`;
- `eqnarray` (`a &=& b`) is a display-style array `rcl`, and `multline` is `gathered` (its lines
  centred, not pushed left and right);
- inside `\\text{..}` (and `\\textrm`, `\\textit`, `\\textbf`, `\\mbox`, ...) MathJax shows `& _ # % $` as
  they are, where KaTeX reads them as TeX would (an error box): they are escaped there, except
  `$..$` math inside the text and `#1` inside a macro definition's body.

A site's own `math.macros` override these macros.
"""
from __future__ import annotations

import re

from mlnotes_site.render.math.macros import definition_bodies

MACROS = {
    "\\require": "\\@firstoftwo{}{#1}",
    "\\mbox": "\\text{#1}",
}
_ENV_RE = re.compile(r"\\(begin|end)\{(eqnarray|multline)\*?\}")


def katex_form(tex: str) -> str:
    """The formula with MathJax-only environments replaced and text-mode characters escaped (see above)."""
    tex = escape_text_mode(tex)
    if "\\begin{" not in tex:
        return tex

    def env(match: re.Match[str]) -> str:
        begin = match.group(1) == "begin"
        if match.group(2) == "eqnarray":
            return "\\begin{darray}{rcl}" if begin else "\\end{darray}"
        return "\\begin{gathered}" if begin else "\\end{gathered}"
    return _ENV_RE.sub(env, tex)


# Commands whose argument is text, where MathJax shows the characters below as they are
_TEXT_CMD_RE = re.compile(r"\\(?:text(?:rm|it|bf|sf|tt|up|md|normal)?|mbox|hbox)(?![a-zA-Z@])\s*\{")
_TEXT_HINT_RE = re.compile(r"\\(?:text|mbox|hbox)")
_ESCAPED = {"&": "\\&", "_": "\\_", "#": "\\#", "%": "\\%", "$": "\\$"}


def _matching_braces(tex: str) -> dict[int, int]:
    """Each `{` with its closing `}` (escaped braces skipped), in one pass."""
    close: dict[int, int] = {}
    opened: list[int] = []
    at = 0
    while at < len(tex):
        ch = tex[at]
        if ch == "\\":
            at += 2
            continue
        if ch == "{":
            opened.append(at)
        elif ch == "}" and opened:
            close[opened.pop()] = at
        at += 1
    return close


def _dollar_closer(tex: str, at: int, limit: int, close: dict[int, int]) -> int:
    """The `$` that closes the one at `at` at the same brace level before `limit`, or -1. (Each level
    of a text argument is scanned once: a `$` without a closer means there is no later `$` there.)"""
    at += 1
    while at < limit:
        ch = tex[at]
        if ch == "\\":
            at += 2
        elif ch == "{" and at in close:
            at = close[at] + 1
        elif ch == "$":
            return at
        else:
            at += 1
    return -1


def escape_text_mode(tex: str) -> str:
    """`tex` with `& _ # % $` escaped inside text arguments, as MathJax shows them (see above).
    One pass: a stack of open groups, each a text argument, a plain group or `$..$` math."""
    if _TEXT_HINT_RE.search(tex) is None:
        return tex
    close = _matching_braces(tex)
    bodies = definition_bodies(tex)
    out: list[str] = []
    # open groups: (kind, where it ends); kind "text", "math" or "group" (keeps its parent's mode)
    stack: list[tuple[str, int]] = []
    mode = "math"
    body = 0  # the next definition body that may hold the current position
    at, n = 0, len(tex)
    while at < n:
        ch = tex[at]
        if stack and at == stack[-1][1]:  # the current group ends here ('}' or the closing '$')
            stack.pop()
            mode = next((kind for kind, _ in reversed(stack) if kind != "group"), "math")
            out.append(ch)
            at += 1
            continue
        if ch == "\\":
            command = _TEXT_CMD_RE.match(tex, at)
            if command is not None and command.end() - 1 in close:
                stack.append(("text", close[command.end() - 1]))
                mode = "text"
                out.append(tex[at:command.end()])
                at = command.end()
                continue
            out.append(tex[at:at + 2])
            at += 2
            continue
        if ch == "{" and at in close:
            stack.append(("group", close[at]))
        elif mode == "text" and ch in _ESCAPED:
            if ch == "$":
                limit = stack[-1][1]
                closer = _dollar_closer(tex, at, limit, close)
                if closer > 0:
                    stack.append(("math", closer))
                    mode = "math"
                    out.append(ch)
                    at += 1
                    continue
            elif ch == "#":
                while body < len(bodies) and bodies[body][1] <= at:
                    body += 1
                if body < len(bodies) and bodies[body][0] <= at:  # a parameter of the macro defined
                    out.append(ch)
                    at += 1
                    continue
            out.append(_ESCAPED[ch])
            at += 1
            continue
        out.append(ch)
        at += 1
    return "".join(out)
