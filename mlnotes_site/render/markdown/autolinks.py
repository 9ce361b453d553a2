"""Bare URLs become links the way GitHub does it (`https://…`, `www.…`, e-mail addresses), not
every word with a dot: `train.py` and `README.md` stay text, though `.py` and `.md` are country
domains. A URL ends before full-width punctuation, so `https://a.b/c，见下文` links just the URL."""
from __future__ import annotations

import re
from typing import Any

from markdown_it import MarkdownIt

# Full-width and CJK punctuation that never belongs to a URL written in Chinese prose.
_CJK_STOP = re.compile(r"[，。；：！？、（）【】「」『』《》〈〉“”‘’…—\u3000]")


class _GitHubLinkify:
    """A linkify-it wrapper: a cheap pretest first (most text has no URL), fuzzy host names only
    after `www.`, and URLs cut at CJK punctuation."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def pretest(self, text: str) -> bool:
        return ("://" in text or "www." in text or "@" in text) and bool(self.inner.pretest(text))

    def test(self, text: str) -> bool:
        return bool(self.match(text))

    def match(self, text: str) -> list[Any] | None:
        found = [kept for link in self.inner.match(text) or [] if (kept := _kept(link)) is not None]
        return found or None

    def match_at_start(self, text: str) -> Any:
        """Used by the inline rule for `scheme://` URLs."""
        link = self.inner.match_at_start(text)
        return _kept(link) if link is not None else None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def _kept(link: Any) -> Any:
    """The link as we keep it (cut at CJK punctuation), or None for a bare host name."""
    if not link.schema and not link.raw.lower().startswith("www.") and "@" not in link.raw:
        return None  # a bare host name such as train.py
    stop = _CJK_STOP.search(link.raw)
    if stop:
        if stop.start() == 0:
            return None
        cut = len(link.raw) - stop.start()
        link.raw, link.text = link.raw[:stop.start()], link.text[:len(link.text) - cut]
        link.url = link.url[:len(link.url) - cut]
        link.last_index -= cut
    return link


def autolinks_plugin(md: MarkdownIt) -> None:
    md.linkify = _GitHubLinkify(md.linkify)  # type: ignore[assignment]
