"""A Notion "Markdown & CSV" export builds as it is: ids out of URLs and titles, properties as front
matter, <aside> callouts, page folders as topics, Untitled pages, URL-encoded links; each adaptation
reported as a note at file:line."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from helpers import parse, read, write_site

from mlnotes_site.load.notion import clean_path, parse_notion_date, title_from_body

TOPIC_ID = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
DDIM_ID = "1a2b3c4d5e6f708192a3b4c5d6e7f809"
DDPM_ID = "aabbccddeeff00112233445566778899"
TOPIC = f"机器学习 {TOPIC_ID}"
DDIM = f"DDIM 加速采样 {DDIM_ID}"
DDPM = f"DDPM 要点 {DDPM_ID}"

PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082")


def _export(root: Path) -> Path:
    return write_site(root, {
        f"{TOPIC}.md": f"""
            # 机器学习

            Created: March 1, 2024 3:04 PM
            Tags: 索引

            这里是机器学习笔记的目录页。

            [DDIM 加速采样]({quote(TOPIC)}/{quote(DDIM)}.md)
            """,
        f"{TOPIC}/{DDIM}.md": f"""
            # DDIM 加速采样

            Created: March 1, 2024 3:04 PM
            Last edited time: April 2, 2024 10:15 AM
            Tags: diffusion, 采样
            Status: Done

            <aside>
            💡 DDIM 的关键：**非马尔可夫** 前向过程，边缘分布 $q(x_t|x_0)$ 不变。

            </aside>

            DDIM 可以跳步采样。

            ![image.png]({quote(DDIM)}/image.png)

            参考 [DDPM 要点]({quote(DDPM)}.md)，回到[目录](../{quote(TOPIC)}.md)。

            ```
            <aside>
            not a callout in code
            </aside>
            Created: in code
            ```
            """,
        f"{TOPIC}/{DDIM}/image.png": PNG,
        f"{TOPIC}/{DDPM}.md": """
            # DDPM 要点

            创建时间: 2024年3月1日 下午3:04
            标签: diffusion

            前向加噪 $q(x_t|x_{t-1})$，这是扩散模型的基础。

            <aside>
            一个没有表情符号的提示。
            </aside>
            """,
        f"{TOPIC}/Untitled 11223344556677889900aabbccddeeff.md": "# Untitled\n",
        f"{TOPIC}/Untitled 99223344556677889900aabbccddeeff.md":
            "# Untitled\n\nAttention is all you need, a quick recap of the transformer.\n",
        f"{TOPIC}/Untitled 55223344556677889900aabbccddeeff.md":
            "# Untitled\n\nAttention is all you need, a quick recap of the transformer.\n",
    }, config="languages: [zh, en]\n")


def test_a_notion_export_builds_as_a_site(tmp_path: Path, build, run_cli) -> None:
    site = _export(tmp_path / "notion")  # no content/ folder: the export itself
    run = run_cli("build", site, "-o", tmp_path / "out")
    assert run.code == 0, run.err
    out = tmp_path / "out"
    page = read(out, "机器学习/ddim-加速采样/index.html")
    doc = parse(page)
    assert [t for tag, _, t in doc.texts if tag == "h1"] == ["DDIM 加速采样"]
    assert TOPIC_ID not in page and DDIM_ID not in page
    assert 'datetime="2024-03-01T15:04:00+00:00"' in page and 'datetime="2024-04-02T10:15:00+00:00"' in page
    assert 'href="/tags/diffusion/"' in page and 'href="/tags/采样/"' in page
    assert "Created: March" not in page and "Status: Done" not in page and "Tags:" not in page
    assert 'class="callout callout-tip' in page and "<strong>非马尔可夫</strong>" in page and "<math" in page
    assert page.count("&lt;aside&gt;") == 1 and "<aside" not in page and "not a callout in code" in page and "Created: in code" in page
    assert '<img src="/机器学习/ddim-加速采样/image.png"' in page
    assert (out / "机器学习/ddim-加速采样/image.png").read_bytes() == PNG
    assert 'href="/机器学习/ddpm-要点/"' in page  # a URL-encoded link to a page
    assert '<a href="/机器学习/">目录</a>' in page  # the page that is its folder's topic
    ddpm = read(out, "机器学习/ddpm-要点/index.html")
    assert 'datetime="2024-03-01T15:04:00+00:00"' in ddpm and "创建时间" not in ddpm
    assert 'class="callout callout-note' in ddpm and "一个没有表情符号的提示" in ddpm
    # the page beside its folder is the topic: its title and text, never a note of its own
    topic = read(out, "机器学习/index.html")
    assert "这里是机器学习笔记的目录页" in topic  # (its links stay as written, as every topic description's do)
    assert [t for tag, _, t in parse(topic).texts if tag == "h1"] == ["机器学习"]
    # Untitled: the empty one skipped, the others titled by their words, in English by their text
    assert not list(out.rglob("untitled*"))
    first = read(out, "en/机器学习/attention-is-all-you-need-a/index.html")
    assert "Attention is all you need, a…" in first
    assert (out / "en/机器学习/attention-is-all-you-need-a-9922/index.html").exists()  # the later id
    for code, where in [("content/site-folder", "<site>"),
                        ("import/notion-properties", f"{TOPIC}/{DDIM}.md:2:1"),
                        ("import/notion-callout", f"{TOPIC}/{DDIM}.md:8:1"),
                        ("import/notion-page-folder", f"{TOPIC}.md:1:1"),
                        ("import/notion-untitled", f"{TOPIC}/Untitled 11223344556677889900aabbccddeeff.md:1:1"),
                        ("import/notion-same-name", f"{TOPIC}/Untitled 99223344556677889900aabbccddeeff.md:1:1"),
                        ("lang/detected", f"{TOPIC}/Untitled 55223344556677889900aabbccddeeff.md:1:1")]:
        assert f"{where}: note[{code}]" in run.err, (code, run.err)
    assert "error[" not in run.err and "url/duplicate" not in run.err


def test_notion_dates_in_english_and_chinese() -> None:
    assert parse_notion_date("March 1, 2024 3:04 PM") == "2024-03-01T15:04:00"
    assert parse_notion_date("Mar 1, 2024") == "2024-03-01T00:00:00"
    assert parse_notion_date("December 31, 2023 12:30 AM") == "2023-12-31T00:30:00"
    assert parse_notion_date("2024年3月1日 下午3:04") == "2024-03-01T15:04:00"
    assert parse_notion_date("2024年3月1日") == "2024-03-01T00:00:00"
    assert parse_notion_date("2024/03/01 15:04") == "2024-03-01T15:04:00"
    assert parse_notion_date("2024-03-01T15:04:00") == "2024-03-01T15:04:00"
    assert parse_notion_date("someday") is None and parse_notion_date("February 30, 2024") is None


def test_ids_come_off_paths_and_untitled_titles_cut_at_a_boundary() -> None:
    assert clean_path(f"{TOPIC}/{DDIM}") == "机器学习/DDIM 加速采样"
    assert clean_path("plain/folder") == "plain/folder"
    assert clean_path(f"hash{DDIM_ID}/{DDIM_ID}") == f"hash{DDIM_ID}/{DDIM_ID}"  # Notion puts a space before the id
    assert title_from_body("\n## 小结\n\ntext") == "小结"
    assert title_from_body("这是一段很长的中文文字，用来测试标题在三十个字符处截断是否正确无误的效果如何呢") \
        == "这是一段很长的中文文字，用来测试标题在三十个字符处截断是否正…"  # 30 characters
    assert title_from_body("Attention is all you need, a quick recap.") == "Attention is all you need, a…"


def test_a_plain_note_with_key_value_lines_is_not_read_as_notion(tmp_path: Path, build) -> None:
    site = write_site(tmp_path / "s", {"content/plain.md": "# Plain\n\nNote: this stays text.\n"})
    out = build(site)
    assert "Note: this stays text." in read(out, "plain/index.html")
