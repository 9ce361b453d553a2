"""Relative links and images: resolved against the note's folder and recorded, the href replaced
by a placeholder that the emit stage fills in once every note's URL is known."""
from __future__ import annotations

import posixpath
import re
from html import unescape
from urllib.parse import unquote

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore

from mlnotes_site.model import LINK, LinkRef, markdown_env, placeholder

_SCHEME_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.\-]*:")


_URL_NOISE = "".join(map(chr, range(0x21)))  # what a browser strips from a URL's ends (C0 controls, space)


def is_relative(href: str) -> bool:
    # read as a browser reads it (character references decoded, tabs and line breaks anywhere dropped,
    # controls and spaces at the ends dropped): "java&#9;script:", " javascript:" have a scheme
    href = unescape(href).replace("\t", "").replace("\n", "").replace("\r", "").strip(_URL_NOISE)
    return bool(href) and not _SCHEME_RE.match(href) and not href.startswith(("/", "#", "?", "\\"))


def is_root_relative(href: str) -> bool:
    """Written from the site root for another tool ("/posts/ddim/"): kept, under our base path."""
    return href.startswith("/") and not href.startswith("//")


# Raw HTML (Typora writes <img src="assets/a.png" style="zoom:50%">): relative src/href in its tags
_TAG_RE = re.compile(r"<[A-Za-z][^<>]*>")
_URL_ATTR_RE = re.compile(r"""(\s(?:src|href)\s*=\s*)(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))""", re.IGNORECASE)


def _record(links: list[LinkRef], folder: str, href: str, line: int, kind: str) -> str:
    """Record a relative (or root-relative) link; the placeholder that stands for it until its URL is known."""
    path, _, fragment = unquote(href).partition("#")
    path = path.split("?", 1)[0]
    if kind == "root":
        target = posixpath.normpath(path).lstrip("/") + ("/" if path.endswith("/") and path != "/" else "")
    else:
        target = posixpath.normpath(posixpath.join(folder, path)) if path else ""
    links.append(LinkRef(target, fragment, href, kind, line, href.endswith("/")))
    return placeholder(LINK, len(links) - 1)


def _raw_html(html: str, links: list[LinkRef], folder: str, line: int) -> str:
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
    found = markdown_env(state.env)
    folder, links = found.folder, found.links
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
                links.append(LinkRef(str(wiki), str(child.meta["fragment"]), str(child.meta["raw"]),
                                     "wiki-image" if child.type == "image" else "wiki", line, False))
                child.attrSet(attr, placeholder(LINK, len(links) - 1))
                continue
            href = str(child.attrGet(attr) or "")
            if child.info == "auto":
                continue
            if href.startswith("#") and len(href) > 1:  # within the page: checked against its anchors
                found.fragments.append((unquote(href[1:]), line, href))
            elif is_root_relative(href):
                child.attrSet(attr, _record(links, folder, href, line, "root"))
            elif is_relative(href):
                child.attrSet(attr, _record(links, folder, href, line, "image" if child.type == "image" else "link"))


def links_plugin(md: MarkdownIt) -> None:
    md.core.ruler.push("relative_links", _links)
