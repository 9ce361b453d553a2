"""Hostile input (issue 18): nothing outside the site folder is published, names and sizes are bounded."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from helpers import note, read, write_site

SECRET = "TOP-SECRET-TOKEN-4711"


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder beside the site, holding what a link could leak."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    (folder / "secret.txt").write_text(SECRET, encoding="utf-8")
    (folder / "note.en.md").write_text(note("Outside", "2025-01-01", f"leaked {SECRET}"), encoding="utf-8")
    (folder / "404.html").write_text(f"<p>{SECRET}</p>", encoding="utf-8")
    return folder


def _published(out: Path) -> str:
    return "\n".join(p.read_bytes().decode("utf-8", "replace") for p in sorted(out.rglob("*")) if p.is_file())


def test_links_out_of_the_site_are_skipped_with_a_located_warning(tmp_path, outside, run_cli):
    site = write_site(tmp_path / "site", {"content/t/inside.en.md": note("Inside", "2025-01-01", "kept"),
                                          "content/t/real.txt": "real asset"}, "title: T\nlanguages: [en]\n")
    os.symlink(outside / "secret.txt", site / "content/t/env.png")  # an asset
    os.symlink(outside / "note.en.md", site / "content/t/outside.en.md")  # a note
    (site / "static").mkdir()
    os.symlink(outside / "secret.txt", site / "static/passwd.txt")  # a static file
    (site / "templates").mkdir()
    os.symlink(outside / "404.html", site / "templates/404.html")  # a template
    os.symlink(site / "content/t/real.txt", site / "content/t/alias.txt")  # inside: used
    os.symlink(tmp_path / "missing.png", site / "content/t/dangling.png")  # dangling: a warning only
    result = run_cli("build", site, "-o", site / "public")
    assert result.code == 0, result.out + result.err
    out = site / "public"
    assert SECRET not in _published(out)
    assert not (out / "t/env.png").exists() and not (out / "passwd.txt").exists() and not (out / "t/outside").exists()
    assert (out / "t/alias.txt").read_text() == "real asset" and (out / "t/inside/index.html").exists()
    assert "<html" in read(out, "404.html")  # the default theme's 404 instead
    printed = result.out + result.err
    for where in ("content/t/env.png", "content/t/outside.en.md", "static/passwd.txt", "templates/404.html"):
        assert f"{where}: warning[content/symlink-outside]" in printed
    assert "content/t/dangling.png: warning[content/symlink-dangling]" in printed


def test_a_linked_template_folder_out_of_the_site_is_not_used(tmp_path, outside, run_cli):
    site = write_site(tmp_path / "site", {"content/a.en.md": note("A", "2025-01-01")}, "languages: [en]\n")
    os.symlink(outside, site / "templates")
    result = run_cli("build", site, "-o", site / "public")
    assert result.code == 0 and SECRET not in _published(site / "public")
    assert "templates: warning[content/symlink-outside]" in result.out + result.err


def test_a_config_linked_out_of_the_site_is_refused(tmp_path, outside, run_cli):
    site = write_site(tmp_path / "site", {"content/a.en.md": note("A", "2025-01-01")})
    os.symlink(outside / "secret.txt", site / "mlnotes.yaml")
    result = run_cli("build", site, "-o", site / "public")
    assert result.code == 2 and "mlnotes.yaml: error[content/symlink-outside]" in result.out + result.err


BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(8))


def test_a_yaml_alias_bomb_is_refused_quickly_in_front_matter_and_config(tmp_path, run_cli):
    import time
    front = "---\ntitle: Bomb\ndate: 2025-01-01\n" + BOMB + "tags: *i\n---\n\nbody\n"
    site = write_site(tmp_path / "site", {"content/bomb.en.md": front, "content/ok.en.md": note("OK", "2025-01-01")},
                      "languages: [en]\n")
    started = time.perf_counter()
    result = run_cli("build", site, "-o", site / "public")
    assert time.perf_counter() - started < 20
    assert result.code == 1
    assert "content/bomb.en.md:8:4: error[front-matter/yaml]: anchors and aliases expand to more than" in result.out + result.err
    (site / "mlnotes.yaml").write_text("languages: [en]\n" + BOMB, encoding="utf-8")
    result = run_cli("build", site, "-o", site / "public")
    assert result.code == 2 and "mlnotes.yaml:6:4: error[config/yaml]: anchors and aliases expand" in result.out + result.err


def test_a_few_anchors_and_aliases_still_work(tmp_path, build):
    front = "---\ntitle: Anchored\ndate: 2025-01-01\nbase: &t [alpha, beta]\ntags: *t\n---\n\nbody\n"
    out = build(write_site(tmp_path / "site", {"content/a.en.md": front}, "languages: [en]\n"))
    assert (out / "tags/alpha/index.html").exists()


def test_problem_messages_cannot_forge_lines(tmp_path, run_cli):
    forged = "fake.md:1:1: error[forged]: you were hacked"
    site = write_site(tmp_path / "site", {
        "content/a.en.md": f'---\ntitle: A\ndate: 2025-01-01\nlang: "xx\\n{forged}\\u202e"\n---\n\nbody\n',
        f"content/b\n{forged}.en.md": note("B", "not a date"),
    }, "languages: [en]\n")
    result = run_cli("build", site, "-o", site / "public")
    assert result.code == 1
    lines = (result.out + result.err).splitlines()
    assert not any(line.startswith("fake.md") for line in lines), lines
    assert any(line.startswith("content/a.en.md:4:1: error[lang/unknown]: language 'xx\\nfake.md:1:1") and "\\u202e" in line
               for line in lines), lines
    assert any(line.startswith("content/b\\nfake.md:1:1: error[forged]: you were hacked.en.md:") for line in lines), lines


def test_only_known_debris_is_ignored_and_other_skips_are_reported(tmp_path, run_cli):
    site = write_site(tmp_path / "site", {"content/#机器学习.en.md": note("Hash", "2025-01-01", "hash note"),
                                          "content/#autosave.en.md#": "emacs", "content/.hidden.en.md": "x",
                                          "content/_partial.en.md": note("Partial", "2025-01-01")},
                      "languages: [en]\n")
    result = run_cli("build", site, "-o", site / "public")
    assert result.code == 0, result.err
    assert "hash note" in read(site / "public", "机器学习/index.html")
    printed = result.out + result.err
    assert "content/_partial.en.md: warning[content/skipped]" in printed
    assert "autosave" not in printed and "hidden" not in printed


def test_output_folder_refusals_say_why(tmp_path, run_cli, monkeypatch):
    site = write_site(tmp_path / "site", {"content/a.en.md": note("A", "2025-01-01")}, "languages: [en]\n")
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    result = run_cli("build", site, "-o", home)
    assert result.code == 2 and "it is your home folder" in result.err and "holds the site" not in result.err
    (site / ".mlnotes-cache").mkdir(exist_ok=True)
    for target in (site / ".mlnotes-cache", site / ".mlnotes-cache/out"):
        result = run_cli("build", site, "-o", target, "--force")
        assert result.code == 2 and "cache folder" in result.err, result.err


def test_bidi_controls_are_dropped_from_url_slugs(tmp_path, build):
    site = write_site(tmp_path / "site", {"content/a\u202egnp.en.md": note("A", "2025-01-01", tags="[\"x\u200by\u2066\"]")},
                      "languages: [en]\n")
    out = build(site)
    names = [p.relative_to(out).as_posix() for p in out.rglob("*")]
    assert "agnp/index.html" in names and "tags/xy/index.html" in names
    assert not any(c in name for name in names for c in "\u202e\u200b\u2066")


def test_long_names_are_shortened_with_a_located_warning_and_links_stay_right(tmp_path, run_cli):
    long = "扩散模型" * 25  # 100 characters, 300 bytes: over any file system's 255
    front = (f'---\ntitle: Long\ndate: 2025-01-01\nslug: "笔记{long}"\ntags: ["{long}", short]\ntopics: ["{long}"]\n'
             f'aliases: ["/old/{long}/"]\n---\n\nbody\n')
    site = write_site(tmp_path / "site", {"content/long.zh.md": front,
                                          "content/other.zh.md": note("Other", "2025-01-01", "[to long](long.zh.md)")},
                      "languages: [zh]\n")
    result = run_cli("build", site, "-o", site / "public")
    assert result.code == 0, result.out + result.err
    printed = result.out + result.err
    for line, key in ((4, "slug"), (5, "tags"), (6, "topics")):
        assert f"content/long.zh.md:{line}:1: warning[url/too-long]: {key}" in printed, printed
    assert "content/long.zh.md:7:1: warning[url/too-long]: alias" in printed
    out = site / "public"
    names = [p.relative_to(out).as_posix() for p in out.rglob("*")]
    assert all(len(part.encode()) <= 200 for name in names for part in name.split("/"))
    page = next(n for n in names if n.endswith("/index.html") and n.startswith("笔记") and n.count("/") == 1)
    other = read(out, "other/index.html")
    assert f'href="/{page[:-len("index.html")]}"' in other  # the link goes to the shortened page
    again = run_cli("build", site, "-o", tmp_path / "again")
    assert again.code == 0 and sorted(p.relative_to(tmp_path / "again").as_posix()
                                      for p in (tmp_path / "again").rglob("*")) == sorted(names)  # deterministic


def test_serve_answers_404_for_an_over_long_path(tmp_path):
    from urllib.parse import quote

    from mlnotes_site.serve.server import DevServer
    from test_serve import get
    site = write_site(tmp_path / "site", {"content/a.en.md": note("A", "2025-01-01")}, "languages: [en]\n")
    dev = DevServer(site, port=0, delay=0.05, log=lambda _: None)
    dev.start()
    try:
        status, _, _ = get(dev, "/" + quote("长" * 100) + "/x/")
        assert status == 404
        assert get(dev, "/a/")[0] == 200
    finally:
        dev.stop()


def test_note_size_limits_warn_then_refuse_and_feeds_link_large_notes(tmp_path, run_cli):
    import feedparser
    big = "word " * 60_000  # 300 KB
    huge = "x" * 1_200_000  # 1.2 MB
    site = write_site(tmp_path / "site", {"content/t/big.en.md": note("Big", "2025-01-02", big),
                                          "content/t/small.en.md": note("Small", "2025-01-01", "small body"),
                                          "content/t/huge.en.md": note("Huge", "2025-01-03", huge)},
                      "languages: [en]\nlimits: {note_warning_mb: 0.25, note_error_mb: 1}\n")
    result = run_cli("build", site, "-o", site / "public")
    printed = result.out + result.err
    assert result.code == 1
    assert "content/t/huge.en.md: error[content/too-large]: this file is 1.1 MB, over the limit of 1 MB" in printed
    assert "content/t/big.en.md: warning[content/large]" in printed
    (site / "content/t/huge.en.md").unlink()
    result = run_cli("build", site, "-o", site / "public")
    assert result.code == 0, result.out + result.err
    for feed in ("feed.xml", "t/feed.xml"):
        entries = {e.title: e for e in feedparser.parse((site / "public" / feed).read_bytes()).entries}
        assert "content" not in entries["Big"] and entries["Big"].summary  # linked with its summary only
        assert "small body" in entries["Small"].content[0].value
    assert (site / "public/feed.xml").stat().st_size < 100_000
    bad = run_cli("build", write_site(tmp_path / "bad", {}, "limits: {note_size: 3}\n"), "-o", tmp_path / "o")
    assert bad.code == 2 and "unknown limit 'note_size'" in bad.err
