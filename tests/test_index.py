"""The site index: URLs, translations, topics, tags, aliases and links between notes."""
from __future__ import annotations

import re

from helpers import BILINGUAL_CONFIG as CONFIG, bilingual_site, entry_titles, links, note, parse, read, write_site


def test_pages_and_urls_for_both_languages(tmp_path, build):
    out = build(bilingual_site(tmp_path))
    for rel in ["index.html", "en/index.html", "diffusion/ddim/index.html", "en/diffusion/ddim/index.html",
                "diffusion/index.html", "diffusion/sampling/index.html", "en/diffusion/index.html",
                "topics/index.html", "en/topics/index.html", "tags/index.html", "tags/采样/index.html",
                "en/tags/fast-sampling/index.html", "tags/diffusion/index.html", "feed.xml", "en/feed.xml",
                "diffusion/feed.xml", "en/diffusion/feed.xml", "sitemap.xml", "robots.txt", "404.html",
                "en/404.html", "css/style.css", "css/pygments.css", "js/site.js"]:
        assert (out / rel).is_file(), rel
    # one page per note and language: an untranslated note has no duplicate page
    assert not (out / "en/python/gil/index.html").exists()
    assert not (out / "flows/realnvp/index.html").exists()
    assert (out / "en/flows/realnvp/index.html").is_file()


def test_every_link_uses_the_base_path(tmp_path, build):
    out = build(bilingual_site(tmp_path))
    for page in out.rglob("*.html"):
        for tag, attrs in parse(page.read_text(encoding="utf-8")).tags:
            for name in ("href", "src"):
                value = attrs.get(name)
                if value and not value.startswith(("#", "https://example.org/kb/")):
                    assert value.startswith("/kb/"), f"{page}: {tag} {name}={value}"
    # and every internal link points at a file that exists
    for page in out.rglob("*.html"):
        for attrs in links(page.read_text(encoding="utf-8")):
            href = attrs.get("href", "").split("#")[0]
            if href.startswith("/kb/"):
                target = out / href[len("/kb/"):]
                assert target.is_file() or (target / "index.html").is_file(), f"{page}: {href}"


def test_hreflang_canonical_and_language_switch(tmp_path, build):
    out = build(bilingual_site(tmp_path))
    zh = read(out, "diffusion/ddim/index.html")
    assert '<html lang="zh"' in zh
    assert links(zh, rel="canonical")[0]["href"] == "https://example.org/kb/diffusion/ddim/"
    alternates = {a["hreflang"]: a["href"] for a in links(zh, rel="alternate") if "hreflang" in a}
    assert alternates == {"zh": "https://example.org/kb/diffusion/ddim/",
                          "en": "https://example.org/kb/en/diffusion/ddim/",
                          "x-default": "https://example.org/kb/diffusion/ddim/"}
    switch = [a for a in links(zh) if "lang" in a.get("class", "")]
    assert [a["href"] for a in switch] == ["/kb/en/diffusion/ddim/"]
    en = read(out, "en/diffusion/ddim/index.html")
    assert '<html lang="en"' in en
    assert [a["href"] for a in links(en) if "lang" in a.get("class", "")] == ["/kb/diffusion/ddim/"]
    # no translation: the switch lands on the other language's home, which shows a notice
    gil = read(out, "python/gil/index.html")
    assert [a["href"] for a in links(gil) if "lang" in a.get("class", "")] == ["/kb/en/#untranslated"]
    assert 'id="untranslated"' in read(out, "en/index.html")
    # x-default of an English-only note is the English page
    realnvp = read(out, "en/flows/realnvp/index.html")
    assert {a["hreflang"]: a["href"] for a in links(realnvp, rel="alternate") if "hreflang" in a}["x-default"] \
        == "https://example.org/kb/en/flows/realnvp/"


def test_untranslated_hide(tmp_path, build):
    site = bilingual_site(tmp_path)
    (site / "mlnotes.yaml").write_text(CONFIG + "untranslated: hide\n", encoding="utf-8")
    out = build(site)
    assert entry_titles(read(out, "en/index.html")) == ["DDIM sampling", "RealNVP"]
    assert not (out / "en/page/2").exists()
    assert "lang-badge" not in read(out, "en/index.html")


def test_topics_nest_and_count(tmp_path, build):
    out = build(bilingual_site(tmp_path))
    topic = read(out, "diffusion/index.html")
    assert "<h1>扩散模型</h1>" in topic and "关于扩散模型的笔记。" in topic
    assert re.search(r'href="/kb/diffusion/sampling/">sampling</a> <span class="count">1</span>', topic)
    # the topic lists notes of its sub-topics and notes added by `topics:`
    titles = entry_titles(topic) + entry_titles(read(out, "diffusion/page/2/index.html"))
    assert sorted(titles) == sorted(["DDIM 采样", "DDPM", "DPM-Solver", "RealNVP"])
    tree = read(out, "topics/index.html")
    assert tree.index("扩散模型") < tree.index("sampling")
    assert "Diffusion models" in read(out, "en/topics/index.html")


def test_tags_lowercase_unicode_and_spaces(tmp_path, build):
    out = build(bilingual_site(tmp_path))
    assert "DDIM 采样" in read(out, "tags/diffusion/index.html")  # "Diffusion" merged into "diffusion"
    assert (out / "en/tags/fast-sampling/index.html").is_file()
    assert 'href="/kb/tags/采样/"' in read(out, "diffusion/ddim/index.html")


def test_links_between_notes_follow_the_reader_language(tmp_path, build):
    out = build(bilingual_site(tmp_path))
    zh = read(out, "diffusion/ddim/index.html")
    assert 'href="/kb/diffusion/ddpm/#反向过程"' in zh
    assert 'id="反向过程"' in read(out, "diffusion/ddpm/index.html")
    en = read(out, "en/diffusion/ddim/index.html")
    assert 'href="/kb/diffusion/ddpm/"' in en  # DDPM has no English version: the original


def test_alias_redirects_and_alias_collision(tmp_path, build, run_cli):
    site = write_site(tmp_path / "s", {
        "content/a/x.md": note("X", "2025-01-01", aliases="[/old/x/]"),
        "content/a/y.md": note("Y", "2025-01-01"),
    })
    out = build(site)
    assert 'http-equiv="refresh"' in read(out, "old/x/index.html") and "/a/x/" in read(out, "old/x/index.html")
    (site / "content/a/y.md").write_text(note("Y", "2025-01-01", aliases="[/a/x/]"), encoding="utf-8")
    result = run_cli("build", site, "-o", site / "public")
    assert result.code == 1 and "url/duplicate" in result.err


def test_slug_and_alias_may_not_escape_the_site(tmp_path, run_cli):
    site = write_site(tmp_path / "s", {
        "content/a/abs.md": note("Abs", "2025-01-01", slug="/etc/passwd"),
        "content/a/up.md": note("Up", "2025-01-01", aliases="[../../outside/]"),
    })
    result = run_cli("build", site, "-o", site / "public")
    assert result.code == 1
    assert "content/a/abs.md:4:1: error[url/slug]" in result.err
    assert "content/a/up.md:4:1: error[url/alias]" in result.err
    assert not (tmp_path / "outside").exists()


def test_obsidian_wikilinks_and_embeds_resolve_like_obsidian(tmp_path, run_cli):
    body = """
    见 [[kv-cache]]、[[KV 缓存|缓存]]、[[#细节]] 与 [[llm/kv-cache#Paged Attention]]，还有 [[missing note]]。
    [[kv-cache|含 $x^2$ 的 **说明**]] [[arch.png#page=2]] [[kv-cache#KV 缓存]]

    ![[arch.png|320]] ![架构图|200x100](assets/arch.png)

    ![[kv-cache]]

    `[[not a link]]` 与 $[[1,2]]$

    | 链接 | 说明 |
    |---|---|
    | [[kv-cache\\|表格里]] | x |

    ## 细节
    """
    site = write_site(tmp_path / "s", {
        "content/ml/attention.zh.md": note("注意力", "2025-01-01", body),
        "content/ml/attention.en.md": note("Attention", "2025-01-01", "See [[kv-cache]], [[attention.zh|the Chinese one]] "
                                           "and [[key value cache|an alias]]."),
        "content/llm/kv-cache.zh.md": note("KV 缓存", "2025-01-02", "## Paged Attention\n\n分页。",
                                           aliases="[Key Value Cache, KVC, 键值缓存, /old/kv/]"),
        "content/llm/kv-cache.en.md": note("KV cache", "2025-01-02", "## Paged Attention\n\nPages."),
        "content/ml/assets/arch.png": b"\x89PNG\r\n\x1a\n",
        "content/ml/private.zh.md": note("私密", "2025-01-03", "不发布。", publish="false"),  # Obsidian Publish
        "content/ml/other.zh.md": note("另一篇", "2025-01-04", "[[KVC]]", aliases="[KVC]"),  # Obsidian allows the same alias twice
    }, CONFIG)
    result = run_cli("build", site, "-o", site / "public")
    assert result.code == 0, result.err
    assert not (site / "public/ml/private").exists() and "私密" not in read(site / "public", "index.html")
    # the broken one is a warning at its line (front matter is 4 lines, then a blank line)
    assert "content/ml/attention.zh.md:6:1: warning[link/broken]" in result.err and "[[missing note]]" in result.err
    page = read(site / "public", "ml/attention/index.html")
    hrefs = {text: attrs.get("href") for _, attrs, text in parse(page).texts if _ == "a" and "wikilink" in attrs.get("class", "")}
    assert hrefs["kv-cache"] == "/kb/llm/kv-cache/"  # by file name, in the reader's language
    assert hrefs["缓存"] == "/kb/llm/kv-cache/"  # by title, with its own text
    assert hrefs["细节"] == "#细节"  # a heading of this note
    assert hrefs["llm/kv-cache > Paged Attention"] == "/kb/llm/kv-cache/#paged-attention"
    assert hrefs["表格里"] == "/kb/llm/kv-cache/"  # "\|" in a table cell
    assert re.search(r'<a href="/kb/llm/kv-cache/" class="wikilink">含 <span class="katex">.*?</span> 的 <strong>说明</strong></a>',
                     page)  # link text is Markdown
    assert 'href="/kb/ml/assets/arch.png#page=2"' in page  # a file keeps its fragment as written
    assert hrefs["kv-cache > KV 缓存"] == "/kb/llm/kv-cache/"  # the heading the title came from: the page top
    # a note embed alone on its line shows the note (the reader's translation), headed by a link to it
    assert '<div class="embed"><div class="embed-head"><a href="/kb/llm/kv-cache/">KV 缓存</a></div>' in page
    assert "分页。" in page and "Pages." not in page
    assert re.search(r'<img src="/kb/ml/assets/arch\.png" alt="" width="320"', page)
    assert re.search(r'<img src="/kb/ml/assets/arch\.png" alt="架构图" width="200" height="100"', page)
    assert "<code>[[not a link]]</code>" in page and "[[1,2]]</annotation>" in page
    assert len(re.findall(r"<td>", page)) == 2  # the table kept its two columns
    english = read(site / "public", "en/ml/attention/index.html")
    assert 'href="/kb/en/llm/kv-cache/"' in english  # the English translation for an English reader
    assert 'href="/kb/ml/attention/" class="wikilink">the Chinese one' in english  # a language suffix names that very note
    # an Obsidian alias (no "/") is another name for wikilinks, not a redirect page; a path is a Hugo
    # alias, which is
    assert 'href="/kb/en/llm/kv-cache/" class="wikilink">an alias' in english
    assert (site / "public/old/kv/index.html").is_file()
    assert not any((site / "public" / name).exists() for name in ("Key Value Cache", "KVC", "键值缓存"))


def test_a_link_naming_a_translation_file_goes_to_that_translation(tmp_path, build):
    site = write_site(tmp_path / "s", {
        "content/a/t.en.md": note("T", "2025-01-01", "[zh](t.zh.md) [plain](t.md) [other](u.md)"),
        "content/a/t.zh.md": note("T", "2025-01-01", "[en](t.en.md) [plain](t.md)"),
        "content/a/u.zh.md": note("U", "2025-01-01"),
        "content/a/u.en.md": note("U", "2025-01-01"),
    }, "languages: [zh, en]\n")
    out = build(site)
    english, chinese = read(out, "en/a/t/index.html"), read(out, "a/t/index.html")
    assert '<a href="/a/t/">zh</a>' in english and '<a href="/en/a/t/">plain</a>' in english
    assert '<a href="/en/a/u/">other</a>' in english  # no suffix: the reader's language
    assert '<a href="/en/a/t/">en</a>' in chinese and '<a href="/a/t/">plain</a>' in chinese
