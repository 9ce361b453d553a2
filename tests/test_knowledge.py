"""Linked knowledge: backlinks with their sentence, related notes, anchors checked, root-relative
links, previews' JSON, graph.json, and translations that fall behind."""
from __future__ import annotations

import json
import re
from pathlib import Path

from helpers import note, read, tree_digest, write_site

CONFIG = "languages: [zh, en]\ntimezone: UTC\nbase_url: https://x.org/kb/\n"


def knowledge_site(root: Path) -> Path:
    return write_site(root, {
        "content/diffusion/_index.zh.md": "---\ntitle: 扩散模型\n---\n",
        "content/diffusion/ddpm.zh.md": note("DDPM 要点", "2025-01-01", """
            # DDPM 要点

            ## 前向过程

            加噪。

            ## 前向过程

            第二个同名标题。

            $$x = y \\label{eq:main}$$
            """, tags="[扩散]"),
        "content/diffusion/ddpm.en.md": note("DDPM notes", "2025-01-01", "## Forward process\n\nNoise.", tags="[diffusion]"),
        "content/diffusion/ddim.zh.md": note("DDIM", "2025-02-01", """
            先看别的。DDIM 的起点是 [DDPM 的前向过程](ddpm.md#前向过程)，其中 $q(x_t)$ 固定。后面的句子不算。
            """, tags="[扩散, 采样]"),
        "content/diffusion/cfg.zh.md": note("CFG", "2025-03-01", "引导要用 [[ddpm|扩散模型]] 的噪声预测。", tags="[采样]"),
        "content/notes/root.zh.md": note("根路径", "2025-03-02", "按 Hugo 的写法链到 [这里](/diffusion/ddpm/#前向过程-1)。"),
        "content/notes/secret.zh.md": note("草稿", "2025-03-03", "链到 [DDPM](../diffusion/ddpm.md)。", draft="true"),
        "content/notes/english.en.md": note("English only", "2025-03-04", "See [the DDPM note](../diffusion/ddpm.md)."),
        "content/notes/title.zh.md": note("按标题", "2025-03-05", "按标题链接 [[DDPM 要点]]，再说一句。"),
    }, CONFIG)


def section(html: str, cls: str) -> str:
    match = re.search(rf'<section class="{cls}".*?</section>', html, re.S)
    return match.group(0) if match else ""


def test_backlinks_list_every_link_form_with_the_sentence_around_it(tmp_path, build):
    out = build(knowledge_site(tmp_path / "site"))
    page = read(out, "diffusion/ddpm/index.html")
    backlinks = section(page, "backlinks")
    titles = re.findall(r'<li[^>]*><a href="([^"]+)">([^<]+)</a>', backlinks)
    # Markdown link with a fragment, wikilink by file name, root-relative link, wikilink by title;
    # ordered by title; the draft is left out; the English-only note comes with its language badge
    assert [t for _, t in titles] == ["CFG", "DDIM", "English only", "按标题", "根路径"]
    assert ("/kb/diffusion/ddim/", "DDIM") in titles
    assert "草稿" not in backlinks
    ddim = backlinks.split('href="/kb/diffusion/ddim/"', 1)[1].split("</li>", 1)[0]
    # the sentence, not its neighbours; the link's text marked; the formula in it rendered
    assert "DDIM 的起点是 <mark>DDPM 的前向过程</mark>，其中" in ddim
    assert 'class="katex"' in ddim and "先看别的" not in ddim and "后面的句子" not in ddim
    english = backlinks.split('>English only</a>', 1)[1].split("</li>", 1)[0]
    assert "lang-badge" in english and "English" in english
    assert "<mark>扩散模型</mark>" in backlinks  # a wikilink's own text


def test_backlinks_fall_back_to_the_other_language_and_prefer_the_readers(tmp_path, build):
    out = build(knowledge_site(tmp_path / "site"))
    en = section(read(out, "en/diffusion/ddpm/index.html"), "backlinks")
    items = re.findall(r'<li( lang="[a-z]+")?><a href="([^"]+)">([^<]+)</a>', en)
    by_title = {title: lang for lang, _, title in items}
    assert by_title["English only"] == ""  # in the reader's language: no badge
    assert by_title["DDIM"] == ' lang="zh"'  # only in Chinese: shown with its language


def test_related_notes_are_deterministic_and_never_a_translation_or_draft(tmp_path, build):
    site = knowledge_site(tmp_path / "site")
    out = build(site)
    related = section(read(out, "diffusion/ddim/index.html"), "related")
    titles = re.findall(r'<a href="[^"]+">([^<]+)</a>', related)
    assert 0 < len(titles) <= 5
    assert titles[0] == "DDPM 要点"  # linked and shares a tag: ranked first
    assert "草稿" not in related and "DDIM" not in titles
    assert "DDPM notes" not in read(out, "diffusion/ddpm/index.html").split('class="related"', 1)[-1]
    first = tree_digest(out)
    out2 = build(site, "-o", str(tmp_path / "again"))  # noqa: F841 - same input, another folder
    assert tree_digest(tmp_path / "again") == first


def test_previews_and_graph_are_emitted_as_json(tmp_path, build):
    out = build(knowledge_site(tmp_path / "site"))
    card = json.loads(read(out, "diffusion/ddim/preview.json"))
    assert card["title"] == "DDIM" and card["topic"] == "扩散模型" and card["kind"] == "note"
    assert 'class="katex"' in card["excerpt"] and card["math"] is True
    topic = json.loads(read(out, "diffusion/preview.json"))
    assert topic["kind"] == "list" and topic["title"] == "扩散模型" and topic["count"] == "3 篇"
    graph = json.loads(read(out, "graph.json"))
    ids = {n["id"] for n in graph["nodes"]}
    assert "/kb/diffusion/ddpm/" in ids and not any("secret" in i for i in ids)
    assert {"source": "/kb/diffusion/ddim/", "target": "/kb/diffusion/ddpm/"} in graph["edges"]
    en = json.loads(read(out, "en/graph.json"))
    assert en["lang"] == "en" and "/kb/en/diffusion/ddpm/" in {n["id"] for n in en["nodes"]}


def test_root_relative_links_move_under_the_base_path(tmp_path, build):
    out = build(knowledge_site(tmp_path / "site"))
    page = read(out, "notes/root/index.html")
    assert 'href="/kb/diffusion/ddpm/#%E5%89%8D%E5%90%91%E8%BF%87%E7%A8%8B-1"' in page or \
        'href="/kb/diffusion/ddpm/#前向过程-1"' in page


ANCHOR_SITE = {
    "content/a.zh.md": note("甲", "2025-01-01", """
        ## 采样方法

        ## 采样方法

        $$E = mc^2 \\label{eq:energy}$$

        见 [下文](#采样方法-1) 与 [公式](#eq-eq-energy)，[[#采样方法]] 也行。
        """),
    "content/b.zh.md": note("乙", "2025-01-02", """
        链到 [甲](a.md#采样方法-1)，[[a#采样方法]]。
        """),
}


def _anchor_ids(out: Path) -> list[str]:
    return re.findall(r'id="([^"]+)"', read(out, "a/index.html"))


def test_existing_anchors_pass_even_strict(tmp_path, run_cli):
    site = write_site(tmp_path / "site", ANCHOR_SITE, "languages: [zh]\n")
    result = run_cli("check", site, "--strict")
    assert result.code == 0, result.err
    build = run_cli("build", site, "-o", site / "public", "--quiet")
    assert build.code == 0
    ids = _anchor_ids(site / "public")
    assert "采样方法" in ids and "采样方法-1" in ids and any(i.startswith("eq") for i in ids)


def test_missing_anchors_are_located_with_the_nearest_heading(tmp_path, run_cli):
    files = dict(ANCHOR_SITE)
    files["content/c.zh.md"] = note("丙", "2025-01-03", """
        第一行。
        先 [甲](a.md#不存在的标题)，再 [[a#采样方式]]。

        页内 [跳](#没有这个)。
        """)
    site = write_site(tmp_path / "site", files, "languages: [zh]\n")
    result = run_cli("check", site)
    assert result.code == 0  # warnings
    lines = [l for l in result.err.splitlines() if "link/anchor" in l]
    assert len(lines) == 3, result.err
    # file:line:col of each link, as written
    assert any(l.startswith("content/c.zh.md:7:7: warning[link/anchor]") and "不存在的标题" in l for l in lines), lines
    assert any(l.startswith("content/c.zh.md:7:") and "采样方式" in l for l in lines)
    assert any(l.startswith("content/c.zh.md:9:") and "没有这个" in l for l in lines)
    assert "did you mean '#采样方法'?" in result.err
    strict = run_cli("check", site, "--strict")
    assert strict.code == 1 and "error[link/anchor]" in strict.err


def test_outdated_translations_show_a_notice_and_a_report(tmp_path, run_cli, build):
    site = write_site(tmp_path / "site", {
        "content/t/a.zh.md": note("甲", "2024-01-01", "中文原文。", updated="2026-05-01"),
        "content/t/a.en.md": note("A", "2024-01-01", "English.", updated="2024-06-01"),
        "content/t/b.zh.md": note("乙", "2024-01-01", "中文。", updated="2026-05-01"),
        "content/t/b.en.md": note("B", "2024-01-01", "English.", updated="2024-06-01",
                                  translation_checked="2026-05-02"),
        "content/t/c.zh.md": note("丙", "2024-01-01", "只有中文。"),
    }, "languages: [zh, en]\ntimezone: UTC\n")
    out = build(site)
    page = read(out, "en/t/a/index.html")
    notice = re.search(r'<p class="notice outdated-notice"[^>]*>(.*?)</p>', page, re.S)
    assert notice and 'href="/t/a/"' in notice.group(1) and "May 1, 2026" in notice.group(1)
    assert "outdated-notice" not in read(out, "en/t/b/index.html")  # checked after the original's update
    assert "outdated-notice" not in read(out, "t/a/index.html")
    assert "outdated-badge" in read(out, "en/index.html")
    report = run_cli("check", site, "--translations")
    assert report.code == 0, report.err
    lines = report.err.splitlines()
    assert any(l.startswith("content/t/a.en.md:1:1: note[translation/outdated]:") and "2024-06-01" in l
               and "2026-05-01" in l for l in lines), report.err
    assert any(l.startswith("content/t/c.zh.md:1:1: note[translation/missing]:") for l in lines)
    assert not any("t/b.en.md" in l for l in lines)
    assert "3 notes: 0 missing in zh, 1 missing in en, 1 outdated" in report.err
    assert run_cli("check", site, "--translations", "--strict").code == 1


def test_serve_updates_backlinks_of_the_notes_an_edit_touches_and_only_those(tmp_path):
    from mlnotes_site.build import BuildOptions, build as run_build
    from mlnotes_site.serve.live import LiveSite

    site = knowledge_site(tmp_path / "site")
    live = LiveSite(site, tmp_path / "serve")
    try:
        assert not live.update(None).failed
        assert "根路径" not in section(read(tmp_path / "serve", "diffusion/ddim/index.html"), "backlinks")
        path = site / "content/notes/root.zh.md"
        path.write_text(path.read_text(encoding="utf-8") + "\n另见 [DDIM](../diffusion/ddim.md) 一节。\n",
                        encoding="utf-8")
        result = live.update({"content/notes/root.zh.md"})
        assert not result.failed
        pages = {p for p in result.changed if p.endswith(".html")}
        assert "diffusion/ddim/index.html" in pages  # gained a backlink
        assert "notes/root/index.html" in pages  # the edited note itself
        assert "diffusion/cfg/index.html" not in pages and "diffusion/ddpm/index.html" not in pages
        backlinks = section(read(tmp_path / "serve", "diffusion/ddim/index.html"), "backlinks")
        assert "另见 <mark>DDIM</mark> 一节。" in backlinks
        path.write_text(path.read_text(encoding="utf-8").replace("另见 [DDIM](../diffusion/ddim.md) 一节。", ""),
                        encoding="utf-8")
        result = live.update({"content/notes/root.zh.md"})
        assert "diffusion/ddim/index.html" in result.changed
        assert "根路径" not in section(read(tmp_path / "serve", "diffusion/ddim/index.html"), "backlinks")
        clean = tmp_path / "clean"
        assert not run_build(BuildOptions(site, clean, drafts=True)).failed
        assert read(clean, "diffusion/ddim/index.html") == read(tmp_path / "serve", "diffusion/ddim/index.html")
    finally:
        live.close()
