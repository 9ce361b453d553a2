"""Raw HTML in notes: kept as written (the author's own site), or cleaned of scripts when the site
sets `markdown.unsafe_html: false`."""
from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.token import Token

from mlnotes_site.model import markdown_env
from mlnotes_site.render.markdown.sanitize import clean_html


def _block(self, tokens: list[Token], idx: int, options, env) -> str:  # type: ignore[no-untyped-def]
    content = tokens[idx].content
    return clean_html(content) if markdown_env(env).safe_html else content


def _inline(self, tokens: list[Token], idx: int, options, env) -> str:  # type: ignore[no-untyped-def]
    content = tokens[idx].content
    return clean_html(content) if markdown_env(env).safe_html else content


def rawhtml_plugin(md: MarkdownIt) -> None:
    md.add_render_rule("html_block", _block)
    md.add_render_rule("html_inline", _inline)
