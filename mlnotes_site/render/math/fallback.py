"""The math-core renderer: TeX → MathML in this process, for when KaTeX cannot run (no node, no
katex package, or a worker that stopped). Pages then need no KaTeX stylesheet."""
from __future__ import annotations

import re
from importlib import metadata
from collections import OrderedDict, deque
from typing import Any
from collections.abc import Mapping, Sequence

from mlnotes_site.render.math import mathjax
from mlnotes_site.render.math.cache import Outcome
from mlnotes_site.render.math.engine import Item, MathRenderer

_CORE_POS_RE = re.compile(r"input:(\d+):(\d+)")
# Part of the cache keys, with math-core's own version: raised when the same formula and macros come
# out differently (2: each batch is rendered with its own macros; 1 used the first note's for all).
REVISION = 2
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


def _render_one(converter: Any, tex: str, display: bool) -> Outcome:
    source = tex
    if display and "\\tag" in tex and "\\begin{" not in tex:
        source = f"\\begin{{equation*}}{tex}\\end{{equation*}}"
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
    if display and 'display="block"' not in mathml:
        mathml = mathml.replace("<math", '<math display="block"', 1)
    return [True, f'<span class="math-fallback">{mathml}</span>']
