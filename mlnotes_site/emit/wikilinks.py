"""Wikilinks that resolve to nothing: shown as their text, marked, never as a link to a page that
does not exist (the site index knows which; render/markdown/wikilinks.py wrote the HTML read here)."""
from __future__ import annotations

import re
from html import escape
from collections.abc import Callable

# How a wikilink and a wikilink image come out of the renderer, their URL still a placeholder
# (links.py): a link's text holds no other link (see _wikilink), so its first "</a>" closes it.
_RENDERED_RE = re.compile('<a href="\x00(\\d+)\x00" class="(wikilink(?: embed)?)">(.*?)</a>|<img src="\x00(\\d+)\x00"[^>]*>',
                          re.S)


def unresolved_as_text(html: str, unresolved: Callable[[int], str | None], title: str) -> str:
    """Each wikilink whose name `unresolved(link index)` says resolves to nothing (returning the name
    as written) becomes its text in a span marked unresolved, with `title` ("{name}" filled in) saying
    so: never a link to a page or an image that does not exist. Other links are left as they are."""
    def text(match: re.Match[str]) -> str:
        index = match.group(1) or match.group(4)
        name = unresolved(int(index))
        if name is None:
            return match.group(0)
        kind = match.group(2) or "wikilink embed"
        shown = match.group(3) if match.group(1) else escape(name, quote=False)
        return f'<span class="{kind} unresolved" title="{escape(title.format(name=name))}">{shown}</span>'

    return _RENDERED_RE.sub(text, html)
