"""Relative links and images: resolved against the note's folder and recorded, the href replaced
by a placeholder that the emit stage fills in once every note's URL is known."""
from __future__ import annotations

import posixpath
import re
from html import unescape
from urllib.parse import unquote

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore

_SCHEME_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.\-]*:")
PLACEHOLDER = "\x00{}\x00"
# Links are "\x00N\x00"; formulas (markdown/math.py) are "\x00mN\x00": one pass fills both.
PLACEHOLDER_RE = re.compile("\x00(m?)(\\d+)\x00")


def is_relative(href: str) -> bool:
    return bool(href) and not _SCHEME_RE.match(href) and not href.startswith(("/", "#", "?"))


def is_root_relative(href: str) -> bool:
    """Written from the site root for another tool ("/posts/ddim/"): kept, under our base path."""
    return href.startswith("/") and not href.startswith("//")


# Raw HTML (Typora writes <img src="assets/a.png" style="zoom:50%">): relative src/href in its tags
_TAG_RE = re.compile(r"<[A-Za-z][^<>]*>")
_URL_ATTR_RE = re.compile(r"""(\s(?:src|href)\s*=\s*)(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))""", re.IGNORECASE)


def _record(links: list[dict[str, object]], folder: str, href: str, line: int, kind: str) -> str:
    """Record a relative (or root-relative) link; the placeholder that stands for it until its URL is known."""
    path, _, fragment = unquote(href).partition("#")
    path = path.split("?", 1)[0]
    if kind == "root":
        target = posixpath.normpath(path).lstrip("/") + ("/" if path.endswith("/") and path != "/" else "")
    else:
        target = posixpath.normpath(posixpath.join(folder, path)) if path else ""
    links.append({"target": target, "fragment": fragment, "raw": href, "line": line,
                  "kind": kind, "is_dir": href.endswith("/")})
    return PLACEHOLDER.format(len(links) - 1)


def _raw_html(html: str, links: list[dict[str, object]], folder: str, line: int) -> str:
    """The raw HTML with each relative src/href of its tags replaced by a placeholder."""
    def tag(found: re.Match[str]) -> str:
        text = found.group(0)
        if "src" not in text.lower() and "href" not in text.lower():
            return text
        here = line + html.count("\n", 0, found.start())  # the line the tag starts on

        def attr(match: re.Match[str]) -> str:
            quoted = match.group(2) if match.group(2) is not None else match.group(3)
            value = unescape(quoted if quoted is not None else match.group(4))
            if not is_relative(value):
                return match.group(0)
            kind = "image" if match.group(1).strip().lower().startswith("src") else "link"
            at = here + text.count("\n", 0, match.start())
            return f'{match.group(1)}"{_record(links, folder, value, at, kind)}"'

        return _URL_ATTR_RE.sub(attr, text)

    return _TAG_RE.sub(tag, html)


def _links(state: StateCore) -> None:
    folder: str = state.env.get("folder", "")
    links: list[dict[str, object]] = state.env.setdefault("links", [])
    fragments: list[tuple[str, int, str]] = state.env.setdefault("fragments", [])  # (fragment, line, as written)
    for block in state.tokens:
        if block.type == "html_block":
            block.content = _raw_html(block.content, links, folder, block.map[0] if block.map else 0)
            continue
        if block.type != "inline" or not block.children:
            continue
        line = block.map[0] if block.map else 0
        for child in block.children:
            if child.type == "softbreak":
                line += 1
            if child.type == "html_inline":
                child.content = _raw_html(child.content, links, folder, line)
                continue
            attr = "href" if child.type == "link_open" else "src" if child.type == "image" else None
            if attr is None:
                continue
            wiki = child.meta.get("wiki") if child.meta else None
            if wiki is not None:  # a wikilink (wikilinks.py): a name, resolved by the site
                links.append({"target": str(wiki), "fragment": child.meta["fragment"], "raw": child.meta["raw"],
                              "line": line, "kind": "wiki-image" if child.type == "image" else "wiki",
                              "is_dir": False})
                child.attrSet(attr, PLACEHOLDER.format(len(links) - 1))
                continue
            href = str(child.attrGet(attr) or "")
            if child.info == "auto":
                continue
            if href.startswith("#") and len(href) > 1:  # within the page: checked against its anchors
                fragments.append((unquote(href[1:]), line, href))
            elif is_root_relative(href):
                child.attrSet(attr, _record(links, folder, href, line, "root"))
            elif is_relative(href):
                child.attrSet(attr, _record(links, folder, href, line, "image" if child.type == "image" else "link"))


def links_plugin(md: MarkdownIt) -> None:
    md.core.ruler.push("relative_links", _links)
