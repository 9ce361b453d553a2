"""MathJax habits KaTeX lacks, as KaTeX's nearest equivalents, so notes written for MathJax
(Jupyter, Typora, Obsidian) render instead of showing error boxes:

- `\\require{cancel}` (MathJax's extension loader) does nothing: KaTeX has the extensions built in;
- `\\mbox{..}` is `\\text{..}`;
- `eqnarray` (`a &=& b`) is a display-style array `rcl`, and `multline` is `gathered` (its lines
  centred, not pushed left and right).

A site's own `math.macros` override these macros.
"""
from __future__ import annotations

import re

MACROS = {
    "\\require": "\\@firstoftwo{}{#1}",
    "\\mbox": "\\text{#1}",
}
_ENV_RE = re.compile(r"\\(begin|end)\{(eqnarray|multline)\*?\}")


def katex_form(tex: str) -> str:
    """The formula with MathJax-only environments replaced (see above)."""
    if "\\begin{" not in tex:
        return tex

    def env(match: re.Match[str]) -> str:
        begin = match.group(1) == "begin"
        if match.group(2) == "eqnarray":
            return "\\begin{darray}{rcl}" if begin else "\\end{darray}"
        return "\\begin{gathered}" if begin else "\\end{gathered}"
    return _ENV_RE.sub(env, tex)
