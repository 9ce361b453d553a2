"""Math in titles (issue 15 item 7): rendered inline by KaTeX wherever a title is HTML, readable
text where it is not (the tab's <title>, feeds, redirect pages); made by the render stage."""
from __future__ import annotations

import json
import re
import shutil

import feedparser

from mlnotes_site.build import BuildOptions, build as build_site
from mlnotes_site.serve.live import LiveSite
from mlnotes_site.write.writer import MARKER
from helpers import read, tree_digest, write_site

MATH_TITLE = "$\\alpha$-divergence 与 f-GAN"
FILES = {
    "content/gen/_index.zh.md": "---\ntitle: 生成模型\n---\n",
    "content/gen/a.zh.md": "---\ntitle: 'Plain <b> & co'\ndate: 2025-01-01\n---\n正文。\n",
    "content/gen/b.zh.md": f"---\ntitle: \"{MATH_TITLE.replace(chr(92), chr(92) * 2)}\"\ndate: 2025-01-02\n"
                           "aliases: [/old/b/]\ntags: [gan]\n---\n正文，没有公式，见 [A](a.zh.md)。\n",
    "content/gen/c.zh.md": "---\ntitle: 'Costs $5 and \\(x_1\\) *not* em'\ndate: 2025-01-03\n---\n正文。\n",
}
CONFIG = "title:\n  zh: 笔记\nbase_url: https://example.org/kb/\n"


def visible(html: str) -> str:
    """What a reader sees: KaTeX's MathML copy and tags out."""
    html = re.sub(r'<span class="katex-mathml">.*?</math></span>', "", html, flags=re.S)
    return re.sub(r"[\s\u200b]+", "", re.sub(r"<[^>]+>", "", html))


def katex_title(fragment: str) -> None:
    assert '<span class="katex">' in fragment and "\\alpha</annotation>" in fragment, fragment[:300]
    assert "$" not in fragment and visible(fragment).endswith("-divergence与f-GAN"), visible(fragment)


def test_titles_show_formulas_as_katex_in_html_and_as_readable_text_elsewhere(tmp_path, build):
    site = write_site(tmp_path / "s", FILES, CONFIG)
    out = build(site, "--strict")
    page = read(out, "gen/b/index.html")
    katex_title(re.search(r"<h1>(.*?)</h1>", page, re.S).group(1))
    assert re.search(r"<title>(.*?)</title>", page).group(1) == "α-divergence 与 f-GAN · 笔记"
    assert 'href="/kb/katex/katex.min.css"' in page  # the body has no formula, the title has
    # list entries: the latest updates, the topic page, the tag page
    for listing in ("index.html", "gen/index.html", "tags/gan/index.html"):
        entries = re.findall(r'<h2 class="entry-title"><a href="/kb/gen/b/">(.*?)</a>', read(out, listing), re.S)
        assert len(entries) == 1, listing
        katex_title(entries[0])
        assert 'href="/kb/katex/katex.min.css"' in read(out, listing)
    # previous / next on the neighbours' pages, which load KaTeX's stylesheet for it
    for neighbour, rel in (("a", "next"), ("c", "prev")):
        html = read(out, f"gen/{neighbour}/index.html")
        link = re.search(rf'<a class="{rel}" rel="{rel}" href="/kb/gen/b/"><span>[^<]*</span>(.*?)</a>', html, re.S)
        katex_title(link.group(1))
        assert 'href="/kb/katex/katex.min.css"' in html
    # backlinks (and related notes) on the page b links to
    html = read(out, "gen/a/index.html")
    backlinks = html[html.index('<section class="backlinks"'):]
    katex_title(re.search(r'<a href="/kb/gen/b/">(.*?)</a>', backlinks, re.S).group(1))
    # link previews and the graph take the readable text
    assert json.loads(read(out, "gen/b/preview.json"))["title"] == "α-divergence 与 f-GAN"
    assert "α-divergence 与 f-GAN" in [n["title"] for n in json.loads(read(out, "graph.json"))["nodes"]]
    # feeds and the redirect page: plain text
    for feed in ("feed.xml", "gen/feed.xml"):
        titles = [e.title for e in feedparser.parse(read(out, feed)).entries]
        assert "α-divergence 与 f-GAN" in titles and "Plain <b> & co" in titles, titles
        assert "Costs $5 and x_1 *not* em" in titles
    assert "<title>α-divergence 与 f-GAN</title>" in read(out, "old/b/index.html")
    assert "$" not in read(out, "sitemap.xml")
    # titles without math stay escaped text; a title is not Markdown, and `$5` is a price
    plain = read(out, "gen/a/index.html")
    assert "<h1>Plain &lt;b&gt; &amp; co</h1>" in plain and "<title>Plain &lt;b&gt; &amp; co · 笔记</title>" in plain
    costs = re.search(r"<h1>(.*?)</h1>", read(out, "gen/c/index.html"), re.S).group(1)
    assert costs.startswith("Costs $5 and <span class=\"katex\">") and "<em>" not in costs
    assert visible(costs) == "Costs$5andx1*not*em"


def test_a_formula_that_fails_in_a_title_is_reported_at_the_title(tmp_path, run_cli):
    site = write_site(tmp_path / "s", {"content/gen/bad.md": "---\ndate: 2025-01-01\ntitle: 'Bad $\\frac{a$ x'\n---\n正文。\n"},
                      CONFIG)
    result = run_cli("build", site, "-o", site / "public")
    assert result.code == 0
    assert "content/gen/bad.md:3:1: warning[math/parse]" in result.err and "(in title: \\frac{a)" in result.err, result.err
    page = read(site / "public", "gen/bad/index.html")
    assert re.search(r'<h1>Bad <span class="math-error"[^>]*><code>\\frac\{a</code></span> x</h1>', page)
    assert "<title>Bad \\frac{a x · 笔记</title>" in page


def test_editing_a_title_under_serve_matches_a_clean_build(tmp_path):
    site = write_site(tmp_path / "s", FILES, CONFIG)
    live = LiveSite(site, tmp_path / "serve")

    def clean() -> dict[str, str]:
        shutil.rmtree(tmp_path / "clean", ignore_errors=True)
        assert not build_site(BuildOptions(site, tmp_path / "clean")).failed
        found = tree_digest(tmp_path / "clean")
        found.pop(MARKER, None)
        # in serve, pagefind/ is written by the background indexer, not by LiveSite
        return {path: digest for path, digest in found.items() if not path.startswith("pagefind/")}

    def served() -> dict[str, str]:
        found = tree_digest(live.output)
        found.pop(MARKER, None)
        return found
    try:
        assert not live.update(None).failed
        assert served() == clean()
        for title in ("Plain title", "$\\\\beta$-VAE", "$\\\\alpha$-divergence 与 f-GAN"):
            path = site / "content/gen/b.zh.md"
            path.write_text(re.sub(r'title: ".*"', f'title: "{title}"', path.read_text(encoding="utf-8")), encoding="utf-8")
            assert not live.update({"content/gen/b.zh.md"}).failed
            assert served() == clean(), title
        katex_title(re.search(r"<h1>(.*?)</h1>", read(live.output, "gen/b/index.html"), re.S).group(1))
    finally:
        live.close()
