"""End-to-end builds of fixture sites, checked through the produced HTML and files."""
from __future__ import annotations

import re
import shutil
import subprocess
import time
import sys
from pathlib import Path

from mlnotes_site.build import BuildOptions, build as run_build
from mlnotes_site.emit.theme import default_theme_dir
from helpers import REPO, entry_titles, links, note, parse, read, tree_digest, write_site

CONFIG = """
title: {zh: 测试笔记, en: Test notes}
base_url: https://example.org/kb/
languages: [zh, en]
paginate: 3
timezone: Asia/Shanghai
"""


def bilingual_site(tmp_path):
    return write_site(tmp_path / "site", {
        "content/diffusion/_index.zh.md": "---\ntitle: 扩散模型\nweight: 1\n---\n\n关于扩散模型的笔记。\n",
        "content/diffusion/_index.en.md": "---\ntitle: Diffusion models\n---\n\nNotes on diffusion.\n",
        "content/diffusion/ddim.zh.md": note("DDIM 采样", "2025-03-01", "DDIM 的中文笔记。见 [DDPM](ddpm.md#反向过程)。",
                                            updated="2025-06-01", tags="[Diffusion, 采样]"),
        "content/diffusion/ddim.en.md": note("DDIM sampling", "2025-03-01", "English DDIM. See [DDPM](ddpm.md).",
                                            updated="2025-06-02", tags="[diffusion, Fast Sampling]"),
        "content/diffusion/ddpm.zh.md": note("DDPM", "2025-01-01", "## 反向过程\n\n去噪。"),
        "content/diffusion/sampling/dpm-solver.zh.md": note("DPM-Solver", "2025-02-01", "高阶求解器。"),
        "content/flows/realnvp.en.md": note("RealNVP", "2024-05-01", "Affine coupling.", topics="[diffusion]"),
        "content/python/gil.zh.md": note("GIL", "2024-12-01", "全局解释器锁。"),
    }, CONFIG)


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


def test_latest_updates_order_pagination_and_badges(tmp_path, build):
    out = build(bilingual_site(tmp_path))
    # zh list: translated notes in zh, the English-only note with a language badge; newest updated first
    page1 = read(out, "index.html")
    assert entry_titles(page1) == ["DDIM 采样", "DPM-Solver", "DDPM"]
    assert entry_titles(read(out, "page/2/index.html")) == ["GIL", "RealNVP"]
    assert not (out / "page/3").exists()
    assert 'class="badge lang-badge"' in read(out, "page/2/index.html")
    pager = [a["href"] for a in links(page1) if a.get("rel") == "next" or a.get("href", "").endswith("page/2/")]
    assert "/kb/page/2/" in pager
    assert entry_titles(read(out, "en/index.html")) == ["DDIM sampling", "DPM-Solver", "DDPM"]
    assert "2025年6月1日" in page1
    assert "Jun 2, 2025" in read(out, "en/index.html")


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


def test_drafts_left_out_unless_asked(tmp_path, build):
    site = write_site(tmp_path / "s", {
        "content/a/published.md": note("Published", "2025-01-01"),
        "content/a/wip.md": note("WIP", "2025-01-02", draft="true"),
    })
    out = build(site)
    assert not (out / "a/wip/index.html").exists()
    assert "WIP" not in read(out, "index.html")
    out = build(site, "--drafts")
    assert (out / "a/wip/index.html").is_file()
    assert "WIP" in read(out, "index.html")


def test_deterministic_output(tmp_path, build):
    site = bilingual_site(tmp_path)
    first = tree_digest(build(site))
    second = tree_digest(build(site))
    assert first == second and len(first) > 20


def test_failed_build_keeps_previous_output(tmp_path, build):
    site = bilingual_site(tmp_path)
    before = tree_digest(build(site))
    (site / "content/python/bad.zh.md").write_text("---\ntitle: [unclosed\ndate: 2025-01-01\n---\nx\n", encoding="utf-8")
    build(site, expect=1)
    assert tree_digest(site / "public") == before
    assert not [p for p in site.iterdir() if p.name.startswith(".public.")]


def test_problems_are_reported_all_at_once_with_locations(tmp_path, run_cli):
    site = write_site(tmp_path / "s", {
        "content/a/yaml.md": "---\ntitle: ok\ndate: 2025-01-01\ntags: [a, b\n---\nbody\n",
        "content/a/date.md": "---\ntitle: ok\ndate: 2024-02-30\n---\nbody\n",
        "content/a/word.md": "---\ntitle: ok\n\ndate: yesterday\n---\nbody\n",
        "content/a/one.md": note("One", "2025-01-01", slug="same"),
        "content/a/two.md": note("Two", "2025-01-01", slug="same"),
        "content/a/escape.md": note("Escape", "2025-01-01", slug="../../etc"),
        "content/a/lang.ja.md": note("Japanese", "2025-01-01"),
        "content/a/links.md": note("Links", "2025-01-01", "see [missing](nope.md) and ![img](gone.png)"),
    })
    result = run_cli("build", site, "-o", site / "public")
    assert result.code == 1
    err = result.err
    assert re.search(r"content/a/yaml\.md:\d+:\d+: error\[front-matter/yaml\]", err)
    assert "content/a/date.md:3:1: error[front-matter/date]" in err and "2024-02-30" in err
    assert "content/a/word.md:4:1: error[front-matter/date]" in err
    assert "error[url/duplicate]" in err and "a/same/index.html" in err
    assert "content/a/escape.md:4:1: error[url/slug]" in err
    assert "content/a/lang.ja.md" in err and "error[lang/unknown]" in err
    assert "content/a/links.md:6:1: warning[link/broken]" in err and "nope.md" in err and "gone.png" in err
    assert "hint:" in err
    assert not (site / "public").exists()


def test_strict_turns_warnings_into_errors(tmp_path, run_cli):
    site = write_site(tmp_path / "s", {"content/a/x.md": note("X", "2025-01-01", "[gone](gone.md)")})
    assert run_cli("build", site, "-o", site / "public").code == 0
    result = run_cli("build", site, "-o", site / "public", "--strict")
    assert result.code == 1 and "error[link/broken]" in result.err


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


def test_assets_next_to_notes_are_copied_and_linked(tmp_path, build):
    site = write_site(tmp_path / "s", {
        "content/diffusion/ddpm.md": note("DDPM", "2025-01-01", "![前向](ddpm/forward.svg)\n\n[数据](<data file.csv>)"),
        "content/diffusion/ddpm/forward.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>",
        "content/diffusion/data file.csv": "a,b\n",
    }, "base_url: /kb/\n")
    out = build(site)
    page = read(out, "diffusion/ddpm/index.html")
    assert 'src="/kb/diffusion/ddpm/forward.svg"' in page
    assert 'href="/kb/diffusion/data%20file.csv"' in page
    assert (out / "diffusion/ddpm/forward.svg").is_file() and (out / "diffusion/data file.csv").is_file()


def test_folder_with_only_content_builds_with_defaults(tmp_path, build):
    site = write_site(tmp_path / "s", {"content/hello.md": "# Hello\n\nNo front matter, like an Obsidian vault.\n"})
    subprocess.run(["git", "init", "-q"], cwd=site, check=True)
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "add", "."], cwd=site, check=True)
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "x",
                    "--date", "2024-05-06T07:08:09+00:00"], cwd=site, check=True,
                   env={"GIT_COMMITTER_DATE": "2024-07-08T00:00:00+00:00", "PATH": "/usr/bin:/bin"})
    out = build(site)
    page = read(out, "hello/index.html")
    assert "<h1>Hello</h1>" in page and page.count("Hello</h") == 1  # the heading became the title, once
    assert "2024年5月6日" in page
    assert (out / "en/index.html").is_file()


def test_missing_date_outside_git_is_an_error(tmp_path, run_cli):
    site = write_site(tmp_path / "s", {"content/hello.md": "# Hello\n\ntext\n"})
    result = run_cli("check", site)
    assert result.code == 1 and "content/hello.md:1:1: error[front-matter/missing-date]" in result.err


def test_titles_are_escaped(tmp_path, build):
    site = write_site(tmp_path / "s", {
        "content/a/x.md": "---\ntitle: \"<script>alert(1)</script>\"\ndate: 2025-01-01\ntags: [\"<b>t</b>\"]\n---\nbody\n"})
    out = build(site)
    for rel in ["a/x/index.html", "index.html", "feed.xml"]:
        text = read(out, rel)
        assert "<script>alert(1)</script>" not in text and "<b>t</b>" not in text, rel
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in read(out, "a/x/index.html")


def test_check_writes_nothing(tmp_path, run_cli):
    site = bilingual_site(tmp_path)
    result = run_cli("check", site)
    assert result.code == 0, result.err
    assert not (site / "public").exists()


def test_output_folder_safety(tmp_path, run_cli):
    site = bilingual_site(tmp_path)
    assert run_cli("build", site, "-o", site).code == 2
    assert run_cli("build", site, "-o", site / "content").code == 2
    assert run_cli("build", site, "-o", site.parent).code == 2
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "precious.txt").write_text("keep")
    result = run_cli("build", site, "-o", foreign)
    assert result.code == 2 and "--force" in result.err
    assert (foreign / "precious.txt").read_text() == "keep"
    assert run_cli("build", site, "-o", foreign, "--force").code == 0
    assert (foreign / "index.html").is_file()


def test_config_errors_exit_2(tmp_path, run_cli):
    site = write_site(tmp_path / "s", {"content/a.md": note("A", "2025-01-01")}, "paginate: zero\nlanguages: []\n")
    result = run_cli("build", site)
    assert result.code == 2
    assert "mlnotes.yaml:1:1: error[config/value]" in result.err and "mlnotes.yaml:2:1" in result.err
    assert run_cli("build", site, "--base-url", "ftp://x").code == 2


def test_python_dash_m_and_console_script(tmp_path):
    site = bilingual_site(tmp_path)
    for command in ([sys.executable, "-m", "mlnotes_site"], [str(REPO / ".venv/bin/mlnotes")]):
        if not __import__("pathlib").Path(command[0]).exists():
            continue
        done = subprocess.run(command + ["build", str(site), "-o", str(tmp_path / "out"), "--quiet"],
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        assert (tmp_path / "out/index.html").is_file()


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


def test_deeply_nested_input_is_bounded(tmp_path, build):
    site = write_site(tmp_path / "s", {
        "content/a/deep.md": note("Deep", "2025-01-01", ">" * 10000 + " x\n\n" + "".join("  " * i + "- x\n" for i in range(2000))),
    })
    out = build(site)
    assert (out / "a/deep/index.html").is_file()


def test_unchanged_files_keep_their_timestamps_so_deploys_see_real_changes(tmp_path, run_cli):
    site = write_site(tmp_path / "s", {
        "content/a/x.md": note("X", "2025-01-01", "[y](../b/y.md)"),
        "content/b/y.md": note("Y", "2025-01-02"),
        "content/c/z.md": note("Z", "2025-01-03"),
    })
    out = site / "public"
    assert run_cli("build", site, "-o", out).code == 0
    stamps = {p.relative_to(out).as_posix(): p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    time.sleep(0.05)
    (site / "content/c/z.md").write_text(note("Z changed", "2025-01-03"), encoding="utf-8")
    assert run_cli("build", site, "-o", out).code == 0
    after = {p.relative_to(out).as_posix(): p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    changed = sorted(p for p in after if after[p] != stamps.get(p))
    assert "c/z/index.html" in changed and "index.html" in changed
    assert "a/x/index.html" not in changed and "b/y/index.html" not in changed and "css/style.css" not in changed
    (out / "a/x/index.html").write_text("edited by hand")  # a hand edit in the output is repaired
    assert run_cli("build", site, "-o", out).code == 0
    assert "edited by hand" not in (out / "a/x/index.html").read_text()


def _many_notes_site(root: Path) -> Path:
    files = {f"content/t{i % 5}/n{i}.zh.md": note(f"笔记 {i}", f"2025-01-{i % 28 + 1:02d}",
                                                 f"正文 {i} $x_{{{i}}}$ [下一篇](../t{(i + 1) % 5}/n{(i + 1) % 40}.md)",
                                                 tags=f"[t{i % 7}]") for i in range(40)}
    files.update({f"content/t{i % 5}/n{i}.en.md": note(f"Note {i}", f"2025-01-{i % 28 + 1:02d}", f"Body {i}")
                  for i in range(0, 40, 3)})
    return write_site(root, files, "paginate: 3\n")


def test_pages_made_in_parallel_are_the_bytes_made_serially(tmp_path):
    site = _many_notes_site(tmp_path / "s")
    serial = build_options_result(site, tmp_path / "one", jobs=1)
    assert serial.processes == 1 and serial.made > 64
    shutil.rmtree(site / ".mlnotes-cache")
    # a process of its own (this one has test threads, and forks only with one thread)
    run = subprocess.run([sys.executable, "-m", "mlnotes_site", "build", str(site), "-o", str(tmp_path / "two"),
                          "-j", "2", "--profile"], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert f"{serial.made} pages made by 2 process(es)" in run.stderr
    assert tree_digest(tmp_path / "one") == tree_digest(tmp_path / "two")


def test_a_warm_build_makes_no_page_and_a_template_change_remakes_the_pages_it_makes(tmp_path):
    site = _many_notes_site(tmp_path / "s")
    first = build_options_result(site, tmp_path / "out")
    before = tree_digest(tmp_path / "out")
    warm = build_options_result(site, tmp_path / "out")
    assert warm.made == 0 and warm.rendered_notes == 0 and warm.linked == warm.outputs
    assert tree_digest(tmp_path / "out") == before
    (site / "templates").mkdir()
    (site / "templates/note.html").write_text(
        (default_theme_dir() / "templates/note.html").read_text(encoding="utf-8").replace("<article", "<article data-x=\"1\""),
        encoding="utf-8")
    changed = build_options_result(site, tmp_path / "out")
    assert changed.made == first.notes and changed.rendered_notes == 0  # the note pages, nothing else
    assert 'data-x="1"' in (tmp_path / "out/t0/n0/index.html").read_text(encoding="utf-8")
    assert tree_digest(tmp_path / "out")["index.html"] == before["index.html"]
    # base.html is part of every page
    (site / "templates/base.html").write_text(
        (default_theme_dir() / "templates/base.html").read_text(encoding="utf-8").replace("<main", "<main data-y=\"2\""),
        encoding="utf-8")
    again = build_options_result(site, tmp_path / "out")
    no_template = [p for p in first.digests if p.endswith(("feed.xml", "sitemap.xml", "preview.json", "graph.json"))]
    assert again.made == first.made - len(no_template) and no_template  # every page but feeds and sitemap
    assert 'data-y="2"' in (tmp_path / "out/index.html").read_text(encoding="utf-8")
    assert again.linked > 0  # feeds, sitemap and assets kept their files


def build_options_result(site: Path, out: Path, jobs: int = 0):
    result = run_build(BuildOptions(site, out, jobs=jobs))
    assert not result.failed, [p.format() for p in result.problems]
    return result


def test_a_build_with_nothing_changed_leaves_the_output_folder_untouched(tmp_path, run_cli):
    site = write_site(tmp_path / "s", {"content/a/x.md": note("X", "2025-01-01"),
                                       "content/b/y.md": note("Y", "2025-01-02")})
    out = site / "public"
    assert run_cli("build", site, "-o", out).code == 0
    before = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in [out, *out.rglob("*")]}
    assert run_cli("build", site, "-o", out).code == 0
    assert {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in [out, *out.rglob("*")]} == before
    assert not [p for p in out.parent.iterdir() if ".tmp-" in p.name or ".old-" in p.name]
    # anything else in the folder (a stray file, a deleted page) means a real build again
    (out / "stray.txt").write_text("not ours")
    (out / "b/y/index.html").unlink()
    assert run_cli("build", site, "-o", out).code == 0
    assert not (out / "stray.txt").exists() and (out / "b/y/index.html").is_file()
    assert out.stat().st_ino != before[out][0]


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
    assert 'href="/kb/llm/kv-cache/" class="wikilink embed"' in page  # a note embed is a link to it
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


def test_obsidian_comments_reach_no_page_excerpt_or_feed(tmp_path, run_cli):
    body = """
    公开 %%私密一%% 的文字，`%%代码%%` 与 $a \\% b$ 保留。

    %%
    私密二
    $$
    私密三
    $$
    %%

    - 列表 %%私密四%% 项

    ```python
    print("%%s" %% 1)
    ```

    50%% 的人。

    %%
    私密五，没有闭合
    """
    site = write_site(tmp_path / "s", {"content/a/n.md": note("N", "2025-01-01", body)})
    result = run_cli("build", site, "-o", site / "public")
    assert result.code == 0
    assert "content/a/n.md:23:1: warning[markdown/unclosed-comment]" in result.err
    out = site / "public"
    for rel in ("a/n/index.html", "index.html", "feed.xml", "a/feed.xml"):
        text = read(out, rel)
        assert "私密" not in text, rel
    page = read(out, "a/n/index.html")
    assert "公开" in page and "<code>%%代码%%</code>" in page and "a \\% b</annotation>" in page
    assert "50%% 的人" in page and "<li>列表  项</li>" in page
    assert '<span class="si">%%</span>' in page and '<span class="o">%%</span>' in page  # code keeps them


def test_relative_urls_in_raw_html_are_rewritten_like_markdown_links(tmp_path, run_cli):
    body = """
    <img src="assets/fig.png" alt="图" style="zoom:50%;" />

    <center><img src='./assets/fig.png' width=300></center> 行内 <a href="other.md#sec">另一篇</a> 与 <img src=gone.png>

    <a href="https://example.org/x.md">外链</a> <a href="#top">锚点</a> <a href="/abs/">绝对</a>
    """
    files = {
        "content/ml/typora.md": note("Typora", "2025-01-01", body),
        "content/ml/other.md": note("Other", "2025-01-02"),
        "content/ml/assets/fig.png": b"\x89PNG\r\n\x1a\n",
    }
    for safe in (False, True):
        site = write_site(tmp_path / f"s{safe}", files, "base_url: /kb/\n" + ("markdown:\n  unsafe_html: false\n" if safe else ""))
        result = run_cli("build", site, "-o", site / "public")
        assert result.code == 0, result.err
        assert "content/ml/typora.md:8:1: warning[link/broken]" in result.err and "gone.png" in result.err
        page = read(site / "public", "ml/typora/index.html")
        assert page.count('src="/kb/ml/assets/fig.png"') == 2, safe
        assert 'href="/kb/ml/other/#sec"' in page
        assert 'href="https://example.org/x.md"' in page and 'href="#top"' in page and 'href="/abs/"' in page


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
