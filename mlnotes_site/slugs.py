"""Names in URLs and anchors: CJK kept, URL syntax dropped, deterministic."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Han ideographs (CJK unified, extensions, compatibility) plus kana and hangul: one unit each.
CJK_CHAR = r"\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f"
_UNSAFE_URL_CHARS = re.compile(r"[\s?#%/\\:*\"<>|'`^{}\[\]&+=;,!@$()~]+")
_HEADING_DROP = re.compile(r"[^\w\- ]+")


@lru_cache(maxsize=1 << 14)
def url_slug(name: str) -> str:
    """A URL path segment from a file, folder, slug or tag name; keeps CJK, drops URL syntax."""
    text = unicodedata.normalize("NFC", name).strip().lower()
    if not text.isascii():  # bidi overrides (U+202E shows "gnp.exe" as "exe.png"), zero-width and other format characters
        text = "".join(c for c in text if unicodedata.category(c) not in ("Cf", "Cc"))
    text = _UNSAFE_URL_CHARS.sub("-", text)
    text = re.sub(r"-{2,}", "-", text).strip("-.")
    return text


def heading_id(text: str) -> str:
    """Stable anchor id of a heading: lower-case, spaces to '-', punctuation dropped, CJK kept."""
    text = unicodedata.normalize("NFC", text).strip().lower()
    text = _HEADING_DROP.sub("", text)
    text = re.sub(r"\s+", "-", text)
    return text.strip("-") or "section"


def tag_slug(tag: str) -> str:
    """Tags: Unicode kept, lower-cased, spaces become '-'."""
    return url_slug(tag)
