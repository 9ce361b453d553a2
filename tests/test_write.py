"""Writing the output folder: safety, the previous output kept on failure, unchanged files kept, parallel pages."""
from __future__ import annotations

import shutil
import subprocess
import time
import sys
from pathlib import Path

from mlnotes_site.build import BuildOptions, build as run_build
from mlnotes_site.emit.theme import default_theme_dir
from helpers import bilingual_site, note, tree_digest, write_site


def test_failed_build_keeps_previous_output(tmp_path, build):
    site = bilingual_site(tmp_path)
    before = tree_digest(build(site))
    (site / "content/python/bad.zh.md").write_text("---\ntitle: [unclosed\ndate: 2025-01-01\n---\nx\n", encoding="utf-8")
    build(site, expect=1)
    assert tree_digest(site / "public") == before
    assert not [p for p in site.iterdir() if p.name.startswith(".public.")]


def test_check_writes_nothing(tmp_path, run_cli):
    site = bilingual_site(tmp_path)
    result = run_cli("check", site)
    assert result.code == 0, result.err
    assert not (site / "public").exists()


def test_output_folder_safety(tmp_path, run_cli):
    site = bilingual_site(tmp_path)
    assert run_cli("build", site, "-o", site).code == 2
    assert run_cli("build", site, "-o", site / "content").code == 2
    assert run_cli("build", site, "-o", site.parent).code == 2
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "precious.txt").write_text("keep")
    result = run_cli("build", site, "-o", foreign)
    assert result.code == 2 and "--force" in result.err
    assert (foreign / "precious.txt").read_text() == "keep"
    assert run_cli("build", site, "-o", foreign, "--force").code == 0
    assert (foreign / "index.html").is_file()


def test_unchanged_files_keep_their_timestamps_so_deploys_see_real_changes(tmp_path, run_cli):
    site = write_site(tmp_path / "s", {
        "content/a/x.md": note("X", "2025-01-01", "[y](../b/y.md)"),
        "content/b/y.md": note("Y", "2025-01-02"),
        "content/c/z.md": note("Z", "2025-01-03"),
    })
    out = site / "public"
    assert run_cli("build", site, "-o", out).code == 0
    stamps = {p.relative_to(out).as_posix(): p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    time.sleep(0.05)
    (site / "content/c/z.md").write_text(note("Z changed", "2025-01-03"), encoding="utf-8")
    assert run_cli("build", site, "-o", out).code == 0
    after = {p.relative_to(out).as_posix(): p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    changed = sorted(p for p in after if after[p] != stamps.get(p))
    assert "c/z/index.html" in changed and "index.html" in changed
    assert "a/x/index.html" not in changed and "b/y/index.html" not in changed and "css/style.css" not in changed
    (out / "a/x/index.html").write_text("edited by hand")  # a hand edit in the output is repaired
    assert run_cli("build", site, "-o", out).code == 0
    assert "edited by hand" not in (out / "a/x/index.html").read_text()


def _many_notes_site(root: Path) -> Path:
    files = {f"content/t{i % 5}/n{i}.zh.md": note(f"笔记 {i}", f"2025-01-{i % 28 + 1:02d}",
                                                 f"正文 {i} $x_{{{i}}}$ [下一篇](../t{(i + 1) % 5}/n{(i + 1) % 40}.md)",
                                                 tags=f"[t{i % 7}]") for i in range(40)}
    files.update({f"content/t{i % 5}/n{i}.en.md": note(f"Note {i}", f"2025-01-{i % 28 + 1:02d}", f"Body {i}")
                  for i in range(0, 40, 3)})
    return write_site(root, files, "paginate: 3\n")


def test_pages_made_in_parallel_are_the_bytes_made_serially(tmp_path):
    site = _many_notes_site(tmp_path / "s")
    serial = build_options_result(site, tmp_path / "one", jobs=1)
    assert serial.processes == 1 and serial.made > 64
    shutil.rmtree(site / ".mlnotes-cache")
    # a process of its own (this one has test threads, and forks only with one thread)
    run = subprocess.run([sys.executable, "-m", "mlnotes_site", "build", str(site), "-o", str(tmp_path / "two"),
                          "-j", "2", "--profile"], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert f"{serial.made} pages made by 2 process(es)" in run.stderr
    assert tree_digest(tmp_path / "one") == tree_digest(tmp_path / "two")


def test_a_warm_build_makes_no_page_and_a_template_change_remakes_the_pages_it_makes(tmp_path):
    site = _many_notes_site(tmp_path / "s")
    first = build_options_result(site, tmp_path / "out")
    before = tree_digest(tmp_path / "out")
    warm = build_options_result(site, tmp_path / "out")
    assert warm.made == 0 and warm.rendered_notes == 0 and warm.linked == warm.outputs
    assert tree_digest(tmp_path / "out") == before
    (site / "templates").mkdir()
    (site / "templates/note.html").write_text(
        (default_theme_dir() / "templates/note.html").read_text(encoding="utf-8").replace("<article", "<article data-x=\"1\""),
        encoding="utf-8")
    changed = build_options_result(site, tmp_path / "out")
    assert changed.made == first.notes and changed.rendered_notes == 0  # the note pages, nothing else
    assert 'data-x="1"' in (tmp_path / "out/t0/n0/index.html").read_text(encoding="utf-8")
    assert tree_digest(tmp_path / "out")["index.html"] == before["index.html"]
    # base.html is part of every page
    (site / "templates/base.html").write_text(
        (default_theme_dir() / "templates/base.html").read_text(encoding="utf-8").replace("<main", "<main data-y=\"2\""),
        encoding="utf-8")
    again = build_options_result(site, tmp_path / "out")
    no_template = [p for p in first.digests if p.endswith(("feed.xml", "sitemap.xml", "preview.json", "graph.json"))]
    assert again.made == first.made - len(no_template) and no_template  # every page but feeds and sitemap
    assert 'data-y="2"' in (tmp_path / "out/index.html").read_text(encoding="utf-8")
    assert again.linked > 0  # feeds, sitemap and assets kept their files


def build_options_result(site: Path, out: Path, jobs: int = 0):
    result = run_build(BuildOptions(site, out, jobs=jobs))
    assert not result.failed, [p.format() for p in result.problems]
    return result


def test_a_build_with_nothing_changed_leaves_the_output_folder_untouched(tmp_path, run_cli):
    site = write_site(tmp_path / "s", {"content/a/x.md": note("X", "2025-01-01"),
                                       "content/b/y.md": note("Y", "2025-01-02")})
    out = site / "public"
    assert run_cli("build", site, "-o", out).code == 0
    before = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in [out, *out.rglob("*")]}
    assert run_cli("build", site, "-o", out).code == 0
    assert {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in [out, *out.rglob("*")]} == before
    assert not [p for p in out.parent.iterdir() if ".tmp-" in p.name or ".old-" in p.name]
    # anything else in the folder (a stray file, a deleted page) means a real build again
    (out / "stray.txt").write_text("not ours")
    (out / "b/y/index.html").unlink()
    assert run_cli("build", site, "-o", out).code == 0
    assert not (out / "stray.txt").exists() and (out / "b/y/index.html").is_file()
    assert out.stat().st_ino != before[out][0]
