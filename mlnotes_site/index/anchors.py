"""Every `#fragment` of an internal link checked against the ids its target page really has:
headings (Chinese ones, duplicates with their suffixes, explicit ids), numbered equations,
footnotes. A miss is `link/anchor`, with the nearest existing id as the hint."""
from __future__ import annotations

import difflib
from urllib.parse import unquote

from mlnotes_site.index.site import Site
from mlnotes_site.load.content import Note
from mlnotes_site.problems import Problem, error, warning

# ids the theme or the browser gives meaning to without a heading of that name
_ALWAYS = {"", "top", "main", "content"}


def check_anchors(site: Site, strict: bool) -> list[Problem]:
    problems: list[Problem] = []
    make = error if strict else warning
    for note in site.notes:
        info = site.infos[note.path]
        for fragment, line, raw in info.fragments:
            if fragment not in info.anchors and fragment not in _ALWAYS:
                problems.append(_missing(make, note, raw, fragment, line, note, info.anchors))
        for link in info.links:
            if not link.fragment or link.kind not in ("link", "wiki", "root"):
                continue
            target = site.linked_note(link, note.lang)
            if target is None:
                continue
            if link.wiki:
                if link.fragment.startswith("^"):
                    continue  # a block reference: the note itself
                fragment = site.wiki_anchor(link, target)
                if not fragment:
                    continue
            else:
                fragment = link.fragment
            anchors = site.infos[target.path].anchors
            if fragment not in anchors and fragment not in _ALWAYS:
                problems.append(_missing(make, note, link.raw, fragment, link.line, target, anchors))
    return problems


def _missing(make, note: Note, raw: str, fragment: str, line: int, target: Note,  # type: ignore[no-untyped-def]
             anchors: tuple[str, ...]) -> Problem:
    raw = unquote(raw)  # markdown-it percent-encodes hrefs; say it as the author wrote it
    near = difflib.get_close_matches(fragment, anchors, n=1, cutoff=0.4)
    where = "this page" if target is note else f"'{target.title}' ({target.path})"
    hint = (f"did you mean '#{near[0]}'?" if near else
            "link to a heading's id: its text in lower case, spaces as '-', punctuation dropped")
    return make("link/anchor", f"link '{raw}' names '#{fragment}', which is not a heading or label on {where}",
                note.path, line, column_of(note, line, raw), hint=hint)


def column_of(note: Note, line: int, raw: str) -> int:
    """1-based column of `raw` on the note file's `line`, else 1."""
    lines = note.body.split("\n")
    index = line - note.body_line - 1
    if 0 <= index < len(lines):
        at = lines[index].find(raw)
        if at >= 0:
            return at + 1
    return 1
