"""Every URL of the site, in one place: paths relative to the site root, then hrefs with the base."""
from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import quote

from mlnotes_site.config import Config
from mlnotes_site.load.notion import clean_name
from mlnotes_site.slugs import tag_slug, url_slug

_UNSAFE_ASCII = re.compile(r'[\x00-\x20"<>\\^`{|}%\x7f]')


@lru_cache(maxsize=1 << 16)
def href_quote(path: str) -> str:
    """Percent-encode what may not stand in a URL; keep non-ASCII letters readable (IRI)."""
    return _UNSAFE_ASCII.sub(lambda m: quote(m.group()), path)


class Urls:
    """Paths like "en/diffusion/ddim/" (no leading slash); `href` adds the base path."""

    def __init__(self, config: Config) -> None:
        self.config = config

    def prefix(self, lang: str) -> str:
        return "" if lang == self.config.default_language else f"{lang}/"

    @staticmethod
    @lru_cache(maxsize=4096)
    def topic_path(topic: str) -> str:
        # a Notion export's folders carry the page id ("机器学习 0a1b…"): the URL leaves it out
        return "/".join(url_slug(clean_name(part)) or "_" for part in topic.split("/")) if topic else ""

    def home(self, lang: str, page: int = 1) -> str:
        return self.prefix(lang) + (f"page/{page}/" if page > 1 else "")

    def topic(self, topic: str, lang: str, page: int = 1) -> str:
        base = f"{self.prefix(lang)}{self.topic_path(topic)}/"
        return base + (f"page/{page}/" if page > 1 else "")

    def topic_feed(self, topic: str, lang: str) -> str:
        return f"{self.prefix(lang)}{self.topic_path(topic)}/feed.xml"

    def note(self, topic: str, slug: str, lang: str) -> str:
        folder = self.topic_path(topic)
        return f"{self.prefix(lang)}{folder + '/' if folder else ''}{slug}/"

    def topics(self, lang: str) -> str:
        return f"{self.prefix(lang)}topics/"

    def tags(self, lang: str) -> str:
        return f"{self.prefix(lang)}tags/"

    def tag(self, tag: str, lang: str, page: int = 1) -> str:
        return f"{self.prefix(lang)}tags/{tag_slug(tag)}/" + (f"page/{page}/" if page > 1 else "")

    def feed(self, lang: str) -> str:
        return f"{self.prefix(lang)}feed.xml"

    def not_found(self, lang: str) -> str:
        return f"{self.prefix(lang)}404.html"

    def asset(self, content_path: str) -> str:
        folder, _, name = content_path.rpartition("/")
        return f"{self.topic_path(folder)}/{name}" if folder else name

    def href(self, path: str) -> str:
        return href_quote(self.config.base_path + path)

    def absolute(self, path: str) -> str:
        base = self.config.base_url if self.config.absolute else self.config.base_path
        return href_quote(base + path)


def output_file(path: str) -> str:
    """The file that serves a URL path: "a/b/" → "a/b/index.html"."""
    return path + "index.html" if path == "" or path.endswith("/") else path
