"""Obsidian embeds (`![[note]]`, `![[note#heading]]`, `![[note#^block]]`): what each one shows on
a page, decided once here for the emit stage (which fills them), the page fingerprints (a page holds
what it embeds) and the checks (cycles and depth are reported where they happen).

An embed shows the note, or a section of it, when the name is a note of the site; inside an embedded
note its own embeds are filled too, down to MAX_DEPTH levels. An embed of a note already being shown
on the way down (A embeds B embeds A) or one level too deep stays a link, with a warning.
"""
from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Iterator

from mlnotes_site.load.content import Note
from mlnotes_site.model import LinkRef
from mlnotes_site.problems import Problem, error, note as info_note, warning
from mlnotes_site.index.site import Site
from mlnotes_site.index.anchors import column_of

MAX_DEPTH = 3  # embeds inside embeds, counting the page's own as the first level


@dataclass(frozen=True)
class Embedded:
    """What an embed shows: `note`'s body, or the slice [start, end) of it named by `anchor`."""
    note: Note
    anchor: str  # "" for the whole note
    start: int = 0
    end: int | None = None


@dataclass(frozen=True)
class Refused:
    """Why an embed stays a link: `code` "missing" (no such note: reported as a broken link),
    "anchor" (no such heading or block), "section" (a heading that is not at the top level),
    "cycle" or "depth"."""
    code: str
    target: Note | None = None


def embed_link(site: Site, note: Note, index: int) -> LinkRef:
    return site.infos[note.path].links[index]


def resolve(site: Site, note: Note, index: int, lang: str, chain: tuple[str, ...]) -> Embedded | Refused:
    """What the embed with link index `index` of `note` shows on a page in `lang`, `chain` being the
    notes shown on the way down to it (the page's own first)."""
    link = embed_link(site, note, index)
    target = site.linked_note(link, lang)
    if target is None:
        return Refused("missing")
    if target.path in chain:
        return Refused("cycle", target)
    if len(chain) > MAX_DEPTH:
        return Refused("depth", target)
    anchor = site.wiki_anchor(link, target)
    if not anchor:
        return Embedded(target, "")
    info = site.infos[target.path]
    for ident, start, end in info.sections:
        if ident == anchor:
            return Embedded(target, anchor, start, end)
    return Refused("section" if anchor in info.anchors else "anchor", target)


def walk(site: Site, page: Note, lang: str) -> Iterator[tuple[tuple[Note, ...], int, Embedded | Refused]]:
    """Every embed shown on `page`'s page, depth first in page order: (the notes on the way down to
    it, ending with the one holding it; its link index; what it shows)."""
    def down(path: tuple[Note, ...], embedded: Embedded | None) -> Iterator[tuple[tuple[Note, ...], int, Embedded | Refused]]:
        holder = path[-1]
        info = site.infos[holder.path]
        for index, at in info.embeds:
            if embedded is not None and embedded.anchor and not embedded.start <= at < (embedded.end or 0):
                continue  # only the embeds inside the section shown
            outcome = resolve(site, holder, index, lang, tuple(n.path for n in path))
            yield path, index, outcome
            if isinstance(outcome, Embedded):
                yield from down(path + (outcome.note,), outcome)
    yield from down((page,), None)


def check_embeds(site: Site, strict: bool) -> list[Problem]:
    """Cycles, too deep embeds, missing blocks, headings that cannot be cut out, and embeds inside a
    sentence (shown as links), each reported once where the embed is written."""
    problems: dict[tuple[str, int, str], Problem] = {}
    make = error if strict else warning
    for page in site.notes:
        info = site.infos[page.path]
        blocks = {index for index, _ in info.embeds}
        for index, link in enumerate(info.links):  # an embed among other text: a link, said once
            if link.kind == "wiki" and link.raw.startswith("!") and index not in blocks \
                    and site.linked_note(link, page.lang) is not None:
                problems.setdefault((page.path, link.line, "inline"), info_note(
                    "link/embed-inline", f"'{link.raw}' stands among other text, so it is shown as a link",
                    page.path, link.line, _column(page, link), hint="put the embed on a line of its own to show the note here"))
        if not info.embeds:
            continue
        for path, index, outcome in walk(site, page, page.lang):
            if not isinstance(outcome, Refused) or outcome.code == "missing" or outcome.target is None:
                continue
            holder, link = path[-1], embed_link(site, path[-1], index)
            where = (holder.path, link.line, outcome.code)
            if where in problems:
                continue
            target = outcome.target
            shown = " → ".join(n.title for n in path + (target,))
            if outcome.code == "cycle":
                problem = make("link/embed-cycle", f"'{link.raw}' embeds '{target.title}', which is already shown "
                               f"around it ({shown}); it is shown as a link", holder.path, link.line,
                               _column(holder, link), hint="embed a section of it, or link to it with [[...]]")
            elif outcome.code == "depth":
                problem = make("link/embed-depth", f"'{link.raw}' would be an embed {len(path)} levels deep on the page "
                               f"of '{page.title}' ({shown}); over {MAX_DEPTH} levels it is shown as a link",
                               holder.path, link.line, _column(holder, link), hint="embed fewer levels deep")
            elif outcome.code == "anchor":
                if not link.fragment.startswith("^"):
                    continue  # a heading: reported as a broken anchor (index/anchors.py)
                problem = make("link/anchor", f"'{link.raw}' names block '{link.fragment}', which '{target.title}' "
                               f"({target.path}) does not have; it is shown as a link", holder.path, link.line,
                               _column(holder, link), hint="end the paragraph with the block id, e.g. ' ^abc123'")
            else:
                problem = make("link/embed-section", f"'{link.raw}' names a heading inside a block of '{target.title}' "
                               "(a callout, a list, a quote), which cannot be cut out; it is shown as a link",
                               holder.path, link.line, _column(holder, link),
                               hint="embed the note, or a top-level heading")
            problems[where] = problem
    return [problems[k] for k in sorted(problems)]


def _column(note: Note, link: LinkRef) -> int:
    return column_of(note, link.line, link.raw)
