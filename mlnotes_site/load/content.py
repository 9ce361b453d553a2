"""Make Notes, TopicMetas and Problems from the files under content/ (found by discover.py, their
front matter read by frontmatter.py)."""
from __future__ import annotations

import dataclasses
import os
import re
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from pathlib import Path, PurePosixPath
from typing import Any
from collections.abc import Mapping

from mlnotes_site.config import Config, macro_table
from mlnotes_site.i18n import split_lang_suffix
from mlnotes_site.load.discover import NOTEBOOK_SUFFIX, NOTE_SUFFIXES, discover, is_debris, site_rel  # noqa: F401 (NOTE_SUFFIXES: the index's)
from mlnotes_site.load.frontmatter import FrontMatter, SourceText, read_source, split_front_matter
from mlnotes_site.load.gitdates import GitDates, git_dates
from mlnotes_site.load import hugo, jekyll, notion, obsidian
from mlnotes_site.load.langdetect import detect
from mlnotes_site.problems import Problem, error, warning
from mlnotes_site.problems import note as note_problem
from mlnotes_site.sitefiles import theme_link_problems
from mlnotes_site.slugs import MAX_SEGMENT_BYTES, is_shortened, tag_slug, url_slug

# Markers other tools replace with a table of contents: Python-Markdown/MkDocs and Typora "[TOC]",
# GitLab "[[_TOC_]]" (lower-cased here).
TOC_MARKERS = ("[toc]", "[[_toc_]]", "[[toc]]")
DATE_KEYS = ("date", "created")
UPDATED_KEYS = ("updated", "lastmod", "modified")
_H1_RE = re.compile(r"^#[ \t]+(.+?)[ \t#]*$")


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
    dated_by_mtime: bool = False  # no date and no git history: the file's modification time stands in
    # A notebook's: which cell each stretch of its generated source came from, and the image files
    # its outputs and attachments became (load/notebook.py); empty for Markdown notes.
    cells: tuple[tuple[int, int, int], ...] = ()
    files: tuple[Asset, ...] = ()

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


def _language(stem: str, fm: FrontMatter, config: Config) -> tuple[str, str] | None:
    """(the file name without its language suffix, the note's language), or None when the language
    is not one of the site's (a problem in `fm`)."""
    name, suffix_lang, looked_like_lang = split_lang_suffix(stem, config.languages)
    front_lang = fm.text("lang")
    if suffix_lang is None and looked_like_lang:
        fm.problems.append(error("lang/unknown", f"language '{stem.rpartition('.')[2]}' in the file name is not one of "
                                 f"the site languages {list(config.languages)}", fm.path,
                                 hint="add it to 'languages' in mlnotes.yaml or rename the file"))
        return None
    if front_lang and front_lang not in config.languages:
        fm.fail("lang", f"language '{front_lang}' is not one of the site languages {list(config.languages)}",
                hint="add it to 'languages' in mlnotes.yaml", code="lang/unknown")
        return None
    if suffix_lang and front_lang and front_lang != suffix_lang:
        fm.warn("lang", f"'lang: {front_lang}' disagrees with the file name suffix '.{suffix_lang}'; "
                f"the suffix wins", code="lang/mismatch")
    return name, suffix_lang or front_lang or config.default_language


def _dates(source: SourceText, fm: FrontMatter, git_info: GitDates | None,
           path: Path) -> tuple[datetime | None, datetime | None, bool]:
    """(date, updated, dated by the file's time) from the front matter, else from git, else (an
    unzipped export has neither) from the file's modification time."""
    # the first of these a note has: ours, then Obsidian's (created/modified) and Hugo's (lastmod)
    date_key = next((k for k in DATE_KEYS if k in source.front), DATE_KEYS[0])
    updated_key = next((k for k in UPDATED_KEYS if k in source.front), UPDATED_KEYS[0])
    date = fm.date(date_key)
    by_mtime = date is None and date_key not in source.front and not git_info
    if date is None and date_key not in source.front:
        # said once for all such notes (load_content)
        date = git_info.created if git_info else _file_time(path, fm.zone)
    updated = fm.date(updated_key)
    if updated is None and updated_key not in source.front:
        updated = git_info.modified if git_info else _file_time(path, fm.zone) if by_mtime else None
    if date is not None and updated is not None and updated < date:
        fm.warn(updated_key, f"'{updated_key}' is earlier than '{date_key}'", code="front-matter/date")
    return date, updated, by_mtime


def _file_time(path: Path, zone: tzinfo) -> datetime:
    """The file's modification time, to the second (as a front matter date would be)."""
    return datetime.fromtimestamp(int(path.stat().st_mtime), tz=zone)


def mtime_dates_problem(notes: list[Note]) -> Problem | None:
    """One warning for every note dated by its file's modification time (an error with --strict)."""
    dated = [n.path for n in notes if n.dated_by_mtime]
    if not dated:
        return None
    shown = ", ".join(dated[:3]) + (f" and {len(dated) - 3} more" if len(dated) > 3 else "")
    return warning("front-matter/missing-date", f"{len(dated)} note(s) have no date and are not committed to git, "
                   f"so their file's modification time is used: {shown}", dated[0], 1, 1,
                   hint="add 'date: YYYY-MM-DD' to their front matter, or commit them to git")


def _same_text(a: str, b: str) -> bool:
    """Equal but for case and runs of white space."""
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def _slug(fm: FrontMatter, name: str) -> str:
    """`slug:` when it is one usable path segment, else made from the file name."""
    slug_value = fm.text("slug")
    if slug_value is not None:
        reason = _check_slug(slug_value)
        slug = url_slug(slug_value)
        if not reason and slug:
            return slug
        fm.fail("slug", f"slug {slug_value!r} {reason or 'has no usable characters'}", code="url/slug",
                hint="use letters, digits and '-', e.g. slug: ddim-sampling")
    return url_slug(name) or "note"


def _topics(folder: str, fm: FrontMatter) -> tuple[str, ...]:
    """The folder's topic first, then those named in `topics:`, once each."""
    topics = [folder] if folder else []
    for extra in fm.strings("topics"):
        extra = extra.strip("/")
        if extra and extra not in topics:
            topics.append(extra)
    return tuple(topics)


def load_note(path: Path, content_dir: Path, config: Config, git: Mapping[str, GitDates],
              text: str | None = None) -> tuple[Note | None, list[Problem]]:
    """A note from its file, or from `text` made of it (a notebook's Markdown, load/notebook.py)."""
    site_path = site_rel(content_dir, path, config.content_at_root)
    content_path = path.relative_to(content_dir).as_posix()
    source, problems = read_source(path, site_path) if text is None else split_front_matter(text, site_path)
    if source is None:
        return None, problems
    stem = PurePosixPath(content_path).name.rsplit(".", 1)[0]
    page_name, notion_id = notion.split_id(stem)
    if notion_id is not None:
        adapted = notion.adapt(source, site_path)
        source, problems = adapted.source, problems + adapted.problems
    folder = PurePosixPath(content_path).parent.as_posix()
    folder = "" if folder == "." else folder
    if config.hugo_site and hugo.has_shortcodes(source.body):  # elsewhere `{{< x >}}` is text
        shortcodes = hugo.adapt(source.body, source.body_line, site_path, folder)
        source, problems = dataclasses.replace(source, body=shortcodes.body), problems + shortcodes.problems
    posted = jekyll.post_name(stem) if config.jekyll_site and "_posts" in folder.split("/") else None
    if config.jekyll_site:
        source, problems = _jekyll(source, site_path, folder, posted, problems)
    inline_tags: list[str] = []
    if config.obsidian_vault and ("#" in source.body or "^" in source.body):
        vault = obsidian.adapt(source.body, source.body_line, site_path)
        source, problems = dataclasses.replace(source, body=vault.body), problems + vault.problems
        inline_tags = vault.tags
    zone = config.zone
    assert zone is not None
    fm = FrontMatter(source, site_path, zone)

    named = _language(stem, fm, config)
    if named is None:
        return None, problems + fm.problems
    name, lang = named
    key = f"{folder}/{name}" if folder else name
    if posted is not None:  # _posts/2018-10-13-flow-models.md: the note posts/flow-models
        dated = jekyll.post_name(name)
        name = dated[1] if dated else name
        folder = "/".join("posts" if part == "_posts" else part for part in folder.split("/"))
    if name == "index" and folder and notion_id is None:
        # posts/ddim/index.md alone with its files: the note posts/ddim, its resources beside it. In
        # every site (Hugo's page bundle; Zola, Jekyll, MkDocs and Eleventy read a folder's index.md
        # so too), but reported as an adaptation only in a Hugo site, where it is one.
        folder, _, name = folder.rpartition("/")
        key = f"{folder}/{name}" if folder else name
        if config.hugo_site:
            problems.append(note_problem("import/page-bundle", f"page bundle: the note '{key}' (its files beside it)",
                                         site_path, 1, 1))
    if notion_id is not None:
        name = notion.clean_name(name)

    body = source.body
    title = fm.text("title")
    if title is None:
        heading, body = first_heading(body)
        title = heading or name
        if notion_id is not None and page_name == "Untitled" and title == "Untitled":
            if not body.strip():
                return None, problems + fm.problems + [note_problem(
                    "import/notion-untitled", "empty Notion page 'Untitled' skipped", site_path, 1, 1)]
            title = notion.title_from_body(body)
            name = title.rstrip("…")
            problems.append(note_problem("import/notion-untitled", f"Notion page 'Untitled' titled {title!r} from its text",
                                 site_path, 1, 1, hint="give the page a title in Notion, or add 'title:'"))
    else:  # a body that starts by repeating the title (`# Title`): the page's own <h1> already shows it
        heading, rest = first_heading(body)
        if heading is not None and _same_text(heading, title):
            body = rest
    if config.detect_language and named[0] == stem and fm.text("lang") is None:  # no language named: read it from the text
        detected = detect(title + "\n" + body, config.languages)
        if detected is not None and detected != lang and not any(
                path.with_name(f"{named[0]}.{detected}{suffix}").exists() for suffix in NOTE_SUFFIXES):
            problems.append(note_problem("lang/detected", f"no language suffix or 'lang:': '{detected}' from its text",
                                         site_path, 1, 1, hint=f"add 'lang: {lang}' to keep it in '{lang}'"))
            lang = detected
    date, updated, by_mtime = _dates(source, fm, git.get(content_path), path)
    slug = _slug(fm, name)
    if "macros" in source.front and macro_table(source.front["macros"]) is None:
        fm.fail("macros", "'macros' must map a macro name to its TeX",
                hint="e.g. macros: {\"\\\\R\": \"\\\\mathbb{R}\"}")
    topics = _topics(folder, fm)
    if config.jekyll_site and isinstance(source.front.get("tags"), str):  # Jekyll: `tags: gan long-read`
        tags = _tags(source.front["tags"].split())
    else:
        tags = _tags(fm.strings("tags") + inline_tags)
    _warn_long(fm, [("slug", fm.text("slug") or name), *(("folder", part) for part in folder.split("/") if part),
                    *(("topics", part) for t in topics[1 if folder else 0:] for part in t.split("/")),
                    *(("tags", tag) for tag in tags)])

    note = Note(
        path=site_path,
        content_path=content_path,
        lang=lang,
        key=fm.text("translation_key") or key,
        topic=folder,
        slug=slug,
        title=title,
        date=date or datetime(1970, 1, 1, tzinfo=zone),
        updated=updated or date or datetime(1970, 1, 1, tzinfo=zone),
        topics=topics,
        tags=tags,
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
        dated_by_mtime=by_mtime,
    )
    return note, problems + fm.problems


def _jekyll(source: SourceText, site_path: str, folder: str, posted: tuple[str, str] | None,
            problems: list[Problem]) -> tuple[SourceText, list[Problem]]:
    """A Jekyll post dated by its file name (unless its front matter says), its Liquid and kramdown
    read (load/jekyll.py)."""
    if posted is not None and "date" not in source.front:
        source = dataclasses.replace(source, front={**source.front, "date": posted[0]})
        problems = problems + [note_problem("import/jekyll-post", f"Jekyll post dated {posted[0]} by its file name, "
                                            f"slug '{posted[1]}'", site_path, 1, 1)]
    if "{" in source.body:
        adapted = jekyll.adapt(source.body, source.body_line, site_path, folder)
        source, problems = dataclasses.replace(source, body=adapted.body), problems + adapted.problems
    return source, problems


def load_topic_meta(path: Path, content_dir: Path, config: Config,
                    page_of: str | None = None) -> tuple[TopicMeta | None, list[Problem]]:
    """A topic's `_index.md`; or, with `page_of` (the folder's path under content/), a Notion page
    whose sub-pages are in the folder of the same name."""
    site_path = site_rel(content_dir, path, config.content_at_root)
    content_path = path.relative_to(content_dir).as_posix()
    source, problems = read_source(path, site_path)
    if source is None:
        return None, problems
    if page_of is not None:
        adapted = notion.adapt(source, site_path)
        source, problems = adapted.source, problems + adapted.problems + [note_problem(
            "import/notion-page-folder", f"Notion page with sub-pages: it describes the topic '{page_of}' "
            "(its title and text), the sub-pages are the topic's notes", site_path, 1, 1)]
    assert config.zone is not None
    fm = FrontMatter(source, site_path, config.zone)
    stem = PurePosixPath(content_path).name.rsplit(".", 1)[0]
    _, suffix_lang, looked_like_lang = split_lang_suffix(stem, config.languages)
    if page_of is not None:
        suffix_lang, looked_like_lang = None, False
    if suffix_lang is None and looked_like_lang:
        return None, problems + [error("lang/unknown", f"language in the file name is not one of {list(config.languages)}",
                                       site_path, hint="rename it _index.<lang>.md with a site language")]
    folder = PurePosixPath(content_path).parent.as_posix()
    title = fm.text("title")
    body = source.body
    if title is None:
        title, body = first_heading(body)
    if page_of is not None:
        folder = page_of
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
    if edits_only and memo is not None and memo.found is not None:
        found = memo.found
    else:
        found = discover(content_dir, config.content_at_root)
        # the theme's links are reported with the content's (emit skips them silently); kept in the memo
        found[3].extend(theme_link_problems(config.root))
    if memo is not None:
        memo.found, memo.walked = found, not edits_only
    note_paths, other_paths, folders, problems = found
    result.folders = set(folders)
    result.problems.extend(problems)
    if config.imported_config:
        result.problems.append(note_problem("config/imported", f"there is no mlnotes.yaml: the site's base URL, title and "
                                            f"languages are read from {config.imported_config}", config.imported_config,
                                            hint="write mlnotes.yaml to set them (and more) for mlnotes"))
    if config.content_at_root:
        result.problems.append(note_problem("content/site-folder", "there is no content/ folder: the notes are read from the "
                                    "site folder itself (public/, _site/, _layouts/ and other tool folders are skipped)",
                                    "", hint="to keep other files apart, move the notes into a content/ folder"))
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
    result.notes, renamed = notion.separate_slugs(result.notes)
    result.problems.extend(renamed)
    undated = mtime_dates_problem(result.notes)
    if undated is not None:
        result.problems.append(undated)
    return result


def _load_file(path: Path, content_dir: Path, config: Config,
               git: Mapping[str, GitDates]) -> tuple[Note | TopicMeta | None, list[Problem]]:
    if path.name.endswith(NOTEBOOK_SUFFIX):
        from mlnotes_site.load.notebook import load_notebook  # nbformat is imported only for notebooks
        # not size-limited as text: a notebook's bulk is its images, which become files (and are cached)
        return (None, []) if path.name.startswith("_") else load_notebook(path, content_dir, config, git)
    size_problem = _size_problem(path, content_dir, config)
    if size_problem is not None and size_problem.is_error:
        return None, [size_problem]  # never read: a 50 MB note took minutes and gigabytes
    loaded, problems = _load_by_name(path, content_dir, config, git)
    return loaded, problems + ([size_problem] if size_problem else [])


def _size_problem(path: Path, content_dir: Path, config: Config) -> Problem | None:
    try:
        size = path.stat().st_size
    except OSError:
        return None  # reading it says what is wrong
    mb = f"{size / (1 << 20):.1f} MB"
    if size > config.note_error_bytes:
        return error("content/too-large", f"this file is {mb}, over the limit of "
                     f"{config.note_error_bytes / (1 << 20):g} MB; it is not read", site_rel(content_dir, path, config.content_at_root),
                     hint="split it into several notes, or raise limits.note_error_mb in mlnotes.yaml")
    if size > config.note_warning_bytes:
        return warning("content/large", f"this file is {mb}, over {config.note_warning_bytes / (1 << 20):g} MB: "
                       "slow to build and to read; feeds carry its summary only", site_rel(content_dir, path, config.content_at_root),
                       hint="split it into several notes, or raise limits.note_warning_mb in mlnotes.yaml")
    return None


def _load_by_name(path: Path, content_dir: Path, config: Config,
                  git: Mapping[str, GitDates]) -> tuple[Note | TopicMeta | None, list[Problem]]:
    stem = path.name.rsplit(".", 1)[0]
    if stem == "_index" or stem.startswith("_index."):
        return load_topic_meta(path, content_dir, config)
    if (stem == "index" or stem.startswith("index.")) and path.parent != content_dir and _holds_pages(
            path.parent, but=path):
        # index.md beside other notes (Hugo's branch, Obsidian's folder note): the folder's topic page;
        # alone with its files it is a page bundle, the note named by its folder (load_note)
        return load_topic_meta(path, content_dir, config)
    if notion.split_id(stem)[1] is not None and _holds_pages(path.with_name(stem)):
        return load_topic_meta(path, content_dir, config, page_of=path.with_name(stem).relative_to(content_dir).as_posix())
    if path.name.startswith("_"):
        return None, [warning("content/skipped", "a file whose name starts with '_' is not published",
                              site_rel(content_dir, path, config.content_at_root), hint="rename it without the '_' to publish it; "
                              "only _index.md files describe a topic")]
    return load_note(path, content_dir, config, git)


def _holds_pages(folder: Path, but: Path | None = None) -> bool:
    """Whether a folder holds Markdown pages (a Notion page's folder with only images is its assets),
    other than `but` and its translations (index.zh.md beside index.md) and topic files."""
    try:
        return folder.is_dir() and any(
            p.name.endswith(NOTE_SUFFIXES) and not p.name.startswith(("_", "index.")) and p != but
            and not is_debris(p.name) for p in folder.iterdir())
    except OSError:
        return False


def _warn_long(fm: FrontMatter, names: list[tuple[str, str]]) -> None:
    """A located warning for each name whose URL segment had to be shortened (links use the short one)."""
    for key, name in names:
        if is_shortened(name):
            fm.warn(key, f"{key} {name[:40]!r}… makes a URL segment over {MAX_SEGMENT_BYTES} bytes; shortened to "
                    f"'{url_slug(name)}'", hint="choose a shorter name", code="url/too-long")
