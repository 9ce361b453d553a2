"""Link previews in a real browser, on a site served under a sub-path: hover and keyboard focus show
the linked note's card, Esc hides it; touch screens get no card; links stay plain links."""
from __future__ import annotations

import pytest

from helpers import note, serve_under, write_site


@pytest.fixture(scope="module")
def origin(tmp_path_factory):
    root = tmp_path_factory.mktemp("previews")
    site = write_site(root / "site", {
        "content/diffusion/_index.zh.md": "---\ntitle: 扩散模型\n---\n",
        "content/diffusion/ddpm.zh.md": note("DDPM 要点", "2025-01-01",
                                             "前向过程逐步加噪 $q(x_t \\mid x_0)$，反向过程学习去噪。"),
        "content/diffusion/ddim.zh.md": note("DDIM", "2025-02-01", """
            开头一句。DDIM 的起点是 [DDPM](ddpm.md)，再往后是 [主题](../diffusion/)。

            [外部链接](https://example.org/) 不预览。
            """),
    }, "languages: [zh]\n")
    from mlnotes_site.cli import main
    assert main(["build", str(site), "-o", str(root / "out"), "--quiet", "--base-url", "https://x.org/kb/"]) == 0
    with serve_under(root / "out", "/kb/") as served:
        yield served


def test_hover_shows_the_card_from_the_sub_path(browser, origin):
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    page.goto(origin + "/kb/diffusion/ddim/")
    page.hover(".note-body a[href='/kb/diffusion/ddpm/']")
    card = page.locator(".preview-card")
    card.wait_for(state="visible", timeout=5000)
    assert card.locator(".preview-title").inner_text() == "DDPM 要点"
    assert "扩散模型" in card.inner_text() and "2025年1月1日" in card.inner_text()
    assert card.locator(".katex").count() >= 1  # the excerpt's formula, rendered
    assert origin + "/kb/diffusion/ddpm/preview.json" in asked
    link = page.locator(".note-body a[href='/kb/diffusion/ddpm/']")
    assert link.get_attribute("aria-describedby") == "preview-card"
    page.mouse.move(5, 5)
    card.wait_for(state="detached", timeout=5000)
    page.hover(".note-body a[href='https://example.org/']")
    page.wait_for_timeout(600)
    assert page.locator(".preview-card").count() == 0
    page.close()


def test_keyboard_focus_shows_the_card_and_escape_hides_it(browser, origin):
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    page.goto(origin + "/kb/diffusion/ddim/")
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.getAttribute('href')") == "/kb/diffusion/ddpm/" and \
                page.evaluate("!!document.activeElement.closest('.note-body')"):
            break
    else:
        pytest.fail("Tab never reached the link to DDPM")
    card = page.locator(".preview-card")
    card.wait_for(state="visible", timeout=5000)
    assert card.locator(".preview-title").inner_text() == "DDPM 要点"
    page.keyboard.press("Escape")
    card.wait_for(state="detached", timeout=5000)
    page.keyboard.press("Tab")  # the topic link: a list page's card
    card.wait_for(state="visible", timeout=5000)
    assert card.locator(".preview-title").inner_text() == "扩散模型"
    page.close()


def test_touch_screens_get_no_card_and_links_stay_links(browser, origin):
    context = browser.new_context(viewport={"width": 375, "height": 800}, has_touch=True, is_mobile=True)
    page = context.new_page()
    page.goto(origin + "/kb/diffusion/ddim/")
    selector = ".note-body a[href='/kb/diffusion/ddpm/']"
    page.evaluate("s => document.querySelector(s).addEventListener('click', e => e.preventDefault(), {once: true})",
                  selector)
    page.tap(selector)  # held here: a card would show now, over what was tapped
    page.wait_for_timeout(800)
    assert page.locator(".preview-card").count() == 0
    page.tap(selector)
    page.wait_for_url(origin + "/kb/diffusion/ddpm/", timeout=5000)  # the tap goes through
    context.close()
    plain = browser.new_context(java_script_enabled=False)
    page = plain.new_page()
    page.goto(origin + "/kb/diffusion/ddim/")
    page.click(".note-body a[href='/kb/diffusion/ddpm/']")
    page.wait_for_url(origin + "/kb/diffusion/ddpm/", timeout=5000)
    plain.close()
