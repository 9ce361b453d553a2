"""Building an exported folder as it is: no content/ folder, the site folder holds the notes."""
from __future__ import annotations

from pathlib import Path

from helpers import note, read, write_site


def test_a_folder_without_content_is_its_own_content(tmp_path: Path, build, run_cli) -> None:
    site = write_site(tmp_path / "vault", {
        "ml/ddim.md": note("DDIM", "2024-03-01", "跳步采样。"),
        "top.md": note("Top", "2024-03-02", "参见 [DDIM](ml/ddim.md) 的中文笔记"),
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


def test_an_exported_folder_takes_the_languages_its_notes_are_written_in(tmp_path: Path, run_cli) -> None:
    english = write_site(tmp_path / "en-vault", {"a.md": note("A", "2024-01-01", "Only English prose here."),
                                                 "b.md": note("B", "2024-01-02", "More English words.")})
    assert run_cli("build", english).code == 0
    assert 'lang="en"' in read(english / "public", "a/index.html")  # English at the root, no empty zh part
    mixed = write_site(tmp_path / "mixed", {"a.md": note("A", "2024-01-01", "English prose here."),
                                            "b.md": note("乙", "2024-01-02", "这是一篇中文笔记。")})
    run = run_cli("build", mixed)
    assert run.code == 0
    assert 'lang="zh"' in read(mixed / "public", "b/index.html")
    assert 'lang="en"' in read(mixed / "public", "en/a/index.html") and "a.md:1:1: note[lang/detected]" in run.err


def test_serve_and_build_agree_on_what_is_content(tmp_path: Path) -> None:
    """One rule (load/discover.py) for the walk and for serve's watcher: every file the walk takes is
    content, every file it leaves out is not."""
    from mlnotes_site.load.discover import discover, is_content
    from pathlib import PurePosixPath
    site = write_site(tmp_path / "vault", {
        "ml/ddim.md": note("DDIM", "2024-03-01"), "ml/fig.png": "png", "top.md": note("Top", "2024-03-02"),
        "_posts/2020-01-01-a.md": note("A", "2020-01-01"), "_site/old.md": note("Old", "2020-01-01"),
        "public/x.md": "x", "node_modules/p/readme.md": "x", "ml/node_modules/q.md": "x", ".obsidian/app.json": "{}",
        "ml/.ddim.md.swp": "x", "ml/ddim.md~": "x", "hugo.toml": "", "mlnotes.yaml": "", "layouts/a.md": "x",
        "themes/t/a.md": "x", "out/.mlnotes-output": "", "out/page.md": "x",
    })
    notes, others, _, _ = discover(site, at_root=True)
    taken = {p.relative_to(site).as_posix() for p in notes + others}
    assert taken == {"ml/ddim.md", "ml/fig.png", "top.md", "_posts/2020-01-01-a.md"}
    every = {p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()}
    assert {rel for rel in every if is_content(PurePosixPath(rel), site, True)} == taken
    assert not is_content(PurePosixPath("public"), site, True, is_dir=True)
    assert is_content(PurePosixPath("ml"), site, True, is_dir=True)
