"""Rendering a note's Markdown: what reaches the page, bounded input, raw HTML."""
from __future__ import annotations


from helpers import note, read, write_site


def test_deeply_nested_input_is_bounded(tmp_path, build):
    site = write_site(tmp_path / "s", {
        "content/a/deep.md": note("Deep", "2025-01-01", ">" * 10000 + " x\n\n" + "".join("  " * i + "- x\n" for i in range(2000))),
    })
    out = build(site)
    assert (out / "a/deep/index.html").is_file()


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
