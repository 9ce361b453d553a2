"""Notebook pages in Chromium: images load from files, math is typeset, wide tables scroll inside
their output on a phone-sized screen, nothing is inlined as base64, hidden input unfolds."""
from __future__ import annotations

import pytest

from helpers import build_into, write_site
from nbfixtures import softmax_en, softmax_zh, write


@pytest.fixture(scope="module")
def site_url(tmp_path_factory, serve_folder):
    root = tmp_path_factory.mktemp("nb-browser")
    site = write_site(root / "site", {}, "base_url: /kb/\nlanguages: [zh, en]\n")
    write(site / "content/ml/softmax.zh.ipynb", softmax_zh())
    write(site / "content/ml/softmax.en.ipynb", softmax_en())
    build_into(site, root / "www" / "kb")
    return serve_folder(root / "www") + "/kb/"


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport={"width": 375, "height": 740}, device_scale_factor=2)
    page = context.new_page()
    failed: list[str] = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.on("requestfailed", lambda r: failed.append(f"failed {r.url}"))
    page.failed = failed  # type: ignore[attr-defined]
    yield page
    context.close()


def test_notebook_page_on_a_phone(phone, site_url):
    phone.goto(site_url + "ml/softmax/")
    html = phone.content()
    assert "base64" not in html and "data:image" not in html
    image = phone.locator(".nb-image img").first
    image.scroll_into_view_if_needed()  # lazy-loaded: it loads when it comes near the viewport
    phone.wait_for_function("document.querySelector('.nb-image img').complete")
    size = phone.evaluate("(() => { const i = document.querySelector('.nb-image img');"
                          " return [i.naturalWidth, i.naturalHeight, i.getAttribute('loading')]; })()")
    assert size == [120, 60, "lazy"]
    # math of a Markdown cell, of a LaTeX output and of a Markdown output: typeset by KaTeX at build time
    assert phone.locator(".note-body > p .katex").count() >= 1
    assert phone.locator(".nb-latex .katex-display").count() == 1
    assert phone.locator(".nb-markdown .katex").count() == 1
    # the 24-column table scrolls inside its output; the page itself does not get wider than the screen
    widths = phone.evaluate("(() => { const box = document.querySelector('.nb-html');"
                            " return [box.scrollWidth, box.clientWidth, document.documentElement.scrollWidth,"
                            " getComputedStyle(box).overflowX]; })()")
    assert widths[0] > widths[1] and widths[2] <= 375 and widths[3] == "auto", widths
    box = phone.locator(".nb-html").first
    box.evaluate("b => b.scrollLeft = 400")
    assert box.evaluate("b => b.scrollLeft") > 0
    # the hidden input unfolds
    folded = phone.locator("details.nb-input")
    assert not folded.locator(".code-block").is_visible()
    folded.locator("summary").click()
    assert folded.locator(".code-block").is_visible()
    # colours of the traceback are spans, not escape codes
    assert phone.locator(".nb-error .ansi-red-fg").count() >= 2
    assert "\x1b" not in phone.locator(".nb-error").inner_text()
    assert phone.failed == []  # type: ignore[attr-defined]


def test_half_size_figure_and_language_switch(phone, site_url):
    phone.goto(site_url + "en/ml/softmax/")
    image = phone.locator(".nb-image img").first
    image.scroll_into_view_if_needed()
    phone.wait_for_function("document.querySelector('.nb-image img').complete")
    assert image.evaluate("i => [i.naturalWidth, Math.round(i.getBoundingClientRect().width)]") == [120, 60]
    assert phone.locator("h1").inner_text() == "Softmax derivative"
    assert phone.failed == []  # type: ignore[attr-defined]
