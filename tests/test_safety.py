"""Raw HTML: kept by default (the author's own site), cleaned with `markdown.unsafe_html: false`."""
from __future__ import annotations

from helpers import note, note_body, read, write_site

BODY = """
<div onclick="alert(1)">block <script>alert(2)</script></div>

<a href="javascript:alert(3)">js link</a> <img src=x onerror=alert(4)> [md](javascript:alert(5))

<iframe src="https://evil.example/"></iframe>

<details open><summary>kept</summary>fine</details>
"""


def test_unsafe_html_false_strips_scripts_handlers_and_script_urls(tmp_path, build):
    site = write_site(tmp_path / "s", {"content/a/x.md": note("X", "2025-01-01", BODY)},
                      "markdown:\n  unsafe_html: false\n")
    body = note_body(read(build(site), "a/x/index.html"))
    for bad in ("<script", "onclick", "onerror", '="javascript:', "<iframe", "evil.example"):
        assert bad not in body, bad
    assert '<details open=""><summary>kept</summary>' in body and "js link" in body


def test_raw_html_is_kept_by_default(tmp_path, build):
    site = write_site(tmp_path / "s", {"content/a/x.md": note("X", "2025-01-01", BODY)})
    body = note_body(read(build(site), "a/x/index.html"))
    assert '<div onclick="alert(1)">' in body and "<script>alert(2)</script>" in body
    assert 'href="javascript:alert(5)"' not in body  # a Markdown link to javascript: is never made
