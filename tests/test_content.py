"""Front matter: splitting, typing, dates, languages; every problem located in the file."""
from __future__ import annotations

from pathlib import Path

from mlnotes_site.load.siteconfig import load_config
from mlnotes_site.load.content import load_content

from helpers import write_site


def load(tmp_path: Path, files: dict[str, str | bytes], config: str = ""):
    site = write_site(tmp_path / "s", files, config)
    cfg, problems = load_config(site)
    assert not problems
    return load_content(cfg)


def codes(content) -> list[tuple[str, str, int]]:
    return sorted((p.code, p.path, p.line) for p in content.problems)


def test_language_from_suffix_front_matter_or_default(tmp_path):
    content = load(tmp_path, {
        "content/a/x.en.md": "---\ntitle: X\ndate: 2025-01-01\n---\n",
        "content/a/y.md": "---\ntitle: Y\ndate: 2025-01-01\nlang: en\n---\n",
        "content/a/z.md": "---\ntitle: Z\ndate: 2025-01-01\n---\n",
        "content/a/qwen1.5.md": "---\ntitle: Q\ndate: 2025-01-01\n---\n",
    })
    langs = {n.content_path: (n.lang, n.key, n.slug) for n in content.notes}
    assert langs == {"a/x.en.md": ("en", "a/x", "x"), "a/y.md": ("en", "a/y", "y"), "a/z.md": ("zh", "a/z", "z"),
                     "a/qwen1.5.md": ("zh", "a/qwen1.5", "qwen1.5")}


def test_bom_crlf_and_tags_as_string(tmp_path):
    content = load(tmp_path, {
        "content/a/x.md": "\ufeff---\r\ntitle: X\r\ndate: 2025-01-01\r\ntags: 扩散\r\n---\r\nbody\r\n".encode("utf-8"),
    })
    assert not content.problems
    (n,) = content.notes
    assert n.tags == ("扩散",) and n.body.strip() == "body"


def test_datetimes_and_timezone(tmp_path):
    content = load(tmp_path, {
        "content/a/x.md": "---\ntitle: X\ndate: 2025-01-01 10:30\nupdated: 2025-02-01T08:00:00+00:00\n---\n",
    }, "timezone: Asia/Shanghai\n")
    (n,) = content.notes
    assert n.date.isoformat() == "2025-01-01T10:30:00+08:00"
    assert n.updated.isoformat() == "2025-02-01T08:00:00+00:00"


def test_bad_front_matter_problems_have_locations(tmp_path):
    content = load(tmp_path, {
        "content/unclosed.md": "---\ntitle: X\ndate: 2025-01-01\nbody\n",
        "content/list.md": "---\n- a\n- b\n---\nbody\n",
        "content/number.md": "---\ntitle: 123\ndate: 2025-01-01\n---\n",
        "content/dup.md": "---\ntitle: A\ntitle: B\ndate: 2025-01-01\n---\n",
        "content/tab.md": "---\ntitle: A\n\tdate: 2025-01-01\n---\n",
        "content/badutf.md": b"---\ntitle: A\ndate: 2025-01-01\n---\nok \xff bad\n",
        "content/binary.md": b"\x00\x01\x02PNG",
        "content/draft.md": "---\ntitle: A\ndate: 2025-01-01\ndraft: maybe\n---\n",
    })
    found = codes(content)
    assert ("front-matter/unclosed", "content/unclosed.md", 1) in found
    assert ("front-matter/not-mapping", "content/list.md", 2) in found
    assert ("front-matter/type", "content/number.md", 2) in found  # a warning: used as text
    assert ("front-matter/duplicate-key", "content/dup.md", 3) in found
    assert any(c == "front-matter/yaml" and p == "content/tab.md" for c, p, _ in found)
    assert ("content/encoding", "content/badutf.md", 5) in found
    assert any(c == "content/binary" for c, _, _ in found)
    assert ("front-matter/type", "content/draft.md", 4) in found
    bad = next(p for p in content.problems if p.code == "content/encoding")
    assert "byte offset 37" in bad.message and bad.column == 4
    number = next(n for n in content.notes if n.content_path == "number.md")
    assert number.title == "123"


def test_title_falls_back_to_heading_then_file_name(tmp_path):
    content = load(tmp_path, {
        "content/a/with-heading.md": "---\ndate: 2025-01-01\n---\n\n# From heading\n\ntext\n",
        "content/a/bare-name.md": "---\ndate: 2025-01-01\n---\n\ntext\n",
    })
    titles = {n.content_path: n.title for n in content.notes}
    assert titles == {"a/with-heading.md": "From heading", "a/bare-name.md": "bare-name"}
    heading_note = next(n for n in content.notes if n.content_path == "a/with-heading.md")
    assert "# From heading" not in heading_note.body and heading_note.body.count("\n") >= 3


def test_editor_debris_and_hidden_files_are_ignored(tmp_path):
    content = load(tmp_path, {
        "content/a/x.md": "---\ntitle: X\ndate: 2025-01-01\n---\n",
        "content/a/.x.md.swp": "junk",
        "content/a/x.md~": "junk",
        "content/.obsidian/app.json": "{}",
        "content/a/#x.md#": "junk",
    })
    assert [n.content_path for n in content.notes] == ["a/x.md"]
    assert content.assets == []


def test_hugo_toml_front_matter_obsidian_and_hugo_date_keys_and_toc_markers(tmp_path):
    site = write_site(tmp_path / "s", {
        "content/a/hugo.md": '+++\ntitle = "Hugo note"\ndate = 2024-01-02T10:00:00+08:00\nlastmod = 2024-06-01\n'
                             'tags = ["扩散", "x"]\ndraft = false\n\n[params]\nmath = true\n+++\n\nBody.\n',
        "content/a/obsidian.md": "---\ncreated: 2024-01-03 10:20\nmodified: 2024-05-05\n---\n[TOC]\n\n# Obsidian note\n\nBody.\n",
        "content/a/late.md": "---\ndate: 2024-03-01\nlastmod: 2024-02-01\n---\nBody.\n",
    })
    config, _ = load_config(site)
    content = load_content(config)
    notes = {n.content_path: n for n in content.notes}
    hugo, obsidian = notes["a/hugo.md"], notes["a/obsidian.md"]
    assert (hugo.title, hugo.tags, hugo.date.isoformat(), hugo.updated.date().isoformat()) == \
        ("Hugo note", ("扩散", "x"), "2024-01-02T10:00:00+08:00", "2024-06-01")
    assert hugo.params["params"] == {"math": True}  # unknown keys are kept for templates
    assert obsidian.title == "Obsidian note"  # the first heading after a [TOC] marker
    assert (obsidian.date.isoformat(timespec="minutes")[:16], obsidian.updated.date().isoformat()) == \
        ("2024-01-03T10:20", "2024-05-05")
    late = [p for p in content.problems if p.path.endswith("late.md")]
    assert [(p.code, p.line) for p in late] == [("front-matter/date", 3)] and "'lastmod'" in late[0].message


def test_tags_lose_obsidians_hash_and_repeat_once(tmp_path):
    site = write_site(tmp_path / "s", {"content/a/n.md": '---\ndate: 2024-01-01\ntags: ["#ML", ml, 扩散, "#扩散", " "]\n---\nx\n'})
    config, _ = load_config(site)
    assert load_content(config).notes[0].tags == ("ML", "扩散")


def test_one_language_suffix_split_for_file_names_and_link_paths():
    from mlnotes_site.i18n import split_lang_suffix

    langs = ("zh", "en")
    assert split_lang_suffix("ddim.zh", langs) == ("ddim", "zh", True)
    assert split_lang_suffix("a/ddim.en", langs) == ("a/ddim", "en", True)  # a link's path
    assert split_lang_suffix("ddim.fr", langs) == ("ddim", None, True)  # a language, not the site's
    assert split_lang_suffix("qwen1.5", langs) == ("qwen1.5", None, False)  # not a language at all
    assert split_lang_suffix(".zh", langs) == (".zh", None, False)  # nothing before the suffix
    assert split_lang_suffix("a/.zh", langs) == ("a/.zh", None, False)
    assert split_lang_suffix("v1.x/ddim", langs) == ("v1.x/ddim", None, False)  # a dot in a folder name
