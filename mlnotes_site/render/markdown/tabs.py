"""MkDocs Material's content tabs (`=== "Python"` with the tab's content indented below it). A page
has no script for them, so each tab shows as a titled panel, one after another: nothing is hidden,
and the content is never taken for indented code."""
from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock

from mlnotes_site.render.markdown.math import line_text

_TAB_RE = re.compile(r'^===[!+]*[ \t]+"(.*)"[ \t]*$')  # `===! "A"` starts a new set, `===+ "A"` is selected


def _tab(state: StateBlock, startLine: int, endLine: int, silent: bool) -> bool:
    if state.sCount[startLine] - state.blkIndent >= 4:
        return False  # indented code
    if not state.src.startswith("===", state.bMarks[startLine] + state.tShift[startLine], state.eMarks[startLine]):
        return False  # asked of every line of every paragraph: said without copying the line
    marker = _TAB_RE.match(line_text(state, startLine))
    if marker is None:
        return False
    if silent:
        return True
    indent = state.sCount[startLine] + 4
    last = startLine + 1
    while last < endLine:
        blank = state.bMarks[last] + state.tShift[last] >= state.eMarks[last]
        if not blank and state.sCount[last] < indent:
            break  # a line back at the marker's indent ends the tab
        last += 1
    old_indent, old_max, old_parent = state.blkIndent, state.lineMax, state.parentType
    state.blkIndent, state.lineMax, state.parentType = indent, last, "tab"

    token = state.push("tab_open", "section", 1)
    token.block, token.map = True, [startLine, last]
    title = state.push("inline", "", 0)
    title.content, title.map, title.children = marker.group(1), [startLine, startLine + 1], []
    state.push("tab_body_open", "div", 1).block = True
    state.md.block.tokenize(state, startLine + 1, last)
    state.push("tab_body_close", "div", -1).block = True
    state.push("tab_close", "section", -1).block = True

    state.blkIndent, state.lineMax, state.parentType = old_indent, old_max, old_parent
    state.line = last
    return True


def tabs_plugin(md: MarkdownIt) -> None:
    md.block.ruler.before("fence", "content_tab", _tab, {"alt": ["paragraph", "reference", "blockquote", "list"]})
    md.add_render_rule("tab_open", lambda self, t, i, o, e: '<section class="tab">\n<p class="tab-title">')
    md.add_render_rule("tab_body_open", lambda self, t, i, o, e: "</p>\n<div class=\"tab-body\">\n")
    md.add_render_rule("tab_body_close", lambda self, t, i, o, e: "</div>\n")
    md.add_render_rule("tab_close", lambda self, t, i, o, e: "</section>\n")
