"""Macro definitions that a note makes inside its formulas, carried on to its later formulas.

Notes written for MathJax (Jupyter, Typora, Obsidian) often define their shorthands once, in a
formula near the top: `$\\newcommand{\\vx}{\\mathbf{x}}$`, and use `\\vx` everywhere after. KaTeX renders
each formula on its own, so such a definition would be forgotten at once. Each formula is sent with
the definitions made before it (in document order) written in front of it; they render nothing, and
a definition the formula makes itself replaces the earlier one of the same name.
"""
from __future__ import annotations

import re
from typing import NamedTuple

_DEFINER_RE = re.compile(
    r"\\(?P<cmd>newcommand|renewcommand|providecommand|DeclareMathOperator|def|gdef|edef|xdef)(?![a-zA-Z@])(?P<star>\*?)")
_NAME_RE = re.compile(r"\s*(\\[a-zA-Z@]+|\\.)")
_ARGS_RE = re.compile(r"\s*\[\s*\d\s*\]")
_DEFAULT_RE = re.compile(r"\s*\[[^\]]*\]")
_PARAMS_RE = re.compile(r"[^{]*")


def group_end(tex: str, at: int) -> int:
    """End (after the closing brace) of the brace group starting at `at` (spaces skipped), or -1."""
    while at < len(tex) and tex[at].isspace():
        at += 1
    if at >= len(tex) or tex[at] != "{":
        return -1
    depth = 0
    while at < len(tex):
        ch = tex[at]
        if ch == "\\":
            at += 2
            continue
        depth += (ch == "{") - (ch == "}")
        at += 1
        if depth == 0:
            return at
    return -1


def _name(tex: str, at: int) -> tuple[str, int] | None:
    """The macro name at `at`, written `\\name` or `{\\name}`, and where it ends."""
    match = _NAME_RE.match(tex, at)
    if match:
        return match.group(1), match.end()
    end = group_end(tex, at)
    if end < 0:
        return None
    inner = _NAME_RE.fullmatch(tex[tex.index("{", at) + 1:end - 1].strip())
    return (inner.group(1), end) if inner else None


class _Definition(NamedTuple):
    cmd: str  # the defining command, without its backslash
    name: str  # the macro defined, with its backslash
    start: int
    end: int
    args: int  # \\newcommand's [number of arguments], else 0
    default: bool  # \\newcommand's [default of the first argument] is given
    body: int  # where the body's brace group starts


def _spans(tex: str) -> list[_Definition]:
    """Each definition a formula makes, in order."""
    spans: list[_Definition] = []
    for match in _DEFINER_RE.finditer(tex):
        if spans and match.start() < spans[-1].end:
            continue  # inside the body of the definition before
        named = _name(tex, match.end())
        if named is None:
            continue
        name, at = named
        cmd, args, default = match.group("cmd"), 0, False
        if cmd in ("def", "gdef", "edef", "xdef"):
            at = _PARAMS_RE.match(tex, at).end()  # type: ignore[union-attr]  # "#1#2" up to the body
        elif cmd != "DeclareMathOperator":
            found = _ARGS_RE.match(tex, at)
            if found:
                args, at = int(found.group(0).strip()[1:-1]), found.end()
            found = _DEFAULT_RE.match(tex, at)
            if found:
                default, at = True, found.end()
        end = group_end(tex, at)
        if end > 0:
            spans.append(_Definition(cmd, name, match.start(), end, args, default, at))
    return spans


def definition_bodies(tex: str) -> list[tuple[int, int]]:
    """(start, end) of the body of each definition a formula makes, in order: `#1` there is a
    parameter, not a character."""
    return [(d.body, d.end) for d in _spans(tex)] if _DEFINER_RE.search(tex) else []


def definitions(tex: str) -> dict[str, tuple[str, str]]:
    """The macros a formula defines: name -> (the defining command, the definition as it is carried
    to later formulas), in order."""
    return {d.name: (d.cmd, _carried(tex, d)) for d in _spans(tex)}


def defines_only(tex: str) -> bool:
    """The formula only defines macros and shows nothing (excerpts leave it out)."""
    if not _DEFINER_RE.search(tex):
        return False
    rest, at = [], 0
    for span in _spans(tex):
        rest.append(tex[at:span.start])
        at = span.end
    return not ("".join(rest) + tex[at:]).strip()


# Defining a name that exists already is an error for these: a carried definition of the same name
# is left out in front of a formula that makes one.
_CLASHING = ("newcommand", "DeclareMathOperator")


class NoteDefinitions:
    """The definitions a note has made so far, fed formula by formula in document order."""

    def __init__(self) -> None:
        self.known: dict[str, str] = {}

    def prefix_for(self, tex: str) -> str:
        """What goes in front of `tex`: the earlier definitions, less those it makes again itself
        with a command that refuses an existing name."""
        if not self.known:
            return ""
        own = definitions(tex) if _DEFINER_RE.search(tex) else {}
        return "".join(body for name, body in self.known.items()
                       if name not in own or own[name][0] not in _CLASHING)

    def learn(self, tex: str) -> None:
        """Remember the definitions `tex` makes (a later one of a name replaces the earlier)."""
        if _DEFINER_RE.search(tex):
            for name, (cmd, body) in definitions(tex).items():
                if cmd == "providecommand" and name in self.known:
                    continue
                self.known.pop(name, None)
                self.known[name] = body

    def everything(self) -> str:
        return "".join(self.known.values())


def _carried(tex: str, d: _Definition) -> str:
    """A definition as it is carried to later formulas: as `\\def`, which neither needs the name to
    exist (`\\renewcommand` does) nor refuses it (`\\newcommand` does); one with an optional
    argument's default as written; `\\DeclareMathOperator` as `\\operatorname` (see `with_operators`)."""
    if d.cmd not in ("newcommand", "renewcommand", "providecommand") or d.default:
        return with_operators(tex[d.start:d.end])
    params = "".join(f"#{i}" for i in range(1, d.args + 1))
    return f"\\def{d.name}{params}{tex[d.body:d.end].strip()}"


_OPERATOR_RE = re.compile(r"\\DeclareMathOperator(?![a-zA-Z@])(\*?)")


def with_operators(tex: str) -> str:
    """`\\DeclareMathOperator{\\op}{text}`, which KaTeX does not know, as the `\\def\\op{\\operatorname{text}}`
    it amounts to (`*`: limits under and over, `\\operatorname*`)."""
    if "DeclareMathOperator" not in tex:
        return tex
    out, at = [], 0
    for match in _OPERATOR_RE.finditer(tex):
        if match.start() < at:
            continue
        named = _name(tex, match.end())
        end = group_end(tex, named[1]) if named else -1
        if named is None or end < 0:
            continue
        body = tex[tex.index("{", named[1]) + 1:end - 1]
        out.append(tex[at:match.start()] + f"\\def{named[0]}{{\\operatorname{match.group(1)}{{{body}}}}}")
        at = end
    return "".join(out) + tex[at:]
