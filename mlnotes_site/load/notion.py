"""Notion's "Markdown & CSV" export, read as it is.

Notion names every page and folder "Title <32 hex id>" (`DDIM 加速采样 1a2b…f809.md`), writes the
page's properties as "Key: value" lines under its `# Title`, callouts as `<aside>💡 …</aside>` and
empty new pages as "Untitled". Applied only to files whose name carries such an id, so an ordinary
note never changes meaning. Every adaptation is a `note` problem at file:line.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Protocol, TypeVar
from datetime import datetime

from mlnotes_site.load.frontmatter import SourceText
from mlnotes_site.load.fences import Fences
from mlnotes_site.problems import Problem, note

_ID_RE = re.compile(r"^(.*\S) ([0-9a-f]{32})$")
_H1_RE = re.compile(r"^#[ \t]+\S")
_PROPERTY_RE = re.compile(r"^([^\s:#>*\-\[!<|`][^:]{0,40}?):[ \t]+(\S.*)$")
_ASIDE_OPEN_RE = re.compile(r"^[ \t]{0,3}<aside>(.*)$", re.IGNORECASE)
_ASIDE_CLOSE_RE = re.compile(r"^(.*)</aside>[ \t]*$", re.IGNORECASE)
_EMOJI_RE = re.compile("^[\U0001F300-\U0001FAFF\u2600-\u27BF\u2B50\u2B55\u203C\u2049\u2139\u231A-\u23FF]")

# Property names of Notion's English and Chinese interface -> our front matter keys
DATE_KEYS = {"created", "created time", "date", "创建时间", "日期", "创建日期"}
UPDATED_KEYS = {"last edited time", "last edited", "updated", "上次编辑时间", "最后编辑时间", "更新时间"}
TAG_KEYS = {"tags", "multi-select", "标签", "多选"}

_MONTHS = {name: i + 1 for i, name in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december"])}
_EN_DATE_RE = re.compile(r"^([A-Za-z]+)\.? (\d{1,2}), (\d{4})(?: (\d{1,2}):(\d{2}) ?([AaPp][Mm])?)?$")
_ZH_DATE_RE = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日(?: *(上午|下午)? *(\d{1,2}):(\d{2}))?$")
_NUM_DATE_RE = re.compile(r"^(\d{4})[/-](\d{1,2})[/-](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")


def split_id(name: str) -> tuple[str, str | None]:
    """("DDIM 加速采样", "1a2b…f809") for a Notion file or folder name (without `.md`), else (name, None)."""
    match = _ID_RE.match(name)
    if not match or not match.group(1).strip():
        return name, None
    return match.group(1).strip(), match.group(2)


def clean_name(name: str) -> str:
    """A file or folder name without Notion's id."""
    return split_id(name)[0]


def clean_path(path: str) -> str:
    """Each segment of a folder path without Notion's id: "机器学习 0a1b…/DDIM 1a2b…" -> "机器学习/DDIM"."""
    return "/".join(clean_name(part) for part in path.split("/")) if path else path


def parse_notion_date(text: str) -> str | None:
    """An ISO datetime (naive: the site's timezone applies) for the dates Notion writes, else None."""
    text = text.strip()
    match = _EN_DATE_RE.match(text)
    if match:
        month = _MONTHS.get(match.group(1).lower()) or next(
            (n for name, n in _MONTHS.items() if name.startswith(match.group(1).lower()) and len(match.group(1)) >= 3),
            None)
        if month is None:
            return None
        hour, minute = int(match.group(4) or 0), int(match.group(5) or 0)
        if match.group(6):
            hour = hour % 12 + (12 if match.group(6).lower() == "pm" else 0)
        return _iso(int(match.group(3)), month, int(match.group(2)), hour, minute)
    match = _ZH_DATE_RE.match(text)
    if match:
        hour, minute = int(match.group(5) or 0), int(match.group(6) or 0)
        if match.group(4) == "下午" and hour < 12:
            hour += 12
        elif match.group(4) == "上午" and hour == 12:
            hour = 0
        return _iso(int(match.group(1)), int(match.group(2)), int(match.group(3)), hour, minute)
    match = _NUM_DATE_RE.match(text)
    if match:
        return _iso(*(int(g or 0) for g in match.groups()[:5]))
    try:
        return datetime.fromisoformat(text).isoformat()
    except ValueError:
        return None


def _iso(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> str | None:
    try:
        return datetime(year, month, day, hour, minute).isoformat()
    except ValueError:
        return None


@dataclass(frozen=True)
class Adapted:
    source: SourceText
    problems: list[Problem]


def adapt(source: SourceText, site_path: str) -> Adapted:
    """The page with its property block as front matter and its `<aside>` callouts as blockquotes;
    the body keeps its line count, so later problems point at the right line of the file."""
    problems: list[Problem] = []
    lines = source.body.split("\n")
    front = dict(source.front)
    key_lines = dict(source.key_lines)
    _properties(lines, source.body_line, front, key_lines, site_path, problems)
    _asides(lines, source.body_line, site_path, problems)
    body = "\n".join(lines)
    return Adapted(replace(source, front=front, key_lines=key_lines, body=body), problems)


def _properties(lines: list[str], offset: int, front: dict[str, object], key_lines: dict[str, int],
                site_path: str, problems: list[Problem]) -> None:
    """The "Key: value" lines right after the `# Title` line (one blank line between allowed), up to
    a blank or other line, moved into the front matter (their lines blanked)."""
    title_at = next((i for i, line in enumerate(lines) if line.strip()), None)
    if title_at is None or not _H1_RE.match(lines[title_at]):
        return
    at = title_at + 1
    if at < len(lines) and not lines[at].strip():
        at += 1
    params: dict[str, str] = {}
    taken: list[str] = []
    while at < len(lines):
        match = _PROPERTY_RE.match(lines[at])
        if not match:
            break
        key, value = match.group(1).strip(), match.group(2).strip()
        folded = key.casefold()
        target = ("date" if folded in DATE_KEYS else "updated" if folded in UPDATED_KEYS
                  else "tags" if folded in TAG_KEYS else None)
        if target in ("date", "updated") and target not in front:
            parsed = parse_notion_date(value)
            if parsed is None:
                problems.append(note("import/notion-date", f"Notion property '{key}: {value}' is not a date "
                                     "this reader knows; kept as a parameter", site_path, offset + at + 1, 1,
                                     hint=f"write it as {key}: March 1, 2024 or 2024-03-01"))
                params[key] = value
            else:
                front[target] = parsed
                key_lines[target] = offset + at
        elif target == "tags" and "tags" not in front:
            front["tags"] = [t.strip() for t in re.split(r"[,，]", value) if t.strip()]
            key_lines["tags"] = offset + at
        else:
            params[key] = value
        taken.append(key)
        lines[at] = ""
        at += 1
    if not taken:
        return
    for key, value in params.items():
        front.setdefault(key, value)  # other properties (Status, …): available to templates as params
    problems.append(note("import/notion-properties", f"Notion page properties read as front matter: "
                         f"{', '.join(taken)}", site_path, offset + title_at + 2, 1))


def _asides(lines: list[str], offset: int, site_path: str, problems: list[Problem]) -> None:
    """`<aside>` … `</aside>` (outside fenced code) as a blockquote, which the callout rule shows as a
    callout of the emoji's kind; an aside without an emoji becomes a note callout. One pass."""
    fences = Fences()
    inside = False
    first_content = True
    for i, line in enumerate(lines):
        if not inside:
            if fences.code(line):
                continue
            opened = _ASIDE_OPEN_RE.match(line)
            if not opened:
                continue
            inside, first_content = True, True
            problems.append(note("import/notion-callout", "Notion callout (<aside>) shown as a callout",
                                 site_path, offset + i + 1, 1))
            line = opened.group(1)
            lines[i] = ""
        closed = _ASIDE_CLOSE_RE.match(line)
        text = closed.group(1) if closed else line
        if text.strip():
            text = text.strip() if first_content else text
            if first_content and not _EMOJI_RE.match(text):
                text = "📝 " + text  # no emoji: a note callout (the callout rule reads the emoji's kind)
            first_content = False
            lines[i] = "> " + text
        else:  # a blank line inside keeps the quote going; before the first text nothing is open yet
            lines[i] = "" if first_content or closed else ">"
        if closed:
            inside = False


_HEADING_RE = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t#]*$")
_MARKUP_RE = re.compile(r"[*_`~\[\]<>$\\|]|\]\([^)]*\)")


def title_from_body(body: str, limit: int = 30) -> str:
    """An "Untitled" page's title: its first heading, else its first words (about `limit` characters,
    cut at a word or between CJK characters)."""
    for line in body.split("\n"):
        text = line.strip()
        if not text or text.startswith(("---", "```", "~~~", "<")):
            continue
        heading = _HEADING_RE.match(text)
        if heading:
            return heading.group(1).strip()
        text = " ".join(_MARKUP_RE.sub("", text.lstrip(">-*+ 0123456789.")).split())
        if not text:
            continue
        if len(text) <= limit:
            return text
        cut = text[:limit]
        space = cut.rfind(" ")
        if space > limit // 2 and not ("\u4e00" <= text[limit] <= "\u9fff"):
            cut = cut[:space]
        return cut.rstrip(" ,.;:，。；：") + "…"
    return "Untitled"


class _HasSlug(Protocol):
    @property
    def path(self) -> str: ...
    @property
    def content_path(self) -> str: ...
    @property
    def topic(self) -> str: ...
    @property
    def slug(self) -> str: ...
    @property
    def lang(self) -> str: ...


_N = TypeVar("_N", bound=_HasSlug)


def separate_slugs(notes: list[_N]) -> tuple[list[_N], list[Problem]]:
    """Notion pages whose names differ only by their id ("Untitled 11…", "Untitled 99…") would share
    a URL once the id is dropped: the first by id keeps it, each later one gets "-" and 4 hex of its id."""
    taken: dict[tuple[str, str, str], list[int]] = {}
    for at, item in enumerate(notes):
        taken.setdefault((item.topic, item.slug, item.lang), []).append(at)
    result = list(notes)
    problems: list[Problem] = []
    for indices in taken.values():
        ids = {at: split_id(notes[at].content_path.rsplit("/", 1)[-1].rsplit(".", 1)[0])[1] for at in indices}
        if len(indices) < 2 or any(i is None for i in ids.values()):
            continue  # not only Notion pages: a duplicate URL the index reports as such
        first, *later = sorted(indices, key=lambda at: ids[at] or "")
        for at in later:
            slug = f"{notes[at].slug}-{(ids[at] or '')[:4]}"
            result[at] = replace(notes[at], slug=slug)  # type: ignore[type-var]
            problems.append(note("import/notion-same-name", f"another Notion page here is also named "
                                 f"'{notes[at].slug}' ({notes[first].path}): this one is at '{slug}'",
                                 notes[at].path, 1, 1, hint="rename one of the pages in Notion, or add 'slug:'"))
    return result, problems
