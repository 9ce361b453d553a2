"""An Obsidian vault (a `.obsidian/` folder beside the notes), read as it is: inline `#tags` in the
text are the note's tags (`#ml/diffusion` nested), and a block id `^abc123` at the end of a paragraph
is hidden and becomes the paragraph's anchor, so `[[note#^abc123]]` lands on it.

One pass over the lines: fenced code, inline code, math and URLs are left alone; a heading's `#`
marker is no tag, nor is `#123` (digits only, an issue number).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from mlnotes_site.problems import Problem, note
from mlnotes_site.load.fences import Fences

_HEADING_RE = re.compile(r"^[ \t]{0,3}#{1,6}(?=[ \t]|$)")
# what a tag never stands in: code spans, math, URLs, link targets (each without nested repetition)
_SKIP_RE = re.compile(r"`[^`\n]*`|\$\$[^$\n]*\$\$|\$[^$\n]*\$|<[^>\n]*>|\]\([^)\n]*\)|[a-zA-Z][\w+.-]*://\S*")
_TAG_RE = re.compile(r"(?<![^\s(,;，。、（])#([\w/-]+)")
_BLOCK_ID_RE = re.compile(r"[ \t]\^([A-Za-z0-9-]+)[ \t]*$")
_ALONE_ID_RE = re.compile(r"^[ \t]*\^([A-Za-z0-9-]+)[ \t]*$")


@dataclass
class Adapted:
    body: str
    tags: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def block_anchor(block_id: str) -> str:
    """The HTML id of a block id, as `[[note#^abc123]]` links to it."""
    return "^" + block_id


def adapt(body: str, body_line: int, site_path: str) -> Adapted:
    result = Adapted(body)
    lines = body.split("\n")
    fences = Fences()
    for i, line in enumerate(lines):
        if fences.code(line) or ("#" not in line and "^" not in line):
            continue
        where = body_line + i + 1
        heading = _HEADING_RE.match(line)
        prose = _SKIP_RE.sub(" ", line[heading.end():] if heading else line)
        for tag in _TAG_RE.finditer(prose):
            name = tag.group(1).strip("/-")
            if name and not name.replace("/", "").isdigit() and name not in result.tags:
                result.tags.append(name)
        block = _ALONE_ID_RE.match(line) or _BLOCK_ID_RE.search(line)
        if block:
            # an empty span carries the id: the paragraph (or, on a line of its own, the block above)
            # keeps its text; Obsidian hides the marker too
            anchor = f'<span id="{block_anchor(block.group(1))}"></span>'
            lines[i] = anchor if block.start() == 0 and _ALONE_ID_RE.match(line) else line[:block.start()] + " " + anchor
            result.problems.append(note("import/obsidian-block-id", f"block id ^{block.group(1)} made an anchor",
                                        site_path, where, block.start() + 1))
    if result.tags:
        result.problems.append(note("import/obsidian-tags", f"inline tags read: {', '.join('#' + t for t in result.tags)}",
                                    site_path, body_line + 1, 1))
    result.body = "\n".join(lines)
    return result
