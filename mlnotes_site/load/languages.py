"""The languages a site's files use, for a site whose mlnotes.yaml has no `languages:`.

A note names its language by a file name suffix (`chapter1.fr.md`) or by `lang:` in its front matter;
a note that names none is in the default language, Chinese, as everywhere else. The site's languages
are those its notes are in, Chinese first when present (the default, at the root), then English, then
the others by how many notes use them: an English-only site is English at the root, and French
chapters make a French part. A site where no file names a language keeps the built-in `[zh, en]`; but a folder pointed at as it
is (no content/ folder: an export, a vault) takes the languages its notes are written in, by their text.
"""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from mlnotes_site.i18n import LANG_CODE_RE as LANG_SUFFIX_RE
from mlnotes_site.load.discover import discover
from mlnotes_site.load.frontmatter import split_front_matter
from mlnotes_site.load.langdetect import detect

DEFAULT_LANGUAGES = ("zh", "en")
_HEAD = 4096
_SAMPLE = 1 << 16  # enough text to tell a note's language  # front matter is at the top; a note without a suffix is read this far
_LANG_KEY_RE = re.compile(r"^\s*lang\s*[:=]", re.MULTILINE)


def note_language(path: Path) -> str | None:
    """The language a note file names: its suffix, else its front matter's `lang:`; else None."""
    stem = path.name.rsplit(".", 1)[0]
    name, dot, suffix = stem.rpartition(".")
    if dot and name and LANG_SUFFIX_RE.fullmatch(suffix):
        return suffix
    try:
        with path.open("rb") as handle:
            head = handle.read(_HEAD).decode("utf-8-sig", errors="replace")
    except OSError:
        return None
    if not _LANG_KEY_RE.search(head):  # the common case: no front matter lang, no YAML to parse
        return None
    source, _ = split_front_matter(path.read_text(encoding="utf-8-sig", errors="replace"), "")
    lang = source.front.get("lang") if source is not None else None
    return lang if isinstance(lang, str) and LANG_SUFFIX_RE.fullmatch(lang) else None


def order_languages(counts: Counter[str]) -> tuple[str, ...]:
    """zh first when present, then en, then the others by count (then by code)."""
    first = [lang for lang in DEFAULT_LANGUAGES if counts[lang]]
    rest = sorted((lang for lang in counts if lang not in DEFAULT_LANGUAGES and counts[lang]),
                  key=lambda lang: (-counts[lang], lang))
    return tuple(first + rest)


def languages_used(content_dir: Path, at_root: bool = False) -> tuple[str, ...]:
    return languages_named(content_dir, at_root)[0]


def languages_named(content_dir: Path, at_root: bool = False) -> tuple[tuple[str, ...], bool]:
    """The site's languages, and whether any file names one (else the built-in pair stands in)."""
    if not content_dir.is_dir():
        return DEFAULT_LANGUAGES, False
    notes, _, _, _ = discover(content_dir, at_root)
    named = [(path, note_language(path)) for path in notes]
    if not any(lang for _, lang in named):
        # a folder pointed at as it is (an export, a vault): the languages its notes are written in
        return (_written_in(notes), True) if at_root else (DEFAULT_LANGUAGES, False)
    # a note that names no language is in the default one (a topic's _index.md is not a note)
    counts = Counter(lang or DEFAULT_LANGUAGES[0] for path, lang in named if lang or not path.name.startswith("_"))
    return order_languages(counts), True


def _written_in(notes: list[Path]) -> tuple[str, ...]:
    """zh and/or en by the notes' text (load/langdetect.py); the built-in pair when none tells."""
    counts: Counter[str] = Counter()
    for path in notes:
        try:
            with path.open("rb") as handle:
                text = handle.read(_SAMPLE).decode("utf-8", errors="replace")
        except OSError:
            continue
        lang = detect(text, DEFAULT_LANGUAGES)
        if lang:
            counts[lang] += 1
    return order_languages(counts) or DEFAULT_LANGUAGES
