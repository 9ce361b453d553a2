"""Nothing lost: interrupted or failing builds, concurrent builds, dangerous output folders."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import mlnotes_site.build as build_module
from helpers import note, tree_digest, write_site


def big_site(root: Path) -> Path:
    files: dict[str, str | bytes] = {f"content/t{i % 5}/n{i}.md": note(f"Note {i}", f"2025-01-{i % 28 + 1:02d}", "text " * 200)
                                     for i in range(40)}
    for i in range(120):  # plenty of bytes to write, so the writer is caught mid-way
        files[f"content/t{i % 5}/blob{i}.bin"] = os.urandom(256 * 1024)
    return write_site(root, files)


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".public."))


def mlnotes(*args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "mlnotes_site", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kwargs)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_mid_write_keeps_the_previous_output(tmp_path, sig):
    site = big_site(tmp_path / "site")
    out = site / "public"
    assert mlnotes("build", str(site), "-o", str(out), "-j", "1").wait() == 0
    before = tree_digest(out)
    (site / "content/t0/n0.md").write_text(note("Changed", "2025-01-01"), encoding="utf-8")
    for blob in sorted((site / "content").rglob("blob*.bin")):  # new bytes: copied again, not hard-linked
        blob.write_bytes(os.urandom(256 * 1024))
    proc = mlnotes("build", str(site), "-o", str(out), "-j", "1")
    deadline = time.monotonic() + 60
    while not any(p.name.startswith(".public.tmp-") for p in site.iterdir()):
        assert proc.poll() is None and time.monotonic() < deadline, "the build ended before it was interrupted"
        time.sleep(0.002)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert "Traceback" not in err
    assert leftovers(site) == []
    if proc.returncode == 0:
        # The signal landed after the build had finished: then the output must be the whole new build.
        assert build_module.build(build_module.BuildOptions(site, tmp_path / "clean", jobs=1)).written
        assert tree_digest(out) == tree_digest(tmp_path / "clean")
    else:
        assert proc.returncode == 130, err
        assert "previous output is untouched" in err
        assert tree_digest(out) == before
    assert mlnotes("build", str(site), "-o", str(out), "-j", "1").wait() == 0  # and the next build works
    assert "Changed" in (out / "t0/n0/index.html").read_text(encoding="utf-8")


def test_a_write_error_is_a_problem_and_keeps_the_previous_output(tmp_path, run_cli, monkeypatch):
    site = write_site(tmp_path / "site", {f"content/a/n{i}.md": note(f"N{i}", "2025-01-01") for i in range(5)})
    assert run_cli("build", site, "-o", site / "public").code == 0
    before = tree_digest(site / "public")
    (site / "content/a/n0.md").write_text(note("N0 changed", "2025-01-01"), encoding="utf-8")
    calls = {"n": 0}
    real = Path.write_bytes

    def failing(self: Path, data: bytes) -> int:
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError(28, "No space left on device", str(self))
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", failing)
    result = run_cli("build", site, "-o", site / "public")
    assert result.code == 1
    assert "error[output/write]: cannot write the site: No space left on device" in result.err
    assert "Traceback" not in result.err
    assert tree_digest(site / "public") == before and leftovers(site) == []


def test_two_builds_of_one_output_at_once_do_not_mix(tmp_path):
    site = big_site(tmp_path / "site")
    out = site / "public"
    procs = [mlnotes("build", str(site), "-o", str(out), "-j", "1") for _ in range(2)]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    assert leftovers(site) == []
    assert build_module.build(build_module.BuildOptions(site, tmp_path / "clean", jobs=1)).written
    assert tree_digest(out) == tree_digest(tmp_path / "clean")


def test_dangerous_output_folders_are_refused(tmp_path):
    home = tmp_path / "home"
    site = write_site(home / "site", {"content/a/x.md": note("X", "2025-01-01")})
    (home / "precious.txt").write_text("keep")
    env = {**os.environ, "HOME": str(home)}
    for target in ["/", str(home), str(site), str(site / "content"), str(site / "content/a")]:
        proc = mlnotes("build", str(site), "-o", target, env=env)
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 2 and "error[output/" in err, (target, err)
    assert (home / "precious.txt").read_text() == "keep" and (site / "content/a/x.md").is_file()


def test_symlinks_in_or_as_the_output_are_never_followed(tmp_path, run_cli):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("keep")
    site = write_site(tmp_path / "site", {"content/a/x.md": note("X", "2025-01-01")})
    assert run_cli("build", site, "-o", site / "public").code == 0
    os.symlink(outside, site / "public" / "link")
    assert run_cli("build", site, "-o", site / "public").code == 0
    assert (outside / "keep.txt").read_text() == "keep"
    os.symlink(outside, tmp_path / "linked-out")
    result = run_cli("build", site, "-o", tmp_path / "linked-out", "--force")
    assert result.code == 2 and "error[output/symlink]" in result.err
    assert sorted(p.name for p in outside.iterdir()) == ["keep.txt"]
