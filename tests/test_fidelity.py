"""Real notes render right (issue 15): each test builds a small site of the shape seen in public
note collections (blogs with citations, an Obsidian vault, a textbook with French chapters, kramdown
lecture notes) and reads the built HTML back."""
from __future__ import annotations

import re

from helpers import note, parse, read, write_site

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
