"""Names in URLs and anchors: CJK kept, URL syntax dropped, deterministic."""
from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache

# Han ideographs (CJK unified, extensions, compatibility) plus kana and hangul: one unit each.
CJK_CHAR = r"\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f"
_UNSAFE_URL_CHARS = re.compile(r"[\s?#%/\\:*\"<>|'`^{}\[\]&+=;,!@$()~]+")
_HEADING_DROP = re.compile(r"[^\w\- ]+")


# A path segment's limit is 255 bytes on common file systems (90 Chinese characters in UTF-8); with a
# margin for other file systems and tools, longer segments are cut to a prefix plus a short hash.
MAX_SEGMENT_BYTES = 200


def shorten_segment(segment: str) -> str:
    """The segment itself, or when too long a prefix of it and 8 hex digits of its hash (deterministic)."""
    data = segment.encode("utf-8")
    if len(data) <= MAX_SEGMENT_BYTES:
        return segment
    digest = hashlib.blake2b(data, digest_size=4).hexdigest()
    prefix = data[:MAX_SEGMENT_BYTES - len(digest) - 1].decode("utf-8", "ignore").rstrip("-.")
    return f"{prefix}-{digest}"


def is_shortened(name: str) -> bool:
    """Whether a name's URL slug had to be shortened (for a warning where the name is written)."""
    return url_slug(name) != _full_slug(name)


@lru_cache(maxsize=1 << 14)
def url_slug(name: str) -> str:
    """A URL path segment from a file, folder, slug or tag name; keeps CJK, drops URL syntax; a very
    long one is shortened (see MAX_SEGMENT_BYTES)."""
    return shorten_segment(_full_slug(name))


def _full_slug(name: str) -> str:
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
