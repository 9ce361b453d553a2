"""The built example site, served from a real static server under /kb/, has no broken reference:
every link, image, script, stylesheet, font, feed, preview card and graph a page or stylesheet
names answers 200."""
from __future__ import annotations

import re
import urllib.error
import urllib.request
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

from helpers import REPO, serve_under

PREFIX = "/kb/"


class _Refs(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.refs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        for name in ("href", "src"):
            if a.get(name):
                self.refs.append(a[name] or "")
        if a.get("srcset"):
            self.refs += [part.strip().split(" ")[0] for part in (a["srcset"] or "").split(",") if part.strip()]


def _fetch(url: str) -> tuple[int, bytes, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read(), response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as exc:
        return exc.code, b"", ""


def test_every_reference_of_the_example_site_resolves_under_a_sub_path(tmp_path, build):
    build(REPO, "-o", str(tmp_path / "out"), "--base-url", "https://x.org/kb/")
    with serve_under(tmp_path / "out", PREFIX) as origin:
        start = [origin + PREFIX, origin + PREFIX + "en/", origin + PREFIX + "graph.json",
                 origin + PREFIX + "en/graph.json", origin + PREFIX + "sitemap.xml"]
        seen: set[str] = set()
        todo = list(start)
        broken: list[tuple[str, str, int]] = []
        checked = 0
        parents: dict[str, str] = {u: "(start)" for u in start}
        while todo:
            url = todo.pop()
            if url in seen:
                continue
            seen.add(url)
            status, body, kind = _fetch(url)
            checked += 1
            if status != 200:
                broken.append((parents.get(url, "?"), url, status))
                continue
            refs: list[str] = []
            path = urlsplit(url).path
            if "html" in kind:
                parser = _Refs()
                parser.feed(body.decode("utf-8"))
                refs = parser.refs
                if path.endswith("/") and "/page/" not in path:
                    refs.append(path + "preview.json")  # what a link preview loads for this page
            elif "css" in kind or path.endswith(".css"):
                # a browser loads the first source of each @font-face it can use: every browser that
                # runs our pages reads woff2, listed first; the woff/ttf after it are never fetched
                css = re.sub(r"(src:\s*url\([^)]*\)[^;}]*?),[^;}]*", r"\1", body.decode("utf-8"))
                refs = re.findall(r"url\(['\"]?([^'\")]+)['\"]?\)", css)
            elif path.endswith((".xml",)):
                refs = re.findall(r'(?:href|src)="([^"]+)"', body.decode("utf-8"))
                refs += re.findall(r"<loc>([^<]+)</loc>", body.decode("utf-8"))
            for ref in refs:
                if ref.startswith(("data:", "mailto:", "javascript:")):
                    continue
                target, _ = urldefrag(urljoin(url, ref.replace("https://x.org/kb/", origin + PREFIX)))
                if not target.startswith(origin):
                    continue  # another site: not ours to check
                target = origin + urllib.request.quote(unquote(urlsplit(target).path))
                if target not in seen:
                    parents.setdefault(target, url)
                    todo.append(target)
        assert not broken, "\n".join(f"{status} {url} (from {parent})" for parent, url, status in broken[:20])
        # the crawl reached every kind of file the site has
        kinds = {Path(urlsplit(u).path).suffix or "/" for u in seen}
        assert {"/", ".css", ".js", ".json", ".xml"} <= kinds, kinds
        assert checked > 100
