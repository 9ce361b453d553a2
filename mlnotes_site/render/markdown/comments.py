"""Obsidian comments: `%%hidden%%` inside a paragraph, and blocks from a line starting with `%%` to a
line ending with `%%`. They are private notes to oneself: nothing of them reaches any page, excerpt
or feed. As in Obsidian, a block comment that is never closed hides the rest of the note (and is
reported, see `MarkdownEnv.unclosed_comment`). Code spans, code blocks and formulas keep their `%%`.
"""
from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_inline import StateInline

from mlnotes_site.render.markdown import scan
from mlnotes_site.render.markdown.math import line_text
from mlnotes_site.model import markdown_env

MARK = "%%"


def _comment_block(state: StateBlock, startLine: int, endLine: int, silent: bool) -> bool:
    if state.sCount[startLine] - state.blkIndent >= 4:
        return False  # indented code
    if not state.src.startswith(MARK, state.bMarks[startLine] + state.tShift[startLine], state.eMarks[startLine]):
        return False  # asked of every line of every paragraph: said without copying the line
    first = line_text(state, startLine).rstrip()
    rest = first[len(MARK):]
    if MARK in rest:
        if rest.find(MARK) != len(rest) - len(MARK):
            return False  # "%%a%% more text": a comment inside a paragraph (the inline rule)
        last = startLine
    else:
        # found once per document, not once per opener (8,000 lines starting "%%" after a paragraph)
        last = scan.next_line(state, "ends" + MARK, startLine + 1, endLine,
                              lambda n: line_text(state, n).rstrip().endswith(MARK))
        if last < 0:
            if silent:
                return False  # a paragraph does not end at an opener that is never closed
            found = markdown_env(state.env)
            if found.unclosed_comment is None:
                found.unclosed_comment = startLine
            last = endLine - 1
    if not silent:
        state.line = last + 1
    return True


def _comment_inline(state: StateInline, silent: bool) -> bool:
    if not state.src.startswith(MARK, state.pos):
        return False
    end = scan.find(state.src, MARK, state.pos + len(MARK), state.posMax)
    if end < 0:
        return False
    state.pos = end + len(MARK)  # nothing pushed: the comment is gone
    return True


def comments_plugin(md: MarkdownIt) -> None:
    # Used before the math plugin, so that both go before "table" with this rule first: a comment
    # hides the formulas in it.
    md.block.ruler.before("table", "obsidian_comment", _comment_block,
                          {"alt": ["paragraph", "reference", "blockquote", "list"]})
    # after code spans and formulas (which keep their %%), before everything else that reads text
    md.inline.ruler.before("strikethrough", "obsidian_comment", _comment_inline)
