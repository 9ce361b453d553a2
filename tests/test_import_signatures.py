"""Each importer reads its tool's syntax only where the site shows that tool's signature, so an
ordinary note never changes meaning: Hugo's shortcodes only in a Hugo site (its config file, or its
folders beside content/), Jekyll's Liquid and kramdown only in a Jekyll site (_config.yml or _posts/),
Obsidian's inline #tags and ^block ids only in a vault (.obsidian/), Notion's adaptations only in
files with Notion's id in their name. Elsewhere the text is what CommonMark makes of it."""
from __future__ import annotations

from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from helpers import note, note_body, read, write_site

from mlnotes_site.config import is_hugo_site

PROSE = 'In Go templates one writes {{< figure src="x" >}} and {{% note %}} inside a page.'
HUGO_TOML = 'baseURL = "https://example.org/blog/"\ntitle = "Blog"\n'


def _built(run_cli, site: Path, out: Path) -> tuple[str, str]:
    run = run_cli("build", site, "-o", out, "--strict")
    assert run.code == 0, run.err
    return read(out, "go/index.html"), run.err


def test_shortcodes_in_an_ordinary_site_are_text(tmp_path: Path, run_cli) -> None:
    site = write_site(tmp_path / "plain", {
        "content/go.md": note("Go templates", "2024-01-01", PROSE),
        "content/posts/ddim/index.md": note("DDIM", "2024-01-02", "A folder note."),
        "content/posts/ddim/fig.png": b"PNG",
        "config.toml": 'base_url = "https://example.org/"\ntitle = "A Zola site"\n',  # not Hugo's
    }, "languages: [en]\n")
    page, err = _built(run_cli, site, tmp_path / "out")
    expected = MarkdownIt("commonmark").render(PROSE).strip()  # verbatim, as CommonMark reads it
    assert expected in note_body(page), note_body(page)
    assert "import/" not in err, err
    # a folder's index.md is its note in every site (not only Hugo's), but only reported in Hugo's
    assert "A folder note." in read(tmp_path / "out", "posts/ddim/index.html")


@pytest.mark.parametrize("signature", [
    {"hugo.toml": HUGO_TOML},
    {"hugo.yaml": "baseURL: https://example.org/blog/\ntitle: Blog\n"},
    {"config.toml": HUGO_TOML},
    {"config.json": '{"baseURL": "https://example.org/blog/", "languageCode": "en-us"}'},
    {"config/_default/hugo.toml": HUGO_TOML},
    {"layouts/_default/single.html": "{{ .Content }}"},
    {"archetypes/default.md": "---\ntitle: x\n---\n"},
    {"themes/ananke/theme.toml": "name = 'Ananke'\n"},
])
def test_shortcodes_in_a_hugo_site_are_read(tmp_path: Path, run_cli, signature: dict[str, str]) -> None:
    site = write_site(tmp_path / "hugo", {"content/go.md": note("Go templates", "2024-01-01", PROSE),
                                          "content/x": b"PNG", **signature},
                      "languages: [en]\n")
    assert is_hugo_site(site)
    run = run_cli("build", site, "-o", tmp_path / "out")
    assert run.code == 0, run.err
    body = note_body(read(tmp_path / "out", "go/index.html"))
    assert '<img src="/x" alt="" />' in body, body
    assert "{{&lt; figure" not in body and "{{% note %}}" in body  # unknown: as written, with a warning
    assert "content/go.md:6:28: note[import/hugo-shortcode]" in run.err, run.err
    assert "content/go.md:6:55: warning[import/hugo-shortcode]" in run.err, run.err


def test_hugo_config_yaml_stands_in_for_mlnotes_yaml(tmp_path: Path, run_cli) -> None:
    site = write_site(tmp_path / "hugo", {"content/a.md": note("A", "2024-01-01", "Text."),
                                          "hugo.yaml": "baseURL: https://example.org/blog/\ntitle: My Blog\n"
                                                       "defaultContentLanguage: en\nlanguages:\n  en: {weight: 1}\n"})
    run = run_cli("build", site, "-o", tmp_path / "out")
    assert run.code == 0, run.err
    page = read(tmp_path / "out", "a/index.html")
    assert '<link rel="canonical" href="https://example.org/blog/a/">' in page and "My Blog" in page
    assert "hugo.yaml: note[config/imported]" in run.err


def test_other_sites_are_not_hugo(tmp_path: Path) -> None:
    zola = write_site(tmp_path / "zola", {"content/a.md": "x", "config.toml": 'base_url = "/"\n',
                                          "templates/page.html": ""})
    ours = write_site(tmp_path / "ours", {"content/a.md": "x", "static/x.css": ""}, "title: Notes\n")
    broken = write_site(tmp_path / "broken", {"content/a.md": "x", "config.json": "{not json"})
    no_content = write_site(tmp_path / "vault", {"a.md": "x", "layouts/x.md": "x"})  # no content/ beside layouts/
    assert not any(is_hugo_site(site) for site in (zola, ours, broken, no_content))


def test_other_importers_leave_ordinary_notes_alone(tmp_path: Path, run_cli) -> None:
    """Liquid, kramdown attribute lists, inline #tags, ^ids and Notion asides in a site of none of
    those tools: shown as CommonMark reads them, no tag added, no import/ note."""
    body = ("Jekyll writes {% post_url 2020-01-01-a %} and {{ site.baseurl }}.\n{: .note}\n\n"
            "A #hashtag here and a block ^abc123\n\n"
            "<aside>💡 not a Notion page</aside>\n")
    site = write_site(tmp_path / "plain", {"content/go.md": note("Plain", "2024-01-01", body)},
                      "languages: [en]\n")
    page, err = _built(run_cli, site, tmp_path / "out")
    shown = note_body(page)
    assert "{% post_url 2020-01-01-a %}" in shown and "{{ site.baseurl }}" in shown and "{: .note}" in shown
    assert "#hashtag" in shown and "^abc123" in shown and 'id="^abc123"' not in shown
    assert "<aside>💡 not a Notion page</aside>" in shown and "callout" not in shown
    assert not (tmp_path / "out/tags/hashtag").exists()
    assert "import/" not in err, err
