"""Code blocks highlighted at build time with Pygments, with a language label and a copy button."""
from __future__ import annotations

import hashlib
from functools import lru_cache
from html import escape

import pygments

from markdown_it import MarkdownIt
from markdown_it.common.utils import unescapeAll
from markdown_it.token import Token
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

from mlnotes_site.model import MarkdownEnv, markdown_env

_FORMATTER = HtmlFormatter(nowrap=True)


@lru_cache(maxsize=256)
def _lexer(name: str) -> Lexer | None:
    try:
        return get_lexer_by_name(name, stripnl=False, ensurenl=False)
    except ClassNotFound:
        return None


def highlight_html(code: str, lang: str) -> str:
    lexer = _lexer(lang.lower()) if lang else None
    if lexer is None:
        return escape(code, quote=False)
    return highlight(code, lexer, _FORMATTER)


def code_key(code: str, lang: str) -> str:
    """Cache key of a highlighted block: Pygments' version, the language, the code."""
    data = f"{pygments.__version__}\0{lang}\0{code}".encode("utf-8", "surrogatepass")
    return hashlib.sha256(data).hexdigest()


def fence_lang(token: Token) -> str:
    info = unescapeAll(token.info).strip()  # as CommonMark reads it: "c\+\+" and "f&ouml;o" are "c++" and "föo"
    lang = info.split(maxsplit=1)[0] if info else ""
    return lang.strip("{}.")


def _highlighted(code: str, lang: str, env: MarkdownEnv) -> str:
    """From the blocks the caller looked up in the cache (`code_cached`), else highlighted now and
    noted in `code_new` for the caller to store."""
    if not lang:
        return highlight_html(code, lang)
    key = code_key(code, lang)
    found = env.code_cached.get(key)
    if isinstance(found, str):
        return found
    html = highlight_html(code, lang)
    env.code_new[key] = html
    return html


def code_block_html(code: str, lang: str, copy_label: str, env: MarkdownEnv | None = None) -> str:
    label = f'<span class="code-lang">{escape(lang)}</span>' if lang else '<span class="code-lang"></span>'
    lang_class = f' class="language-{escape(lang)}"' if lang else ""
    return (f'<div class="code-block" data-lang="{escape(lang)}"><div class="code-header">{label}'
            f'<button type="button" class="copy-code" aria-label="{escape(copy_label)}">{escape(copy_label)}</button>'
            f'</div><pre class="highlight"><code{lang_class}>{_highlighted(code, lang, env or MarkdownEnv())}</code></pre></div>\n')


def _fence(self, tokens: list[Token], idx: int, options, env) -> str:  # type: ignore[no-untyped-def]
    token = tokens[idx]
    found = markdown_env(env)
    return code_block_html(token.content, fence_lang(token), found.copy_label, found)


def code_plugin(md: MarkdownIt) -> None:
    md.add_render_rule("fence", _fence)
    md.add_render_rule("code_block", _fence)


def pygments_css() -> str:
    """Light and dark token colours; dark applies with the system setting or the toggle."""
    light = HtmlFormatter(style="default").get_style_defs(".highlight")
    dark = HtmlFormatter(style="monokai").get_style_defs(":root[data-theme=dark] .highlight")
    dark_auto = HtmlFormatter(style="monokai").get_style_defs(":root:not([data-theme=light]) .highlight")
    return (f"/* Generated from Pygments styles: default (light), monokai (dark). */\n{light}\n{dark}\n"
            f"@media (prefers-color-scheme: dark) {{\n{dark_auto}\n}}\n")
