"""Topic descriptions (issue 15, item 6): the body of `_index.<lang>.md` is shown on the topic's
first page; meta descriptions are plain escaped text, formulas as TeX, for topics and notes."""
from __future__ import annotations

import re

from helpers import note, parse, read, write_site

INDEX = ('---\ntitle: 散度\n---\n'
         'KL 与 $\\alpha$-散度 "quoted" & <b>bold</b>, see [ddim](ddim.md).\n\n'
         '<script>alert(1)</script><img src="x.png" onerror="alert(2)">\n')


def _meta_description(html: str) -> str | None:
    found = [a.get("content") for tag, a in parse(html).tags if tag == "meta" and a.get("name") == "description"]
    assert len(found) <= 1
    return found[0] if found else None


def _head(html: str) -> str:
    return html[:html.index("</head>")]


def test_the_description_is_on_the_first_page_and_the_meta_description_is_plain_text(tmp_path, build):
    files = {"content/div/_index.zh.md": INDEX}
    for i in range(3):
        files[f"content/div/n{i}.md"] = note(f"N{i}", f"2025-01-0{i + 1}", "正文。")
    site = write_site(tmp_path / "s", files, "paginate: 2\nmarkdown: {unsafe_html: false}\n")
    out = build(site)
    first = read(out, "div/index.html")
    shown = re.search(r'<div class="description topic-description">(.*?)</header>', first, re.S)
    assert shown, first
    assert 'class="katex"' in shown.group(1) and "<b>bold</b>" in shown.group(1)
    assert 'href="ddim.md"' in shown.group(1)  # kept as written
    assert "alert(" not in first and "onerror" not in first  # unsafe_html: false holds
    assert 'katex.min.css"' in _head(first)  # its formula is styled
    meta = _meta_description(first)
    assert meta == 'KL 与 \\alpha-散度 "quoted" & bold, see ddim.'
    # the attribute is escaped: the head holds the whole meta tag, nothing of the formula's HTML
    head = _head(first)
    assert "katex" not in head.split('name="description"', 1)[1].split(">", 1)[0]
    assert "&#34;quoted&#34;" in head or "&quot;quoted&quot;" in head
    assert "<body" not in head and first.count("<head>") == 1
    second = read(out, "div/page/2/index.html")
    assert "topic-description" not in second  # first page only
    assert 'class="katex"' not in second


def test_a_note_meta_description_escapes_quotes_and_markup(tmp_path, build):
    body = 'He said "x < y" & $a^2$ <i>holds</i>.'
    site = write_site(tmp_path / "s", {"content/a/n.md": note("N", "2025-01-01", body)})
    html = read(build(site), "a/n/index.html")
    assert _meta_description(html) == 'He said "x < y" & a^2 holds.'
    tag = re.search(r'<meta name="description" content="[^"]*">', _head(html))
    assert tag and "<" not in tag.group(0)[1:-1]


def test_a_topic_without_a_description_in_the_language_takes_the_default_one(tmp_path, build):
    site = write_site(tmp_path / "s", {"content/div/_index.zh.md": "---\ntitle: 散度\n---\n默认语言的 $x$ 描述。\n",
                                       "content/div/_index.en.md": "---\ntitle: Divergences\n---\n",
                                       "content/div/n.md": note("N", "2025-01-01")})
    out = build(site)
    assert _meta_description(read(out, "en/div/index.html")) == "默认语言的 x 描述。"
    assert "topic-description" in read(out, "en/div/index.html")
