"""Loading: what a folder of files becomes (defaults, required fields, drafts left out)."""
from __future__ import annotations

import subprocess

from helpers import note, read, write_site


def test_drafts_left_out_unless_asked(tmp_path, build):
    site = write_site(tmp_path / "s", {
        "content/a/published.md": note("Published", "2025-01-01"),
        "content/a/wip.md": note("WIP", "2025-01-02", draft="true"),
    })
    out = build(site)
    assert not (out / "a/wip/index.html").exists()
    assert "WIP" not in read(out, "index.html")
    out = build(site, "--drafts")
    assert (out / "a/wip/index.html").is_file()
    assert "WIP" in read(out, "index.html")


def test_folder_with_only_content_builds_with_defaults(tmp_path, build):
    site = write_site(tmp_path / "s", {"content/hello.md": "# Hello\n\nNo front matter, like an Obsidian vault.\n"})
    subprocess.run(["git", "init", "-q"], cwd=site, check=True)
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "add", "."], cwd=site, check=True)
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "x",
                    "--date", "2024-05-06T07:08:09+00:00"], cwd=site, check=True,
                   env={"GIT_COMMITTER_DATE": "2024-07-08T00:00:00+00:00", "PATH": "/usr/bin:/bin"})
    out = build(site)
    page = read(out, "hello/index.html")
    assert "<h1>Hello</h1>" in page and page.count("Hello</h") == 1  # the heading became the title, once
    assert "2024年5月6日" in page
    assert (out / "en/index.html").is_file()


def test_missing_date_outside_git_is_an_error_with_strict(tmp_path, run_cli):
    site = write_site(tmp_path / "s", {"content/hello.md": "# Hello\n\ntext\n"})
    result = run_cli("check", site, "--strict")  # without --strict the file's time is used (test_fidelity.py)
    assert result.code == 1 and "content/hello.md:1:1: error[front-matter/missing-date]" in result.err


def test_config_errors_exit_2(tmp_path, run_cli):
    site = write_site(tmp_path / "s", {"content/a.md": note("A", "2025-01-01")}, "paginate: zero\nlanguages: []\n")
    result = run_cli("build", site)
    assert result.code == 2
    assert "mlnotes.yaml:1:1: error[config/value]" in result.err and "mlnotes.yaml:2:1" in result.err
    assert run_cli("build", site, "--base-url", "ftp://x").code == 2
