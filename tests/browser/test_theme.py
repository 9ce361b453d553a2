"""The default theme in a real browser: offline, sub-path, language switch, dark mode, copy, callouts."""
from __future__ import annotations

import pytest

from helpers import note, write_site
from helpers import build_into


@pytest.fixture(scope="module")
def site_url(tmp_path_factory, serve_folder):
    root = tmp_path_factory.mktemp("browser")
    site = write_site(root / "site", {
        "content/diffusion/_index.zh.md": "---\ntitle: 扩散模型\n---\n\n扩散。\n",
        "content/diffusion/ddim.zh.md": note("DDIM 采样", "2025-03-01", """
            中文正文，公式 $x_t$。

            > [!tip]- 折叠的提示
            > 藏起来的内容

            ```python
            print("你好")
            ```
            """),
        "content/diffusion/ddim.en.md": note("DDIM sampling", "2025-03-01", "English body."),
        "content/python/gil.zh.md": note("GIL 全局解释器锁", "2025-02-01", "只有中文。" * 50),
    }, "base_url: /kb/\nlanguages: [zh, en]\n")
    build_into(site, root / "www" / "kb")
    return serve_folder(root / "www") + "/kb/"


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    pg = context.new_page()
    requests: list[str] = []
    pg.on("request", lambda r: requests.append(r.url))
    pg.requests = requests  # type: ignore[attr-defined]
    yield pg
    context.close()


def test_pages_load_only_from_the_site_under_a_sub_path(page, site_url):
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    for path in ["", "diffusion/ddim/", "en/", "topics/", "tags/"]:
        page.goto(site_url + path)
    assert errors == []
    assert page.requests and all(url.startswith(site_url) for url in page.requests), page.requests
    css = page.evaluate("getComputedStyle(document.querySelector('.site-header')).position")
    assert css == "sticky"  # the stylesheet loaded from the sub-path


def test_language_switch_lands_on_the_translation(page, site_url):
    page.goto(site_url + "diffusion/ddim/")
    page.click(".lang-switch a[hreflang=en]")
    page.wait_for_url(site_url + "en/diffusion/ddim/")
    assert page.locator("h1").inner_text() == "DDIM sampling"
    assert page.evaluate("document.documentElement.lang") == "en"
    page.click(".lang-switch a[hreflang=zh]")
    page.wait_for_url(site_url + "diffusion/ddim/")


def test_untranslated_note_switches_to_home_with_a_notice(page, site_url):
    page.goto(site_url + "python/gil/")
    page.click(".lang-switch a[hreflang=en]")
    page.wait_for_url(site_url + "en/#untranslated")
    assert page.locator("#untranslated").is_visible()
    page.goto(site_url + "en/")
    assert not page.locator("#untranslated").is_visible()
    # the English list still shows the Chinese-only note, badged, linking to the original
    badge = page.locator(".entry.foreign .lang-badge").first
    assert badge.inner_text() == "中文"
    assert page.locator(".entry.foreign a").first.get_attribute("href") == "/kb/python/gil/"


def test_dark_mode_toggle_persists(page, site_url):
    page.goto(site_url)
    light = page.evaluate("getComputedStyle(document.body).backgroundColor")
    page.click(".theme-toggle")
    dark = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert light != dark and page.evaluate("document.documentElement.dataset.theme") == "dark"
    page.reload()
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == dark


def test_system_dark_preference_is_followed(browser, site_url):
    context = browser.new_context(color_scheme="dark")
    pg = context.new_page()
    pg.goto(site_url)
    bg = pg.evaluate("getComputedStyle(document.body).backgroundColor")
    context.close()
    assert bg == "rgb(21, 23, 27)"


def test_copy_button_and_folded_callout(page, site_url):
    page.goto(site_url + "diffusion/ddim/")
    page.click(".copy-code")
    assert page.evaluate("navigator.clipboard.readText()") == 'print("你好")\n'
    assert page.locator(".copy-code").inner_text() == "已复制"
    hidden = page.locator("details.callout .callout-body")
    assert not hidden.is_visible()
    page.click("details.callout summary")
    assert hidden.is_visible()


def test_phone_width_has_no_horizontal_scroll(browser, site_url):
    context = browser.new_context(viewport={"width": 375, "height": 800})
    pg = context.new_page()
    for path in ["", "diffusion/ddim/", "topics/"]:
        pg.goto(site_url + path)
        assert pg.evaluate("document.documentElement.scrollWidth") <= 375, path
    context.close()


def test_chinese_text_is_drawn_with_a_cjk_font(page, site_url):
    page.goto(site_url + "python/gil/")
    # a CJK glyph from a real CJK font is about one em wide; a missing-glyph box differs
    width = page.evaluate("""() => { const s = document.createElement('span'); s.textContent = '锁锁锁锁';
        s.style.fontSize = '20px'; document.body.appendChild(s); return s.getBoundingClientRect().width; }""")
    assert 78 <= width <= 82
