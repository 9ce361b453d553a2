"""Rendered math in a real browser: KaTeX fonts from the site itself, under a sub-path, offline."""
from __future__ import annotations

import pytest

from helpers import build_into, note, write_site


@pytest.fixture(scope="module")
def math_url(tmp_path_factory, serve_folder):
    root = tmp_path_factory.mktemp("math")
    site = write_site(root / "site", {
        "content/a/m.md": note("Math", "2025-01-01", r"""
            Inline $\alpha_t^* + \mathbb{R}$ and display:

            $$
            \sum_{i=1}^{n} \frac{x_i}{\sqrt{2\pi}} \tag{1}
            $$
            """),
    }, "base_url: /docs/kb/\n")
    build_into(site, root / "www/docs/kb")
    return serve_folder(root / "www") + "/docs/kb/"


def test_katex_fonts_come_from_the_site_and_nothing_else_is_requested(browser, math_url):
    context = browser.new_context()
    page = context.new_page()
    requests: list[str] = []
    failed: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("requestfailed", lambda r: failed.append(r.url))
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
    page.goto(math_url + "a/m/")
    page.wait_for_load_state("networkidle")
    page.evaluate("document.fonts.ready")
    assert failed == []
    assert all(url.startswith(math_url) for url in requests), requests
    fonts = [url for url in requests if url.endswith(".woff2")]
    assert any("KaTeX_Main" in url for url in fonts) and any("KaTeX_Math" in url for url in fonts)
    assert all(url.startswith(math_url + "katex/fonts/") for url in fonts)
    assert page.evaluate("document.fonts.check('16px KaTeX_Main')")
    # KaTeX's layout is in effect: the display formula is centred and taller than a line of text
    box = page.locator(".katex-display").first.bounding_box()
    assert box and box["height"] > 30
    assert page.locator(".katex-html").first.is_visible()
    hidden = page.locator(".katex-mathml").first.bounding_box()  # kept for screen readers, clipped away
    assert hidden and hidden["width"] <= 1 and hidden["height"] <= 1
    context.close()


def test_click_on_a_formula_copies_its_tex(browser, math_url):
    context = browser.new_context()
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.goto(math_url + "a/m/")
    page.locator(".katex").first.click()
    assert page.evaluate("navigator.clipboard.readText()") == r"\alpha_t^* + \mathbb{R}"
    context.close()
