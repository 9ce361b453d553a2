"""Our own knowledge base in content/ builds with no warnings, even under --strict."""
from __future__ import annotations

from helpers import REPO, parse, read, tree_digest


def test_example_site_builds_strictly_without_warnings(tmp_path, run_cli):
    result = run_cli("build", REPO, "-o", tmp_path / "out", "--strict")
    assert result.code == 0 and result.err == "", result.err
    out = tmp_path / "out"
    notes = [p for p in out.rglob("index.html") if "/page/" not in p.as_posix()
             and '<article class="note' in p.read_text(encoding="utf-8")]
    assert len(notes) >= 20
    pairs = [p for p in notes if not p.relative_to(out).as_posix().startswith("en/")
             and (out / "en" / p.relative_to(out)).is_file()]
    assert len(pairs) >= 6
    # every internal link of every page resolves to a file of the build
    for page in out.rglob("*.html"):
        for _tag, attrs in parse(page.read_text(encoding="utf-8")).tags:
            href = attrs.get("href") or attrs.get("src") or ""
            if href.startswith("/") and not href.startswith("//"):
                target = out / href.split("#")[0].lstrip("/")
                assert target.is_file() or (target / "index.html").is_file(), f"{page}: {href}"
    assert "callout" in read(out, "diffusion/ddpm/index.html")


def test_example_site_is_deterministic(tmp_path, run_cli):
    assert run_cli("build", REPO, "-o", tmp_path / "a").code == 0
    assert run_cli("build", REPO, "-o", tmp_path / "b").code == 0
    assert tree_digest(tmp_path / "a") == tree_digest(tmp_path / "b")
