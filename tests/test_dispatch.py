"""The inline tokenizer that asks each rule only where it can start (render/markdown/dispatch.py) and the
link rules that are not asked where no link can be (labels.py `cannot_link`) are exact: a rule left out
returns False without touching the state, and whole documents render as through markdown-it's own
tokenizer, `skipToken` and link rules."""
from __future__ import annotations

import random

import pytest
from markdown_it.rules_block import StateBlock
from markdown_it.rules_inline import StateInline
from markdown_it.rules_inline.image import image as standard_image
from markdown_it.rules_inline.link import link as standard_link
from markdown_it.rules_inline.linkify import SCHEME_RE
from markdown_it.rules_inline.linkify import linkify as standard_linkify

from mlnotes_site.render.markdown import create_markdown
from mlnotes_site.render.markdown.autolinks import scheme_before
from mlnotes_site.render.markdown.dispatch import BLOCK_FIRST, FIRST, TEXT

PIECES = ["[", "]", "[[", "]]", "![", "](u)", "(", ")", "^[", "[^1]", "^", "~", "~~", "==", "$", "$$", "\\(",
          "\\)", "\\[", "\\]", "\\", "`", "``", "%%", "*", "_", "<", ">", "<b>", "</b>", "<http://a.b>", "&amp;",
          "&", ":", "http://x.org", "://", "a://", "HTTPS://a.b/c", "www.x.com", "a@b.co", "mailto:", "\u212a", "ſ",
          "-", ".", "+", "!", "|", "a", "中文", " ", "\n", "x", "1", "\\eqref{eq:a}", "#", "{", "}"]


def _text(rng: random.Random, pieces: int) -> str:
    return "".join(rng.choice(PIECES) for _ in range(rng.randint(1, pieces)))


def _reference_linkify(state, silent):  # type: ignore[no-untyped-def]
    """markdown-it's linkify rule, with the one fix ours makes: inside a link label's search the pending
    text is not what precedes "://", and a scheme read from it is not one (markdown-it steps back and
    raises on `x.com[//x.g://](`)."""
    found = SCHEME_RE.search(state.pending)
    if found and not state.src.endswith(found.group(1), 0, state.pos):
        return False
    return standard_linkify(state, silent)


def _plain_twin():  # type: ignore[no-untyped-def]
    """Our parser with markdown-it's own tokenizer, skipToken, link and linkify rules put back."""
    md = create_markdown.__wrapped__()  # a fresh instance (create_markdown's is shared)
    # the instance's: markdown-it's own methods show through
    del md.inline.tokenize, md.inline.skipToken, md.block.ruler.getRules
    md.inline.ruler.at("link", standard_link)
    md.inline.ruler.at("image", standard_image)
    md.inline.ruler.at("linkify", _reference_linkify)
    return md


def test_a_rule_not_asked_would_have_said_no_and_changed_nothing():
    md = create_markdown()
    rules = {r.name: r.fn for r in md.inline.ruler.__rules__ if r.enabled}
    assert set(FIRST) <= set(rules) and TEXT in rules  # the table names rules the parser has
    terminators = md.inline.terminator_re
    rng = random.Random(21)
    asked = 0
    for _ in range(400):
        src = _text(rng, 30)
        env: dict = {"folder": "", "references": {"X": {"href": "/x", "title": ""}}} if rng.random() < 0.3 \
            else {"folder": ""}
        for pos, char in enumerate(src):
            for name, rule in rules.items():
                may = (terminators.match(char) is None) if name == TEXT else (name not in FIRST or char in FIRST[name])
                if may:
                    continue
                for silent in (True, False):
                    state = StateInline(src, md, env, [])
                    state.pos = pos
                    answer = rule(state, silent)
                    asked += 1
                    assert answer is False and state.pos == pos and state.tokens == [] and state.pending == "", \
                        (name, src, pos, silent)
    assert asked > 100_000


LINE_STARTS = ["", "", "  ", "    ", "> ", ">", "- ", "* ", "+ ", "1. ", "2) ", "# ", "## ", "$$", "\\[", "\\]",
               "\\begin{align}", "\\end{align}", "%%", "=== \"t\"", "!!! note", "??? tip", ": ", "~ ", "[^1]: ",
               "```", "~~~", "<div>", "</div>", "<!--", "***", "---", "___", "| a | b |", "|---|---|", "a | b",
               "[a]: /u", "> [!note]", "===", "text ", "中文 "]


def _document(rng: random.Random, lines: int) -> str:
    return "\n".join(rng.choice(LINE_STARTS) + _text(rng, 4) * rng.randint(0, 1) for _ in range(rng.randint(1, lines)))


def test_a_terminator_not_asked_would_have_said_no_and_changed_nothing():
    md = create_markdown()
    rules = {r.name: r.fn for r in md.block.ruler.__rules__ if r.enabled}
    assert set(BLOCK_FIRST) <= set(rules)
    rng = random.Random(22)
    asked = 0
    for _ in range(300):
        src = _document(rng, 12)
        for parent in ("root", "paragraph", "blockquote", "list"):
            state = StateBlock(src, md, {"folder": ""}, [])
            state.parentType = parent
            state.ddIndent = rng.choice([-1, 0])
            for line in range(state.lineMax):
                start = state.bMarks[line] + state.tShift[line]
                if start >= state.eMarks[line]:
                    continue
                char = src[start]
                for name, first in BLOCK_FIRST.items():
                    if char in first:
                        continue
                    asked += 1
                    assert rules[name](state, line, state.lineMax, True) is False, (name, src, line, parent)
                    assert state.line == 0 and state.tokens == [] and state.parentType == parent, (name, src, line)
    assert asked > 30_000


@pytest.mark.parametrize("seed", range(3))
def test_block_documents_render_as_through_markdown_its_own_rules(seed):
    fast, plain = create_markdown(), _plain_twin()
    rng = random.Random(100 + seed)
    for _ in range(500):
        src = _document(rng, 14)
        assert fast.render(src, {"folder": ""}) == plain.render(src, {"folder": ""}), src


@pytest.mark.parametrize("seed", range(3))
def test_documents_render_as_through_markdown_its_own_tokenizer(seed):
    fast, plain = create_markdown(), _plain_twin()
    rng = random.Random(seed)
    for _ in range(700):
        src = _text(rng, 60)
        if rng.random() < 0.25:
            src += "\n\n[a]: /u\n[^1]: note\n"
        assert fast.render(src, {"folder": ""}) == plain.render(src, {"folder": ""}), src


def test_the_scheme_is_read_from_the_end_as_markdown_it_searches_for_it():
    rng = random.Random(5)
    alphabet = ["a", "Z", "1", ".", "+", "-", " ", "/", ":", "\u212a", "ſ", "中", "_", "\n", "http", "é"]
    for _ in range(20_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        found = SCHEME_RE.search(text)
        assert scheme_before(text) == (found.group(1) if found else None), repr(text)


def test_urls_link_as_markdown_it_links_them():
    fast, plain = create_markdown(), _plain_twin()
    rng = random.Random(6)
    pieces = ["http", "https", "HTTP", "ftp", "mailto", "a", "x.y", ":", "//", "://", "/", ".", "com", "org", "中文",
              "，", " ", "\n", "(", ")", "*", "_", "@", "www.", "?q=1", "#f", "<", ">", "`", "[", "](", "\u212a"]
    for _ in range(3000):
        src = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 30)))
        assert fast.render(src, {"folder": ""}) == plain.render(src, {"folder": ""}), src


def test_a_url_in_a_link_label_after_a_host_name_is_no_crash():
    html = create_markdown().render("x.com[//x.g://](", {"folder": ""})  # markdown-it-py: RuntimeError
    assert html.startswith("<p>") and "x.g" in html


def test_deep_brackets_in_an_inline_footnote_as_markdown_it():
    """markdown-it gives up on a label past its nesting limit (20): the cache its link label searches
    fill decides an inline footnote's label; `cannot_link` must leave those searches alone then."""
    fast, plain = create_markdown(), _plain_twin()
    for depth in range(15, 26):
        for text in ("^[" + "[" * depth + "a" + "]" * depth + "] b", "[" * depth + "x^[y]" + "]" * depth,
                     "^[" + "[a]" * depth + "]", "[" * depth + "a](u)" + "]" * depth):
            assert fast.render(text, {"folder": ""}) == plain.render(text, {"folder": ""}), text


def test_a_paragraph_of_brackets_asks_no_label_search():
    """`[[a]` repeated with no `](` and no reference: the link rule answers from one lookup."""
    from mlnotes_site.render.markdown import labels
    calls = 0
    real = labels._walk

    def counted(*args):  # type: ignore[no-untyped-def]
        nonlocal calls
        calls += 1
        return real(*args)
    try:
        labels._walk = counted
        create_markdown().render("[[a]" * 2000, {"folder": ""})
        assert calls == 0
        create_markdown().render("[[a]" * 200 + "[x](u)", {"folder": ""})  # a link at the end: searched
        assert calls > 0
    finally:
        labels._walk = real


def test_a_bare_url_longer_than_the_limit_is_linked_up_to_it():
    from mlnotes_site.render.markdown.autolinks import LONGEST_URL
    short, long = "https://x.org/" + "a" * 100, "https://x.org/" + "a" * (LONGEST_URL + 500)
    md = create_markdown()
    assert f'href="{short}"' in md.render(f"see {short} here", {"folder": ""})
    html = md.render(f"see {long} here", {"folder": ""})
    linked = html.split('href="', 1)[1].split('"', 1)[0]
    assert long.startswith(linked) and len(linked) == len("https") + 3 + LONGEST_URL
