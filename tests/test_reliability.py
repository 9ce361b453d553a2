"""Nothing lost: interrupted or failing builds, concurrent builds, dangerous output folders."""
from __future__ import annotations

import contextlib
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
    if proc.returncode == 0 or "holds this build's complete new output" in err:
        # The signal landed after the swap (or after the build): then the output must be the whole new build.
        assert proc.returncode in (0, 130), err
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


def _kill_between_renames(site: Path, out: Path) -> subprocess.CompletedProcess:
    """A build killed -9 right after the previous output was moved aside, before the new one went in."""
    script = (
        "import os, signal, sys\n"
        "real = os.rename\n"
        "def rename(src, dst):\n"
        "    real(src, dst)\n"
        "    if os.path.basename(str(dst)) == 'x':\n"
        "        os.kill(os.getpid(), signal.SIGKILL)\n"
        "os.rename = rename\n"
        "from mlnotes_site.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n")
    return subprocess.run([sys.executable, "-c", script, "build", str(site), "-o", str(out), "-j", "1"],
                          capture_output=True, text=True, timeout=120)


def test_a_kill_between_the_renames_is_recovered_by_the_next_build(tmp_path, run_cli):
    site = write_site(tmp_path / "site", {f"content/a/n{i}.md": note(f"N{i}", "2025-01-01") for i in range(5)})
    out = site / "public"
    assert run_cli("build", site, "-o", out).code == 0
    before = tree_digest(out)
    foreign = site / ".public.tmp-1"  # a folder with our naming but not ours: never removed
    foreign.mkdir()
    (foreign / "keep.txt").write_text("keep")
    (site / "content/a/n0.md").write_text(note("N0 changed", "2025-01-01"), encoding="utf-8")
    assert _kill_between_renames(site, out).returncode == -signal.SIGKILL
    assert not out.exists()  # the state the kill left: no output, the previous one in our .old folder
    assert any(name.startswith(".public.old-") for name in leftovers(site))
    # A build that fails (nothing to write) still puts the previous output back and removes our debris.
    (site / "content/a/bad.md").write_text("---\ntitle: [unclosed\n---\n", encoding="utf-8")
    assert run_cli("build", site, "-o", out).code == 1
    assert tree_digest(out) == before
    assert leftovers(site) == [".public.tmp-1"] and (foreign / "keep.txt").read_text() == "keep"
    # Killed again, then a good build: the new output, complete, and no debris of ours.
    (site / "content/a/bad.md").unlink()
    assert _kill_between_renames(site, out).returncode == -signal.SIGKILL
    assert run_cli("build", site, "-o", out).code == 0
    assert build_module.build(build_module.BuildOptions(site, tmp_path / "clean", jobs=1)).written
    assert tree_digest(out) == tree_digest(tmp_path / "clean")
    assert leftovers(site) == [".public.tmp-1"]


def test_a_kill_mid_write_leaves_no_temporary_folder_after_the_next_build(tmp_path):
    site = big_site(tmp_path / "site")
    out = site / "public"
    assert mlnotes("build", str(site), "-o", str(out), "-j", "1").wait() == 0
    for blob in sorted((site / "content").rglob("blob*.bin")):
        blob.write_bytes(os.urandom(256 * 1024))
    proc = mlnotes("build", str(site), "-o", str(out), "-j", "1")
    deadline = time.monotonic() + 60
    while not any(p.name.startswith(".public.tmp-") for p in site.iterdir()):
        assert proc.poll() is None and time.monotonic() < deadline, "the build ended before it was killed"
        time.sleep(0.002)
    proc.kill()
    proc.communicate(timeout=60)
    assert any(name.startswith(".public.tmp-") for name in leftovers(site))  # what kill -9 leaves
    assert mlnotes("build", str(site), "-o", str(out), "-j", "1").wait() == 0
    assert leftovers(site) == []
    assert build_module.build(build_module.BuildOptions(site, tmp_path / "clean", jobs=1)).written
    assert tree_digest(out) == tree_digest(tmp_path / "clean")


def test_an_interrupt_after_the_swap_does_not_claim_the_previous_output(tmp_path, run_cli, monkeypatch):
    import mlnotes_site.write.writer as writer_module
    site = write_site(tmp_path / "site", {f"content/a/n{i}.md": note(f"N{i}", "2025-01-01") for i in range(5)})
    out = site / "public"
    assert run_cli("build", site, "-o", out).code == 0
    (site / "content/a/n0.md").write_text(note("N0 changed", "2025-01-01"), encoding="utf-8")

    def interrupted(*args: object) -> None:  # Ctrl-C right after the new output went in
        raise KeyboardInterrupt

    monkeypatch.setattr(writer_module, "write_manifest", interrupted)
    result = run_cli("build", site, "-o", out)
    assert result.code == 130
    assert "untouched" not in result.err and "holds this build's complete new output" in result.err
    monkeypatch.undo()
    assert build_module.build(build_module.BuildOptions(site, tmp_path / "clean", jobs=1)).written
    assert tree_digest(out) == tree_digest(tmp_path / "clean") and leftovers(site) == []


def test_an_interrupt_between_the_renames_keeps_the_previous_output(tmp_path, run_cli, monkeypatch):
    site = write_site(tmp_path / "site", {f"content/a/n{i}.md": note(f"N{i}", "2025-01-01") for i in range(5)})
    out = site / "public"
    assert run_cli("build", site, "-o", out).code == 0
    before = tree_digest(out)
    (site / "content/a/n0.md").write_text(note("N0 changed", "2025-01-01"), encoding="utf-8")
    real = os.rename
    calls: list[object] = []

    def rename(src: object, dst: object) -> None:
        if Path(str(dst)) == out.resolve() and not calls:
            calls.append(src)
            raise KeyboardInterrupt  # the previous output is aside, the new one not yet in
        real(src, dst)

    monkeypatch.setattr(os, "rename", rename)
    result = run_cli("build", site, "-o", out)
    monkeypatch.undo()
    assert calls and result.code == 130 and "the previous output is untouched" in result.err
    assert tree_digest(out) == before and leftovers(site) == []


def _tagged(tag: str) -> list[tuple[int, str]]:
    """Processes whose environment holds MLNOTES_TEST_TAG=tag, with their command lines."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if f"MLNOTES_TEST_TAG={tag}".encode() not in (entry / "environ").read_bytes().split(b"\0"):
                continue
            if (entry / "stat").read_text().split(") ", 1)[1].startswith("Z"):
                continue  # a zombie waits for its (gone) parent's reaper: it runs nothing
            found.append((int(entry.name), (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()))
        except OSError:
            continue
    return found


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="parent-death signal is Linux's")
def test_render_and_katex_workers_die_with_a_killed_build(tmp_path):
    def body(n: int) -> str:  # formulas of its own in every note: KaTeX is busy throughout
        return "\n\n".join(f"式 $x_{{{n}}}^{{{i}}} + \\frac{{{n}}}{{{i + 1}}}$ 与 $$\\sum_{{k={n}}}^{{{i}}} k^{{{n}}}$$"
                           for i in range(60))
    site = write_site(tmp_path / "site", {f"content/t/n{n}.md": note(f"N{n}", "2025-01-01", body(n))
                                          for n in range(150)})
    tag = f"{os.getpid()}-{time.monotonic_ns()}"
    proc = mlnotes("build", str(site), "-o", str(site / "public"), "-j", "2",
                   env={**os.environ, "MLNOTES_TEST_TAG": tag})
    deadline = time.monotonic() + 90
    while True:
        workers = [(pid, cmd) for pid, cmd in _tagged(tag) if pid != proc.pid]
        if any("tex_worker.js" in cmd for _, cmd in workers) and any("tex_worker.js" not in c for _, c in workers):
            break
        assert proc.poll() is None and time.monotonic() < deadline, f"the build ended before workers were seen: {workers}"
        time.sleep(0.01)
    proc.kill()
    proc.communicate(timeout=30)
    deadline = time.monotonic() + 15
    while _tagged(tag) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = _tagged(tag)
    for pid, _ in left:  # so that a failure here leaves nothing running either
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    assert left == [], "workers outlived the killed build"


def test_an_interruption_between_the_folder_and_its_marker_leaves_nothing(tmp_path, monkeypatch):
    """A signal right after the build made its temporary folder, before the marker that says it is ours."""
    from mlnotes_site.write import writer as writer_module
    out = tmp_path / "public"
    writer = writer_module.OutputWriter(out, None)
    real_write_text = Path.write_text

    def interrupted(self: Path, *args, **kwargs):  # type: ignore[no-untyped-def]
        if self.name == writer_module.SWAP_MARKER:
            raise KeyboardInterrupt
        return real_write_text(self, *args, **kwargs)
    monkeypatch.setattr(Path, "write_text", interrupted)
    with pytest.raises(KeyboardInterrupt):
        writer.start()
    assert writer.tmp.is_dir()
    writer.abort()
    assert not writer.tmp.exists() and list(tmp_path.iterdir()) == []
