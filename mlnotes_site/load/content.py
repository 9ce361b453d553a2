"""Find notes under content/, split and validate front matter, make Notes, TopicMetas and Problems."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from pathlib import Path, PurePosixPath
from typing import Any, Mapping

from mlnotes_site.config import Config, macro_table
from mlnotes_site.dates import parse_date
from mlnotes_site.load.gitdates import GitDates, git_dates
from mlnotes_site.problems import Problem, error, warning
from mlnotes_site.slugs import tag_slug, url_slug

# Markers other tools replace with a table of contents: Python-Markdown/MkDocs and Typora "[TOC]",
# GitLab "[[_TOC_]]" (lower-cased here).
TOC_MARKERS = ("[toc]", "[[_toc_]]", "[[toc]]")
from mlnotes_site.load.tomlfile import load_toml
from mlnotes_site.load.yamlfile import load_yaml

NOTEBOOK_SUFFIX = ".ipynb"  # Jupyter notebooks are notes too (load/notebook.py)
NOTE_SUFFIXES = (".md", ".markdown", NOTEBOOK_SUFFIX)
_FENCE_RE = re.compile(r"^(---|\+\+\+)[ \t]*$")  # YAML, or TOML as Hugo writes it
DATE_KEYS = ("date", "created")
UPDATED_KEYS = ("updated", "lastmod", "modified")
_END_RE = {"---": re.compile(r"^(---|\.\.\.)[ \t]*$"), "+++": re.compile(r"^\+\+\+[ \t]*$")}
_H1_RE = re.compile(r"^#[ \t]+(.+?)[ \t#]*$")
_BOOL_KEYS = ("draft", "toc")
_CONTROL_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f]")
_YAML_ESCAPES = {0x07: "\\a", 0x08: "\\b", 0x09: "\\t", 0x0a: "\\n", 0x0b: "\\v", 0x0c: "\\f", 0x0d: "\\r",
                 0x1b: "\\e", 0x00: "\\0"}


@dataclass(frozen=True)
class Note:
    path: str  # relative to the site root, for problems: "content/diffusion/ddim.zh.md"
    content_path: str  # relative to content/: "diffusion/ddim.zh.md"
    lang: str
    key: str  # translation key: same key = translations of one note
    topic: str  # the folder, "" at the top of content/
    slug: str
    title: str
    date: datetime
    updated: datetime
    topics: tuple[str, ...]  # the folder's topic first, then `topics:` from front matter
    tags: tuple[str, ...]
    summary: str | None
    draft: bool
    aliases: tuple[str, ...]
    toc: bool
    weight: int
    params: Mapping[str, Any]  # the whole front matter, for templates
    body: str
    body_line: int  # 0-based line of the file where the body starts
    key_lines: Mapping[str, int] = field(default_factory=dict)  # 1-based line of each front matter key
    # A notebook's: which cell each stretch of its generated source came from, and the image files
    # its outputs and attachments became (load/notebook.py); empty for Markdown notes.
    cells: tuple[tuple[int, int, int], ...] = ()
    files: tuple["Asset", ...] = ()

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, 1)


@dataclass(frozen=True)
class TopicMeta:
    topic: str
    lang: str
    path: str
    title: str | None
    description: str  # Markdown
    weight: int
    body_line: int


@dataclass(frozen=True)
class Asset:
    content_path: str
    source: Path


@dataclass
class Content:
    notes: list[Note] = field(default_factory=list)
    topic_metas: list[TopicMeta] = field(default_factory=list)
    assets: list[Asset] = field(default_factory=list)
    folders: set[str] = field(default_factory=set)
    problems: list[Problem] = field(default_factory=list)


@dataclass(frozen=True)
class SourceText:
    text: str
    front: dict[str, Any]
    key_lines: dict[str, int]  # 0-based file line of each front matter key
    body: str
    body_line: int
    has_front_matter: bool


_DEBRIS_SUFFIXES = ("~", ".swp", ".swx", ".swo", ".tmp", ".bak", ".crswap", ".part", ".kate-swp")
_DEBRIS_NAMES = {"4913", "Thumbs.db"}  # 4913: vim's probe file


def is_debris(name: str) -> bool:
    """Hidden files and editor leftovers (swap, backup, lock files): never content, never a rebuild."""
    return name.startswith((".", "#")) or name.endswith(_DEBRIS_SUFFIXES) or name in _DEBRIS_NAMES


def discover(content_dir: Path) -> tuple[list[Path], list[Path], set[str], list[Problem]]:
    """All Markdown files and other files under content/, sorted; symlinked folders are not entered."""
    notes: list[Path] = []
    others: list[Path] = []
    folders: set[str] = set()
    problems: list[Problem] = []
    for dirpath, dirnames, filenames in os.walk(content_dir, followlinks=False):
        here = Path(dirpath)
        kept = []
        for name in sorted(dirnames):
            if is_debris(name) or name in ("node_modules", "__pycache__"):
                continue
            if (here / name).is_symlink():
                problems.append(warning("content/symlink", f"symbolic link to a folder '{name}' is not followed",
                                        _site_rel(content_dir, here / name),
                                        hint="move the folder into content/ or copy it"))
                continue
            kept.append(name)
        dirnames[:] = kept
        rel = here.relative_to(content_dir).as_posix()
        folders.add("" if rel == "." else rel)
        for name in sorted(filenames):
            if is_debris(name):
                continue
            path = here / name
            (notes if name.endswith(NOTE_SUFFIXES) else others).append(path)
    return sorted(notes), sorted(others), folders, problems


def _site_rel(content_dir: Path, path: Path) -> str:
    return (PurePosixPath("content") / path.relative_to(content_dir).as_posix()).as_posix()


def decode(data: bytes) -> str | Problem:
    """UTF-8 text with newlines normalized, or a problem saying where the bad byte is."""
    if b"\x00" in data[:8192]:
        return error("content/binary", "this file is binary, not Markdown text",
                     hint="rename it so it does not end in .md, or remove it")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        return error("content/encoding", f"invalid UTF-8 at byte offset {exc.start} (byte 0x{data[exc.start]:02x})",
                     line=line, column=column, hint="save the file as UTF-8")
    if text.startswith("\ufeff"):
        text = text[1:]
    return text.replace("\r\n", "\n").replace("\r", "\n")


def split_front_matter(text: str, path: str) -> tuple[SourceText | None, list[Problem]]:
    problems: list[Problem] = []
    lines = text.split("\n")
    start = 0
    while start < len(lines) and not lines[start].strip():
        start += 1
    if start >= len(lines) or not _FENCE_RE.match(lines[start]):
        return SourceText(text, {}, {}, text, 0, False), problems
    fence = lines[start].strip()
    if start > 0:
        problems.append(warning("front-matter/leading-blank", "blank lines before the front matter",
                                path, 1, 1, hint=f"start the file with the '{fence}' line"))
    end = next((i for i in range(start + 1, len(lines)) if _END_RE[fence].match(lines[i])), None)
    if end is None:
        problems.append(error("front-matter/unclosed", f"front matter opened with '{fence}' is never closed",
                              path, start + 1, 1, hint=f"add a line '{fence}' after the last front matter key"))
        return None, problems
    front_text = "\n".join(lines[start + 1:end])
    doc = load_yaml(front_text) if fence == "---" else load_toml(front_text)
    offset = start + 1
    code, hint = ("front-matter/yaml", "check indentation, quote values that contain ': ' or start with a special "
                  "character") if fence == "---" else ("front-matter/toml", "write each key as key = value, text in "
                                                       "double quotes")
    for issue in doc.issues:
        is_dup = issue.message.startswith("duplicate key")
        problems.append(error("front-matter/duplicate-key" if is_dup else code, issue.message,
                              path, issue.line + offset + 1, issue.column + 1,
                              hint="keep one of the two" if is_dup else hint))
    if doc.data is None and any(not i.message.startswith("duplicate") for i in doc.issues):
        return None, problems
    data = doc.data if doc.data is not None else {}
    if not isinstance(data, dict):
        problems.append(error("front-matter/not-mapping",
                              f"front matter must be a mapping of keys to values, not a {type(data).__name__}",
                              path, offset + 1, 1, hint="write it as 'key: value' lines, e.g. 'title: DDIM'"))
        return None, problems
    front = {str(k): v for k, v in data.items()}
    key_lines = {k: v + offset for k, v in doc.key_lines.items()}
    body = "\n".join(lines[end + 1:])
    return SourceText(text, front, key_lines, body, end + 1, True), problems


def _lang_from_name(stem: str, config: Config) -> tuple[str, str | None, bool]:
    """(name without language suffix, language or None, suffix looked like a language)."""
    name, dot, suffix = stem.rpartition(".")
    if not dot or not name:
        return stem, None, False
    if suffix in config.languages:
        return name, suffix, True
    if re.fullmatch(r"[a-z]{2}(-[A-Za-z]{2,4})?", suffix):
        return name, None, True
    return stem, None, False


def _strings(value: Any) -> list[str] | None:
    """A list of strings; a lone string is accepted (split on commas) as writers often do."""
    if value is None:
        return []
    if isinstance(value, str):
        return [part.strip() for part in re.split(r"[,，]", value) if part.strip()]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return [str(value)]
    if isinstance(value, list) and all(isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in value):
        return [str(v).strip() for v in value if str(v).strip()]
    return None


class _FrontMatter:
    """Typed access to front matter values, each failure a problem at the key's line."""

    def __init__(self, source: SourceText, path: str, zone: tzinfo) -> None:
        self.front = source.front
        self.lines = source.key_lines
        self.path = path
        self.zone = zone
        self.problems: list[Problem] = []

    def _line(self, key: str) -> int:
        return self.lines.get(key, 0) + 1 if key in self.lines else 0

    def fail(self, key: str, message: str, hint: str = "", code: str = "front-matter/type") -> None:
        self.problems.append(error(code, message, self.path, self._line(key), 1, hint))

    def warn(self, key: str, message: str, hint: str = "", code: str = "front-matter/type") -> None:
        self.problems.append(warning(code, message, self.path, self._line(key), 1, hint))

    def text(self, key: str) -> str | None:
        value = self.front.get(key)
        if value is None:
            return None
        if isinstance(value, str):
            if _CONTROL_RE.search(value) or ("$" in value and any(c in value for c in "\t\n\r")):
                # In double quotes YAML reads "\alpha" as BEL + "lpha", "\nabla" as a line break + "abla"
                # and so on. Beside a formula those were TeX: they get their backslash back.
                tex = "$" in value
                self.warn(key, f"'{key}' holds a control character that YAML made of a backslash escape "
                          f"in double quotes; {'read as the TeX it was' if tex else 'dropped'}",
                          hint=f"quote the value with single quotes, e.g. {key}: '$\\alpha$-散度'",
                          code="front-matter/control-character")
                value = value.translate(_YAML_ESCAPES) if tex else value
                value = _CONTROL_RE.sub("", value)
            return value.strip() or None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            self.warn(key, f"'{key}' is a number ({value}); it is used as text",
                      hint=f"quote it: {key}: \"{value}\"")
            return str(value)
        self.fail(key, f"'{key}' must be text, got {type(value).__name__}", hint=f"write {key}: some text")
        return None

    def date(self, key: str) -> datetime | None:
        if self.front.get(key) is None:
            return None
        parsed = parse_date(self.front[key], self.zone)
        if isinstance(parsed, str):
            self.fail(key, f"'{key}': {parsed}", hint=f"write {key}: 2025-03-01", code="front-matter/date")
            return None
        return parsed

    def flag(self, key: str, default: bool) -> bool:
        value = self.front.get(key, default)
        if isinstance(value, bool):
            return value
        self.fail(key, f"'{key}' must be true or false, got {value!r}")
        return default

    def integer(self, key: str, default: int) -> int:
        value = self.front.get(key, default)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        self.fail(key, f"'{key}' must be a whole number, got {value!r}")
        return default

    def strings(self, key: str) -> list[str]:
        values = _strings(self.front.get(key))
        if values is None:
            self.fail(key, f"'{key}' must be a list of text values", hint=f"e.g. {key}: [diffusion, 采样]")
            return []
        return values


def _tags(values: list[str]) -> tuple[str, ...]:
    """Tags as written, without Obsidian's leading '#', once each (`ML` and `ml` are one tag)."""
    kept: dict[str, str] = {}
    for value in values:
        name = value.lstrip("#").strip()
        if name:
            kept.setdefault(tag_slug(name), name)
    return tuple(kept.values())


def first_heading(body: str) -> tuple[str | None, str]:
    """The text of a leading `# ` heading and the body with that line blanked (line numbers kept)."""
    lines = body.split("\n")
    for i, line in enumerate(lines):
        if not line.strip() or line.strip().lower() in TOC_MARKERS:
            continue  # a table-of-contents marker may come first (Typora)
        match = _H1_RE.match(line)
        if match:
            lines[i] = ""
            return match.group(1).strip(), "\n".join(lines)
        break
    return None, body


def _check_slug(slug: str) -> str | None:
    if not slug or slug in (".", "..") or "/" in slug or "\\" in slug or slug.startswith("."):
        return "must be a single path segment (no '/', '..' or leading '.')"
    return None


def read_source(path: Path, site_path: str) -> tuple[SourceText | None, list[Problem]]:
    """Read, decode and split one Markdown file; problems carry the file's path."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return None, [error("content/read", f"cannot read file: {exc.strerror or exc}", site_path)]
    text = decode(data)
    if isinstance(text, Problem):
        return None, [Problem(text.severity, text.code, text.message, site_path, text.line, text.column, text.hint)]
    return split_front_matter(text, site_path)


def load_note(path: Path, content_dir: Path, config: Config, git: Mapping[str, GitDates],
              text: str | None = None) -> tuple[Note | None, list[Problem]]:
    """A note from its file, or from `text` made of it (a notebook's Markdown, load/notebook.py)."""
    site_path = _site_rel(content_dir, path)
    content_path = path.relative_to(content_dir).as_posix()
    source, problems = read_source(path, site_path) if text is None else split_front_matter(text, site_path)
    if source is None:
        return None, problems
    zone = config.zone
    assert zone is not None
    fm = _FrontMatter(source, site_path, zone)

    folder = PurePosixPath(content_path).parent.as_posix()
    folder = "" if folder == "." else folder
    stem = PurePosixPath(content_path).name.rsplit(".", 1)[0]
    name, suffix_lang, looked_like_lang = _lang_from_name(stem, config)
    front_lang = fm.text("lang")
    if suffix_lang is None and looked_like_lang:
        fm.problems.append(error("lang/unknown", f"language '{stem.rpartition('.')[2]}' in the file name is not one of "
                                 f"the site languages {list(config.languages)}", site_path,
                                 hint="add it to 'languages' in mlnotes.yaml or rename the file"))
        return None, problems + fm.problems
    lang = suffix_lang or front_lang or config.default_language
    if front_lang and front_lang not in config.languages:
        fm.fail("lang", f"language '{front_lang}' is not one of the site languages {list(config.languages)}",
                hint="add it to 'languages' in mlnotes.yaml", code="lang/unknown")
        return None, problems + fm.problems
    if suffix_lang and front_lang and front_lang != suffix_lang:
        fm.warn("lang", f"'lang: {front_lang}' disagrees with the file name suffix '.{suffix_lang}'; "
                f"the suffix wins", code="lang/mismatch")

    body = source.body
    title = fm.text("title")
    if title is None:
        heading, body = first_heading(body)
        title = heading or name

    git_info = git.get(content_path)
    # the first of these a note has: ours, then Obsidian's (created/modified) and Hugo's (lastmod)
    date_key = next((k for k in DATE_KEYS if k in source.front), DATE_KEYS[0])
    updated_key = next((k for k in UPDATED_KEYS if k in source.front), UPDATED_KEYS[0])
    date = fm.date(date_key)
    if date is None and date_key not in source.front:
        if git_info:
            date = git_info.created
        else:
            fm.problems.append(error("front-matter/missing-date", "the note has no date and is not committed to git",
                                     site_path, 1, 1, hint="add 'date: YYYY-MM-DD' to the front matter"))
    updated = fm.date(updated_key)
    if updated is None and updated_key not in source.front and git_info:
        updated = git_info.modified
    if date is not None and updated is not None and updated < date:
        fm.warn(updated_key, f"'{updated_key}' is earlier than '{date_key}'", code="front-matter/date")

    slug_value = fm.text("slug")
    if slug_value is not None:
        reason = _check_slug(slug_value)
        slug = url_slug(slug_value)
        if reason or not slug:
            fm.fail("slug", f"slug {slug_value!r} {reason or 'has no usable characters'}", code="url/slug",
                    hint="use letters, digits and '-', e.g. slug: ddim-sampling")
            slug = url_slug(name) or "note"
    else:
        slug = url_slug(name) or "note"

    if "macros" in source.front and macro_table(source.front["macros"]) is None:
        fm.fail("macros", "'macros' must map a macro name to its TeX",
                hint="e.g. macros: {\"\\\\R\": \"\\\\mathbb{R}\"}")

    topics = [folder] if folder else []
    for extra in fm.strings("topics"):
        extra = extra.strip("/")
        if extra and extra not in topics:
            topics.append(extra)

    note = Note(
        path=site_path,
        content_path=content_path,
        lang=lang,
        key=fm.text("translation_key") or (f"{folder}/{name}" if folder else name),
        topic=folder,
        slug=slug,
        title=title,
        date=date or datetime(1970, 1, 1, tzinfo=zone),
        updated=updated or date or datetime(1970, 1, 1, tzinfo=zone),
        topics=tuple(topics),
        tags=_tags(fm.strings("tags")),
        summary=fm.text("summary"),
        # Obsidian Publish's `publish: false` keeps a note private: left out like a draft
        draft=fm.flag("draft", False) or not fm.flag("publish", True),
        aliases=tuple(fm.strings("aliases")),
        toc=fm.flag("toc", True),
        weight=fm.integer("weight", 0),
        params=dict(source.front),
        body=body,
        body_line=source.body_line,
        key_lines={k: v + 1 for k, v in source.key_lines.items()},
    )
    return note, problems + fm.problems


def load_topic_meta(path: Path, content_dir: Path, config: Config) -> tuple[TopicMeta | None, list[Problem]]:
    site_path = _site_rel(content_dir, path)
    content_path = path.relative_to(content_dir).as_posix()
    source, problems = read_source(path, site_path)
    if source is None:
        return None, problems
    assert config.zone is not None
    fm = _FrontMatter(source, site_path, config.zone)
    stem = PurePosixPath(content_path).name.rsplit(".", 1)[0]
    _, suffix_lang, looked_like_lang = _lang_from_name(stem, config)
    if suffix_lang is None and looked_like_lang:
        return None, problems + [error("lang/unknown", f"language in the file name is not one of {list(config.languages)}",
                                       site_path, hint="rename it _index.<lang>.md with a site language")]
    folder = PurePosixPath(content_path).parent.as_posix()
    title = fm.text("title")
    body = source.body
    if title is None:
        title, body = first_heading(body)
    meta = TopicMeta(topic="" if folder == "." else folder, lang=suffix_lang or fm.text("lang") or config.default_language,
                     path=site_path, title=title, description=body.strip(), weight=fm.integer("weight", 0),
                     body_line=source.body_line)
    return meta, problems + fm.problems


@dataclass
class LoadMemo:
    """What a long-lived process (serve) keeps between loads: each file's result by its stat
    signature, and the git dates, read once."""
    files: dict[str, tuple[tuple[int, ...], Any, list[Problem]]] = field(default_factory=dict)
    git: Mapping[str, GitDates] | None = None
    found: tuple[list[Path], list[Path], set[str], list[Problem]] | None = None  # the last discover()
    walked: bool = True  # whether the last load walked content/ (else: only known notes were edited)


def _signature(path: Path) -> tuple[int, ...]:
    try:
        st = path.stat()
    except OSError:
        return ()
    return (st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino)


def load_content(config: Config, memo: LoadMemo | None = None, changed: frozenset[str] = frozenset()) -> Content:
    """Notes, topic descriptions and assets under content/. With a memo, a file whose stat signature
    is unchanged (and that is not in `changed`, paths relative to content/) is not read again."""
    content_dir = config.content_dir
    result = Content()
    if not content_dir.is_dir():
        result.problems.append(error("content/missing", "there is no content/ folder", "content",
                                     hint="create content/ with Markdown notes, or run 'mlnotes init DIR'"))
        return result
    # Only known notes changed (an edit, the common case while writing): no need to walk content/
    # or to stat every file. A new, removed or renamed file, an asset or no list at all: walk.
    edits_only = (memo is not None and memo.found is not None and bool(changed)
                  and all(rel in memo.files and (content_dir / rel).is_file() for rel in changed))
    found = memo.found if edits_only and memo is not None and memo.found is not None else discover(content_dir)
    if memo is not None:
        memo.found, memo.walked = found, not edits_only
    note_paths, other_paths, folders, problems = found
    result.folders = set(folders)
    result.problems.extend(problems)
    if memo is None:
        git: Mapping[str, GitDates] = git_dates(content_dir)
    else:
        if memo.git is None:
            memo.git = git_dates(content_dir)
        git = memo.git
    kept: dict[str, tuple[tuple[int, ...], Any, list[Problem]]] = {}
    base = len(str(content_dir)) + 1
    for path in note_paths:
        rel = str(path)[base:].replace(os.sep, "/")
        known = memo.files.get(rel) if memo is not None else None
        if edits_only and known is not None and rel not in changed:
            signature, loaded, problems = known
        else:
            signature = _signature(path) if memo is not None else ()
            if known is not None and known[0] == signature and signature and rel not in changed:
                loaded, problems = known[1], known[2]
            else:
                loaded, problems = _load_file(path, content_dir, config, git)
        kept[rel] = (signature, loaded, problems)
        if isinstance(loaded, TopicMeta):
            result.topic_metas.append(loaded)
        elif isinstance(loaded, Note):
            result.notes.append(loaded)
        result.problems.extend(problems)
    if memo is not None:
        memo.files = kept
    result.assets = [Asset(p.relative_to(content_dir).as_posix(), p) for p in other_paths]
    return result


def _load_file(path: Path, content_dir: Path, config: Config,
               git: Mapping[str, GitDates]) -> tuple[Note | TopicMeta | None, list[Problem]]:
    if path.name.endswith(NOTEBOOK_SUFFIX):
        from mlnotes_site.load.notebook import load_notebook  # nbformat is imported only for notebooks
        return (None, []) if path.name.startswith("_") else load_notebook(path, content_dir, config, git)
    stem = path.name.rsplit(".", 1)[0]
    if stem == "_index" or stem.startswith("_index."):
        return load_topic_meta(path, content_dir, config)
    if path.name.startswith("_"):
        return None, []
    return load_note(path, content_dir, config, git)
