"""Topic descriptions (the bodies of `_index.<lang>.md`) rendered to HTML in the render stage, so
the emitters only place them.

A description is a short fragment: its relative links stay as written (a topic page has no note to
resolve them against) and its formulas are rendered by the build's math engine (which caches them).
"""
from __future__ import annotations

import re
from html import escape
from typing import Any, Sequence

from mlnotes_site.load.content import TopicMeta
from mlnotes_site.render.markdown import create_markdown, restore_pipes
from mlnotes_site.render.markdown.links import PLACEHOLDER_RE
from mlnotes_site.render.math.katex import MathEngine

# (topic path, language) -> the description's HTML, for each `_index.<lang>.md` with a description
TopicHtml = dict[tuple[str, str], str]


def description_html(text: str, folder: str, engine: MathEngine) -> str:
    """Markdown with relative links kept as written, formulas rendered (a failed one as its TeX)."""
    env: dict[str, Any] = {"folder": folder}
    html = restore_pipes(create_markdown().render(text, env))
    raws = [str(link["raw"]) for link in env.get("links", [])]
    formulas = env.get("math", [])
    results = engine.render([(f["tex"], f["display"]) for f in formulas]) if formulas else []

    def repl(match: re.Match[str]) -> str:
        if match.group(1):
            result = results[int(match.group(2))]
            return result.html if result.error is None else f"<code>{escape(formulas[int(match.group(2))]['tex'])}</code>"
        return escape(raws[int(match.group(2))])

    return PLACEHOLDER_RE.sub(repl, html)


def render_topics(metas: Sequence[TopicMeta], engine: MathEngine) -> TopicHtml:
    """Every topic description, by topic and language (a later file for the same pair wins, as in
    the site index)."""
    rendered: TopicHtml = {}
    for meta in metas:
        if not meta.topic:
            continue
        if meta.description:
            rendered[(meta.topic, meta.lang)] = description_html(meta.description, meta.topic, engine)
        else:
            rendered.pop((meta.topic, meta.lang), None)
    return rendered
