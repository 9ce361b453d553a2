"""Obsidian embeds: `![[note]]`, `![[note#heading]]` and `![[note#^block]]` alone on a line show the
note, its section or its block in place (formulas and code rendered, a link to the source), with
scoped ids; cycles and depth are bounded with located warnings; the host page follows edits of what
it embeds in a warm `build` and in `serve`."""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from helpers import note, note_body, read, tree_digest, write_site

from mlnotes_site.build import BuildOptions, build as build_site
from mlnotes_site.serve.live import LiveSite
from mlnotes_site.write.writer import MARKER

ALPHA = """
---
date: 2024-03-01
---
# Alpha

Intro.

![[beta]]

## Alpha's own

![[beta#Section Two]]

![[gamma#^blk]]

Inline ![[beta]] here.

![[missing-note]]

![[beta#No Such]]

![[d1]]
"""

BETA = """
---
date: 2024-03-02
summary: Beta in short.
---
# Beta

Beta text with $E=mc^2$ and a note[^1].

## Section Two

Code:

```python
def embedded_function(x):
    return x
```

$$
\\int_0^1 x\\,dx \\label{eq:int}
$$

See \\eqref{eq:int}, [the section](#section-two) and [three](#three).

## Three

after three

[^1]: The footnote.
"""

GAMMA = """
---
date: 2024-03-03
---
# Gamma

Not this.

This paragraph is the block. ^blk

![[cyc]]
"""

CYC = """
---
date: 2024-03-04
---
# Cyc

Cyc text.

![[gamma]]
"""


def _chain(i: int) -> str:
    embed = f"\n![[d{i + 1}]]\n" if i < 5 else ""
    return f"---\ndate: 2024-03-0{i}\nsummary: D{i} in short.\n---\n# D{i}\n\nD{i} body.\n{embed}"


def _vault(root: Path) -> Path:
    return write_site(root, {".obsidian/app.json": "{}", "a.md": ALPHA, "beta.md": BETA, "gamma.md": GAMMA,
                             "cyc.md": CYC, **{f"d{i}.md": _chain(i) for i in range(1, 6)}})


def _embeds(body: str) -> list[str]:
    """The top-level embed boxes of a page body, each as its HTML."""
    boxes, depth, start = [], 0, 0
    for match in re.finditer(r'<div class="embed">|<div\b[^>]*>|</div>', body):
        if match.group(0) == '<div class="embed">' and depth == 0:
            start, depth = match.start(), 1
        elif depth:
            depth += -1 if match.group(0) == "</div>" else 1
            if depth == 0:
                boxes.append(body[start:match.end()])
    return boxes


def test_embeds_show_the_note_its_section_or_its_block_in_place(tmp_path: Path, run_cli) -> None:
    site = _vault(tmp_path / "vault")
    run = run_cli("build", site, "-o", tmp_path / "out")
    assert run.code == 0, run.err
    out = tmp_path / "out"
    page = read(out, "a/index.html")
    body = note_body(page)
    whole, section, block, chain = _embeds(body)
    # the whole note: its text, formula, code and footnotes, headed by a link to it
    assert '<div class="embed-head"><a href="/beta/">Beta</a></div>' in whole
    assert "Beta text with" in whole and 'class="katex' in whole and "embedded_function" in whole
    assert "The footnote." in whole
    # the section: from after its heading to the next heading of its level, with its formula and code
    assert '<a href="/beta/#section-two">Beta <span class="embed-sep">›</span> Section Two</a>' in section
    assert "Code:" in section and 'class="highlight' in section and 'class="katex-display' in section
    assert "Beta text with" not in section and "after three" not in section and "Section Two</h2>" not in section
    # the block: that paragraph only
    assert '<a href="/gamma/#%5Eblk">Gamma</a>' in block
    assert "This paragraph is the block." in block and "Not this." not in block
    # the page loads what the embedded formulas and code need, though it has none of its own
    assert "katex/katex.min.css" in page and "css/pygments.css" in page
    # ids stay unique on the page, and every link within the page lands on one of them; a link to what the
    # section leaves out (#three) goes to the embedded note's page
    ids = re.findall(r'\sid="([^"]*)"', page)
    assert [i for i, n in Counter(ids).items() if n > 1] == []
    for target in re.findall(r'href="#([^"]*)"', body):
        assert target in ids, target
    assert '<a href="/beta/#three">three</a>' in section
    assert 'href="/beta/#fnref1"' not in whole  # the whole note brings its footnotes: they stay on this page
    # embedded headings are not in the page's table of contents
    toc = page[page.index('<nav class="toc"'):page.index("</nav>", page.index('<nav class="toc"'))]
    assert "Alpha&#39;s own" in toc or "Alpha's own" in toc
    assert "Section Two" not in toc and "Three" not in toc
    # refused embeds: the links they were
    assert 'Inline <a href="/beta/" class="wikilink embed">beta</a> here.' in body
    assert '<span class="wikilink embed unresolved"' in body and "missing-note" in body
    assert '<a href="/beta/#no-such" class="wikilink embed">beta &gt; No Such</a>' in body
    # depth: D1, D2, D3 embedded; D3's embed of D4 would be a fourth level: a link
    assert all(f"D{i} body." in chain for i in (1, 2, 3)) and "D4 body." not in chain
    assert '<a href="/d4/" class="wikilink embed">d4</a>' in chain
    # the cycle: gamma's page shows cyc, whose embed of gamma stays a link
    gamma = note_body(read(out, "gamma/index.html"))
    (cyc,) = _embeds(gamma)
    assert "Cyc text." in cyc and '<a href="/gamma/" class="wikilink embed">gamma</a>' in cyc
    # every one reported where it is written
    err = run.err
    assert "a.md:16:8: note[link/embed-inline]" in err
    assert "a.md:18:1: warning[link/broken]: wikilink '![[missing-note]]'" in err
    assert "a.md:20:1: warning[link/anchor]: link '![[beta#No Such]]'" in err
    assert "cyc.md:8:1: warning[link/embed-cycle]: '![[gamma]]' embeds 'Gamma'" in err
    assert "gamma.md:10:1: warning[link/embed-cycle]: '![[cyc]]' embeds 'Cyc'" in err
    assert "d3.md:9:1: warning[link/embed-depth]: '![[d4]]' would be an embed 4 levels deep on the page of 'Alpha'" in err
    assert "d4.md:9:1: warning[link/embed-depth]" in err  # on D1's page
    # no placeholder reaches any file; a feed carries the embed as its link
    for path in out.rglob("*"):
        if path.is_file() and path.suffix in (".html", ".xml", ".json"):
            assert "\x00" not in path.read_text(encoding="utf-8"), path
    feed = read(out, "feed.xml")
    assert "wikilink embed" in feed and "embed-head" not in feed


def test_an_embed_of_a_missing_block_or_an_inner_heading_is_a_link_with_a_warning(tmp_path: Path, run_cli) -> None:
    site = write_site(tmp_path / "vault", {
        ".obsidian/app.json": "{}",
        "host.md": "---\ndate: 2024-01-01\n---\n# Host\n\n![[t#^nope]]\n\n![[t#Inner]]\n",
        "t.md": "---\ndate: 2024-01-02\n---\n# T\n\n> [!note]\n> ## Inner\n> text\n",
    })
    run = run_cli("build", site, "-o", tmp_path / "out")
    assert run.code == 0, run.err
    body = note_body(read(tmp_path / "out", "host/index.html"))
    assert '<div class="embed">' not in body and body.count('class="wikilink embed"') == 2
    assert "host.md:6:1: warning[link/anchor]: '![[t#^nope]]' names block '^nope'" in run.err
    assert "host.md:8:1: warning[link/embed-section]" in run.err


def test_standard_markdown_around_embeds_keeps_its_meaning(tmp_path: Path, build) -> None:
    """`![[x]](url)` is an image whose description is `[x]` in CommonMark; `![[x]]` with `[x]` defined is
    `!` + a link: neither is an embed."""
    site = write_site(tmp_path / "site", {
        "content/x.md": note("X", "2024-01-01", "X text."),
        "content/a.md": note("A", "2024-01-02", "![[x]](pic.png)\n\n![[x]]\n\n[x]: https://example.org/\n"),
    })
    body = note_body(read(build(site, expect=0), "a/index.html"))
    assert '<img src="pic.png" alt="x"' in body and '<a href="https://example.org/">x</a>' in body
    assert "X text." not in body


def test_embeds_resolve_in_the_reader_language_and_builds_are_deterministic(tmp_path: Path) -> None:
    site = write_site(tmp_path / "site", {
        "content/a.zh.md": note("甲", "2024-01-01", "![[b]]"),
        "content/a.en.md": note("A", "2024-01-01", "![[b]]"),
        "content/b.zh.md": note("乙", "2024-01-02", "中文正文 $x$。"),
        "content/b.en.md": note("B", "2024-01-02", "English body $x$."),
    }, "languages: [zh, en]\n")
    digests = []
    for out in (tmp_path / "one", tmp_path / "two"):
        result = build_site(BuildOptions(site, out))
        assert not result.failed, [p.format() for p in result.problems]
        found = tree_digest(out)
        found.pop(MARKER, None)
        digests.append(found)
    assert digests[0] == digests[1]
    zh, en = (note_body(read(tmp_path / "one", p)) for p in ("a/index.html", "en/a/index.html"))
    assert "中文正文" in zh and "English body" not in zh and 'href="/b/">乙</a>' in zh
    assert "English body" in en and "中文正文" not in en and 'href="/en/b/">B</a>' in en


def test_a_warm_build_rewrites_the_pages_that_embed_an_edited_note(tmp_path: Path) -> None:
    # (the embedded notes have a summary: the edits change nothing lists or related notes show of them)
    site = _vault(tmp_path / "vault")
    out = tmp_path / "out"
    assert not build_site(BuildOptions(site, out)).failed
    before = tree_digest(out)
    (site / "beta.md").write_text((site / "beta.md").read_text(encoding="utf-8").replace("Code:", "Code, edited:"),
                                  encoding="utf-8")
    (site / "d3.md").write_text(_chain(3).replace("D3 body.", "D3 body, edited."), encoding="utf-8")
    result = build_site(BuildOptions(site, out))
    assert not result.failed and result.rendered_notes == 2
    assert note_body(read(out, "a/index.html")).count("Code, edited:") == 2  # the whole note and the section
    assert "D3 body, edited." in read(out, "a/index.html") and "D3 body, edited." in read(out, "d1/index.html")
    after = tree_digest(out)
    assert before["a/index.html"] != after["a/index.html"] and before["d1/index.html"] != after["d1/index.html"]
    assert before["d5/index.html"] == after["d5/index.html"]  # embeds nothing that changed


def test_serve_rewrites_the_page_that_embeds_an_edited_note(tmp_path: Path) -> None:
    site = write_site(tmp_path / "site", {
        "content/a.md": note("A", "2024-01-01", "Own text.\n\n![[b#Part]]"),
        "content/b.md": note("B", "2024-01-02", "## Part\n\nFirst version.\n\n## Other\n\nOther text.",
                             summary="B in short."),
        "content/c.md": note("C", "2024-01-03", "Unrelated."),
    })
    live = LiveSite(site, tmp_path / "serve")
    try:
        assert not live.update(None).failed
        assert "First version." in read(live.output, "a/index.html")
        path = site / "content/b.md"
        path.write_text(path.read_text(encoding="utf-8").replace("First version.", "Second version."), encoding="utf-8")
        result = live.update({"content/b.md"})
        assert not result.failed
        assert "a/index.html" in result.changed and "b/index.html" in result.changed
        assert "c/index.html" not in result.changed
        assert "Second version." in read(live.output, "a/index.html")
        # an edit outside the embedded section leaves the embedding page's text as it was, and matches a build
        path.write_text(path.read_text(encoding="utf-8").replace("Other text.", "Other text, edited."), encoding="utf-8")
        assert not live.update({"content/b.md"}).failed
        clean = tmp_path / "clean"
        assert not build_site(BuildOptions(site, clean, drafts=True)).failed
        served = tree_digest(live.output)
        built = tree_digest(clean)
        for digests in (served, built):
            digests.pop(MARKER, None)
        assert {k: v for k, v in served.items() if not k.startswith("pagefind/")} == \
            {k: v for k, v in built.items() if not k.startswith("pagefind/")}
    finally:
        live.close()
