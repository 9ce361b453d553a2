"""Live preview in a real browser: an error overlay with file:line, cleared by the fix; scroll kept."""
from __future__ import annotations

import re

import pytest

from mlnotes_site.serve.server import DevServer
from helpers import note, write_site


@pytest.fixture
def dev(tmp_path):
    site = write_site(tmp_path / "site", {
        "content/a/long.zh.md": note("长笔记", "2025-01-01", "\n\n".join(f"第 {i} 段。" * 20 for i in range(80))),
    }, "base_url: /kb/\n")
    server = DevServer(site, port=0, delay=0.05, log=lambda *_: None)
    server.start()
    yield server
    server.stop()


def test_overlay_shows_the_problem_and_the_fix_reloads_in_place(browser, dev):
    page = browser.new_page()
    page.goto(dev.url + "a/long/")
    page.mouse.wheel(0, 3000)
    page.wait_for_function("window.scrollY > 1000")
    scrolled = page.evaluate("window.scrollY")
    target = dev.site / "content/a/long.zh.md"
    good = target.read_text(encoding="utf-8")
    target.write_text(good.replace("title: 长笔记", "title: [broken"), encoding="utf-8")
    overlay = page.locator("#mlnotes-overlay")
    overlay.wait_for(state="visible", timeout=10000)
    assert re.search(r"content/a/long\.zh\.md:\d+:\d+: error\[front-matter/yaml\]", overlay.inner_text())
    target.write_text(good.replace("title: 长笔记", "title: 长笔记（已修好）"), encoding="utf-8")
    page.wait_for_function("document.querySelector('h1') && document.querySelector('h1').textContent.includes('已修好')",
                           timeout=10000)
    assert page.locator("#mlnotes-overlay").count() == 0
    page.wait_for_function(f"Math.abs(window.scrollY - {scrolled}) < 50", timeout=5000)  # scroll position kept
    page.close()
