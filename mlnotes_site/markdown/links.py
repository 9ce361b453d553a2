"""Relative links and images: resolved against the note's folder and recorded, the href replaced
by a placeholder that the emit stage fills in once every note's URL is known."""
from __future__ import annotations

import posixpath
import re
from urllib.parse import unquote

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore

_SCHEME_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.\-]*:")
PLACEHOLDER = "\x00{}\x00"
# Links are "\x00N\x00"; formulas (markdown/math.py) are "\x00mN\x00": one pass fills both.
PLACEHOLDER_RE = re.compile("\x00(m?)(\\d+)\x00")


def is_relative(href: str) -> bool:
    return bool(href) and not _SCHEME_RE.match(href) and not href.startswith(("/", "#", "?"))


def _links(state: StateCore) -> None:
    folder: str = state.env.get("folder", "")
    links: list[dict[str, object]] = state.env.setdefault("links", [])
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        line = block.map[0] if block.map else 0
        for child in block.children:
            if child.type == "softbreak":
                line += 1
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
            if not is_relative(href) or child.info == "auto":
                continue
            path, _, fragment = unquote(href).partition("#")
            path = path.split("?", 1)[0]
            target = posixpath.normpath(posixpath.join(folder, path)) if path else ""
            links.append({"target": target, "fragment": fragment, "raw": href, "line": line,
                          "kind": "image" if child.type == "image" else "link", "is_dir": href.endswith("/")})
            child.attrSet(attr, PLACEHOLDER.format(len(links) - 1))


def links_plugin(md: MarkdownIt) -> None:
    md.core.ruler.push("relative_links", _links)
