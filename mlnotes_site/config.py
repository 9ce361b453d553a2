"""Read and validate `mlnotes.yaml` into a frozen Config. Every key is optional."""
from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field
from datetime import tzinfo
from pathlib import Path
from typing import Any, Protocol
from collections.abc import Mapping
from urllib.parse import urlsplit

from mlnotes_site.dates import get_zone
from mlnotes_site.problems import Problem, error
from mlnotes_site.sitefiles import is_readable
from mlnotes_site.yamlfile import load_yaml

CONFIG_NAME = "mlnotes.yaml"
# Files at the site's top that shape the configuration: ours, and the other tools' that stand in for
# it (_read_hugo, _read_jekyll) or mark the site as theirs (Config.hugo_site, Config.jekyll_site).
# Never content; a change to one starts serve's model afresh.
HUGO_CONFIGS = ("hugo.toml", "hugo.yaml", "hugo.yml", "hugo.json", "config.toml", "config.yaml", "config.yml",
                "config.json")
CONFIG_FILES = (CONFIG_NAME, *HUGO_CONFIGS, "_config.yml")


def is_config_path(rel: str) -> bool:
    """A site-relative path the config is read from: mlnotes.yaml, Hugo's or Jekyll's config at the top,
    or Hugo's config folder (config/_default/), so serve starts afresh when one changes."""
    folder, _, name = rel.rpartition("/")
    return name in CONFIG_FILES if not folder else folder == "config/_default" and name in HUGO_CONFIGS


LANG_RE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
KNOWN_KEYS = {"imported_config", "title", "description", "base_url", "languages", "paginate", "excerpt_length",
              "timezone", "untranslated", "strings", "author", "math", "markdown", "limits", "notebooks", "search"}


MB = 1 << 20


@dataclass(frozen=True)
class Config:
    root: Path
    languages: tuple[str, ...] = ("zh", "en")
    languages_from_files: bool = False  # no `languages:` key: the languages the files use (load/languages.py)
    title: Mapping[str, str] = field(default_factory=dict)
    description: Mapping[str, str] = field(default_factory=dict)
    base_url: str = "/"  # always ends with "/"; either "/" + path or an absolute URL
    paginate: int = 12
    excerpt_length: int = 350
    timezone: str = "UTC"
    zone: tzinfo | None = None
    untranslated: str = "show"
    strings: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    author: str = ""
    math_macros: Mapping[str, str] = field(default_factory=dict)
    math_number_equations: bool = False
    unsafe_html: bool = True  # raw HTML in notes kept as written; false cleans out scripts
    note_warning_bytes: int = 2 * MB  # a note past this is reported, and feeds carry its summary only
    note_error_bytes: int = 20 * MB  # a note past this is an error, never read
    notebook_output_lines: int = 200  # a notebook's text output longer than this is cut (notebooks.output_lines)
    search: bool = True  # a Pagefind index and a search box on every page (emit/search.py)
    params: Mapping[str, Any] = field(default_factory=dict)  # unknown keys, for templates
    # no content/ folder but Markdown in the site folder (a Notion export, an Obsidian vault, a Jekyll
    # site pointed at as it is): the site folder itself holds the notes (load/discover.py skips the rest)
    content_at_root: bool = False
    # the languages are the site's own (mlnotes.yaml or the files name them): a note that names none
    # takes its language from its text (load/langdetect.py)
    detect_language: bool = False
    obsidian_vault: bool = False  # a `.obsidian/` folder: inline #tags and ^block ids are read (load/obsidian.py)
    jekyll_site: bool = False  # a `_config.yml` or `_posts/` beside the notes: Jekyll's conventions apply
    hugo_site: bool = False  # Hugo's config or folder layout (is_hugo_site): its shortcodes are read (load/hugo.py)
    imported_config: str = ""  # no mlnotes.yaml: the other tool's config read instead ("hugo.toml")

    @property
    def default_language(self) -> str:
        return self.languages[0]

    @property
    def base_path(self) -> str:
        """The path part of base_url, e.g. "/kb/"."""
        return urlsplit(self.base_url).path or "/"

    @property
    def absolute(self) -> bool:
        return bool(urlsplit(self.base_url).scheme)

    @property
    def content_dir(self) -> Path:
        return self.root if self.content_at_root else self.root / "content"

    def site_title(self, lang: str) -> str:
        return self.title.get(lang) or self.title.get(self.default_language) or "Notes"


def normalize_base_url(value: str) -> str | None:
    value = value.strip()
    parts = urlsplit(value)
    if parts.scheme and parts.scheme not in ("http", "https"):
        return None
    if parts.scheme and not parts.netloc:
        return None
    if not parts.scheme and not value.startswith("/"):
        return None
    if parts.query or parts.fragment:
        return None
    return value if value.endswith("/") else value + "/"


def _per_language(value: Any, languages: tuple[str, ...], key: str, problems: list[Problem],
                  line: int) -> dict[str, str]:
    if value is None:
        return {}
    if isinstance(value, str):
        return {lang: value for lang in languages}
    if isinstance(value, dict) and all(isinstance(v, str) for v in value.values()):
        return {str(k): v for k, v in value.items()}
    problems.append(error("config/type", f"'{key}' must be a string or a mapping language → string",
                          CONFIG_NAME, line, 1, hint=f"e.g. {key}: {{zh: 笔记, en: Notes}}"))
    return {}


@dataclass
class _Raw:
    """The keys of mlnotes.yaml as written, their lines, and the problems found reading them."""
    values: dict[str, Any] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)  # 1-based
    problems: list[Problem] = field(default_factory=list)

    def fail(self, key: str, message: str, hint: str = "") -> None:
        self.problems.append(error("config/value", message, CONFIG_NAME, self.lines.get(key, 0), 1, hint))

    def positive_int(self, key: str, default: int) -> int:
        value = self.values.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            self.fail(key, f"'{key}' must be a positive whole number, got {value!r}")
            return default
        return value


def _read(path: Path) -> _Raw:
    raw = _Raw()
    if path.is_symlink() and not is_readable(path, path.parent.resolve()):
        # an error, not a skip: building with defaults instead of the intended config would publish a
        # different site without a word
        raw.problems.append(error("content/symlink-outside", f"{CONFIG_NAME} is a symbolic link to a file outside "
                                  "the site folder (or to nothing): not read", CONFIG_NAME,
                                  hint="copy the config into the site folder"))
        return raw
    if not path.is_file():
        return _read_hugo(path.parent) or raw
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raw.problems.append(error("config/read", f"cannot read {CONFIG_NAME}: {exc}", CONFIG_NAME))
        text = ""
    doc = load_yaml(text)
    for issue in doc.issues:
        raw.problems.append(error("config/yaml", issue.message, CONFIG_NAME, issue.line + 1, issue.column + 1))
    if doc.data is not None and not isinstance(doc.data, dict):
        raw.problems.append(error("config/yaml", "the config must be a mapping of keys to values", CONFIG_NAME, 1, 1))
    elif isinstance(doc.data, dict):
        raw.values = {str(k): v for k, v in doc.data.items()}
        raw.lines = {k: v + 1 for k, v in doc.key_lines.items()}
    return raw


class SiteFiles(Protocol):
    """What the configuration needs to know of the site's files. load/ answers (load/siteconfig.py):
    the config sits below load, which reads notes with it, so it asks rather than imports."""

    def has_markdown(self, root: Path) -> bool:
        """Whether a Markdown file lies anywhere under `root`."""

    def languages_named(self, content_dir: Path, at_root: bool) -> tuple[tuple[str, ...], bool]:
        """The languages the files use, and whether any file names one."""


def content_at_root(root: Path, files: SiteFiles | None) -> bool:
    """No content/ folder, but Markdown somewhere in the site folder: that folder is the content."""
    if (root / "content").is_dir() or not root.is_dir() or files is None:
        return False
    return files.has_markdown(root)


def _is_jekyll(content_dir: Path) -> bool:
    return (content_dir / "_config.yml").is_file() or (content_dir / "_posts").is_dir()


# Top-level keys (as Hugo reads them, in any case) that only Hugo's config has: a `config.toml` /
# `config.yaml` / `config.json` with one of them is Hugo's (Zola's config.toml says base_url, not
# baseURL; Jekyll's and Hexo's config is _config.yml).
HUGO_KEYS = {"baseurl", "languagecode", "defaultcontentlanguage", "defaultcontentlanguageinsubdir", "contentdir",
             "publishdir", "themesdir", "archetypedir", "canonifyurls", "relativeurls", "hascjklanguage",
             "enableemoji", "enablegitinfo", "enablerobotstxt", "disablekinds", "summarylength"}
# Folders only a Hugo site keeps beside content/ (ours keeps templates/ and static/)
HUGO_FOLDERS = ("archetypes", "layouts", "themes")


def _parse_config(path: Path) -> dict[str, Any] | None:
    """A TOML, YAML or JSON config file as a mapping, or None (unreadable, invalid, not a mapping)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
        if path.suffix == ".toml":
            data: Any = tomllib.loads(text)
        elif path.suffix == ".json":
            data = json.loads(text)
        else:
            data = load_yaml(text).data
    except (OSError, UnicodeDecodeError, ValueError):  # TOMLDecodeError and JSONDecodeError are ValueErrors
        return None
    return {str(k): v for k, v in data.items()} if isinstance(data, dict) else None


def hugo_config(root: Path) -> tuple[str, dict[str, Any]] | None:
    """Hugo's config as (its site-relative name, its values): `hugo.toml|yaml|yml|json`, or a
    `config.*` with a key only Hugo's has; at the top or in `config/_default/` (a config folder)."""
    for folder in ("", "config/_default/"):
        for name in HUGO_CONFIGS:
            path = root / folder / name
            if not path.is_file() or path.is_symlink():
                continue
            data = _parse_config(path)
            if data is None:
                continue
            if name.startswith("config.") and not {k.lower() for k in data} & HUGO_KEYS:
                continue  # some other tool's config
            return folder + name, data
    return None


def is_hugo_site(root: Path) -> bool:
    """The site shows Hugo's signature: its config (hugo_config), or Hugo's folders beside content/.
    Only then are Hugo's shortcodes read: elsewhere `{{< x >}}` in a note is text (a note about Go
    templates or Vue means it as written)."""
    return hugo_config(root) is not None or (
        (root / "content").is_dir() and any((root / name).is_dir() for name in HUGO_FOLDERS))


def _read_hugo(root: Path) -> _Raw | None:
    """A Hugo site without mlnotes.yaml: its baseURL, title and languages from its config (hugo_config),
    said with a note when the content loads."""
    found = hugo_config(root)
    if found is None:
        return _read_jekyll(root)
    name, data = found
    keys = {k.lower(): k for k in data}  # Hugo's keys are case-insensitive
    raw = _Raw()
    raw.values["imported_config"] = name
    base = data.get(keys.get("baseurl", ""))
    if isinstance(base, str) and normalize_base_url(base):
        raw.values["base_url"] = base
    languages = data.get(keys.get("languages", ""))
    default = data.get(keys.get("defaultcontentlanguage", ""))
    if isinstance(languages, dict) and languages and all(isinstance(k, str) and LANG_RE.match(k) for k in languages):
        def order(code: str, languages: dict[str, Any] = languages, default: Any = default) -> tuple[int, int, str]:
            table = languages[code] if isinstance(languages[code], dict) else {}
            weight = table.get("weight", 0)
            return (0 if code == default else 1, weight if isinstance(weight, int) else 0, code)
        codes = sorted(languages, key=order)
        raw.values["languages"] = codes
        titles = {c: languages[c].get("title") for c in codes if isinstance(languages[c], dict)}
        if all(isinstance(t, str) for t in titles.values()) and titles and len(titles) == len(codes):
            raw.values["title"] = titles
    title = data.get(keys.get("title", ""))
    if "title" not in raw.values and isinstance(title, str):
        raw.values["title"] = title
    return raw


def _read_jekyll(root: Path) -> _Raw | None:
    """A Jekyll site without mlnotes.yaml: its title, url + baseurl and lang from _config.yml."""
    path = root / "_config.yml"
    if not path.is_file() or path.is_symlink():
        return None
    try:
        doc = load_yaml(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError):
        return None
    data = doc.data if isinstance(doc.data, dict) else {}
    raw = _Raw()
    raw.values["imported_config"] = "_config.yml"
    url, base = data.get("url"), data.get("baseurl")
    joined = (url if isinstance(url, str) else "").rstrip("/") + "/" + (base if isinstance(base, str) else "").strip("/")
    if normalize_base_url(joined):
        raw.values["base_url"] = joined
    if isinstance(data.get("title"), str):
        raw.values["title"] = data["title"]
    if isinstance(data.get("lang"), str) and LANG_RE.match(data["lang"].split("-")[0].lower()):
        raw.values["languages"] = [data["lang"].split("-")[0].lower()]
    return raw


def _languages(raw: _Raw, content_dir: Path, at_root: bool, files: SiteFiles | None) -> tuple[tuple[str, ...], bool]:
    """The site's languages, and whether they are the site's choice (in mlnotes.yaml or named by its
    files) rather than the built-in pair: only then is a note's language read from its text."""
    if "languages" not in raw.values:  # the ones the files use
        return files.languages_named(content_dir, at_root) if files is not None else (("zh", "en"), False)
    value = raw.values["languages"]
    if (isinstance(value, list) and value and all(isinstance(v, str) and LANG_RE.match(v) for v in value)
            and len(set(value)) == len(value)):
        return tuple(value), True
    raw.fail("languages", "'languages' must be a non-empty list of distinct language codes",
             "e.g. languages: [zh, en] — the first is the default, served at the site root")
    return ("zh", "en"), False


def _timezone(raw: _Raw) -> tuple[str, tzinfo | None]:
    tz_name = raw.values.get("timezone", "UTC")
    zone = get_zone(tz_name) if isinstance(tz_name, str) else None
    if zone is None:
        raw.fail("timezone", f"unknown timezone {tz_name!r}", "use an IANA name such as Asia/Shanghai or UTC")
        return "UTC", get_zone("UTC")
    return tz_name, zone


def _untranslated(raw: _Raw) -> str:
    untranslated = raw.values.get("untranslated", "show")
    if untranslated not in ("show", "hide"):
        raw.fail("untranslated", f"'untranslated' must be show or hide, got {untranslated!r}")
        return "show"
    return str(untranslated)


def _base_url(raw: _Raw, base_url: str | None) -> str:
    """From --base-url when given, else from the config."""
    url = base_url if base_url is not None else raw.values.get("base_url", "/")
    normalized = normalize_base_url(url) if isinstance(url, str) else None
    if normalized is not None:
        return normalized
    message = f"base_url {url!r} is not an http(s) URL or an absolute path"
    if base_url is not None:
        raw.problems.append(error("config/base-url", message, "--base-url",
                                  hint="e.g. --base-url https://example.org/kb/"))
    else:
        raw.fail("base_url", message, "e.g. base_url: https://example.org/kb/")
    return "/"


def _strings(raw: _Raw) -> dict[str, dict[str, str]]:
    if "strings" not in raw.values:
        return {}
    value = raw.values["strings"]
    if isinstance(value, dict) and all(isinstance(v, dict) for v in value.values()):
        return {str(lang): {str(k): str(v) for k, v in table.items()} for lang, table in value.items()}
    raw.fail("strings", "'strings' must map a language to a table of UI strings",
             "e.g. strings: {en: {latest: Recent notes}}")
    return {}


def _math(raw: _Raw) -> tuple[dict[str, str], bool]:
    """The `math:` table: (macros, number_equations)."""
    macros: dict[str, str] = {}
    number_equations = False
    math = raw.values.get("math", {})
    if not isinstance(math, dict):
        raw.fail("math", "'math' must be a mapping", "e.g. math: {macros: {'\\\\R': '\\\\mathbb{R}'}}")
        math = {}
    if "macros" in math:
        found = macro_table(math["macros"])
        if found is not None:
            macros = found
        else:
            raw.fail("math", "'math.macros' must map a macro name to its TeX", "e.g. macros: {'\\\\R': '\\\\mathbb{R}'}")
    if "number_equations" in math:
        if isinstance(math["number_equations"], bool):
            number_equations = math["number_equations"]
        else:
            raw.fail("math", "'math.number_equations' must be true or false")
    return macros, number_equations


def _unsafe_html(raw: _Raw) -> bool:
    markdown = raw.values.get("markdown", {})
    if not isinstance(markdown, dict) or not isinstance(markdown.get("unsafe_html", True), bool):
        raw.fail("markdown", "'markdown.unsafe_html' must be true or false", "e.g. markdown: {unsafe_html: false}")
        return True
    return bool(markdown.get("unsafe_html", True))



def _search(raw: _Raw) -> bool:
    search = raw.values.get("search", True)
    if not isinstance(search, bool):
        raw.fail("search", f"'search' must be true or false, got {search!r}", "e.g. search: false")
        return True
    return search


def _limits(raw: _Raw) -> dict[str, float]:
    limits = raw.values.get("limits", {})
    sizes: dict[str, float] = {"note_warning_mb": 2, "note_error_mb": 20}
    if not isinstance(limits, dict) or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0 for v in limits.values()):
        raw.fail("limits", "'limits' must map a limit to a positive number of megabytes",
                 "e.g. limits: {note_warning_mb: 2, note_error_mb: 20}")
        return sizes
    for key, value in limits.items():
        if key not in sizes:
            raw.fail("limits", f"unknown limit {key!r}", f"one of {', '.join(sizes)}")
        else:
            sizes[key] = value
    return sizes


def _notebooks(raw: _Raw) -> int:
    notebooks = raw.values.get("notebooks", {})
    lines_value = notebooks.get("output_lines", 200) if isinstance(notebooks, dict) else None
    if isinstance(lines_value, bool) or not isinstance(lines_value, int) or lines_value < 2:
        raw.fail("notebooks", "'notebooks.output_lines' must be a whole number of at least 2",
                 "e.g. notebooks: {output_lines: 200}")
        return 200
    return lines_value


def read_config(root: Path, base_url: str | None = None,
                files: SiteFiles | None = None) -> tuple[Config, list[Problem]]:
    """mlnotes.yaml (or another tool's config) as a Config; what depends on the files (the content
    root, languages from the files) is asked of `files` (load.siteconfig.load_config passes them).
    Problems returned here are configuration errors: the CLI exits with code 2."""
    raw = _read(root / CONFIG_NAME)
    at_root = content_at_root(root, files)
    languages, chosen = _languages(raw, root if at_root else root / "content", at_root, files)
    paginate = raw.positive_int("paginate", 12)
    excerpt_length = raw.positive_int("excerpt_length", 350)
    tz_name, zone = _timezone(raw)
    untranslated = _untranslated(raw)
    normalized = _base_url(raw, base_url)
    strings = _strings(raw)
    macros, number_equations = _math(raw)
    unsafe_html = _unsafe_html(raw)
    sizes = _limits(raw)
    output_lines = _notebooks(raw)
    search = _search(raw)
    values, lines, problems = raw.values, raw.lines, raw.problems
    author = values.get("author", "")
    config = Config(
        root=root,
        languages=languages,
        languages_from_files="languages" not in values,
        title=_per_language(values.get("title"), languages, "title", problems, lines.get("title", 0)),
        description=_per_language(values.get("description"), languages, "description", problems,
                                  lines.get("description", 0)),
        base_url=normalized,
        paginate=paginate,
        excerpt_length=excerpt_length,
        timezone=tz_name,
        zone=zone,
        untranslated=untranslated,
        strings=strings,
        author=author if isinstance(author, str) else "",
        math_macros=macros,
        math_number_equations=number_equations,
        unsafe_html=unsafe_html,
        note_warning_bytes=int(sizes["note_warning_mb"] * MB),
        note_error_bytes=int(sizes["note_error_mb"] * MB),
        notebook_output_lines=output_lines,
        search=search,
        params={k: v for k, v in values.items() if k not in KNOWN_KEYS},
        content_at_root=at_root,
        detect_language=chosen,
        imported_config=str(values.get("imported_config", "")),
        jekyll_site=_is_jekyll(root if at_root else root / "content"),
        hugo_site=is_hugo_site(root),
        obsidian_vault=(root / ".obsidian").is_dir() or (root / "content" / ".obsidian").is_dir(),
    )
    return config, problems


def macro_table(value: object) -> dict[str, str] | None:
    """KaTeX macros from `mlnotes.yaml` or front matter: name -> TeX, or None when `value` is not such
    a mapping. A name written without its backslash (`R: \\mathbb{R}`) means the command `\\R`: KaTeX
    would otherwise redefine the letter R itself, and every R in every formula would recurse."""
    if not isinstance(value, dict) or not all(isinstance(v, (str, int, float)) and not isinstance(v, bool)
                                              for v in value.values()):
        return None
    return {(k if k.startswith("\\") or not k.replace("@", "").isalpha() else "\\" + k): str(v)
            for k, v in ((str(k).strip(), v) for k, v in value.items())}
