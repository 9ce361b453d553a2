"""Real notes render right (issue 15): each test builds a small site of the shape seen in public
note collections (blogs with citations, an Obsidian vault, a textbook with French chapters, kramdown
lecture notes) and reads the built HTML back."""
from __future__ import annotations

import re

from helpers import note, parse, read, write_site
from datetime import UTC

CONFIG = """
title: {zh: 笔记, en: Notes}
languages: [zh, en]
"""


def test_citation_links_are_markdown_links_not_wikilinks(tmp_path, run_cli):
    body = """
    SmoothQuant [[3]](https://arxiv.org/abs/2211.10438) moves the difficulty to the weights [[1]](#ref1).
    The survey [[2]][survey] agrees.

    1. <a id="ref1"></a>Xiao et al.

    [survey]: https://example.org/survey
    """
    site = write_site(tmp_path / "s", {"content/q/smoothquant.en.md": note("SmoothQuant", "2025-01-01", body)}, CONFIG)
    result = run_cli("build", site, "-o", site / "public")
    assert result.code == 0, result.err
    assert "link/broken" not in result.err  # no wikilink was made, so nothing to resolve
    page = read(site / "public", "en/q/smoothquant/index.html")
    anchors = {text: attrs for tag, attrs, text in parse(page).texts if tag == "a" and text.startswith("[")}
    assert anchors["[3]"]["href"] == "https://arxiv.org/abs/2211.10438"
    assert anchors["[1]"]["href"] == "#ref1"
    assert anchors["[2]"]["href"] == "https://example.org/survey"
    assert "wikilink" not in page and "(#ref1)" not in page


def test_a_wikilink_to_nothing_is_marked_text_not_a_made_up_link(tmp_path, run_cli):
    body = """
    See [[kv-cache]], [[missing note|the **missing** one]], [[3]] and ![[nowhere.png]].

    ## About [[gone]]
    """
    site = write_site(tmp_path / "s", {
        "content/ml/attention.en.md": note("Attention", "2025-01-01", body),
        "content/ml/kv-cache.en.md": note("KV cache", "2025-01-02", "Pages."),
    }, CONFIG)
    result = run_cli("build", site, "-o", site / "public")
    assert result.code == 0, result.err
    for name in ("[[missing note|the **missing** one]]", "[[3]]", "![[nowhere.png]]", "[[gone]]"):
        assert f"warning[link/broken]: wikilink '{name}'" in result.err  # the warning stays
    page = read(site / "public", "en/ml/attention/index.html")
    hrefs = [attrs.get("href", "") for tag, attrs in parse(page).tags if tag == "a"]
    assert "/en/ml/kv-cache/" in hrefs  # a wikilink that resolves is still a link
    assert not any(h in ("3", "missing%20note", "gone", "nowhere.png") for h in hrefs)
    assert not any(attrs.get("src") == "nowhere.png" for tag, attrs in parse(page).tags if tag == "img")
    spans = {text: attrs for tag, attrs, text in parse(page).texts if tag == "span" and "unresolved" in attrs.get("class", "")}
    assert spans["the missing one"]["class"] == "wikilink unresolved"
    assert spans["the missing one"]["title"] == "Not found: no note or file is named “missing note”"
    assert '<strong>missing</strong> one</span>' in page  # the text keeps its Markdown
    assert spans["3"]["title"] == "Not found: no note or file is named “3”"
    assert spans["nowhere.png"]["class"] == "wikilink embed unresolved"
    toc = page[page.index('class="toc"'):] if 'class="toc"' in page else page
    assert re.search(r'About <span class="wikilink unresolved" title="[^"]*">gone</span>', toc)


def test_topics_named_in_front_matter_are_the_existing_topics(tmp_path, run_cli):
    site = write_site(tmp_path / "s", {
        # Obsidian habit: the folder's topic named as the reader sees it
        "content/computer-science/algorithms.md": note("Algorithms", "2025-01-01", topics="[Computer Science]"),
        "content/computer-science/_index.zh.md": "---\ntitle: 计算机科学\n---\n",
        "content/computer-science/_index.en.md": "---\ntitle: CS Basics\n---\n",
        "content/ml/diffusion/ddim.md": note("DDIM", "2025-01-02", topics="['cs basics', 计算机科学, Diffusion]"),
        "content/ml/notes.md": note("Notes", "2025-01-03", topics="[Deep Learning]"),
        "content/ml/more.md": note("More", "2025-01-04", topics="[deep-learning, ML]"),
    }, CONFIG)
    result = run_cli("build", site, "-o", site / "public")
    assert result.code == 0, result.err  # no url/duplicate
    out = site / "public"
    page = read(out, "ml/diffusion/ddim/index.html")
    topic_links = [attrs["href"] for tag, attrs in parse(page).tags if tag == "a" and attrs.get("class") == "topic"]
    # by title in either language, by folder name; each once
    assert topic_links == ["/ml/diffusion/", "/computer-science/"]
    algorithms = read(out, "computer-science/algorithms/index.html")
    assert [a["href"] for t, a in parse(algorithms).tags if t == "a" and a.get("class") == "topic"] == ["/computer-science/"]
    # a truly new name makes one topic, however it is spelled
    assert (out / "deep-learning/index.html").is_file()
    listed = read(out, "deep-learning/index.html")
    assert "Notes" in listed and "More" in listed
    topic_dirs = sorted(p.parent.relative_to(out).as_posix() for p in out.glob("*/index.html"))
    assert "computer-science" in topic_dirs and "deep-learning" in topic_dirs and "ml" in topic_dirs
    assert not any(d.startswith(("computer-science-", "cs-basics")) for d in topic_dirs)
    # "ML" is the folder ml, not a new topic
    more = read(out, "ml/more/index.html")
    assert [a["href"] for t, a in parse(more).tags if t == "a" and a.get("class") == "topic"] == ["/ml/", "/deep-learning/"]


def test_without_languages_key_the_site_speaks_the_languages_of_its_files(tmp_path, run_cli):
    english = write_site(tmp_path / "en", {
        "content/basics/intro.en.md": note("Intro", "2025-01-01", "Hello."),
        "content/basics/setup.md": note("Setup", "2025-01-02", "Install.", lang="en"),
    }, "title: Notes\n")
    result = run_cli("build", english, "-o", english / "public")
    assert result.code == 0, result.err
    home = read(english / "public", "index.html")
    assert '<html lang="en"' in home
    assert (english / "public/basics/intro/index.html").is_file() and (english / "public/basics/setup/index.html").is_file()
    assert not (english / "public/en").exists() and not (english / "public/zh").exists()

    # a textbook with French chapters beside the Chinese ones (and more French than English)
    book = write_site(tmp_path / "book", {
        "content/ch/chapter1.zh.md": note("第一章", "2025-01-01", "正文。"),
        "content/ch/chapter1.fr.md": note("Chapitre 1", "2025-01-01", "Texte."),
        "content/ch/chapter2.fr.md": note("Chapitre 2", "2025-01-02", "Texte."),
        "content/ch/chapter2.en.md": note("Chapter 2", "2025-01-02", "Text."),
    }, "title: Book\n")
    result = run_cli("build", book, "-o", book / "public")
    assert result.code == 0, result.err
    assert '<html lang="zh"' in read(book / "public", "ch/chapter1/index.html")  # zh first, at the root
    assert '<html lang="en"' in read(book / "public", "en/ch/chapter2/index.html")  # then en
    assert '<html lang="fr"' in read(book / "public", "fr/ch/chapter1/index.html")  # then the others

    # with the key, a suffix outside it stays an error
    (book / "mlnotes.yaml").write_text("title: Book\nlanguages: [zh, en]\n", encoding="utf-8")
    result = run_cli("build", book, "-o", book / "public")
    assert result.code != 0 and "content/ch/chapter1.fr.md" in result.err and "error[lang/unknown]" in result.err


def test_serve_follows_the_languages_the_files_use(tmp_path):
    from mlnotes_site.build import BuildOptions, build
    from pathlib import Path
    from mlnotes_site.serve.live import LiveSite
    from helpers import tree_digest

    site = write_site(tmp_path / "s", {"content/ch/chapter1.en.md": note("Chapter 1", "2025-01-01", "Text.")},
                      "title: Book\n")
    live = LiveSite(site, tmp_path / "serve")

    def same_as_clean() -> bool:
        out = tmp_path / "clean"
        assert not build(BuildOptions(site, out)).failed
        # pages only: in serve, pagefind/ is written by the background indexer (tests/test_search.py)
        def pages(folder: Path) -> dict[str, str]:
            return {k: v for k, v in tree_digest(folder).items() if not k.startswith((".", "pagefind/"))}
        return pages(out) == pages(live.output)

    try:
        assert not live.update(None).failed
        assert '<html lang="en"' in (live.output / "index.html").read_text(encoding="utf-8")
        (site / "content/ch/chapter1.zh.md").write_text(note("第一章", "2025-01-01", "正文。"), encoding="utf-8")
        assert not live.update({"content/ch/chapter1.zh.md"}).failed
        assert '<html lang="zh"' in (live.output / "index.html").read_text(encoding="utf-8")
        assert same_as_clean()
        (site / "content/ch/chapter1.zh.md").unlink()
        assert not live.update({"content/ch/chapter1.zh.md"}).failed
        assert '<html lang="en"' in (live.output / "index.html").read_text(encoding="utf-8")
        assert same_as_clean()
    finally:
        live.close()


def test_notes_without_date_outside_git_use_the_file_time_with_one_warning(tmp_path, run_cli):
    import os
    from datetime import datetime

    site = write_site(tmp_path / "s", {
        "content/export/a.md": "# Alpha\n\nExported without front matter.\n",
        "content/export/b.md": "---\ntitle: Beta\n---\n\nNo date either.\n",
        "content/export/c.md": "---\ntitle: Gamma\nupdated: 2025-03-01\n---\n\nAn updated but no date.\n",
        "content/export/d.md": note("Delta", "2025-01-01", "Dated."),
    }, "timezone: UTC\n")
    when = datetime(2024, 6, 7, 8, 9, 10, tzinfo=UTC).timestamp()
    for name in "abc":
        os.utime(site / f"content/export/{name}.md", (when, when))
    result = run_cli("build", site, "-o", site / "public")
    assert result.code == 0, result.err
    warnings = [line for line in result.err.splitlines() if "front-matter/missing-date" in line]
    assert len(warnings) == 1 and "warning[" in warnings[0] and "3 note(s)" in warnings[0]
    page = read(site / "public", "export/a/index.html")
    assert "2024年6月7日" in page and 'datetime="2024-06-07T08:09:10+00:00"' in page
    assert "2025年3月1日" in read(site / "public", "export/c/index.html")  # its own updated stays
    strict = run_cli("build", site, "-o", site / "public", "--strict")
    assert strict.code == 1 and "error[front-matter/missing-date]" in strict.err


def test_a_first_heading_repeating_the_title_is_dropped(tmp_path, run_cli):
    site = write_site(tmp_path / "s", {
        "content/book/ch1.en.md": note("Linear  Models", "2025-01-01", "# Linear Models\n\nIntro.\n\n## Least squares\n\nText."),
        "content/book/ch2.en.md": note("Trees", "2025-01-02", "# Forests\n\nNot the title.\n\n## Bagging\n\nText."),
    }, CONFIG)
    result = run_cli("build", site, "-o", site / "public")
    assert result.code == 0, result.err
    page = read(site / "public", "en/book/ch1/index.html")
    assert len(re.findall(r"<h1[^>]*>\s*Linear\s+Models", page)) == 1  # the page's own <h1> only
    assert re.search(r'<h2 id="least-squares">Least squares', page)
    toc = re.findall(r'<nav class="toc".*?</nav>', page, re.S)
    assert not toc or "Linear Models" not in toc[0]
    other = read(site / "public", "en/book/ch2/index.html")
    assert re.search(r"<h1[^>]*>Forests", other)  # a different first heading stays


def test_kramdown_dollars_inline_in_a_sentence_display_alone(tmp_path, run_cli):
    body = r"""
    The density (where $$\mathbf{x} \in \mathcal{D}$$) --- because $$p(x)$$ is normalized.

    $$
    \int p(x)\,dx = 1
    $$

    $$E = mc^2$$

    A sentence, then on its own line
    $$a^2 + b^2 = c^2$$
    and on.

    | cell |
    |---|
    | $$k$$ |
    """
    site = write_site(tmp_path / "s", {"content/k/notes.en.md": note("Kramdown", "2025-01-01", body)}, CONFIG)
    result = run_cli("build", site, "-o", site / "public")
    assert result.code == 0, result.err
    page = read(site / "public", "en/k/notes/index.html")
    body_html = page[page.index('<div class="note-body'):] if '<div class="note-body' in page else page
    first = re.search(r"<p>The density.*?</p>", body_html, re.S)
    assert first and "katex-display" not in first.group(0) and first.group(0).count('class="katex"') == 2
    assert "normalized.</p>" in first.group(0)  # the sentence is whole, its "." not on a line of its own
    annotations = re.findall(r'class="katex-display".*?<annotation encoding="application/x-tex">(.*?)</annotation>',
                             body_html, re.S)
    assert [a.strip() for a in annotations] == [r"\int p(x)\,dx = 1", "E = mc^2", "a^2 + b^2 = c^2"]
    cell = re.search(r"<td>(.*?)</td>", body_html, re.S)
    assert cell and "katex-display" not in cell.group(0) and 'class="katex"' in cell.group(0)


def test_definition_lists_figures_and_sub_superscripts(tmp_path, run_cli):
    body = r"""
    Softmax
    : turns scores into probabilities, $\sigma(z)_i = e^{z_i} / \sum_j e^{z_j}$.

    ![loss curve](loss.png "Figure 1: the loss $\mathcal{L}$ falls")

    ![no title](loss.png)

    Water is H~2~O, energy grows as x^2^, ~~struck~~ stays struck, ~5 minutes stays, 2^10 stays.
    `H~2~O` in code and $a~b~c$ in math are untouched.
    """
    site = write_site(tmp_path / "s", {
        "content/f/figs.en.md": note("Figures", "2025-01-01", body),
        "content/f/loss.png": b"\x89PNG\r\n\x1a\n",
    }, CONFIG)
    result = run_cli("build", site, "-o", site / "public")
    assert result.code == 0, result.err
    page = read(site / "public", "en/f/figs/index.html")
    assert re.search(r"<dl>\s*<dt>Softmax</dt>\s*<dd>turns scores into probabilities, (<span class=\"nobr\">)?<span class=\"katex\">", page)
    figure = re.search(r"<figure>(.*?)</figure>", page, re.S)
    assert figure and '<img src="/en/f/loss.png"' not in figure.group(1)  # an asset: not under /en/
    assert re.search(r'<img src="/f/loss\.png" alt="loss curve"', figure.group(1))
    caption = re.search(r"<figcaption>(.*?)</figcaption>", figure.group(1), re.S)
    assert caption and re.match(r'Figure 1: the loss (<span class="nobr">)?<span class="katex">', caption.group(1))
    assert "\\mathcal{L}</annotation>" in caption.group(1) and caption.group(1).endswith(" falls")
    assert page.count("<figure>") == 1  # the image without a title stays an image in a paragraph
    assert "H<sub>2</sub>O" in page and "x<sup>2</sup>" in page
    assert "<s>struck</s>" in page and "~5 minutes" in page and "2^10" in page
    assert "<code>H~2~O</code>" in page and "a~b~c</annotation>" in page
