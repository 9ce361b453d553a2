"""Standard syntax stays standard: every example of the CommonMark spec, rendered by our whole
Markdown stack, must give what plain markdown-it-py in CommonMark mode gives.

The examples come from the npm package `commonmark-spec` (pinned in package.json, read with the
package's own extractor). Our stack is `prepare_note` (the markdown-it instance with every rule of
ours, equation numbering, code highlighting), with relative links put back as written (the build
resolves them to page URLs) and formulas left as a marker. Two decorations that every heading and
code block get are taken off before comparing, and nothing else:
  - a heading's `id` and its `#` anchor link;
  - a code block's header (language label, copy button) and Pygments' colouring spans.
The few examples where we mean something else on purpose are listed in DEPARTURES with the reason;
the README lists them too. Anything else that differs is a rule that changed standard Markdown.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import datetime, UTC
from html import unescape
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml

from mlnotes_site.config import Config
from mlnotes_site.load.content import Note
from mlnotes_site.model import COPY, LINK, MATH, fill_placeholders
from mlnotes_site.render.math.katex import find_node
from mlnotes_site.render.note import prepare_note

REPO = Path(__file__).resolve().parent.parent
SPEC_PACKAGE = REPO / "node_modules" / "commonmark-spec"

# Example number -> why our reading differs from CommonMark's (keep in step with the README).
DEPARTURES: dict[int, str] = {
    12: r"`\[ … \]` is display math (MathJax's delimiter), so `\[\\\]` is a formula",
    31: "a relative URL in raw HTML is rewritten to the page it names (written with its entities decoded)",
    630: "a relative URL in raw HTML is rewritten to the page it names (written with its entities decoded)",
    548: "`[[foo]]` is a wikilink (Obsidian) unless CommonMark reads a link there",
    590: "`![[foo]]` is a wikilink embed (Obsidian) unless CommonMark reads an image there",
    **{n: "an image alone in its paragraph with a title is a <figure>, the title its <figcaption>"
       for n in (572, 573, 576, 577, 584, 585, 586, 588, 589, 591)},
    602: "a bare URL becomes a link (GFM's autolink extension, linkify)",
    608: "a bare URL becomes a link (GFM's autolink extension, linkify)",
    611: "a bare URL becomes a link (GFM's autolink extension, linkify)",
    612: "a bare e-mail address becomes a link (GFM's autolink extension, linkify)",
}

# Standard Markdown that the spec has no example of but real notes write by the hundred; each is
# plain CommonMark and must mean what CommonMark says.
EXTRA_EXAMPLES: dict[str, str] = {
    "citation link": "SmoothQuant [[3]](https://arxiv.org/abs/2211.10438) and ZeroQuant [[12]](#ref12).\n",
    "citation link with title": '[[1]](https://example.org/paper "Paper") says so.\n',
    "citation reference link": "Shown in [[2]][ref].\n\n[ref]: https://example.org/2\n",
    "bracketed text of a defined reference": "See [[x]].\n\n[x]: /target\n",
    "bracketed image description": "![[figure]](fig.png)\n",
    "citation links in a list": "- one [[1]](#ref1)\n- two [[2]](#ref2)\n",
    "tildes and carets in prose": "About ~5 minutes in ~/notes, 2^10 and a^b c^d, x ~ y ^ z.\n",
    "an image with a title beside text": 'See ![plot](p.png "Figure 1") here.\n',
}

_HEADING_RE = re.compile(r'<(h[1-6]) id="[^"]*">(.*?)<a class="heading-anchor" href="[^"]*" aria-hidden="true" '
                         r'tabindex="-1">#</a></h[1-6]>', re.S)
_CODE_RE = re.compile(r'<div class="code-block" data-lang="[^"]*"><div class="code-header">.*?</div>'
                      r'<pre class="highlight"><code( class="[^"]*")?>(.*?)</code></pre></div>\n', re.S)
_TAG_RE = re.compile(r"<[^>]+>")


def _undecorate(html: str) -> str:
    html = _HEADING_RE.sub(lambda m: f"<{m.group(1)}>{m.group(2)}</{m.group(1)}>", html)
    return _CODE_RE.sub(lambda m: f"<pre><code{m.group(1) or ''}>"
                                  f"{escapeHtml(unescape(_TAG_RE.sub('', m.group(2))))}</code></pre>\n", html)


def ours(markdown: str) -> str:
    note = Note(path="content/spec.md", content_path="spec.md", lang="en", key="spec", topic="", slug="spec",
                title="Spec", date=datetime(2024, 1, 1, tzinfo=UTC),
                updated=datetime(2024, 1, 1, tzinfo=UTC), topics=(), tags=(), summary=None, draft=False,
                aliases=(), toc=True, weight=0, params={}, body=markdown, body_line=0)
    prepared = prepare_note(note, Config(root=REPO, languages=("en",)))
    links = prepared.env.links
    html = fill_placeholders(prepared.html, {MATH: lambda _: "\x00math\x00", COPY: lambda _: "\x00math\x00",
                                             LINK: lambda index: escapeHtml(links[index].raw)})
    return _undecorate(html)


def spec_examples() -> list[dict[str, object]]:
    node = find_node() or shutil.which("node")
    if node is None or not SPEC_PACKAGE.is_dir():
        pytest.fail("the CommonMark spec comes from npm: run `npm ci` (package.json pins commonmark-spec)")
    out = subprocess.run([node, "-e", "process.stdout.write(JSON.stringify(require(process.argv[1]).tests))",
                          str(SPEC_PACKAGE)], capture_output=True, text=True, check=True, timeout=60).stdout
    examples = json.loads(out)
    for example in examples:  # the spec shows tabs as arrows
        example["markdown"] = str(example["markdown"]).replace("\u2192", "\t")
    return examples


def test_every_commonmark_example_means_what_commonmark_says() -> None:
    reference = MarkdownIt("commonmark")
    examples = spec_examples()
    assert len(examples) >= 650  # the whole spec was read
    cases = [(f"example {e['number']} ({e['section']})", str(e["markdown"]), int(e["number"])) for e in examples]
    cases += [(name, text, 0) for name, text in EXTRA_EXAMPLES.items()]
    mismatched, departed_alike = [], []
    for name, markdown, number in cases:
        expected, got = reference.render(markdown), ours(markdown)
        if number in DEPARTURES:
            if got == expected:
                departed_alike.append(name)
        elif got != expected:
            mismatched.append(f"{name}\n  input:    {markdown!r}\n  expected: {expected!r}\n  got:      {got!r}")
    assert not mismatched, f"{len(mismatched)} examples changed meaning:\n" + "\n".join(mismatched)
    # a listed departure that no longer departs is a stale list (and a stale README)
    assert not departed_alike, f"listed as departures but rendered as CommonMark: {departed_alike}"
