"""Read and validate `mlnotes.yaml` into a frozen Config. Every key is optional."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import tzinfo
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import urlsplit

from mlnotes_site.dates import get_zone
from mlnotes_site.problems import Problem, error
from mlnotes_site.load.yamlfile import load_yaml

CONFIG_NAME = "mlnotes.yaml"
LANG_RE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
KNOWN_KEYS = {"title", "description", "base_url", "languages", "paginate", "excerpt_length",
              "timezone", "untranslated", "strings", "author", "math", "markdown", "search"}


@dataclass(frozen=True)
class Config:
    root: Path
    languages: tuple[str, ...] = ("zh", "en")
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
    search: bool = True  # a Pagefind index and a search box on every page (emit/search.py)
    params: Mapping[str, Any] = field(default_factory=dict)  # unknown keys, for templates

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
        return self.root / "content"

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


def load_config(root: Path, base_url: str | None = None) -> tuple[Config, list[Problem]]:
    """Problems returned here are configuration errors: the CLI exits with code 2."""
    problems: list[Problem] = []
    raw: dict[str, Any] = {}
    lines: dict[str, int] = {}
    path = root / CONFIG_NAME
    if path.is_file():
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(error("config/read", f"cannot read {CONFIG_NAME}: {exc}", CONFIG_NAME))
            text = ""
        doc = load_yaml(text)
        for issue in doc.issues:
            problems.append(error("config/yaml", issue.message, CONFIG_NAME, issue.line + 1, issue.column + 1))
        if doc.data is not None and not isinstance(doc.data, dict):
            problems.append(error("config/yaml", "the config must be a mapping of keys to values", CONFIG_NAME, 1, 1))
        elif isinstance(doc.data, dict):
            raw = {str(k): v for k, v in doc.data.items()}
            lines = {k: v + 1 for k, v in doc.key_lines.items()}

    def fail(key: str, message: str, hint: str = "") -> None:
        problems.append(error("config/value", message, CONFIG_NAME, lines.get(key, 0), 1, hint))

    languages: tuple[str, ...] = ("zh", "en")
    if "languages" in raw:
        value = raw["languages"]
        if (isinstance(value, list) and value and all(isinstance(v, str) and LANG_RE.match(v) for v in value)
                and len(set(value)) == len(value)):
            languages = tuple(value)
        else:
            fail("languages", "'languages' must be a non-empty list of distinct language codes",
                 "e.g. languages: [zh, en] — the first is the default, served at the site root")

    def positive_int(key: str, default: int) -> int:
        value = raw.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            fail(key, f"'{key}' must be a positive whole number, got {value!r}")
            return default
        return value

    paginate = positive_int("paginate", 12)
    excerpt_length = positive_int("excerpt_length", 350)

    tz_name = raw.get("timezone", "UTC")
    zone = get_zone(tz_name) if isinstance(tz_name, str) else None
    if zone is None:
        fail("timezone", f"unknown timezone {tz_name!r}", "use an IANA name such as Asia/Shanghai or UTC")
        tz_name, zone = "UTC", get_zone("UTC")

    untranslated = raw.get("untranslated", "show")
    if untranslated not in ("show", "hide"):
        fail("untranslated", f"'untranslated' must be show or hide, got {untranslated!r}")
        untranslated = "show"

    url = base_url if base_url is not None else raw.get("base_url", "/")
    normalized = normalize_base_url(url) if isinstance(url, str) else None
    if normalized is None:
        message = f"base_url {url!r} is not an http(s) URL or an absolute path"
        if base_url is not None:
            problems.append(error("config/base-url", message, "--base-url",
                                  hint="e.g. --base-url https://example.org/kb/"))
        else:
            fail("base_url", message, "e.g. base_url: https://example.org/kb/")
        normalized = "/"

    strings: dict[str, dict[str, str]] = {}
    if "strings" in raw:
        value = raw["strings"]
        if isinstance(value, dict) and all(isinstance(v, dict) for v in value.values()):
            strings = {str(lang): {str(k): str(v) for k, v in table.items()} for lang, table in value.items()}
        else:
            fail("strings", "'strings' must map a language to a table of UI strings",
                 "e.g. strings: {en: {latest: Recent notes}}")

    macros: dict[str, str] = {}
    number_equations = False
    math = raw.get("math", {})
    if not isinstance(math, dict):
        fail("math", "'math' must be a mapping", "e.g. math: {macros: {'\\\\R': '\\\\mathbb{R}'}}")
        math = {}
    if "macros" in math:
        found = macro_table(math["macros"])
        if found is not None:
            macros = found
        else:
            fail("math", "'math.macros' must map a macro name to its TeX", "e.g. macros: {'\\\\R': '\\\\mathbb{R}'}")
    if "number_equations" in math:
        if isinstance(math["number_equations"], bool):
            number_equations = math["number_equations"]
        else:
            fail("math", "'math.number_equations' must be true or false")

    unsafe_html = True
    markdown = raw.get("markdown", {})
    if not isinstance(markdown, dict) or not isinstance(markdown.get("unsafe_html", True), bool):
        fail("markdown", "'markdown.unsafe_html' must be true or false", "e.g. markdown: {unsafe_html: false}")
    else:
        unsafe_html = markdown.get("unsafe_html", True)

    search = raw.get("search", True)
    if not isinstance(search, bool):
        fail("search", f"'search' must be true or false, got {search!r}", "e.g. search: false")
        search = True

    author = raw.get("author", "")
    config = Config(
        root=root,
        languages=languages,
        title=_per_language(raw.get("title"), languages, "title", problems, lines.get("title", 0)),
        description=_per_language(raw.get("description"), languages, "description", problems,
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
        search=search,
        params={k: v for k, v in raw.items() if k not in KNOWN_KEYS},
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
