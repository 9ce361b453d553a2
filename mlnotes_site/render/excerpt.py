"""Excerpts and counts: CJK-aware counting, reading time, excerpts cut between sentences, never
inside a formula."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from html import escape, unescape
from typing import NamedTuple
from collections.abc import Callable, Mapping

from mlnotes_site.model import MATH, find_placeholders
from mlnotes_site.render.math.html import formula_source
from mlnotes_site.slugs import CJK_CHAR

DESCRIPTION_LENGTH = 200  # characters of a page's meta description (base.html truncates at the same length)

_CJK_RE = re.compile(f"[{CJK_CHAR}]")
_HAN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
_WORD_RE = re.compile(r"[A-Za-z0-9\u00c0-\u024f]+(?:['’.\-][A-Za-z0-9\u00c0-\u024f]+)*")


def count_han(text: str) -> int:
    return len(_HAN_RE.findall(text))


def count_words(text: str) -> int:
    """Latin words (CJK text counted separately)."""
    return len(_WORD_RE.findall(_CJK_RE.sub(" ", text)))


def reading_minutes(han: int, words: int) -> int:
    """Han characters at about 400 a minute plus Latin words at about 230 a minute."""
    return max(1, math.ceil(han / 400 + words / 230))


# --- excerpts -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Piece:
    """A run of excerpt material: plain text, or a ready-made HTML atom (a formula)."""
    text: str = ""
    html: str = ""  # set for atoms that must never be cut
    weight: int = 3  # visible characters an atom counts for


MATH_WEIGHT = 3  # what a short formula counts for in an excerpt
# What a formula shows: a command such as \alpha is one glyph, structure (\frac, \left, \mathbb,
# \text, braces, ^, _, &, spaces) none, a row break \\ a whole line's worth.
_TEX_GLYPHS_RE = re.compile(r"\\\\|\\[A-Za-z]+|\\.|[^\s{}^_&\\]")
_TEX_STRUCTURE = {"\\frac", "\\dfrac", "\\tfrac", "\\left", "\\right", "\\big", "\\Big", "\\bigg", "\\Bigg",
                  "\\mathbb", "\\mathbf", "\\mathrm", "\\mathcal", "\\mathit", "\\boldsymbol", "\\bm", "\\text",
                  "\\textbf", "\\operatorname", "\\begin", "\\end", "\\quad", "\\qquad", "\\displaystyle",
                  "\\limits", "\\nolimits", "\\label", "\\tag", "\\hat", "\\bar", "\\tilde", "\\vec"}
_ROW_GLYPHS = 20


def math_weight(tex: str) -> int:
    """What a formula counts for toward `excerpt_length`: a few characters for a short one (3), about
    half its glyphs for a long one, so a note full of large formulas does not put all of them on a
    list page."""
    glyphs = 0
    for token in _TEX_GLYPHS_RE.findall(tex):
        if token == "\\\\":
            glyphs += _ROW_GLYPHS
        elif token not in _TEX_STRUCTURE:
            glyphs += 1
    return max(MATH_WEIGHT, glyphs // 2)
_SENTENCE_END = "。！？!?.…；;"
_TOKEN_RE = re.compile(f"[{CJK_CHAR}]|\\s+|[^\\s{CJK_CHAR}]+")


class _Atom(NamedTuple):  # a tuple: made for every CJK character, so cheap to make
    html: str
    size: int
    kind: str  # "space", "cjk", "word" or "math"
    sentence_end: bool = False


def _atoms(pieces: list[Piece], enough: int | None = None) -> list[_Atom]:
    """The atoms of the pieces; with `enough`, stop two atoms after their size passes it (the rest
    cannot be part of an excerpt of that size)."""
    atoms: list[_Atom] = []
    size = 0
    past = 0
    for piece in pieces:
        if enough is not None and size > enough:
            past += 1
            if past > 2:
                break
        if piece.html:
            atoms.append(_Atom(piece.html, piece.weight, "math"))
            size += piece.weight
            continue
        for match in _TOKEN_RE.finditer(piece.text):
            if enough is not None and size > enough + 2 * MATH_WEIGHT:
                break
            token = match.group()
            if token.isspace():
                if atoms and atoms[-1].kind != "space":
                    atoms.append(_Atom(" ", 1, "space"))
                    size += 1
            elif _CJK_RE.match(token):
                atoms.append(_Atom(token, 1, "cjk"))  # one CJK character: nothing to escape
                size += 1
            else:
                # A Latin word or punctuation run, kept whole ("Qwen1.5-7B-Chat", "-1", "R-CNN").
                html = escape(token, quote=False) if "&" in token or "<" in token or ">" in token else token
                atoms.append(_Atom(html, len(token), "word", token[-1] in _SENTENCE_END))
                size += len(token)
    while atoms and atoms[0].kind == "space":
        atoms.pop(0)
    while atoms and atoms[-1].kind == "space":
        atoms.pop()
    return atoms


def _can_cut(atoms: list[_Atom], n: int) -> bool:
    """May the excerpt end after atoms[n-1]? Never inside a word; formulas are whole atoms."""
    return n >= len(atoms) or not (atoms[n - 1].kind == "word" and atoms[n].kind == "word")


def _ends_sentence(atoms: list[_Atom], n: int) -> bool:
    atom = atoms[n - 1]
    if not atom.sentence_end:
        return False
    if atom.html[-1] in "。！？；…":
        return True
    return n >= len(atoms) or atoms[n].kind != "word"


def make_excerpt(pieces: list[Piece], limit: int, truncate: bool = True) -> str:
    """Excerpt HTML of about `limit` visible characters, cut at a sentence end or word boundary."""
    atoms = _atoms(pieces, limit if truncate else None)
    if not truncate or sum(a.size for a in atoms) <= limit:
        return "".join(a.html for a in atoms)
    sizes = [0]
    for atom in atoms:
        sizes.append(sizes[-1] + atom.size)
    fit = max(1, max(n for n in range(len(sizes)) if sizes[n] <= limit))
    near = int(limit * 0.6)
    cut = next((n for n in range(fit, 0, -1) if sizes[n] >= near and _ends_sentence(atoms, n)), 0)
    if not cut:
        cut = next((n for n in range(fit, 0, -1) if _can_cut(atoms, n)), fit)
    kept = atoms[:cut]
    while kept and kept[-1].kind == "space":
        kept.pop()
    body = "".join(a.html for a in kept)
    if kept and kept[-1].kind == "word" and kept[-1].html[-1] in ",;:":
        body = body[:-1]
    return body.rstrip("，、：；") + "…"


_TAG_RE = re.compile(r"<[^>]*>")
_SPACE_RE = re.compile(r"\s+")
_CUT_RE = re.compile(f"[\\s{CJK_CHAR}。，、；：！？]")  # a cut may follow these without splitting a word


def plain_excerpt(html: str, formula_text: Callable[[int], str], limit: int) -> str:
    """Plain text of excerpt HTML (for a meta description): tags dropped, whitespace collapsed, each
    formula placeholder replaced by `formula_text(id)` (its TeX). At most `limit` characters plus an
    ellipsis, cut after a space or CJK character, never inside a formula or a word."""
    parts: list[str] = []
    formulas: list[tuple[int, int]] = []  # spans of formulas in the text
    size = 0
    at = 0
    for found in find_placeholders(html):
        if found.kind != MATH:
            continue  # a link placeholder sits in an attribute: dropped with its tag
        prose = _SPACE_RE.sub(" ", unescape(_TAG_RE.sub("", html[at:found.start])))
        tex = _SPACE_RE.sub(" ", formula_text(found.index))
        parts += [prose, tex]
        formulas.append((size + len(prose), size + len(prose) + len(tex)))
        size += len(prose) + len(tex)
        at = found.end
        if size > limit:
            break
    else:
        parts.append(_SPACE_RE.sub(" ", unescape(_TAG_RE.sub("", html[at:]))))
    joined = "".join(parts)
    text = joined.strip()
    if len(text) <= limit:
        return text
    lead = len(joined) - len(joined.lstrip())  # formula spans count from the unstripped start
    cut = limit
    for start, end in formulas:
        if start - lead < cut < end - lead:
            cut = start - lead if start > lead else end - lead  # not inside a formula (whole if it is first)
    if cut == limit:
        boundary = max((m.end() for m in _CUT_RE.finditer(text, 0, cut + 1)), default=0)
        cut = boundary if boundary > limit // 2 else cut
    return text[:cut].rstrip(" ，、；：,;:") + "…"


def meta_description(excerpt: str, math: Mapping[int, str]) -> str:
    """A note's meta description: its excerpt (`math`: the HTML of its formulas, by id) as plain
    text, formulas as their TeX."""
    return plain_excerpt(excerpt, lambda mid: formula_source(math[mid]), DESCRIPTION_LENGTH)
