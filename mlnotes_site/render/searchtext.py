"""A note's search record: the words a reader may look for, from the tokens the renderer already has.

The record is a small HTML fragment of headings (with their anchors, so a hit can jump to its
section) and paragraphs of plain text: prose, callout titles and text, tab titles, footnotes, image
alt text, the identifiers of code, and the words of formulas — `\\mathrm{KL}` gives "KL",
`\\operatorname{softmax}` "softmax", `\\text{交叉熵}` "交叉熵" — never their markup. Comments
(`%%…%%`) never reach the tokens, so they are never in it.
"""
from __future__ import annotations

import re
from html import escape
from html.parser import HTMLParser
from collections.abc import Sequence

from markdown_it.token import Token

from mlnotes_site.model import Formula

from mlnotes_site.render.markdown.math import restore_pipes

# Commands whose argument is words (text, or an upright name such as \mathrm{KL}).
TEXT_COMMANDS = frozenset({
    "text", "textrm", "textbf", "textit", "textsf", "texttt", "textnormal", "textup", "emph", "mbox", "hbox",
    "mathrm", "mathit", "mathsf", "mathtt", "mathbf", "boldsymbol", "operatorname", "operatornamewithlimits",
})
# Named operators that stand for a word a reader may type ("det" for a determinant).
NAMED_OPERATORS = frozenset({
    "arccos", "arcsin", "arctan", "arg", "cos", "cosh", "cot", "det", "dim", "exp", "gcd", "hom", "ker", "lim",
    "liminf", "limsup", "ln", "log", "max", "min", "Pr", "sin", "sinh", "sup", "inf", "tan", "tanh", "tr", "argmax",
    "argmin", "softmax", "sgn", "rank", "diag", "Var", "Cov", "KL",
})
# a command, and a flat braced argument right after it (or the `{` of one that is not flat)
_COMMAND_RE = re.compile(r"\\([A-Za-z]+)\*?[ \t\n]*(?:\{([^{}\\]*)\}|\{)?")
_WORD_RE = re.compile(r"[0-9A-Za-z\u00c0-\u024f]+|[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]+")
_CJK_RE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]")
_IDENT_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|[\u3400-\u9fff]+")
# Words of nearly every program: noise in a search index, never what a reader looks for.
_CODE_NOISE = frozenset({
    "def", "return", "import", "from", "class", "if", "else", "elif", "for", "in", "while", "with", "as",
    "not", "and", "or", "is", "None", "True", "False", "self", "lambda", "pass", "let", "const", "var",
    "function", "new", "int", "float", "str", "void", "the",
})


def _keep(word: str) -> bool:
    return len(word) > 1 or bool(_CJK_RE.match(word))


def _quick_words(tex: str) -> list[str] | None:
    """The words of a formula whose text commands all have flat arguments (`\\text{交叉熵}`), in one
    regular-expression scan; None when an argument nests (then the full scan below reads it)."""
    words: list[str] = []
    for match in _COMMAND_RE.finditer(tex):
        name, argument = match.group(1), match.group(2)
        if name in TEXT_COMMANDS:
            if argument is None:
                if match.group(0).endswith("{"):
                    return None  # braces or commands inside: read it properly
                continue
            words.extend(w for w in _WORD_RE.findall(argument) if _keep(w))
        elif name in NAMED_OPERATORS:
            words.append(name)
    return words


def formula_words(tex: str) -> list[str]:
    """The words of a formula: the arguments of text-like commands and named operators, in order.
    One pass over the TeX with a stack of groups (is this group text?), so nesting costs nothing;
    most formulas have no text command at all, and only their named operators are looked up."""
    quick = _quick_words(tex)
    if quick is not None:
        return quick
    words: list[str] = []
    stack: list[bool] = []  # per open brace: is its content text?
    pending = False  # the next `{` opens a text group
    current: list[str] = []

    def flush() -> None:
        if current:
            words.extend(w for w in _WORD_RE.findall("".join(current)) if _keep(w))
            current.clear()

    i, n = 0, len(tex)
    while i < n:
        ch = tex[i]
        in_text = bool(stack) and stack[-1]
        if ch == "\\":
            j = i + 1
            while j < n and tex[j].isascii() and tex[j].isalpha():
                j += 1
            name = tex[i + 1:j]
            if not name:  # a control symbol: \{ \% \, \\
                if in_text and j < n and tex[j] in "{}%&$#_":
                    current.append(tex[j])
                else:
                    current.append(" ")
                i = j + 1
                continue
            if j < n and tex[j] == "*":
                j += 1
            if name in TEXT_COMMANDS:
                flush()
                pending = True
            elif not in_text and name in NAMED_OPERATORS:
                flush()
                words.append(name)
            else:
                current.append(" ")
            i = j
            continue
        if ch == "{":
            stack.append(pending or in_text)
            pending = False
        elif ch == "}":
            if stack:
                stack.pop()
            if not (stack and stack[-1]):
                flush()
        elif in_text:
            current.append(ch)
        elif not ch.isspace():
            pending = False  # `\mathrm x`: an argument without braces is one letter, not a word
        i += 1
    flush()
    return words


def code_identifiers(code: str) -> list[str]:
    """Names in a code block (functions, variables, modules), each once, and words of CJK comments."""
    seen: dict[str, None] = {}
    for word in _IDENT_RE.findall(code):
        if _keep(word) and word not in _CODE_NOISE:
            seen.setdefault(word, None)
    return list(seen)


class _TextOf(HTMLParser):
    """The text of raw HTML in a note, without scripts and styles."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self.skip += 1
        alt = dict(attrs).get("alt") if tag == "img" else None
        if alt:
            self.parts.append(f" {alt} ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self.skip:
            self.skip -= 1
        self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def html_text(html: str) -> str:
    parser = _TextOf()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts)


def _inline_text(token: Token, formulas: Sequence[Formula]) -> str:
    parts: list[str] = []
    for child in token.children or []:
        kind = child.type
        if kind in ("text", "code_inline"):
            parts.append(child.content)
        elif kind in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif kind == "image":
            parts.append(f" {child.content} ")
        elif kind == "math_inline":
            mid = child.meta.get("mid")
            tex = formulas[mid].tex if isinstance(mid, int) and mid < len(formulas) else child.content
            parts.append(" " + " ".join(formula_words(tex)) + " ")
    return "".join(parts)


def search_text(tokens: list[Token], formulas: Sequence[Formula]) -> str:
    """The note's search record (an HTML fragment of headings and paragraphs) from its block tokens;
    `formulas` is the renderer's formula list (their TeX, with pipes restored)."""
    out: list[str] = []
    heading: tuple[str, str] | None = None  # (tag, id) of the heading being read

    def para(text: str) -> None:
        text = " ".join(text.split())
        if text:
            out.append(f"<p>{escape(text, quote=False)}</p>")

    for token in tokens:
        kind = token.type
        if kind == "heading_open":
            heading = (token.tag, str(token.attrGet("id") or ""))
        elif kind == "heading_close":
            heading = None
        elif kind == "inline":
            text = _inline_text(token, formulas)
            if heading is not None:
                tag, ident = heading
                ident_attr = f' id="{escape(ident)}"' if ident else ""
                out.append(f"<{tag}{ident_attr}>{escape(' '.join(text.split()), quote=False)}</{tag}>")
            else:
                para(text)
        elif kind in ("fence", "code_block"):
            para(" ".join(code_identifiers(token.content)))
        elif kind == "math_block":
            mid = token.meta.get("mid")
            tex = formulas[mid].tex if isinstance(mid, int) and mid < len(formulas) else token.content
            para(" ".join(formula_words(tex)))
        elif kind == "html_block":
            para(html_text(token.content))
    return restore_pipes("".join(out))
