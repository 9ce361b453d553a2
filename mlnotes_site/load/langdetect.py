"""The language of a note whose file name and front matter name none, in a site with Chinese and
another language: Chinese when Han characters make at least 30% of the text's Han characters plus
Latin words (code, math and link targets left out), else the site's first other language. A
bilingual note mostly in Chinese with English terms stays Chinese; `lang:` always wins."""
from __future__ import annotations

import re
from collections.abc import Sequence
from mlnotes_site.load.fences import Fences

ZH_SHARE = 0.3
_HAN_RE = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_WORD_RE = re.compile(r"[A-Za-z]{2,}")
# inline code, math, a link's target, a URL, an HTML tag: each one pass of a regex without nesting
_NOT_PROSE_RE = re.compile(r"`[^`\n]*`|\$\$[^$]*\$\$|\$[^$\n]*\$|\]\([^)\n]*\)|https?://\S+|<[^>\n]*>")


def prose(text: str) -> str:
    """The text without fenced code, inline code, math, link targets, URLs and tags."""
    kept: list[str] = []
    fences = Fences()
    for line in text.split("\n"):
        if not fences.code(line):
            kept.append(line)
    return _NOT_PROSE_RE.sub(" ", "\n".join(kept))


def detect(text: str, languages: Sequence[str]) -> str | None:
    """"zh" or the first other site language, or None when the site has no such pair or the text
    has neither Han characters nor Latin words."""
    if "zh" not in languages or len(languages) < 2:
        return None
    body = prose(text)
    han = len(_HAN_RE.findall(body))
    words = len(_WORD_RE.findall(body))
    if han + words == 0:
        return None
    if han >= ZH_SHARE * (han + words):
        return "zh"
    return next(lang for lang in languages if lang != "zh")
