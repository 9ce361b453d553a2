"""Bare URLs become links the way GitHub does it (`https://…`, `www.…`, e-mail addresses), not
every word with a dot: `train.py` and `README.md` stay text, though `.py` and `.md` are country
domains. A URL ends before full-width punctuation, so `https://a.b/c，见下文` links just the URL.

markdown-it's rule for `scheme://` URLs is replaced by the same rule made linear (a paragraph of
`a:// ` took 50 s per 100 KB): it looked for the scheme by searching all the text pending since the
last token, and handed linkify-it the rest of the paragraph from every `://`. Here the scheme is read
backwards from the end of the pending text (the same match, see `scheme_before`), and linkify-it gets
the text up to the next white space (no URL holds one), at most `LONGEST_URL` characters: a bare URL
longer than that is linked up to there."""
from __future__ import annotations

import re
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline
from markdown_it.rules_inline.linkify import SCHEME_RE

from mlnotes_site.render.markdown import scan

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


LONGEST_URL = 2048  # characters after the `://` handed to linkify-it (a longer bare URL is linked up to there)
_SCHEME_CHAR = re.compile(r"[a-z0-9.+-]", re.IGNORECASE)  # SCHEME_RE's characters, with its flags
_SPACE = re.compile(r"\s")


def scheme_before(pending: str) -> str | None:
    """`SCHEME_RE.search(pending).group(1)`, the scheme the pending text ends with, without searching
    all of it: a match can only be the whole run of scheme characters at the end (what precedes the
    scheme is not one of them), so the search starts just before that run. (Its `$` also matches
    before a final line break.)"""
    start = len(pending) - pending.endswith("\n")
    while start and _SCHEME_CHAR.match(pending, start - 1):
        start -= 1
    found = SCHEME_RE.search(pending, max(0, start - 1))
    return found.group(1) if found else None


def _linkify(state: StateInline, silent: bool) -> bool:
    """markdown-it's `linkify` rule, step for step, with the two searches above made linear."""
    if not state.md.options.linkify or state.linkLevel > 0:
        return False
    if not state.md.linkify:
        raise ModuleNotFoundError("Linkify enabled but not installed.")
    src, pos, maximum = state.src, state.pos, state.posMax
    if pos + 3 > maximum or not src.startswith("://", pos):
        return False
    proto = scheme_before(state.pending)
    # the scheme must be the text just before "://": it is, except when a link label's search asks this
    # rule (skipToken), where the pending text is the paragraph's before the "[" (markdown-it reads it
    # all the same, and `x.com[//x.g://](` makes it step back and fail with a RuntimeError)
    if proto is None or not src.endswith(proto, 0, pos):
        return False
    limit = min(len(src), pos + 3 + LONGEST_URL)
    space = scan.search(src, _SPACE, pos, limit)
    link = state.md.linkify.match_at_start(src[pos - len(proto):space + 1 if space >= 0 else limit])
    if not link:
        return False
    url: str = link.url.rstrip("*")  # disallow '*' at the end of the link (conflicts with emphasis)
    if len(url) <= len(proto):
        return False  # the rule must move on
    full_url = state.md.normalizeLink(url)
    if not state.md.validateLink(full_url):
        return False
    if not silent:
        state.pending = state.pending[:-len(proto)]
        token = state.push("link_open", "a", 1)
        token.attrs = {"href": full_url}
        token.markup, token.info = "linkify", "auto"
        token = state.push("text", "", 0)
        token.content = state.md.normalizeLinkText(url)
        token = state.push("link_close", "a", -1)
        token.markup, token.info = "linkify", "auto"
    state.pos += len(url) - len(proto)
    return True


def autolinks_plugin(md: MarkdownIt) -> None:
    md.linkify = _GitHubLinkify(md.linkify)  # type: ignore[assignment]
    md.inline.ruler.at("linkify", _linkify)
