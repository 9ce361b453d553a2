"""Inline rules asked only where they can start.

markdown-it's inline tokenizer (and `skipToken`, the step of every link-label walk) asks every inline
rule in turn at every position the text rule stops at: each bracket, dollar, backslash, star, `]`…
Ours has 21 rules, and nearly all of them look at the character under the cursor first and return
False. A paragraph of brackets (`[[a]` repeated) spent most of its time in those calls.

`FIRST` names, for each rule we know, the characters it can start at. At a character, the tokenizer
here asks only the rules that can start there, in their order; the text rule only at characters that
are not terminators (where it always matches). That is exact, not a heuristic: a rule left out would
have returned False without touching the state (tests/test_dispatch.py runs every rule listed at
every other character of bracket-, math- and markup-heavy text and holds it to that, and renders
random documents through both tokenizers). A rule not in `FIRST` (a plugin added later) is asked at
every character, as markdown-it does.

Block rules are the same story one level up: a paragraph asks every terminator rule (13 here) at each
of its lines whether the line ends it, and `lheading` asks them all again. `BLOCK_FIRST` names the first
characters of a line (after its indent) each terminator rule can accept, and the terminator chains
(`paragraph`, `blockquote`, `list`, `reference`) become one rule that asks only those. Terminators are
always asked silently; only those chains are changed, never the chain that opens blocks.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_inline import StateInline

Rule = Callable[[StateInline, bool], bool]
BlockRule = Callable[[StateBlock, int, int, bool], bool]

TEXT = "text"
FIRST: dict[str, str] = {
    "linkify": ":",
    "newline": "\n",
    "eqref": "\\",
    "math_inline": "$\\",
    "escape": "\\",
    "backticks": "`",
    "obsidian_comment": "%",
    "subscript": "~",
    "superscript": "^",
    "highlight": "=",
    "strikethrough": "~",
    "emphasis": "*_",
    "wikilink": "[!",
    "link": "[",
    "image": "!",
    "footnote_inline": "^",
    "footnote_ref": "[",
    "autolink": "<",
    "html_inline": "<",
    "entity": "&",
}


BLOCK_FIRST: dict[str, str] = {  # asked silently, as a terminator: what the line must start with
    "obsidian_comment": "%",
    "math_block": "$\\",
    "admonition": "!?",
    "content_tab": "=",
    "fence": "`~",
    "blockquote": ">",
    "hr": "*-_",
    "list": "*-+0123456789",
    "footnote_def": "[",
    "html_block": "<",
    "heading": "#",
    "deflist": ":~",
}


class Chains:
    """The rules to ask at each character, made from the ruler's current list the first time a
    character is met (made again when the list or the terminator characters change)."""

    def __init__(self, md: MarkdownIt) -> None:
        self.md = md
        self.rules: list[Rule] | None = None
        self.terminators: Any = None
        self.named: list[tuple[str, Rule]] = []
        self.by_char: dict[str, list[Rule]] = {}

    def refresh(self) -> None:
        """Start again if the ruler changed (asked once per tokenize: the rules do not change while a
        text is parsed)."""
        inline = self.md.inline
        rules = inline.ruler.getRules("")
        if rules is not self.rules or inline.terminator_re is not self.terminators:
            self.rules, self.terminators = rules, inline.terminator_re
            self.named = _named(inline.ruler, rules)
            self.by_char = {}

    def make(self, char: str) -> list[Rule]:
        chain = self.by_char[char] = [rule for name, rule in self.named if self._may_start(name, char)]
        return chain

    def ask(self, state: StateInline, silent: bool) -> bool:
        """Whether one of the rules that can start at the character under the cursor matched (it moved
        `state.pos` on). The chains must be current (`refresh()`, once per tokenize)."""
        pos = state.pos
        char = state.src[pos:pos + 1]  # "" past the end: every rule, as markdown-it
        chain = self.by_char.get(char)
        if chain is None:
            chain = self.make(char)
        for rule in chain:
            if rule(state, silent):
                if state.pos <= pos:
                    raise RuntimeError("inline rule didn't increment state.pos")
                return True
        return False

    def _may_start(self, name: str, char: str) -> bool:
        if name == TEXT:
            return self.terminators.match(char) is None
        first = FIRST.get(name)
        return first is None or char in first


def tokenize(chains: Chains) -> Callable[[StateInline], None]:
    """markdown-it's `ParserInline.tokenize`, step for step, asking each position's chain."""
    def run(state: StateInline) -> None:
        src, end = state.src, state.posMax
        max_nesting = state.md.options["maxNesting"]
        chains.refresh()
        ask = chains.ask
        while state.pos < end:
            if state.level < max_nesting and ask(state, False):
                if state.pos >= end:
                    break
                continue
            state.append_pending(src[state.pos])
            state.pos += 1
        if state.pending:
            state.pushPending()
    return run


def skip_token(chains: Chains) -> Callable[[StateInline], None]:
    """markdown-it's `ParserInline.skipToken`, the step of every label walk, with the same result and the
    same cache, asked in a cheaper order: the cache before the rules (most steps are cache hits), the
    nesting level raised once around the rules rather than around each one (each rule sees the same
    level), and only the rules that can start at the character."""
    def run(state: StateInline) -> None:
        pos, cache = state.pos, state.cache
        if pos in cache:
            state.pos = cache[pos]
            return
        ok = False
        if state.level < state.md.options["maxNesting"]:
            state.level += 1
            ok = chains.ask(state, True)  # (made current by the tokenize this runs in)
            state.level -= 1
        else:  # too deep: markdown-it skips to the end of the text (its own workaround, kept)
            state.pos = state.posMax
        if not ok:
            state.pos += 1
        cache[pos] = state.pos
    return run


class Terminators:
    """The block ruler's `getRules`, for this instance: a terminator chain is one rule that asks, at a
    line, only the rules that can accept its first character (in their order); the chain that opens
    blocks ("") is markdown-it's."""

    def __init__(self, md: MarkdownIt) -> None:
        self.ruler = md.block.ruler
        self.original = type(self.ruler).getRules.__get__(self.ruler)
        self.made: dict[str, tuple[list[BlockRule], list[BlockRule]]] = {}

    def __call__(self, chain: str = "") -> list[Any]:
        rules = self.original(chain)
        if not chain or not rules:
            return rules
        made = self.made.get(chain)
        if made is None or made[0] is not rules:
            made = self.made[chain] = (rules, [_terminator(_named(self.ruler, rules))])
        return made[1]


def _named(ruler: Any, rules: list[Any]) -> list[tuple[str, Any]]:
    """Each rule of a chain with its name on the ruler ("" for one it does not name)."""
    names = {id(r.fn): r.name for r in ruler.__rules__ if r.enabled}
    return [(names.get(id(rule), ""), rule) for rule in rules]


def _terminator(named: list[tuple[str, BlockRule]]) -> BlockRule:
    by_char: dict[str, list[BlockRule]] = {}

    def ask(state: StateBlock, line: int, end: int, silent: bool) -> bool:
        start = state.bMarks[line] + state.tShift[line]
        char = state.src[start] if start < state.eMarks[line] else ""  # "": a blank line, every rule
        chain = by_char.get(char)
        if chain is None:
            chain = by_char[char] = [rule for name, rule in named
                                     if not char or name not in BLOCK_FIRST or char in BLOCK_FIRST[name]]
        for rule in chain:
            if rule(state, line, end, silent):
                return True
        return False
    return ask


def dispatch_plugin(md: MarkdownIt) -> None:
    """On this instance only (markdown-it's parser methods stay as they are for others)."""
    chains = Chains(md)
    md.inline.tokenize = tokenize(chains)  # type: ignore[method-assign,assignment]
    md.inline.skipToken = skip_token(chains)  # type: ignore[method-assign,assignment]
    md.block.ruler.getRules = Terminators(md)  # type: ignore[method-assign,assignment]
