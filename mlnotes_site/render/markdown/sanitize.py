"""Raw HTML without scripts, for sites with `markdown.unsafe_html: false`: the fragment is parsed
and written out again, dropping script-like elements, event handlers and script URLs."""
from __future__ import annotations

import re
from html import escape
from html.parser import HTMLParser

DROP_WITH_CONTENT = {"script", "noscript", "template"}
DROP_TAG = {"iframe", "frame", "frameset", "object", "embed", "applet", "base", "meta", "link", "form"}
URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "background", "srcset",
             "cite", "longdesc", "usemap", "lowsrc", "dynsrc"}
_SCRIPT_URL = re.compile(r"^(javascript|vbscript|livescript|data:text/html|data:image/svg)", re.IGNORECASE)
_INVISIBLE = re.compile(r"[\x00-\x20\x7f-\x9f]+")


def _unsafe_url(value: str) -> bool:
    from html import unescape
    return bool(_SCRIPT_URL.match(_INVISIBLE.sub("", unescape(value)).lower()))


class _Cleaner(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.out: list[str] = []
        self.skip = 0

    def _tag(self, tag: str, attrs: list[tuple[str, str | None]], close: str) -> None:
        if self.skip or tag in DROP_TAG:
            return
        kept = []
        for name, value in attrs:
            name = name.lower()
            if name.startswith("on") or not re.fullmatch(r"[a-z_:][-a-z0-9_:.]*", name):
                continue
            if value is not None and name in URL_ATTRS and _unsafe_url(value):
                continue
            if name == "style" and value and re.search(r"expression\s*\(|javascript:|url\s*\(", value, re.I):
                continue
            kept.append(f' {name}="{escape(value)}"' if value is not None else f" {name}")
        self.out.append(f"<{tag}{''.join(kept)}{close}>")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in DROP_WITH_CONTENT:
            self.skip += 1
            return
        self._tag(tag, attrs, "")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in DROP_WITH_CONTENT:
            self._tag(tag, attrs, " /")

    def handle_endtag(self, tag: str) -> None:
        if tag in DROP_WITH_CONTENT:
            self.skip = max(0, self.skip - 1)
        elif not self.skip and tag not in DROP_TAG:
            self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.out.append(escape(data, quote=False))

    def handle_entityref(self, name: str) -> None:
        if not self.skip:
            self.out.append(f"&{name};")

    def handle_charref(self, name: str) -> None:
        if not self.skip:
            self.out.append(f"&#{name};")

    def handle_comment(self, data: str) -> None:
        if not self.skip and "--" not in data:
            self.out.append(f"<!--{data}-->")

    def unknown_decl(self, data: str) -> None:  # CDATA and the like: dropped
        pass


def clean_html(fragment: str) -> str:
    cleaner = _Cleaner()
    cleaner.feed(fragment)
    cleaner.close()
    return "".join(cleaner.out)
