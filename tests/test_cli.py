"""`mlnotes new`, `mlnotes init` and the exit codes."""
from __future__ import annotations

from helpers import read, write_site


def test_init_then_build_and_new(tmp_path, run_cli, build):
    site = tmp_path / "kb"
    result = run_cli("init", site)
    assert result.code == 0, result.err
    assert run_cli("init", site).code == 2  # never over an existing site
    out = build(site)
    assert "你好，笔记" in read(out, "index.html") and "Hello, notes" in read(out, "en/index.html")
    result = run_cli("new", "DDIM 采样", "--topic", "diffusion", "--site", site)
    assert result.code == 0, result.err
    path = site / "content/diffusion/ddim-采样.zh.md"
    assert path.is_file() and 'title: "DDIM 采样"' in path.read_text(encoding="utf-8")
    result = run_cli("new", "DDIM sampling", "--topic", "diffusion", "--lang", "en", "--slug", "ddim", "--site", site)
    assert result.code == 0 and (site / "content/diffusion/ddim.en.md").is_file()
    assert run_cli("new", "DDIM sampling", "--topic", "diffusion", "--lang", "en", "--slug", "ddim", "--site", site).code == 2
    assert run_cli("new", "x", "--lang", "fr", "--site", site).code == 2
    out = build(site)
    assert (out / "diffusion/ddim-采样/index.html").is_file() and (out / "en/diffusion/ddim/index.html").is_file()


def test_usage_errors_exit_2(tmp_path, run_cli):
    import pytest
    with pytest.raises(SystemExit) as exc:
        run_cli("build", "--no-such-flag")
    assert exc.value.code == 2


def test_content_error_exit_1_and_warning_exit_0(tmp_path, run_cli):
    site = write_site(tmp_path / "s", {"content/a.md": "---\ntitle: A\ndate: nope\n---\n"})
    assert run_cli("check", site).code == 1
    (site / "content/a.md").write_text("---\ntitle: A\ndate: 2025-01-01\n---\n[x](missing.md)\n", encoding="utf-8")
    result = run_cli("build", site)
    assert result.code == 0 and "warning[link/broken]" in result.err and (site / "public/index.html").is_file()


def test_an_internal_bug_is_reported_without_a_traceback(tmp_path, run_cli, monkeypatch):
    import mlnotes_site.emit.outputs as outputs_module
    site = write_site(tmp_path / "s", {"content/a.md": "---\ntitle: A\ndate: 2025-01-01\n---\n"})
    assert run_cli("build", site).code == 0
    monkeypatch.setattr(outputs_module, "sitemap", lambda pages: 1 / 0)
    result = run_cli("build", site)
    assert result.code == 1 and "error[internal]: ZeroDivisionError" in result.err and "Traceback" not in result.err
    assert (site / "public/index.html").is_file()  # the previous output is untouched


def test_profile_prints_stages_and_progress_stays_quiet_off_a_terminal(tmp_path, run_cli):
    site = write_site(tmp_path / "s", {f"content/a/n{i}.md": f"---\ntitle: N{i}\ndate: 2025-01-01\n---\n$x_{i}$\n"
                                       for i in range(3)})
    result = run_cli("build", site, "--profile")
    assert result.code == 0
    for stage in ("load", "render", "index", "emit+write", "total"):
        assert stage in result.err
    assert "3 notes rendered, 0 from cache" in result.err
    assert "\r" not in result.err and "\033" not in result.err  # no progress line when not a TTY
    again = run_cli("build", site, "--profile")
    assert "0 notes rendered, 3 from cache; 0 formulas rendered" in again.err
    quiet = run_cli("build", site, "--quiet")
    assert quiet.out == "" and quiet.err == ""
