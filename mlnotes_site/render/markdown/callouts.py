"""Callouts: GitHub alerts (`> [!NOTE]`), Obsidian callouts (`> [!tip]- Title`, foldable),
Notion-style blockquotes that open with an emoji (`> 💡 …`) and MkDocs admonitions (`!!! note "Title"`,
foldable `??? tip` / `???+ tip`, parsed by mdit-py-plugins' admon). Core rules turn the blockquote
and admonition tokens into callout tokens before inline parsing, so titles can hold Markdown and math.
"""
from __future__ import annotations

import re
from html import escape

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from mdit_py_plugins.admon import admon_plugin

from mlnotes_site.model import markdown_env

_MARKER_RE = re.compile(r"^\[!([A-Za-z][\w-]*)\]([+-]?)[ \t]*(.*)$")

# Obsidian's aliases folded onto the families our theme styles.
KINDS = {
    "note": "note", "seealso": "note", "abstract": "abstract", "summary": "abstract", "tldr": "abstract",
    "info": "info", "todo": "todo", "tip": "tip", "hint": "tip", "important": "important",
    "success": "success", "check": "success", "done": "success", "question": "question", "help": "question",
    "faq": "question", "warning": "warning", "attention": "warning", "caution": "caution",
    "failure": "failure", "fail": "failure", "missing": "failure", "danger": "danger", "error": "danger",
    "bug": "bug", "example": "example", "quote": "quote", "cite": "quote",
}
EMOJI_KINDS = {
    "💡": "tip", "🔖": "note", "📝": "note", "📌": "important", "❗": "important", "‼": "important",
    "⚠": "warning", "🚨": "danger", "⛔": "danger", "🛑": "caution", "ℹ": "info", "✅": "success",
    "❌": "failure", "❓": "question", "🐛": "bug", "🐞": "bug", "📖": "example", "💬": "quote",
    "🎯": "tip", "🔥": "important", "⭐": "important", "👉": "note", "🧠": "tip", "🤔": "question",
}
_EMOJI_RE = re.compile(
    "^((?:[\U0001F300-\U0001FAFF\u2600-\u27BF\u2B50\u2B55\u203C\u2049\u2139\u231A-\u23FF]"
    "[\uFE0F\U0001F3FB-\U0001F3FF]?\u200D?)+)[ \t]*")


def _callout_from(content: str) -> tuple[dict[str, str | bool], str] | None:
    """(callout meta, remaining paragraph text) when a blockquote's first paragraph opens one."""
    first, _, rest = content.partition("\n")
    match = _MARKER_RE.match(first)
    if match:
        name = match.group(1).lower()
        kind = KINDS.get(name, "note")
        fold = match.group(2)
        return {"kind": kind, "name": name, "title": match.group(3).strip(), "fold": fold, "emoji": False}, rest
    match = _EMOJI_RE.match(content)
    if match:
        emoji = match.group(1)
        kind = next((k for e, k in EMOJI_KINDS.items() if emoji.startswith(e)), "note")
        return {"kind": kind, "name": kind, "title": "", "fold": "", "emoji": True}, \
            content[match.end():]
    return None


def _callouts(state: StateCore) -> None:
    tokens = state.tokens
    out: list[Token] = []
    closers: dict[int, Token] = {}  # index in `tokens` of a blockquote_close to convert
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.type == "blockquote_open" and i + 2 < len(tokens) and tokens[i + 1].type == "paragraph_open" \
                and tokens[i + 2].type == "inline":
            found = _callout_from(tokens[i + 2].content)
            if found:
                meta, rest = found
                close_at = next(j for j in range(i + 1, len(tokens))
                                if tokens[j].type == "blockquote_close" and tokens[j].level == token.level)
                opener = Token("callout_open", "div", 1, map=token.map, level=token.level, meta=meta, block=True)
                closers[close_at] = Token("callout_close", "div", -1, level=token.level, meta=meta, block=True)
                out.append(opener)
                if not meta["emoji"]:
                    title = meta["title"] or markdown_env(state.env).callout_titles.get(meta["kind"], str(meta["kind"]).title())
                    out.append(Token("callout_title_open", "div", 1, meta=meta, block=True))
                    out.append(Token("inline", "", 0, content=str(title), map=token.map, children=[],
                                     level=token.level + 1))
                    out.append(Token("callout_title_close", "div", -1, meta=meta, block=True))
                out.append(Token("callout_body_open", "div", 1, meta=meta, block=True))
                if rest.strip():
                    tokens[i + 2].content = rest
                    out.extend(tokens[i + 1:i + 4])
                i += 4
                # the first paragraph was consumed (or kept above); continue after it
                continue
        if i in closers:
            out.append(Token("callout_body_close", "div", -1, block=True))
            out.append(closers[i])
        else:
            out.append(token)
        i += 1
    state.tokens = out


def _admonitions(state: StateCore) -> None:
    """MkDocs admonitions as callouts: the same kinds, titles, folding and rendering."""
    if not any(t.type == "admonition_open" for t in state.tokens):
        return
    out: list[Token] = []
    stack: list[dict[str, str | bool]] = []
    titles = markdown_env(state.env).callout_titles
    in_title = False
    for token in state.tokens:
        if token.type == "admonition_open":
            name = str(token.meta.get("tag") or "note")
            kind = KINDS.get(name, "note")
            classes = str(token.attrGet("class") or "")
            fold = "+" if "collapsible-open" in classes else "-" if "collapsible-closed" in classes else ""
            quoted = '"' in token.info  # `!!! tip "Title"` or `!!! tip ""`; else the kind's own title
            meta: dict[str, str | bool] = {"kind": kind, "name": name, "fold": fold,
                                           "emoji": False, "title": token.content if quoted else ""}
            stack.append(meta)
            out.append(Token("callout_open", "div", 1, map=token.map, level=token.level, meta=meta, block=True))
            if not quoted or token.content or fold:  # `!!! note ""` has no title (a fold still needs one)
                title = token.content if quoted and token.content else titles.get(kind, kind.title())
                out.append(Token("callout_title_open", "div", 1, meta=meta, block=True))
                out.append(Token("inline", "", 0, content=title, map=token.map, children=[], level=token.level + 1))
                out.append(Token("callout_title_close", "div", -1, meta=meta, block=True))
            out.append(Token("callout_body_open", "div", 1, meta=meta, block=True))
        elif token.type in ("admonition_title_open", "admonition_title_close"):
            in_title = token.type == "admonition_title_open"  # its inline is replaced by the one above
        elif in_title:
            continue
        elif token.type == "admonition_close" and stack:
            meta = stack.pop()
            out.append(Token("callout_body_close", "div", -1, block=True))
            out.append(Token("callout_close", "div", -1, level=token.level, meta=meta, block=True))
        else:
            out.append(token)
    state.tokens = out


# The theme draws the icon of the callout's kind (an SVG in its stylesheet, by `data-callout`): an
# emoji draws as an empty box where no emoji font is installed.
_ICON = '<span class="callout-icon" aria-hidden="true"></span>'


def _open(self, tokens: list[Token], idx: int, options, env) -> str:  # type: ignore[no-untyped-def]
    meta = tokens[idx].meta
    kind = escape(str(meta["kind"]))
    classes = f"callout callout-{kind}" + (" callout-emoji" if meta["emoji"] else "")
    if meta["fold"]:
        opened = " open" if meta["fold"] == "+" else ""
        return f'<details class="{classes}" data-callout="{kind}"{opened}>\n'
    icon = _ICON if meta["emoji"] else ""
    return f'<div class="{classes}" data-callout="{kind}">{icon}\n'


def _close(self, tokens: list[Token], idx: int, options, env) -> str:  # type: ignore[no-untyped-def]
    return "</details>\n" if tokens[idx].meta["fold"] else "</div>\n"


def _title_open(self, tokens: list[Token], idx: int, options, env) -> str:  # type: ignore[no-untyped-def]
    meta = tokens[idx].meta
    tag = "summary" if meta["fold"] else "div"
    return f'<{tag} class="callout-title">{_ICON}<span class="callout-label">'


def _title_close(self, tokens: list[Token], idx: int, options, env) -> str:  # type: ignore[no-untyped-def]
    return "</span></summary>\n" if tokens[idx].meta["fold"] else "</span></div>\n"


def callouts_plugin(md: MarkdownIt) -> None:
    md.use(admon_plugin)
    md.core.ruler.after("block", "callouts", _callouts)
    md.core.ruler.after("callouts", "admonitions", _admonitions)
    md.add_render_rule("callout_open", _open)
    md.add_render_rule("callout_close", _close)
    md.add_render_rule("callout_title_open", _title_open)
    md.add_render_rule("callout_title_close", _title_close)
    md.add_render_rule("callout_body_open", lambda self, t, i, o, e: '<div class="callout-body">\n')
    md.add_render_rule("callout_body_close", lambda self, t, i, o, e: "</div>\n")
