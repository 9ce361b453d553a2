"""Excerpts as they appear in lists and feeds; Atom feeds parsed with feedparser."""
from __future__ import annotations

import html
import re

import feedparser

from helpers import note, read, write_site

LONG = ("扩散模型的前向过程逐步加噪，我们用 Qwen1.5-7B-Chat 和 R-CNN 做对比，学习率取 -1 的指数。" * 12)


def excerpt_of(html: str, title: str) -> str:
    match = re.search(re.escape(title) + r'</a>.*?<p class="excerpt">(.*?)</p>', html, re.S)
    assert match, title
    return match.group(1)


def test_excerpt_rules(tmp_path, build):
    site = write_site(tmp_path / "s", {
        "content/a/long.md": note("Long", "2025-01-06", "## 前向过程\n\n" + LONG),
        "content/a/sections.md": note("Sections", "2025-01-06", "就有答案了。\n\n## 引用计数\n\n每个对象都有计数。"),
        "content/a/math.md": note("Math", "2025-01-05", "设 $x_t = \\sqrt{\\bar\\alpha_t} x_0 + \\sqrt{1-\\bar\\alpha_t}\\epsilon$ 。" * 60),
        "content/a/code.md": note("Code", "2025-01-04", "先看代码：\n\n```python\nprint('secret code')\n```\n\n![图](x.png)\n\n然后结束。"),
        "content/a/more.md": note("More", "2025-01-03", "第一段。\n\n<!-- more -->\n\n第二段不应出现。"),
        "content/a/summary.md": note("Summary", "2025-01-02", "正文不应出现。", summary="手写摘要 $a_1$"),
        "content/a/x.png": b"\x89PNG\r\n",
        "content/b/en.en.md": note("English", "2025-01-01", "The model " * 100),
    }, "paginate: 20\nexcerpt_length: 100\n")
    out = build(site)
    home = read(out, "index.html")
    long = excerpt_of(home, "Long")
    # section headings are left out: they would run into the prose around them
    assert long.startswith("扩散模型的")
    assert excerpt_of(home, "Sections") == "就有答案了。 每个对象都有计数。"
    assert "Qwen1.5-7B-Chat" in long and "R-CNN" in long and "-1" in long
    assert long.endswith("…") and len(long) < 140
    math = excerpt_of(home, "Math")
    whole = r"x_t = \sqrt{\bar\alpha_t} x_0 + \sqrt{1-\bar\alpha_t}\epsilon"
    annotations = re.findall(r'<annotation encoding="application/x-tex">(.*?)</annotation>', math)
    assert len(annotations) == math.count('<span class="katex">') >= 1
    assert all(a == whole for a in annotations)  # every formula in the excerpt is whole
    code = excerpt_of(home, "Code")
    assert "[代码]" in code and "secret" not in code and "<img" not in code and "然后结束。" in code
    assert excerpt_of(home, "More") == "第一段。"
    summary = excerpt_of(home, "Summary")
    assert summary.startswith("手写摘要 ") and '<annotation encoding="application/x-tex">a_1</annotation>' in summary
    en = excerpt_of(read(out, "en/index.html"), "English")
    assert en.endswith("…") and "The model" in en


ROWS = r"""先看三行推导 $$\begin{aligned} \log p(x) &= \log \int p(x, z)\,\mathrm{d}z \\ &\ge \mathbb{E}_q[\log p(x, z) - \log q(z)] \\ &= -\mathcal{L}(q) \end{aligned}$$ 再看分段函数。

$$
f(x) = \begin{cases} x - 1, & x \ge 1 \\ 0, & \text{otherwise} \end{cases}, \quad g(x) = \begin{cases} x - 2 \end{cases}
$$

\[ A = \begin{bmatrix} 1 & -2 \\ 3 & 4 \end{bmatrix}, \quad \det A = 10 \]

\begin{align}
a &= b - c \label{eq:r1} \\
c &= \dfrac{d}{2} \nonumber \\
e &= \sum_{\substack{i < j \\ i \ne k}} x_{ij} \\
\end{align}

$$
u = v \\ w = \begin{gathered} 1 \\ 2 \end{gathered}
$$

R-CNN 与 Qwen1.5-7B 的结果见 \eqref{eq:r1}。
"""


def test_display_formulas_in_excerpts_are_one_line(tmp_path, build):
    """Rows are joined into one (`&` dropped, rows spaced by \\quad), a grid with rows shows `⋯` in its
    delimiters; each formula is whole (one KaTeX formula per source formula), minus signs and hyphens kept."""
    site = write_site(tmp_path / "s", {"content/a/rows.md": note("Rows", "2025-01-06", ROWS)},
                      "math:\n  number_equations: true\n")
    out = build(site)
    for page in ("index.html", "a/index.html"):
        excerpt = excerpt_of(read(out, page), "Rows")
        formulas = re.findall(r'<span class="katex">(.*?)</annotation>', excerpt, re.S)
        assert len(formulas) == 5 and "katex-display" not in excerpt and "math-error" not in excerpt
        for formula in formulas:
            mathml = formula[:formula.index("<annotation")]
            # KaTeX's MathML has one <mtr> per row: no table of the excerpt has two, and no line breaks
            assert all(table.count("<mtr>") <= 1 for table in re.findall(r"<mtable.*?</mtable>", mathml, re.S)), formula
            assert "linebreak" not in mathml and "&amp;" not in formula[formula.index("<annotation"):]
        tex = [html.unescape(f[f.index('"application/x-tex">') + 20:]) for f in formulas]
        assert re.sub(r"\s+", " ", tex[0]) == (r"{\log p(x) = \log \int p(x, z)\,\mathrm{d}z \quad \ge "
                                               r"\mathbb{E}_q[\log p(x, z) - \log q(z)] \quad = -\mathcal{L}(q) }")
        assert tex[1] == r"f(x) = \begin{cases} \cdots\end{cases}, \quad g(x) = \begin{cases} x - 2 \end{cases}"
        assert tex[2] == r"A = \begin{bmatrix} \cdots\end{bmatrix}, \quad \det A = 10"
        assert re.sub(r"\s+", " ", tex[3]) == r"{a = b - c \quad c = \frac{d}{2} \quad e = \sum_{\substack{i < j , i \ne k}} x_{ij} }"
        assert re.sub(r"\s+", " ", tex[4]) == r"u = v \quad w = {1 \quad 2 }"
        assert "\\tag" not in "".join(tex) and "(1)" not in "".join(tex)
        # minus signs survive as KaTeX's minus (tex[0], [1] and [3] have one each), the hyphens of the prose too
        assert sum(f.count("<mo>−</mo>") for f in formulas) >= 4
        assert "R-CNN" in excerpt and "Qwen1.5-7B" in excerpt and "见 (3)" in excerpt  # auto numbers: f(x) (1), A (2), eq:r1 (3)


def test_code_placeholder_is_localized(tmp_path, build):
    site = write_site(tmp_path / "s", {
        "content/a/c.en.md": note("C", "2025-01-01", "Look:\n\n```\nx\n```\n\ndone."),
    })
    out = build(site)
    assert "Look: [code] done." in read(out, "index.html")  # an English-only site is English at the root


def test_feeds_parse_and_follow_the_latest_order(tmp_path, build):
    site = write_site(tmp_path / "s", {
        "content/diffusion/_index.en.md": "---\ntitle: Diffusion\n---\n",
        "content/diffusion/old.zh.md": note("旧笔记", "2024-01-01", "旧的 $a_b$ [新](new.md)"),
        "content/diffusion/new.zh.md": note("新笔记", "2024-02-01", "新的", updated="2025-05-05"),
        "content/diffusion/new.en.md": note("New note", "2024-02-01", "New one", updated="2025-05-06"),
        "content/python/gil.zh.md": note("GIL", "2024-03-01", "锁"),
    }, "title: {zh: 站点, en: Site}\nbase_url: https://example.org/kb/\n")
    out = build(site)
    feed = feedparser.parse(read(out, "feed.xml"))
    assert not feed.bozo, feed.bozo_exception
    assert feed.feed.title == "站点"
    assert [e.title for e in feed.entries] == ["新笔记", "GIL", "旧笔记"]
    old = feed.entries[2]
    assert old.link == "https://example.org/kb/diffusion/old/"
    body = old.content[0].value
    assert "katex-html" not in body and "\\(" not in body  # MathML only, never raw TeX
    assert re.search(r"<math[^>]*>.*<mi>a</mi>.*<mi>b</mi>", body, re.S)
    assert 'href="https://example.org/kb/diffusion/new/"' in body
    en = feedparser.parse(read(out, "en/feed.xml"))
    assert not en.bozo and en.entries[0].title == "New note"
    assert en.entries[0].link == "https://example.org/kb/en/diffusion/new/"
    topic = feedparser.parse(read(out, "diffusion/feed.xml"))
    assert not topic.bozo and [e.title for e in topic.entries] == ["新笔记", "旧笔记"]
    assert (out / "en/diffusion/feed.xml").is_file()
    self_link = [l.href for l in feed.feed.links if l.rel == "self"]
    assert self_link == ["https://example.org/kb/feed.xml"]


def test_sitemap_and_robots(tmp_path, build):
    site = write_site(tmp_path / "s", {
        "content/a/x.zh.md": note("X", "2024-01-01"),
        "content/a/x.en.md": note("X en", "2024-01-01"),
        "content/标签/y.zh.md": note("Y", "2024-01-01", tags="[扩散]"),
    }, "base_url: https://example.org/kb/\n")
    out = build(site)
    sitemap = read(out, "sitemap.xml")
    import xml.etree.ElementTree as ET
    root = ET.fromstring(sitemap)
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}
    locs = [u.find("s:loc", ns).text for u in root.findall("s:url", ns)]
    assert "https://example.org/kb/a/x/" in locs and "https://example.org/kb/en/a/x/" in locs
    assert all(re.fullmatch(r"[\x21-\x7e]+", loc) for loc in locs)  # percent-encoded, no raw CJK
    note_url = next(u for u in root.findall("s:url", ns) if u.find("s:loc", ns).text == "https://example.org/kb/a/x/")
    langs = {l.get("hreflang"): l.get("href") for l in note_url.findall("x:link", ns)}
    assert langs == {"zh": "https://example.org/kb/a/x/", "en": "https://example.org/kb/en/a/x/",
                     "x-default": "https://example.org/kb/a/x/"}
    assert "Sitemap: https://example.org/kb/sitemap.xml" in read(out, "robots.txt")


def test_meta_description_is_plain_text_with_whole_formulas(tmp_path, build):
    formula = r"\bar{\alpha}_t = \prod_{j=1}^{t} (1-\beta_j)"
    body = ("噪声表决定了信噪比 & 训练难度。" + f"其中 ${formula}$ 随 $t$ 递减。") * 12
    site = write_site(tmp_path / "s", {"content/a/m.md": note("M", "2025-01-01", body)},
                      "excerpt_length: 600\n")
    out = build(site)
    match = re.search(r'<meta name="description" content="([^"]*)">', read(out, "a/m/index.html"))
    assert match
    text = match.group(1).replace("&amp;", "&")
    assert text.startswith("噪声表决定了信噪比 & 训练难度。其中 " + formula + " 随 t 递减。")
    assert "<" not in text and "mathml" not in text.lower() and "\u03b1" not in text  # TeX, not MathML text
    assert len(text) <= 201 and text.endswith("…")
    # cut between formulas, never inside one
    last = text[:-1].rsplit("其中 ", 1)[-1]
    assert last == "" or last.startswith(formula) or formula not in last
    assert text.count("\\bar") == text.count("_{j=1}^{t} (1-\\beta_j)")


def test_yaml_escapes_in_titles_become_tex_again_and_feeds_stay_valid_xml(tmp_path, run_cli):
    import xml.etree.ElementTree as ET

    site = write_site(tmp_path / "s", {
        "content/a/n.md": '---\ntitle: "$\\alpha$-散度与 $\\nabla f$"\ndate: 2025-01-01\n---\n正文\x0b里有控制字符。\n',
        "content/a/My Note abc123.md": note("Notion", "2025-01-02", slug="n"),  # claims the same URL
    })
    result = run_cli("build", site, "-o", site / "public")
    assert "content/a/n.md:2:1: warning[front-matter/control-character]" in result.err
    assert "content/a/My Note abc123.md:1:1: error[url/duplicate]" in result.err or \
        "content/a/n.md:1:1: error[url/duplicate]" in result.err  # the whole path, spaces and all
    (site / "content/a/My Note abc123.md").unlink()
    result = run_cli("build", site, "-o", site / "public")
    assert result.code == 0
    feed = (site / "public/feed.xml").read_bytes()
    ET.fromstring(feed)  # well-formed: no control character
    parsed = feedparser.parse(feed)
    # a feed's title is readable text (formulas as TeX, obvious letters in Unicode); the page renders them
    assert not parsed.bozo and parsed.entries[0].title == "α-散度与 ∇ f"
    assert "\\nabla f</annotation>" in read(site / "public", "a/n/index.html").split("</h1>")[0]


def test_excerpts_show_equation_references(tmp_path, run_cli):
    body = "$$\nE=mc^2 \\label{eq:e}\n$$\n\n由 \\eqref{eq:e} 得，见式 \\ref{eq:e}。\n"
    site = write_site(tmp_path / "s", {"content/a/e.md": note("E", "2025-01-01", body)})
    result = run_cli("build", site, "-o", site / "public")
    assert result.code == 0
    home = read(site / "public", "index.html")
    assert "由 (1) 得，见式 1。" in re.sub(r'<span class="katex">.*?</span></span></span>', "", home)


def test_large_formulas_fill_an_excerpt_sooner_than_short_ones(tmp_path, build):
    big = "$$\n\\begin{cases} a_{%d} + b & x > 0 \\\\ c - d & \\text{otherwise} \\end{cases}\n$$\n\n"
    site = write_site(tmp_path / "s", {
        "content/a/big.md": note("Big", "2025-01-02", "开头。\n\n" + "".join(big % i for i in range(30))),
        "content/a/small.md": note("Small", "2025-01-01", "开头 " + " ".join(f"$x_{{{i}}}$ 与" for i in range(30))),
    }, "excerpt_length: 120\n")
    home = read(build(site), "index.html")
    entries = re.findall(r'<p class="excerpt">(.*?)</p>', home, re.S)
    counts = [e.count('class="katex"') for e in entries]
    assert len(counts) == 2 and 2 <= counts[0] <= 6 and counts[1] >= 20, counts  # big first (newer)
