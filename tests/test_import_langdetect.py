"""A note without a language suffix or `lang:` in a site whose languages are its own: language from
its text (share of Han characters); `lang:` and an existing translation win; the built-in pair alone
(no mlnotes.yaml languages, no file naming one) keeps every such note in the default language."""
from __future__ import annotations

from pathlib import Path

from helpers import note, read, write_site

from mlnotes_site.load.langdetect import detect, prose


def test_detect_counts_han_characters_against_latin_words() -> None:
    langs = ("zh", "en")
    assert detect("扩散模型的前向过程逐步加噪。", langs) == "zh"
    assert detect("The forward process adds noise step by step.", langs) == "en"
    assert detect("DDIM 把 DDPM 的采样过程改写为非马尔可夫过程，可以跳步。", langs) == "zh"  # terms in English
    assert detect("```python\n# 中文注释很多很多很多很多很多\nx = 1\n```\nThis note is in English.", langs) == "en"
    assert detect("$\\alpha \\beta \\gamma \\delta$ 公式", langs) == "zh"
    assert detect("", langs) is None and detect("12345", langs) is None
    assert detect("中文", ("zh",)) is None and detect("Text", ("en", "fr")) is None
    assert detect("Plain English words.", ("zh", "ja", "en")) == "ja"  # the first other site language
    assert "http" not in prose("see https://example.com/中文 and [x](中文.md)")


def test_notes_without_suffix_take_the_language_of_their_text(tmp_path: Path, build, run_cli) -> None:
    site = write_site(tmp_path / "s", {
        "content/ml/ddim.md": note("DDIM", "2024-03-01", "DDIM 是一种加速扩散模型采样的方法。"),
        "content/ml/attention.md": note("Attention", "2024-03-02", "Attention is all you need."),
        "content/ml/forced.md": note("Forced", "2024-03-03", "Written in English but kept Chinese.", lang="zh"),
        "content/ml/pair.md": note("Pair", "2024-03-04", "English text, with an English translation beside it."),
        "content/ml/pair.en.md": note("Pair", "2024-03-04", "The English one."),
    }, config="languages: [zh, en]\n")
    run = run_cli("build", site, "-o", site / "public")
    assert run.code == 0, run.err
    out = site / "public"
    assert "加速扩散模型" in read(out, "ml/ddim/index.html")
    assert 'lang="en"' in read(out, "en/ml/attention/index.html")
    assert "Written in English" in read(out, "ml/forced/index.html")
    assert "English text, with" in read(out, "ml/pair/index.html")  # stays zh: pair.en.md is the English one
    assert "content/ml/attention.md:1:1: note[lang/detected]" in run.err
    assert "forced.md:1:1: note[lang/detected]" not in run.err and "pair.md:1:1: note[lang" not in run.err


def test_without_languages_of_its_own_a_site_does_not_guess(tmp_path: Path, build) -> None:
    site = write_site(tmp_path / "s", {"content/a.md": note("A", "2024-03-01", "Only English here.")})
    out = build(site)
    assert 'lang="zh"' in read(out, "a/index.html")
