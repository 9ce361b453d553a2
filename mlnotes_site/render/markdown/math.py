"""Math syntax: `\\(..\\)`, `\\[..\\]`, `$..$`, `$$..$$`, double-escaped `\\\\(..\\\\)`, top-level
`\\begin{env}..\\end{env}`, and fenced ```math blocks. Formulas become `math_inline` / `math_block`
tokens that Markdown never touches, recorded as `Formula`s; they render as placeholders that the
math stage fills in.
"""
from __future__ import annotations

import re
from bisect import bisect_left
from html import escape

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

from mlnotes_site.model import MATH, Formula, markdown_env, placeholder
from mlnotes_site.render.markdown import scan
from mlnotes_site.render.math.equations import REF_RE

# Stands in for '|' inside inline formulas so the table rule cannot split a cell there.
PIPE = "\ufdd0"

ENVIRONMENTS = (
    "equation", "equation*", "align", "align*", "aligned", "alignat", "alignat*", "alignedat",
    "gather", "gather*", "gathered", "multline", "multline*", "flalign", "flalign*", "split",
    "cases", "dcases", "rcases", "eqnarray", "eqnarray*", "matrix", "pmatrix", "bmatrix",
    "Bmatrix", "vmatrix", "Vmatrix", "smallmatrix", "array", "subarray", "CD",
)
_BEGIN_RE = re.compile(r"\\begin\{(" + "|".join(re.escape(e) for e in ENVIRONMENTS) + r")\}")
# Inline openers, longest first: (opener, closer, display). `$$..$$` with text beside it on its line is
# inline math, as kramdown (Jekyll) reads it: its writers put every formula in `$$`, mid-sentence ones
# too. Alone on its line(s) it is a display block (the block rule below takes it first).
_INLINE = ((r"\\(", r"\\)", False), (r"\\[", r"\\]", True), ("\\(", "\\)", False), ("\\[", "\\]", True),
           ("$$", "$$", False))
# Block openers at the start of a line: (opener, closer)
_BLOCK = ((r"\\[", r"\\]"), ("$$", "$$"), ("\\[", "\\]"))
_BLOCK_FIRST = ("$", "\\")  # what every block opener (and `\\begin`) starts with


def restore_pipes(text: str) -> str:
    return text.replace(PIPE, "|")


# --- finding inline formulas (shared by the inline rule and the pipe pre-pass) -------------------

_DOLLAR_SCAN_RE = re.compile(r"[\\$\n{}]")


def _dollar_close(src: str, start: int, end: int) -> int:
    """Closing `$` of a `$..$` formula opened just before `start`, or -1 (pandoc's rules). As in
    MathJax, a `$` inside braces does not close it: `$\text{当 $x>0$ 时}$` is one formula. When the
    braces never balance (`$\frac{a$`), the first `$` closes it, so KaTeX can say what is missing."""
    if start >= end or src[start].isspace() or src[start] == "$":
        return -1
    close = scan.per_text(src, "dollars", _Dollars).braced_close(start, end)
    return close if close >= 0 else _dollar_scan(src, start, end)


def _closes(src: str, pos: int, end: int) -> bool:
    """Whether a `$` at brace depth 0 closes: not after a space ("$5 and $"), not before a digit ("$5 to $10")."""
    return not src[pos - 1].isspace() and not (pos + 1 < end and src[pos + 1].isdigit())


class _Dollars:
    """One pass over a paragraph for the brace-aware search: where each unescaped `$` is, and the
    last place before it where the brace depth was lower. Scanning from `start`, a `$` is at depth 0
    (braces closed more than opened count as 0) exactly when the depth never went below its own
    since `start`, i.e. when that last lower place is before `start`."""

    def __init__(self, src: str) -> None:
        self.src = src
        self.dollars: list[int] = []
        lower: list[int] = []
        self.blank_lines: list[int] = []
        stack: list[tuple[int, int]] = []  # (depth, last position at it), depths increasing
        depth, pos, search = 0, 0, _DOLLAR_SCAN_RE.search
        while True:
            found = search(src, pos)
            if found is None:
                break
            pos = found.start()
            ch = src[pos]
            if ch == "\\":
                pos += 2
                continue
            if ch in "{}":
                while stack and stack[-1][0] >= depth:
                    stack.pop()
                stack.append((depth, pos))
                depth += 1 if ch == "{" else -1
            elif ch == "$":
                while stack and stack[-1][0] >= depth:
                    stack.pop()
                self.dollars.append(pos)
                lower.append(stack[-1][1] if stack else -1)
            elif src.startswith("\n", pos + 1):
                self.blank_lines.append(pos)
            pos += 1
        self.lower = scan.FirstAtMost(lower)

    def braced_close(self, start: int, end: int) -> int:
        """The first `$` at depth 0 from `start` when it closes, else -1."""
        k = self.lower.first(bisect_left(self.dollars, start), start - 1)
        if k < 0 or self.dollars[k] >= end:
            return -1
        pos = self.dollars[k]
        blank = bisect_left(self.blank_lines, start)
        if blank < len(self.blank_lines) and self.blank_lines[blank] < pos:
            return -1  # a blank line ends the paragraph
        return pos if _closes(self.src, pos, end) else -1


def _dollar_scan(src: str, start: int, end: int) -> int:
    """The first `$` from `start` when it closes, else -1 (linear: it stops at the first `$`)."""
    pos, scan_re = start, _DOLLAR_SCAN_RE.search
    while True:
        found = scan_re(src, pos, end)  # the next backslash, dollar, brace or line break
        if found is None:
            return -1
        pos = found.start()
        ch = src[pos]
        if ch == "\\":
            pos += 2  # an escaped character, "\$" above all
            continue
        if ch == "$":
            return pos if _closes(src, pos, end) else -1
        if ch == "\n" and pos + 1 < end and src[pos + 1] == "\n":
            return -1  # a blank line ends the paragraph
        pos += 1


def match_inline(src: str, pos: int, end: int) -> tuple[int, int, int, str, bool] | None:
    """(content start, content end, end after the closer, opener, display) of a formula at pos."""
    for opener, closer, display in _INLINE:
        if src.startswith(opener, pos):
            start = pos + len(opener)
            close = scan.find(src, closer, start, end)  # the first closer, wherever it is
            if close < 0 or close == start:
                return None
            return start, close, close + len(closer), opener, display
    if src.startswith("$", pos):
        close = _dollar_close(src, pos + 1, end)
        if close < 0:
            return None
        return pos + 1, close, close + 1, "$", False
    return None


_PIPE_SCAN_RE = re.compile(r"[`$\\]")
_BACKTICKS_RE = re.compile(r"`+")


def code_span_end(src: str, pos: int, end: int) -> int:
    """Where a code span opened by the backticks at `pos` ends: after the closing run of as many
    backticks, or after the opening run when there is none (it is text then)."""
    found = _BACKTICKS_RE.match(src, pos, end)
    run = found.end() - pos if found else 1
    close = scan.backtick_runs(src).closer(run, pos + run, end)
    return close + run if close >= 0 else pos + run


def protect_pipes_in_line(line: str) -> str:
    """Replace '|' inside inline formulas of one line with PIPE (code spans are left alone)."""
    if "|" not in line or ("$" not in line and "\\" not in line):
        return line
    out: list[str] = []
    pos, end = 0, len(line)
    while pos < end:
        ch = line[pos]
        if ch == "`":
            stop = code_span_end(line, pos, end)
            out.append(line[pos:stop])
            pos = stop
            continue
        if ch in "$\\":
            if ch == "\\" and pos + 1 < end and line[pos + 1] in "$|":
                out.append(line[pos:pos + 2])
                pos += 2
                continue
            found = match_inline(line, pos, end)
            if found:
                _, _, stop, _, _ = found
                out.append(line[pos:stop].replace("|", PIPE))
                pos = stop
                continue
        # plain text up to the next character that may start a code span or a formula
        found_next = _PIPE_SCAN_RE.search(line, pos + 1)
        stop = found_next.start() if found_next else end
        out.append(line[pos:stop])
        pos = stop
    return "".join(out)


def _protect_pipes(state: StateCore) -> None:
    state.src = "\n".join(protect_pipes_in_line(line) for line in state.src.split("\n"))


# --- rules ---------------------------------------------------------------------------------------

def _math_inline(state: StateInline, silent: bool) -> bool:
    if state.src[state.pos] not in "$\\":
        return False
    found = match_inline(state.src, state.pos, state.posMax)
    if not found:
        return False
    start, close, stop, opener, display = found
    if not silent:
        token = state.push("math_inline", "math", 0)
        token.content = state.src[start:close]
        token.markup = opener
        token.meta = {"display": display, "offset": start}
    state.pos = stop
    return True


def line_text(state: StateBlock, line: int) -> str:
    """A source line of the block being parsed, without its indentation."""
    return state.src[state.bMarks[line] + state.tShift[line]:state.eMarks[line]]


def _find_block_end(state: StateBlock, startLine: int, endLine: int, first: str,
                    opener: str, closer: str, silent: bool = False) -> tuple[str, int] | None:
    """(TeX, last line) of a `$$`/`\\[` block, or None when it is not a block."""
    rest = first[len(opener):]
    close = rest.find(closer)
    if close >= 0:
        if rest[close + len(closer):].strip():
            return None  # "$$a$$ and more" is a formula inside a paragraph
        return rest[:close], startLine
    # the next line ending with the closer, and (asked whether this line ends a paragraph) the next
    # blank line: a formula opened here and closed after a blank line is not one (it would end
    # paragraphs at any "$$" closing an inline formula); each found once per document, not per opener
    last = scan.next_line(state, "ends" + closer, startLine + 1, endLine,
                          lambda n: line_text(state, n).rstrip().endswith(closer))
    if last < 0:
        return None
    if silent:
        blank = scan.next_line(state, "blank", startLine + 1, endLine, lambda n: not line_text(state, n).strip())
        if 0 <= blank < last:
            return None
    lines = [rest] + [line_text(state, line).rstrip() for line in range(startLine + 1, last + 1)]
    lines[-1] = lines[-1][: -len(closer)]
    return "\n".join(lines), last


def _unclosed(state: StateBlock, line: int, opener: str) -> None:
    """Note a display formula opened at the start of a line and never closed (it stays text)."""
    markdown_env(state.env).unclosed_math.setdefault(line, (opener, state.sCount[line]))


class _EnvDepths:
    """For one environment name, over the lines of a document: the nesting depth after each line
    (\\begin minus \\end so far), so an environment's last line is found without a scan per opener."""

    def __init__(self, src: str, name: str) -> None:
        begin, end = f"\\begin{{{name}}}", f"\\end{{{name}}}"
        depth, depths = 0, []
        for text in src.split("\n"):
            if "\\" in text:
                depth += text.count(begin) - text.count(end)
            depths.append(depth)
        self.depths = depths
        self.first_at_most = scan.FirstAtMost(depths)

    def closing_line(self, start: int) -> int:
        """The first line from `start` where the environments opened from `start` on are all closed."""
        return self.first_at_most.first(start, self.depths[start - 1] if start else 0)


def _find_env_end(state: StateBlock, startLine: int, endLine: int, name: str) -> tuple[str, int] | None:
    """(TeX with its \\begin/\\end, last line) of a top-level environment, or None."""
    depths = scan.per_text(state.src, "env:" + name, lambda src: _EnvDepths(src, name))
    last = depths.closing_line(startLine)
    if last < 0 or last >= endLine:
        return None
    lines = [line_text(state, line).rstrip() for line in range(startLine, last + 1)]
    return ("\n".join(lines), last) if lines[-1].endswith(f"\\end{{{name}}}") else None


def _math_block(state: StateBlock, startLine: int, endLine: int, silent: bool) -> bool:
    if state.sCount[startLine] - state.blkIndent >= 4:
        return False
    src, start, stop = state.src, state.bMarks[startLine] + state.tShift[startLine], state.eMarks[startLine]
    if not src.startswith(_BLOCK_FIRST, start, stop):
        return False  # asked of every line of every paragraph: said without copying the line
    first = src[start:stop].rstrip()
    env = _BEGIN_RE.match(first) if first.startswith("\\begin{") else None
    if env:
        opener = env.group(0)
        found = _find_env_end(state, startLine, endLine, env.group(1))
    else:
        pair = next((pair for pair in _BLOCK if first.startswith(pair[0])), None)
        if pair is None:
            return False
        opener, closer = pair
        found = _find_block_end(state, startLine, endLine, first, opener, closer, silent=silent)
    if found is None:
        # at the start of a block (not while a paragraph asks whether this line ends it): an opener
        # whose closer never comes is a mistake worth a warning, though it stays text as elsewhere
        if not silent:
            if env:
                never_closed = scan.find(state.src, f"\\end{{{env.group(1)}}}", state.bMarks[startLine],
                                         state.eMarks[endLine - 1]) < 0
            else:
                never_closed = first == opener or opener not in first[len(opener):]
            if never_closed:
                _unclosed(state, startLine, opener)
        return False
    if silent:
        return True
    tex, last = found
    state.line = last + 1
    token = state.push("math_block", "math", 0)
    token.block = True
    token.content = tex.strip("\n")
    token.markup = opener
    token.map = [startLine, state.line]
    token.meta = {"display": True}
    return True


def _math_fences(state: StateCore) -> None:
    """A fenced block whose language is `math` (GitHub's and GitLab's way to write display math) is a
    display formula, not code."""
    for token in state.tokens:
        if token.type == "fence" and token.info.strip().split(maxsplit=1)[:1] == ["math"]:
            token.type, token.tag, token.meta = "math_block", "math", {"display": True}
            token.content = token.content.strip("\n")


def _image_alt(state: StateCore) -> None:
    """A formula in an image's description becomes its TeX: an alt text is plain text."""
    for token in state.tokens:
        for child in token.children or ():
            if child.type == "image":
                for part in child.children or ():
                    if part.type == "math_inline":
                        part.type, part.tag, part.content = "text", "", restore_pipes(part.content)




def _math_ids(state: StateCore) -> None:
    """Number every formula in document order; renderers and excerpts refer to it by that id."""
    formulas = markdown_env(state.env).formulas
    for token in state.tokens:
        if token.type == "math_block":
            token.meta["mid"] = len(formulas)
            formulas.append(Formula(restore_pipes(token.content), True, True, token.map[0] if token.map else 0))
        elif token.type == "inline" and token.children:
            counted, lines = 0, token.map[0] if token.map else 0  # line breaks counted once, left to right
            for child in token.children:
                if child.type == "math_inline":
                    child.meta["mid"] = len(formulas)
                    offset = child.meta.get("offset", 0)
                    if offset >= counted:
                        lines += token.content.count("\n", counted, offset)
                    else:  # a formula inside a mark or a link: its text was tokenized again
                        lines = (token.map[0] if token.map else 0) + token.content.count("\n", 0, offset)
                    counted = offset
                    formulas.append(Formula(restore_pipes(child.content), bool(child.meta.get("display")), False, lines))


def _eqref(state: StateInline, silent: bool) -> bool:
    """`\\eqref{eq:x}` / `\\ref{eq:x}` in prose: a link to a numbered equation of the note."""
    if state.src[state.pos] != "\\":
        return False
    match = REF_RE.match(state.src, state.pos)
    if not match:
        return False
    if not silent:
        token = state.push("eqref", "a", 0)
        token.meta = {"kind": match.group(1), "label": match.group(2).strip()}
    state.pos = match.end()
    return True


def _render_inline(self, tokens: list[Token], idx: int, options, env) -> str:  # type: ignore[no-untyped-def]
    return placeholder(MATH, tokens[idx].meta["mid"])


def _render_block(self, tokens: list[Token], idx: int, options, env) -> str:  # type: ignore[no-untyped-def]
    return placeholder(MATH, tokens[idx].meta["mid"]) + "\n"


def _render_eqref(self, tokens: list[Token], idx: int, options, env) -> str:  # type: ignore[no-untyped-def]
    meta = tokens[idx].meta
    state = markdown_env(env)
    found = state.labels.get(meta["label"])
    if found is None:
        state.unknown_refs.append(meta["label"])
        return f'<span class="eqref missing">({escape(meta["label"])}?)</span>'
    number, anchor = found
    text = f"({number})" if meta["kind"] == "eqref" else number
    return f'<a class="eqref" href="#{escape(anchor)}">{escape(text)}</a>'


def math_plugin(md: MarkdownIt) -> None:
    md.core.ruler.after("normalize", "math_pipes", _protect_pipes)
    md.block.ruler.before("table", "math_block", _math_block,
                          {"alt": ["paragraph", "reference", "blockquote", "list"]})
    md.inline.ruler.before("escape", "math_inline", _math_inline)
    md.inline.ruler.before("math_inline", "eqref", _eqref)
    md.core.ruler.push("math_fences", _math_fences)
    md.core.ruler.push("math_image_alt", _image_alt)
    md.core.ruler.push("math_ids", _math_ids)
    md.add_render_rule("math_inline", _render_inline)
    md.add_render_rule("math_block", _render_block)
    md.add_render_rule("eqref", _render_eqref)
