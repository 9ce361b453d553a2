"""The whole pipeline as a command: problems reported at once, --strict, python -m."""
from __future__ import annotations

import re
import subprocess
import sys

from helpers import REPO, bilingual_site, note, write_site


def test_problems_are_reported_all_at_once_with_locations(tmp_path, run_cli):
    site = write_site(tmp_path / "s", {
        "content/a/yaml.md": "---\ntitle: ok\ndate: 2025-01-01\ntags: [a, b\n---\nbody\n",
        "content/a/date.md": "---\ntitle: ok\ndate: 2024-02-30\n---\nbody\n",
        "content/a/word.md": "---\ntitle: ok\n\ndate: yesterday\n---\nbody\n",
        "content/a/one.md": note("One", "2025-01-01", slug="same"),
        "content/a/two.md": note("Two", "2025-01-01", slug="same"),
        "content/a/escape.md": note("Escape", "2025-01-01", slug="../../etc"),
        "content/a/lang.ja.md": note("Japanese", "2025-01-01"),
        "content/a/links.md": note("Links", "2025-01-01", "see [missing](nope.md) and ![img](gone.png)"),
    }, "languages: [zh, en]\n")  # with the key, a suffix outside it is an error
    result = run_cli("build", site, "-o", site / "public")
    assert result.code == 1
    err = result.err
    assert re.search(r"content/a/yaml\.md:\d+:\d+: error\[front-matter/yaml\]", err)
    assert "content/a/date.md:3:1: error[front-matter/date]" in err and "2024-02-30" in err
    assert "content/a/word.md:4:1: error[front-matter/date]" in err
    assert "error[url/duplicate]" in err and "a/same/index.html" in err
    assert "content/a/escape.md:4:1: error[url/slug]" in err
    assert "content/a/lang.ja.md" in err and "error[lang/unknown]" in err
    assert "content/a/links.md:6:1: warning[link/broken]" in err and "nope.md" in err and "gone.png" in err
    assert "hint:" in err
    assert not (site / "public").exists()


def test_strict_turns_warnings_into_errors(tmp_path, run_cli):
    site = write_site(tmp_path / "s", {"content/a/x.md": note("X", "2025-01-01", "[gone](gone.md)")})
    assert run_cli("build", site, "-o", site / "public").code == 0
    result = run_cli("build", site, "-o", site / "public", "--strict")
    assert result.code == 1 and "error[link/broken]" in result.err


def test_python_dash_m_and_console_script(tmp_path):
    site = bilingual_site(tmp_path)
    for command in ([sys.executable, "-m", "mlnotes_site"], [str(REPO / ".venv/bin/mlnotes")]):
        if not __import__("pathlib").Path(command[0]).exists():
            continue
        done = subprocess.run(command + ["build", str(site), "-o", str(tmp_path / "out"), "--quiet"],
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        assert (tmp_path / "out/index.html").is_file()
