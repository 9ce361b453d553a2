"""The math-core renderer: TeX → MathML in this process, for when KaTeX cannot run (no node, no
katex package, or a worker that stopped). Pages then need no KaTeX stylesheet."""
from __future__ import annotations

import re
from html import escape
from importlib import metadata
from collections import OrderedDict, deque
from typing import Any
from collections.abc import Mapping, Sequence

from mlnotes_site.render.math import mathjax
from mlnotes_site.render.math.cache import Outcome
from mlnotes_site.render.math.engine import Item, MathRenderer
from mlnotes_site.render.math.equations import find_tags, without_tags
from mlnotes_site.render.math.html import with_source

_CORE_POS_RE = re.compile(r"input:(\d+):(\d+)")
# Part of the cache keys, with math-core's own version: raised when the same formula and macros come
# out differently (2: each batch is rendered with its own macros; 1 used the first note's for all;
# 3: a display formula scrolls in its own box, its number beside it).
REVISION = 3
CONVERTERS = 16  # converters kept, one per distinct macro table (most sites have a few)


def _package_version() -> str:
    try:
        return metadata.version("math-core")
    except metadata.PackageNotFoundError:
        return "missing"


class MathCoreRenderer(MathRenderer):
    def __init__(self) -> None:
        self.version = f"math-core-{_package_version()}-{REVISION}"
        self._pending: deque[tuple[Sequence[Item], Mapping[str, str]]] = deque()
        # A converter knows its macros from the start: one per macro table, as notes bring their own.
        self._converters: OrderedDict[tuple[tuple[str, str], ...], Any] = OrderedDict()

    def send(self, items: Sequence[Item], macros: Mapping[str, str]) -> None:
        self._pending.append((items, macros))  # rendered when received: this runs in-process

    def receive(self) -> list[Outcome]:
        items, macros = self._pending.popleft()
        converter = self._converter(macros)
        if converter is None:
            return [[False, "neither KaTeX nor math-core is available to render math", -1, 0] for _ in items]
        return [_render_one(converter, tex, display) for tex, display in items]

    def detach(self) -> None:
        self._pending.clear()

    def _converter(self, macros: Mapping[str, str]) -> Any:
        try:
            import math_core
        except ImportError:
            return None
        own = tuple(sorted((k, v) for k, v in macros.items() if mathjax.MACROS.get(k) != v))  # KaTeX-only TeX in those
        converter = self._converters.get(own)
        if converter is None:
            converter = math_core.LatexToMathML(macros={k.lstrip("\\"): v for k, v in own} or None,
                                                fancy_error=False, annotation=True)
            self._converters[own] = converter
            if len(self._converters) > CONVERTERS:
                self._converters.popitem(last=False)
        else:
            self._converters.move_to_end(own)
        return converter


# Environments whose rows math-core numbers itself, each \\tag in its row's last cell.
_ROWS_ENV_RE = re.compile(r"\\begin\{(?:align|gather|alignat|flalign)\*?\}")
_PLAIN_TAG_RE = re.compile(r"[^\\$^_{}]*")


def _render_one(converter: Any, tex: str, display: bool) -> Outcome:
    tags = find_tags(tex) if display and "\\tag" in tex and not _ROWS_ENV_RE.search(tex) else []
    # One number for the whole formula: shown beside the formula's scrolling box, as with KaTeX
    # (render/math/html.py), and left out of what math-core reads (it takes \tag only inside an
    # equation, where KaTeX also takes it after \end{aligned}).
    source = without_tags(tex) if tags else tex
    try:
        mathml = converter.convert_with_local_state(source, displaystyle=display)
    except Exception as exc:  # math_core.LatexError
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else "cannot parse this formula"
        match = _CORE_POS_RE.search(str(exc))
        position = -1
        if match and source == tex:
            line, col = int(match.group(1)), int(match.group(2))
            lines = tex.split("\n")
            position = sum(len(l) + 1 for l in lines[:line - 1]) + col - 1
        return [False, message, position, 0]
    if not display:
        return [True, f'<span class="math-fallback">{mathml}</span>']
    if 'display="block"' not in mathml:
        mathml = mathml.replace("<math", '<math display="block"', 1)
    box = f'<span class="math-fallback math-display">{with_source(mathml, tex) if tags else mathml}</span>'
    if not tags:
        return [True, box]
    start, end, number = tags[0]
    if not tex[start:end].startswith("\\tag*"):
        number = f"({number.strip()})"
    if not _PLAIN_TAG_RE.fullmatch(number):  # TeX in the tag: math-core's inline MathML of it
        try:
            number = converter.convert_with_local_state(f"\\text{{{number}}}", displaystyle=False)
        except Exception:
            number = escape(number)
    else:
        number = escape(number)
    return [True, f'<span class="math-numbered">{box}<span class="math-number">{number}</span></span>']
