"""XSS payloads in every field a writer controls, checked in a real browser on every page."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
import yaml

from helpers import build_into, write_site

PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(2)>',
    "'><svg onload=alert(3)>",
    "</title><script>alert(4)</script>",
    "javascript:alert(5)",
    '<a href="javascript:alert(6)">x</a>',
    "{{ 7*7 }}{% raw %}<b>",
    "\"'><iframe src=javascript:alert(8)>",
    "</script><script>alert(9)</script>",
    "<!--<img src=x onerror=alert(10)>-->",
]
FIELDS = ["title", "tags", "summary", "topics", "topic title", "tag in another language", "file name",
          "site title", "site description", "UI string", "wikilink name, text and embed"]


def site_files() -> tuple[dict[str, str], str]:
    files: dict[str, str] = {}
    for i, payload in enumerate(PAYLOADS):
        front = {"title": payload, "date": "2025-01-01", "tags": [payload, f"t{i}"], "summary": payload,
                 "topics": [payload.replace("/", "_")]}
        wikilinks = f"[[{payload}]] [[note{i}|{payload}]] ![[{payload}.png|{payload}]] ![[{payload}]]"
        body = "---\n" + yaml.safe_dump(front, allow_unicode=True) + f"---\n\ntext {wikilinks}\n"
        files[f"content/p{i}/note{i}.zh.md"] = body
        files[f"content/p{i}/note{i}.en.md"] = body
        files[f"content/p{i}/_index.zh.md"] = "---\n" + yaml.safe_dump({"title": payload}, allow_unicode=True) + "---\n\n" + payload
        if "/" not in payload:
            files[f"content/names/{payload}.zh.md"] = "---\ndate: 2025-01-02\n---\n\nnamed by its file\n"
    config = yaml.safe_dump({"title": {"zh": PAYLOADS[1], "en": PAYLOADS[3]}, "description": PAYLOADS[0],
                             "base_url": "/x/", "strings": {"zh": {"latest": PAYLOADS[2]}}}, allow_unicode=True)
    return files, config


@pytest.fixture(scope="module")
def xss_site(tmp_path_factory, serve_folder):
    root = tmp_path_factory.mktemp("xss")
    files, config = site_files()
    site = write_site(root / "site", files, config)
    out = build_into(site, root / "www/x")
    return out, serve_folder(root / "www") + "/x/"


def test_no_payload_runs_on_any_page(browser, xss_site):
    out, url = xss_site
    context = browser.new_context()
    page = context.new_page()
    dialogs: list[str] = []
    outside: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(url) else None)
    pages = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.html"))
    assert len(pages) > 40
    for rel in pages:
        page.goto(url + rel)
        page.wait_for_load_state("load")
        assert page.evaluate("document.querySelectorAll('script:not([src])').length") <= 1  # only the theme's
    context.close()
    assert dialogs == [] and outside == []
    # every payload shows as text somewhere, so it really went through the templates
    home = (out / "index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in home


def test_feeds_and_sitemap_stay_well_formed(xss_site):
    out, _ = xss_site
    for rel in ["feed.xml", "en/feed.xml", "sitemap.xml"] + [p.relative_to(out).as_posix() for p in out.rglob("*/feed.xml")]:
        root = ET.fromstring((out / rel).read_bytes())
        for element in root.iter():
            assert not element.tag.endswith("script"), rel
