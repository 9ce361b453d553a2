"""A note's title as pages show it (HTML, its formulas rendered inline) and as plain text (the tab's
`<title>`, feeds, redirect pages), where a formula reads as its TeX without the `$` and with the
letters that have an obvious Unicode form written so: `$\\alpha$-divergence` -> `α-divergence`.

Titles are text, not Markdown: only formulas (`$..$`, `\\(..\\)`, found as in the body) are read;
`*` or `_` stay what they are, and `\\$` is a dollar."""
from __future__ import annotations

import re
from html import escape
from typing import Callable

from mlnotes_site.render.markdown.math import match_inline

_MAYBE_MATH_RE = re.compile(r"\$|\\[(\[]")
_SPECIAL_RE = re.compile(r"[$\\]")

# Symbols a reader recognises in Unicode; everything else in a formula stays its TeX.
_SYMBOLS = {
    **{name: chr(0x3B1 + i) for i, name in enumerate(
        "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho varsigma "
        "sigma tau upsilon phi chi psi omega".split())},
    **{name: chr(0x391 + i) for i, name in enumerate(
        "Alpha Beta Gamma Delta Epsilon Zeta Eta Theta Iota Kappa Lambda Mu Nu Xi Omicron Pi Rho _ "
        "Sigma Tau Upsilon Phi Chi Psi Omega".split()) if name != "_"},
    "varepsilon": "ε", "vartheta": "ϑ", "varphi": "φ", "varrho": "ϱ", "varpi": "ϖ", "ell": "ℓ",
    "infty": "∞", "nabla": "∇", "partial": "∂", "to": "→", "rightarrow": "→", "leftarrow": "←",
    "times": "×", "cdot": "·", "pm": "±", "le": "≤", "leq": "≤", "ge": "≥", "geq": "≥", "neq": "≠",
    "approx": "≈", "sim": "∼", "in": "∈", "sum": "∑", "prod": "∏", "int": "∫", "sqrt": "√",
}
_COMMAND_RE = re.compile(r"\\([a-zA-Z]+)(?![a-zA-Z])")


def title_pieces(title: str) -> list[tuple[str, bool]]:
    """The title as (text, False) and (formula TeX, True) pieces, in order."""
    if _MAYBE_MATH_RE.search(title) is None:
        return [(title, False)] if title else []
    pieces: list[tuple[str, bool]] = []
    text: list[str] = []
    at, end = 0, len(title)
    while at < end:
        found = _SPECIAL_RE.search(title, at)
        if found is None:
            text.append(title[at:])
            break
        pos = found.start()
        text.append(title[at:pos])
        if title.startswith("\\$", pos):
            text.append("$")
            at = pos + 2
            continue
        formula = match_inline(title, pos, end)
        if formula is None or not title[formula[0]:formula[1]].strip():
            text.append(title[pos])
            at = pos + 1
            continue
        if "".join(text):
            pieces.append(("".join(text), False))
        text = []
        pieces.append((title[formula[0]:formula[1]], True))
        at = formula[2]
    if "".join(text):
        pieces.append(("".join(text), False))
    return pieces


def readable(tex: str) -> str:
    """A formula as plain text: its TeX, with the symbols of `_SYMBOLS` as their Unicode letters."""
    return _COMMAND_RE.sub(lambda m: _SYMBOLS.get(m.group(1), m.group(0)), tex.strip())


def title_text(pieces: list[tuple[str, bool]]) -> str:
    return "".join(readable(piece) if is_math else piece for piece, is_math in pieces)


def title_html(pieces: list[tuple[str, bool]], formula: Callable[[str], str]) -> str:
    """The title as HTML: text escaped, each formula what `formula` returns for its TeX (a placeholder)."""
    return "".join(formula(piece) if is_math else escape(piece, quote=False) for piece, is_math in pieces)
