"""Topic descriptions (the bodies of `_index.<lang>.md`) rendered to HTML in the render stage, so
the emitters only place them.

A description is a short fragment: its relative links stay as written (a topic page has no note to
resolve them against), its formulas are rendered by the build's math engine (which caches them), its
raw HTML is cleaned as a note's is under `markdown.unsafe_html: false`. Beside the HTML a topic page
shows, the render stage makes its meta description: plain text, formulas as their TeX.
"""
from __future__ import annotations

from dataclasses import dataclass
from html import escape
from collections.abc import Sequence

from mlnotes_site.config import Config
from mlnotes_site.load.content import TopicMeta
from mlnotes_site.render.excerpt import DESCRIPTION_LENGTH, plain_excerpt
from mlnotes_site.render.markdown import create_markdown, restore_pipes
from mlnotes_site.model import LINK, MATH, MarkdownEnv, fill_placeholders, markdown_env, new_env
from mlnotes_site.render.math.engine import MathEngine

@dataclass(frozen=True)
class TopicDescription:
    html: str  # shown on the topic's first page
    text: str  # its meta description: plain text, formulas as TeX
    has_math: bool


# (topic path, language) -> its description, for each `_index.<lang>.md` with one
TopicHtml = dict[tuple[str, str], TopicDescription]


def describe_topic(text: str, folder: str, config: Config, engine: MathEngine) -> TopicDescription:
    """Markdown with relative links kept as written, formulas rendered (a failed one as its TeX)."""
    env = new_env(MarkdownEnv(folder=folder, safe_html=not config.unsafe_html))
    html = restore_pipes(create_markdown().render(text, env))
    found = markdown_env(env)
    formulas = found.formulas
    results = engine.render([(f.tex, f.display) for f in formulas]) if formulas else []

    def formula(mid: int) -> str:
        result = results[mid]
        return result.html if result.error is None else f"<code>{escape(formulas[mid].tex)}</code>"

    plain = plain_excerpt(html, lambda mid: formulas[mid].tex, DESCRIPTION_LENGTH)
    shown = fill_placeholders(html, {MATH: formula, LINK: lambda index: escape(found.links[index].raw)})
    return TopicDescription(shown, plain, bool(formulas))


def render_topics(metas: Sequence[TopicMeta], config: Config, engine: MathEngine) -> TopicHtml:
    """Every topic description, by topic and language (a later file for the same pair wins, as in
    the site index)."""
    rendered: TopicHtml = {}
    for meta in metas:
        if not meta.topic:
            continue
        if meta.description:
            rendered[(meta.topic, meta.lang)] = describe_topic(meta.description, meta.topic, config, engine)
        else:
            rendered.pop((meta.topic, meta.lang), None)
    return rendered
