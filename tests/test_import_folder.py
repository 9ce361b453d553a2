"""Building an exported folder as it is: no content/ folder, the site folder holds the notes."""
from __future__ import annotations

from pathlib import Path

from helpers import note, read, write_site


def test_a_folder_without_content_is_its_own_content(tmp_path: Path, build, run_cli) -> None:
    site = write_site(tmp_path / "vault", {
        "ml/ddim.md": note("DDIM", "2024-03-01", "跳步采样。"),
        "top.md": note("Top", "2024-03-02", "see [DDIM](ml/ddim.md)"),
        "_site/old.md": note("Old Jekyll output", "2020-01-01"),
        "_layouts/post.md": note("A layout", "2020-01-01"),
        "resources/stale.md": note("Stale", "2020-01-01"),
        "_config.yml": "title: blog\n",
    })
    run = run_cli("build", site, "--strict")  # the default output, SITE/public, is allowed and skipped
    assert run.code == 0, run.err
    assert "note[content/site-folder]" in run.err
    out = site / "public"
    assert "跳步采样" in read(out, "ml/ddim/index.html")
    assert 'href="/ml/ddim/"' in read(out, "top/index.html")
    assert not (out / "_site").exists() and not (out / "_layouts").exists() and not (out / "resources").exists()
    # a second build does not read its own output as content
    again = run_cli("build", site, "--strict")
    assert again.code == 0, again.err
    assert not (out / "public").exists()
    (site / "undated.md").write_text("# Undated\n\ntext\n", encoding="utf-8")
    checked = run_cli("check", site)  # problems name files relative to the site folder
    assert "\nundated.md:1:1: warning[front-matter/missing-date]" in "\n" + checked.err, checked.err


def test_a_folder_without_markdown_still_says_content_is_missing(tmp_path: Path, run_cli) -> None:
    site = write_site(tmp_path / "empty", {"readme.txt": "nothing here"})
    run = run_cli("build", site)
    assert run.code != 0
    assert "content/missing" in run.err
