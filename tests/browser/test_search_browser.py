"""Search in a real browser: the Pagefind index built from search records, typed into the header box
of a site under a sub-path (Chinese inside longer words, mixed and English queries, words found only
in formulas, language separation, drafts, navigation, keyboard-only use)."""
from __future__ import annotations

import pytest

from helpers import build_into, note, write_site

pytest.importorskip("pagefind_bin_extended")


@pytest.fixture(scope="module")
def site_url(tmp_path_factory, serve_folder):
    root = tmp_path_factory.mktemp("search")
    site = write_site(root / "site", {
        "content/math/_index.zh.md": "---\ntitle: 数学基础\n---\n\n数学。\n",
        "content/math/_index.en.md": "---\ntitle: Math basics\n---\n\nMath.\n",
        "content/math/jacobian.zh.md": note("变量替换", "2025-01-02", r"""
            换元时要乘以雅可比行列式的绝对值。

            ## 体积的变化

            $$
            p_X(x) = p_Z(f(x)) \left|\det \frac{\partial f}{\partial x}\right| \quad \text{交叉熵}
            $$
            """, tags="[概率]"),
        "content/math/jacobian.en.md": note("Change of variables", "2025-01-02", r"""
            Multiply by the absolute value of the Jacobian when the variables change.

            The loss is $\operatorname{quuxmax}(z)$ here.
            """),
        "content/diffusion/ddpm.zh.md": note("去噪扩散", "2025-02-03", """
            扩散模型 DDPM 逐步加噪再逐步去噪。

            ## 训练目标

            预测噪声，损失是均方误差。
            """, tags="[生成模型]"),
        "content/diffusion/score.en.md": note("Score matching", "2025-02-04", """
            Denoising score matching trains a network to estimate the gradient of the log density.

            ## Langevin dynamics

            Sampling follows annealed Langevin dynamics with decreasing noise.
            """),
        "content/diffusion/secret.en.md": note("Secret draft", "2025-02-05", "The word blorptastic lives here.",
                                               draft="true"),
    }, "base_url: /kb/\nlanguages: [zh, en]\ndescription: {zh: 笔记站, en: zephyrine notes}\n")
    build_into(site, root / "www" / "kb", "--base-url", "https://x.org/kb/")
    return serve_folder(root / "www") + "/kb/"


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    requests: list[str] = []
    pg.on("request", lambda r: requests.append(r.url))
    pg.errors, pg.requests = errors, requests  # type: ignore[attr-defined]
    yield pg
    context.close()


def results(page, query: str) -> list[dict[str, str]]:
    """Type a query into the header box and wait for the answer; each result's title, meta and link."""
    box = page.locator(".search-input")
    box.fill(query)
    page.wait_for_function("q => document.querySelector('.search-results').dataset.answered === q", arg=query,
                           timeout=15000)
    return page.eval_on_selector_all(".search-results [role=option] a", """links => links.map(a => ({
        title: a.querySelector('.search-title').firstChild.textContent,
        section: (a.querySelector('.search-section') || {}).textContent || '',
        meta: (a.querySelector('.search-meta') || {}).textContent || '',
        href: a.getAttribute('href'), excerpt: a.querySelector('.search-excerpt').innerHTML}))""")


def test_pagefind_loads_only_on_first_focus(page, site_url):
    page.goto(site_url)
    page.wait_for_load_state("networkidle")
    assert not [u for u in page.requests if "/pagefind/" in u]
    page.locator(".search-input").focus()
    for _ in range(100):  # the index is fetched by Pagefind's worker: watch the requests, not the page
        if any("pagefind-entry.json" in u for u in page.requests):
            break
        page.wait_for_timeout(100)
    assert any("pagefind-entry.json" in u for u in page.requests)
    assert all(u.startswith(site_url) for u in page.requests)  # from the site itself, under its sub-path
    assert not page.errors


def test_chinese_word_inside_a_longer_word(page, site_url):
    page.goto(site_url)
    found = results(page, "行列式")
    assert [r["title"] for r in found][:1] and found[0]["title"].startswith("变量替换")
    assert found[0]["href"].startswith("/kb/math/jacobian/")
    assert "<mark>" in found[0]["excerpt"]
    assert "数学基础" in found[0]["meta"] and "2025" in found[0]["meta"]


def test_mixed_query_and_english_phrase(page, site_url):
    page.goto(site_url)
    assert [r["title"] for r in results(page, "扩散模型 DDPM")] == ["去噪扩散"]
    page.goto(site_url + "en/")
    found = results(page, "annealed Langevin dynamics")
    assert found and found[0]["title"].startswith("Score matching")
    assert "#langevin-dynamics" in found[0]["href"]  # the hit opens at its section


def test_words_only_inside_formulas(page, site_url):
    page.goto(site_url)
    assert [r["title"] for r in results(page, "交叉熵")] == ["变量替换"]  # \text{交叉熵}
    page.goto(site_url + "en/")
    assert [r["title"] for r in results(page, "quuxmax")] == ["Change of variables"]  # \operatorname{quuxmax}
    assert results(page, "frac") == []  # never the markup


def test_languages_are_searched_apart(page, site_url):
    page.goto(site_url)  # a zh page: zh notes only
    assert results(page, "Langevin") == []
    assert results(page, "Jacobian") == []
    page.goto(site_url + "en/")
    assert results(page, "雅可比行列式") == []
    assert results(page, "去噪") == []
    assert [r["title"] for r in results(page, "Jacobian")] == ["Change of variables"]


def test_drafts_and_navigation_are_not_indexed(page, site_url):
    page.goto(site_url + "en/")
    assert results(page, "blorptastic") == []
    assert results(page, "zephyrine") == []  # the site description, in every footer
    assert results(page, "Latest updates") == []  # the navigation
    text = page.locator(".search-results").inner_text()
    assert "No matching notes" in text


def test_filters_by_tag(page, site_url):
    page.goto(site_url)
    assert [r["title"] for r in results(page, "tag:生成模型 噪声")] == ["去噪扩散"]
    assert results(page, "tag:概率 噪声") == []


def test_keyboard_only(page, site_url):
    page.goto(site_url + "en/")
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.className") == "search-input"
    page.keyboard.type("score matching")
    page.wait_for_selector(".search-results [role=option]")
    page.keyboard.press("Escape")
    assert page.locator(".search-results").is_hidden()
    page.keyboard.press("Escape")
    page.keyboard.press("Control+k")
    assert page.evaluate("document.activeElement.className") == "search-input"
    page.keyboard.type("dynamics")
    page.wait_for_selector(".search-results [role=option]")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    selected = page.get_attribute(".search-input", "aria-activedescendant")
    assert selected == "mlnotes-search-0"
    page.keyboard.press("Enter")
    page.wait_for_url("**/kb/en/diffusion/score/**")
    assert not page.errors


def test_small_screen_and_dark_mode(browser, site_url):
    context = browser.new_context(viewport={"width": 375, "height": 740}, color_scheme="dark")
    page = context.new_page()
    page.goto(site_url)
    box = page.locator(".search-input").bounding_box()
    assert box and box["width"] >= 120 and box["x"] + box["width"] <= 375
    results(page, "行列式")
    panel = page.locator(".search-results").bounding_box()
    assert panel and panel["x"] >= 0 and panel["x"] + panel["width"] <= 375
    background = page.evaluate("getComputedStyle(document.querySelector('.search-results')).backgroundColor")
    assert background == "rgb(21, 23, 27)"  # the dark theme's --bg
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    context.close()
