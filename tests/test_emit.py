"""Emitting pages: list pages, escaping, assets, deterministic bytes."""
from __future__ import annotations


from helpers import bilingual_site, entry_titles, links, note, read, tree_digest, write_site


def test_latest_updates_order_pagination_and_badges(tmp_path, build):
    out = build(bilingual_site(tmp_path))
    # zh list: translated notes in zh, the English-only note with a language badge; newest updated first
    page1 = read(out, "index.html")
    assert entry_titles(page1) == ["DDIM 采样", "DPM-Solver", "DDPM"]
    assert entry_titles(read(out, "page/2/index.html")) == ["GIL", "RealNVP"]
    assert not (out / "page/3").exists()
    assert 'class="badge lang-badge"' in read(out, "page/2/index.html")
    pager = [a["href"] for a in links(page1) if a.get("rel") == "next" or a.get("href", "").endswith("page/2/")]
    assert "/kb/page/2/" in pager
    assert entry_titles(read(out, "en/index.html")) == ["DDIM sampling", "DPM-Solver", "DDPM"]
    assert "2025年6月1日" in page1
    assert "Jun 2, 2025" in read(out, "en/index.html")


def test_deterministic_output(tmp_path, build):
    site = bilingual_site(tmp_path)
    first = tree_digest(build(site))
    second = tree_digest(build(site))
    assert first == second and len(first) > 20


def test_assets_next_to_notes_are_copied_and_linked(tmp_path, build):
    site = write_site(tmp_path / "s", {
        "content/diffusion/ddpm.md": note("DDPM", "2025-01-01", "![前向](ddpm/forward.svg)\n\n[数据](<data file.csv>)"),
        "content/diffusion/ddpm/forward.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>",
        "content/diffusion/data file.csv": "a,b\n",
    }, "base_url: /kb/\n")
    out = build(site)
    page = read(out, "diffusion/ddpm/index.html")
    assert 'src="/kb/diffusion/ddpm/forward.svg"' in page
    assert 'href="/kb/diffusion/data%20file.csv"' in page
    assert (out / "diffusion/ddpm/forward.svg").is_file() and (out / "diffusion/data file.csv").is_file()


def test_titles_are_escaped(tmp_path, build):
    site = write_site(tmp_path / "s", {
        "content/a/x.md": "---\ntitle: \"<script>alert(1)</script>\"\ndate: 2025-01-01\ntags: [\"<b>t</b>\"]\n---\nbody\n"})
    out = build(site)
    for rel in ["a/x/index.html", "index.html", "feed.xml"]:
        text = read(out, rel)
        assert "<script>alert(1)</script>" not in text and "<b>t</b>" not in text, rel
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in read(out, "a/x/index.html")
