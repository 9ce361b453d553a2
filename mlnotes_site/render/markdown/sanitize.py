"""Raw HTML without scripts, for sites with `markdown.unsafe_html: false`: each piece of raw HTML an
author wrote goes through nh3 (the binding of the Rust `ammonia` sanitizer, which parses as browsers
do: html5ever) with an allow-list. Our own markup (formulas, code, callouts ...) never goes through it.

Raw HTML comes in pieces: `<details><summary>Proof</summary>` in one block, Markdown, then `</details>`
in another. A sanitizer closes what a piece leaves open and drops end tags it did not see open, so the
closers it adds at the end are taken off again, and a piece made only of end tags keeps those of
allowed elements: both only remove or keep end tags, which cannot carry a script.
"""
from __future__ import annotations

import re
import secrets
from collections import Counter

import nh3

TAGS = set(nh3.ALLOWED_TAGS) | {"audio", "video", "source", "track", "figure", "figcaption", "picture"}
_COMMON = {"class", "id", "title", "lang", "dir", "style"}
ATTRIBUTES: dict[str, set[str]] = {
    "*": _COMMON,
    "a": {"href", "hreflang", "name", "target"},
    "img": {"src", "alt", "width", "height", "loading", "srcset", "sizes"},
    "source": {"src", "srcset", "type", "media", "sizes"},
    "track": {"src", "kind", "srclang", "label", "default"},
    "video": {"src", "controls", "width", "height", "poster", "loop", "muted", "autoplay", "playsinline", "preload"},
    "audio": {"src", "controls", "loop", "muted", "preload"},
    "details": {"open"},
    "ol": {"start", "type", "reversed"},
    "li": {"value"},
    "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "align", "scope"},
    "col": {"span"}, "colgroup": {"span"},
    "time": {"datetime"}, "data": {"value"},
    "abbr": {"title"}, "q": {"cite"}, "blockquote": {"cite"}, "del": {"cite", "datetime"}, "ins": {"cite", "datetime"},
}
URL_SCHEMES = {"http", "https", "mailto"}  # and relative URLs; javascript:, data:, vbscript: ... are dropped
# CSS a note may set inline (colour, alignment, sizes); anything else, url() included, is dropped
STYLE_PROPERTIES = {"color", "background-color", "text-align", "vertical-align", "width", "height", "max-width",
                    "min-width", "max-height", "font-weight", "font-style", "font-size", "font-family",
                    "text-decoration", "border", "border-collapse", "margin", "margin-left", "margin-right",
                    "padding", "display", "float", "white-space", "list-style-type"}

_END_TAG_RE = re.compile(r"</([A-Za-z][A-Za-z0-9-]*)\s*>")
_END_TAGS_ONLY_RE = re.compile(r"\s*(?:</[A-Za-z][A-Za-z0-9-]*\s*>\s*)+")
_START_TAG_RE = re.compile(r"<([A-Za-z][A-Za-z0-9-]*)(?=[\s/>])")
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


def _nh3(fragment: str) -> str:
    # Relative URLs are placeholders "\x00N\x00" by now (render/markdown/links.py), and a parser turns
    # NUL into U+FFFD: they cross as a marker no author can guess (a fresh nonce per call).
    marker = f"mlnotes{secrets.token_hex(8)}z"
    cleaned = nh3.clean(fragment.replace("\x00", marker), tags=TAGS, attributes=ATTRIBUTES, url_schemes=URL_SCHEMES,
                     filter_style_properties=STYLE_PROPERTIES, strip_comments=False, link_rel=None)
    return cleaned.replace(marker, "\x00")


def clean_html(fragment: str) -> str:
    if _END_TAGS_ONLY_RE.fullmatch(fragment):
        ends = "".join(f"</{name.lower()}>" for name in _END_TAG_RE.findall(fragment) if name.lower() in TAGS)
        return ends + ("\n" if fragment.endswith("\n") else "")
    cleaned = _nh3(fragment)
    # Elements the piece opens and does not close (counted on the source: a miscount only leaves an
    # end tag in or out, never lets anything else through), whose closers the sanitizer appended.
    opened = Counter(name.lower() for name in _START_TAG_RE.findall(fragment) if name.lower() not in _VOID)
    opened.subtract(name.lower() for name in _END_TAG_RE.findall(fragment))
    stripped = cleaned.rstrip("\n")
    while True:
        last = re.search(r"</([a-z][a-z0-9-]*)>\Z", stripped)
        if last is None or opened[last.group(1)] <= 0:
            break
        opened[last.group(1)] -= 1
        stripped = stripped[:last.start()]
    return stripped + cleaned[len(cleaned.rstrip("\n")):] if stripped != cleaned.rstrip("\n") else cleaned
