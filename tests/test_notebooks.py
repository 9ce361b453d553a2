"""Jupyter notebooks as notes (issue 20): built from notebooks the tests write with nbformat."""
from __future__ import annotations

import json
import re
import struct
from pathlib import Path

import feedparser
import pytest

from mlnotes_site.build import BuildOptions, build
from mlnotes_site.load import notebook as notebook_module
from mlnotes_site.load.ansi import ansi_to_html
from mlnotes_site.load.notebook_outputs import close_fences
from mlnotes_site.serve.watch import relevant
from helpers import note, note_body, read, tree_digest, write_site
from nbfixtures import b64, png, python_notebook, softmax_en, softmax_zh, write
from nbformat.v4 import new_markdown_cell


def make_site(root: Path, config: str = "languages: [zh, en]\n") -> Path:
    site = write_site(root, {
        "content/ml/_index.zh.md": "---\ntitle: 机器学习\n---\n",
        "content/ml/notes.zh.md": note("笔记", "2025-01-01", "见 [Softmax](softmax.ipynb)。"),
        "content/ml/plain.en.md": note("Plain", "2025-01-02", "A Markdown note beside the notebooks."),
    }, config)
    write(site / "content/ml/softmax.zh.ipynb", softmax_zh())
    write(site / "content/ml/softmax.en.ipynb", softmax_en())
    # a notebook and a Markdown note with the same path in another language pair up too
    pair = python_notebook(5)
    pair.cells = [new_markdown_cell("# 注意力\n\n缩放点积 $QK^\\top/\\sqrt{d}$。")]
    pair.metadata["date"] = "2025-02-01"
    write(site / "content/ml/attention.ipynb", pair)
    (site / "content/ml/attention.en.md").write_text(note("Attention", "2025-02-01", "Scaled dot product."),
                                                     encoding="utf-8")
    return site


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, object]:
    site = make_site(tmp_path_factory.mktemp("nb") / "site")
    out = site / "public"
    result = build(BuildOptions(site, out))
    assert not result.failed, [p.format() for p in result.problems]
    return site, out, result


def body(html: str) -> str:
    return note_body(html)


def test_a_notebook_is_a_note_page_with_front_matter_from_its_first_cell(built) -> None:
    site, out, _ = built
    html = read(out, "ml/softmax/index.html")
    assert "<h1>Softmax 的导数</h1>" in html
    assert 'href="/tags/softmax/"' in html and "数值检验" in html
    page = body(html)
    assert "title: Softmax" not in page and "date: 2025" not in page  # the YAML block is not shown
    assert 'class="katex"' in page.split('<div class="nb-cell')[0]  # the Markdown cell's math
    assert 'href="/ml/notes/"' in page  # its wikilink, resolved like a note's


def test_title_and_date_come_from_notebook_metadata_without_front_matter(built) -> None:
    _, out, _ = built
    html = read(out, "en/ml/softmax/index.html")
    assert "<h1>Softmax derivative</h1>" in html
    assert 'datetime="2025-03-01' in html


def test_translations_pair_notebooks_and_a_notebook_with_a_markdown_note(built) -> None:
    _, out, _ = built
    zh = read(out, "ml/softmax/index.html")
    assert 'hreflang="en" href="/en/ml/softmax/"' in zh
    assert 'hreflang="zh" href="/ml/softmax/"' in read(out, "en/ml/softmax/index.html")
    attention = read(out, "ml/attention/index.html")
    assert "<h1>注意力</h1>" in attention  # first heading as the title, as for a .md note
    assert 'hreflang="en" href="/en/ml/attention/"' in attention
    assert 'href="/ml/softmax/"' in read(out, "ml/notes/index.html")  # a link to x.ipynb goes to its page


def test_code_cells_are_highlighted_with_their_execution_count(built) -> None:
    _, out, _ = built
    page = body(read(out, "ml/softmax/index.html"))
    assert '<div class="nb-count" title="执行顺序">[1]</div>' in page
    assert '<code class="language-python"><span class="kn">import</span>' in page


def test_cell_tags_are_honoured(built) -> None:
    _, out, _ = built
    page = body(read(out, "ml/softmax/index.html"))
    assert "REMOVED-CELL" not in page
    assert "REMOVED-INPUT" not in page and 'class="nb-output nb-latex"' in page  # output kept
    assert "KEPT-INPUT" in page and "REMOVED-OUTPUT" not in page
    folded = re.search(r'<details class="nb-fold nb-input"><summary>显示代码</summary>(.*?)</details>', page, re.S)
    assert folded and "HIDDEN-INPUT" in folded.group(1)
    assert "RAW-LATEX" not in page  # a raw cell for LaTeX is not for a web page


def test_images_are_files_beside_the_page_never_base64(built) -> None:
    site, out, _ = built
    for path in out.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert "base64" not in text and "data:image" not in text, path
    page = body(read(out, "ml/softmax/index.html"))
    img = re.search(r'<img src="([^"]+)" width="(\d+)" height="(\d+)" loading="lazy" alt="([^"]*)">', page)
    assert img, page
    src, width, height = img.group(1), int(img.group(2)), int(img.group(3))
    assert re.fullmatch(r"/ml/softmax/[0-9a-f]{20}\.png", src)
    data = (out / src.lstrip("/")).read_bytes()
    assert data == png(120, 60) and struct.unpack(">II", data[16:24]) == (width, height) == (120, 60)
    # the English notebook asks for half size (a retina figure): its metadata wins; same bytes, one file
    en = body(read(out, "en/ml/softmax/index.html"))
    assert f'<img src="{src}" width="60" height="30"' in en


def test_tables_errors_streams_and_long_outputs(built) -> None:
    _, out, _ = built
    page = body(read(out, "ml/softmax/index.html"))
    assert '<div class="nb-output nb-html">' in page and "<table" in page and "feature_23" in page
    assert "\x1b" not in page and "[0;31m" not in page
    assert '<span class="ansi-red-fg">ZeroDivisionError</span>' in page
    assert 'style="color:rgb(' in page  # a 256-colour code
    assert "epoch 1: 100%" in page and "epoch 1: 10%" not in page  # a progress bar's last state
    assert '<pre class="nb-output nb-stream nb-stderr">' in page
    assert "line 0\n" in page and "line 999" in page and "line 500" not in page
    assert "省略 800 行" in page  # default notebooks.output_lines: 200
    assert 'class="nb-output nb-markdown"' in page and "<strong>粗体</strong>" in page
    assert "此处是交互式输出" in page  # a widget: dropped, with a word to the reader
    assert "SAFE-PART" in page and "NB_SCRIPT_RAN" in page  # unsafe_html defaults to true, as for notes


def test_problems_point_at_cells_and_notes_are_not_warnings(built) -> None:
    _, _, result = built
    mine = [p for p in result.problems if p.path == "content/ml/softmax.zh.ipynb"]
    widget = [p for p in mine if p.code == "notebook/interactive"]
    assert len(widget) == 1 and widget[0].severity == "note" and widget[0].cell == 9
    assert widget[0].format().startswith("content/ml/softmax.zh.ipynb:cell 9: note[notebook/interactive]")


def test_excerpt_feed_reading_time_and_latest_updates(built) -> None:
    _, out, _ = built
    feed = feedparser.parse(read(out, "feed.xml"))
    entry = next(e for e in feed.entries if e.link.endswith("/ml/softmax/"))
    assert entry.title == "Softmax 的导数"
    index = read(out, "index.html")
    assert "/ml/softmax/" in index and "下面用差分数值检验" in index  # the excerpt is the Markdown cell's prose
    # a thousand lines of output and the code do not make reading time: one short paragraph of prose
    assert "约 1 分钟" in read(out, "ml/softmax/index.html")


def test_a_warm_build_does_not_read_notebooks(built, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    site, out, _ = built
    before = tree_digest(out)

    def refuse(*args: object) -> object:
        raise AssertionError("the notebook was read again")
    monkeypatch.setattr(notebook_module, "_read_notebook", refuse)
    again = build(BuildOptions(site, out))
    assert not again.failed and again.rendered_notes == 0
    assert tree_digest(out) == before
    other = build(BuildOptions(site, tmp_path / "other"))  # byte-identical in another folder too
    assert tree_digest(tmp_path / "other") == before and not other.failed


def test_an_edited_notebook_is_converted_again_and_old_images_pruned(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site")
    out = tmp_path / "out"
    assert not build(BuildOptions(site, out)).failed
    nb = softmax_en()
    nb.cells[2].outputs[0].data["image/png"] = b64(png(30, 10, (200, 10, 10)))
    nb.cells[2].outputs[0].metadata = {"image/png": {"width": 60}}  # IPython's Image(width=60)
    write(site / "content/ml/softmax.en.ipynb", nb)
    assert not build(BuildOptions(site, out)).failed
    en = body(read(out, "en/ml/softmax/index.html"))
    src = re.search(r'<img src="([^"]+)" width="60" height="20"', en).group(1)  # height from the new size
    assert (out / src.lstrip("/")).read_bytes() == png(30, 10, (200, 10, 10))
    stored = list((site / ".mlnotes-cache/notebooks/files").rglob("*.png"))
    assert len(stored) == 2  # the zh notebook's figure and the en one's new one; the old en one is gone


def test_safe_html_removes_scripts_from_outputs(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site", "languages: [zh, en]\nmarkdown: {unsafe_html: false}\n"
                                        "notebooks: {output_lines: 20}\n")
    result = build(BuildOptions(site, tmp_path / "out"))
    assert not result.failed
    page = body(read(tmp_path / "out", "ml/softmax/index.html"))
    assert "SAFE-PART" in page and "NB_SCRIPT_RAN" not in page and "<script" not in page
    assert "省略 980 行" in page and "line 9\n" in page and "line 10\n" not in page and "line 999" in page


def test_broken_notebooks_are_problems_with_file_and_cell(tmp_path: Path, run_cli) -> None:
    site = make_site(tmp_path / "site")
    (site / "content/bad").mkdir()
    (site / "content/bad/damaged.ipynb").write_text('{"cells": [\n  {"cell_type": "markdown",,}\n]}',
                                                    encoding="utf-8")
    (site / "content/bad/future.ipynb").write_text(json.dumps({"nbformat": 5, "nbformat_minor": 0, "cells": []}),
                                                   encoding="utf-8")
    nb = python_notebook(5)
    nb.metadata["date"] = "2025-01-01"
    nb.cells = [new_markdown_cell("Intro."), new_markdown_cell("A figure:\n\n![plot](attachment:missing.png)"),
                new_markdown_cell("Bad math $\\frac{1}{$ here.")]
    write(site / "content/bad/attach.ipynb", nb)
    undated = python_notebook(4)
    undated.cells = [new_markdown_cell("No front matter, no metadata date, not in git.")]
    write(site / "content/bad/undated.ipynb", undated)
    result = run_cli("build", site, "-o", tmp_path / "out")
    assert result.code == 1  # errors: nothing written, every problem reported at once
    err = result.err
    assert "content/bad/damaged.ipynb:2:28: error[notebook/json]: not valid JSON" in err
    assert "content/bad/future.ipynb: error[notebook/version]: nbformat 5" in err
    assert "content/bad/attach.ipynb:cell 2:3:9: warning[notebook/attachment]: 'attachment:missing.png'" in err
    assert re.search(r"content/bad/attach\.ipynb:cell 3:1:\d+: warning\[math/parse\]", err), err
    # no date anywhere: the file's time stands in, said once for all such files
    assert re.search(r"content/bad/undated\.ipynb:(cell 1:)?1:1: warning\[front-matter/missing-date\]: 1 note\(s\)", err), err
    checked = build(BuildOptions(site, tmp_path / "out", write=False))
    assert checked.notes == 8  # every other note is there


def test_attachments_become_files(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site")
    nb = python_notebook(5)
    nb.metadata["date"] = "2025-01-01"
    cell = new_markdown_cell("Pasted: ![a cat](attachment:cat%20one.png)")
    cell.attachments = {"cat one.png": {"image/png": b64(png(8, 8))}}
    nb.cells = [cell]
    write(site / "content/ml/pasted.ipynb", nb)
    result = build(BuildOptions(site, tmp_path / "out"))
    assert not result.failed, [p.format() for p in result.problems]
    page = body(read(tmp_path / "out", "en/ml/pasted/index.html"))  # English text, no suffix: detected as en
    src = re.search(r'<img src="(/ml/pasted/[0-9a-f]{20}\.png)" alt="a cat"', page).group(1)
    assert (tmp_path / "out" / src.lstrip("/")).read_bytes() == png(8, 8)


def test_serve_watches_notebooks(tmp_path: Path) -> None:
    (tmp_path / "content/ml").mkdir(parents=True)
    path = tmp_path / "content/ml/x.ipynb"
    path.write_text("{}", encoding="utf-8")
    assert relevant(str(path), tmp_path.resolve(), []) == "content/ml/x.ipynb"


def test_live_site_rebuilds_a_saved_notebook(tmp_path: Path) -> None:
    from mlnotes_site.serve.live import LiveSite
    site = make_site(tmp_path / "site")
    live = LiveSite(site, tmp_path / "out")
    try:
        assert not live.update().failed
        nb = softmax_en()
        nb.cells[0].source = "Edited while serving: $a^2$."
        write(site / "content/ml/softmax.en.ipynb", nb)
        assert not live.update({"content/ml/softmax.en.ipynb"}).failed
        assert "Edited while serving" in read(tmp_path / "out", "en/ml/softmax/index.html")
    finally:
        live.close()


def test_ansi_and_fences_helpers() -> None:
    assert ansi_to_html("\x1b[1;32mok\x1b[0m <b>\x1b]0;title\x07\x1b[2K") == \
        '<span class="ansi-green-fg ansi-bold">ok</span> &lt;b&gt;'
    assert ansi_to_html("\x1b[38;2;1;2;3mrgb\x1b[39m") == '<span style="color:rgb(1,2,3)">rgb</span>'
    assert close_fences("```python\nx = 1") == "```python\nx = 1\n```"
    assert close_fences("````\n```\n````") == "````\n```\n````"
