"""All outputs of a site, and the few a body-only edit can change.

`SiteOutputs.all()` describes every file of the site. A long-lived caller (serve) compares
`shape()` with the previous one: when it is the same, no list, index, sitemap or neighbour can
have changed, and `for_notes()` describes just the changed notes' pages and the feeds.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

from jinja2 import Environment, TemplateError, TemplateSyntaxError

from mlnotes_site.load.content import Note
from mlnotes_site.problems import Problem, error
from mlnotes_site.index.site import Site
from mlnotes_site.emit.theme import make_environment
from mlnotes_site.emit import Output
from mlnotes_site.emit.assets import RendererInfo, katex_assets, note_assets, static_files
from mlnotes_site.emit.context import BodyStore, Pages, digest, theme_digest
from mlnotes_site.emit.feeds import feeds
from mlnotes_site.emit.lists import latest_pages, not_found_pages, tag_pages, topic_pages, topics_index
from mlnotes_site.emit.knowledge import graphs, previews
from mlnotes_site.emit.notes import alias_pages, note_pages
from mlnotes_site.emit.sitemap import sitemap


class SiteOutputs:
    def __init__(self, site: Site, renderer: RendererInfo, bodies: BodyStore, problems: list[Problem],
                 env: Environment | None = None,
                 versions: dict[str, tuple[Note, str, tuple[str, str]]] | None = None) -> None:
        """`problems` receives the problems met while pages are made: template errors (once per
        template and message), bodies the cache lost. A long-lived caller passes its template
        environment and version memo every time."""
        self.site, self.renderer, self.problems = site, renderer, problems
        self.pages = Pages(site, env or make_environment(site.config.root), renderer, bodies, versions,
                           on_template_error=self._report, on_problem=self._add)
        self._seen: set[tuple[str, str]] = set()

    def _report(self, exc: TemplateError) -> None:
        if isinstance(exc, TemplateSyntaxError):
            problem = error("template/syntax", exc.message or str(exc), _template_path(exc.filename, exc.name),
                            exc.lineno or 0, 1, hint="fix the template syntax")
        else:
            problem = error("template/error", f"{type(exc).__name__}: {exc}", "templates", 0, 0,
                            hint="check the template for undefined names")
        self._add(problem)

    def _add(self, problem: Problem) -> None:
        if (problem.path, problem.message) not in self._seen:
            self._seen.add((problem.path, problem.message))
            self.problems.append(problem)

    def all(self) -> Iterator[Output]:
        """Every output of the site, one at a time, so a writer never holds the whole site."""
        pages = self.pages
        try:
            for emitter in (note_pages(pages), alias_pages(pages, self.problems), latest_pages(pages),
                            topic_pages(pages), tag_pages(pages), topics_index(pages), not_found_pages(pages),
                            feeds(pages), sitemap(pages), previews(pages), graphs(pages)):
                yield from emitter
        except TemplateError as exc:  # aliases render their small template at once
            self._report(exc)
        yield from static_files(self.site, self.renderer)
        yield from note_assets(self.site)
        if pages.uses_katex_css:
            yield from katex_assets(self.renderer)

    def shape(self) -> str:
        """What every output but a note's own page and the feeds depends on: theme, config, topics,
        which notes there are and how they are listed, and the files beside them."""
        site = self.site
        files = [(a.content_path, _stat(a.source)) for a in sorted(site.assets.values(), key=lambda a: a.content_path)]
        files += [(o.path, _stat(o.copy_from)) for o in static_files(site, self.renderer) if o.copy_from is not None]
        return digest(self.pages.site_digest, theme_digest(site.config.root), site.structure, self.pages.relations.digest,
                      [self.pages.listing(n) for n in site.notes], files)

    def for_notes(self, paths: set[str]) -> Iterator[Output]:
        """The pages of these notes, and the feeds that can hold them (they carry whole bodies):
        each language's, and those of the notes' topics and the topics above them."""
        yield from note_pages(self.pages, only=paths)
        topics = {"/".join(parts[:n]) for note in self.site.notes if note.path in paths
                  for topic in note.topics for parts in [topic.split("/")] for n in range(1, len(parts) + 1)}
        yield from feeds(self.pages, topics)


def _stat(path: Path) -> tuple[int, int]:
    try:
        st = os.stat(path)
    except OSError:
        return (-1, -1)
    return (st.st_size, st.st_mtime_ns)


def _template_path(filename: str | None, name: str | None) -> str:
    if filename:
        try:
            return Path(filename).resolve().relative_to(Path.cwd()).as_posix()
        except ValueError:
            return filename
    return f"templates/{name}" if name else "templates"
