"""Render one note: Markdown → body HTML, ToC, excerpt and counts, with formulas rendered.

Relative links stay as placeholders `\\x00N\\x00` and formulas as `\\x00mN\\x00`: the emitters fill in
URLs for the reader's language, and KaTeX HTML for pages or MathML for feeds. Apart from the math
engine (which caches), the result depends only on the note and the config.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape
from unicodedata import east_asian_width
from typing import Any, Mapping

from markdown_it.token import Token

from mlnotes_site.config import Config, macro_table
from mlnotes_site.load.content import Note
from mlnotes_site.render.math.equations import LABEL_RE, inline_form, number_display, resolve_refs
from mlnotes_site.i18n import strings_for
from mlnotes_site.render.markdown import create_markdown, restore_pipes
from mlnotes_site.cache import Cache
from mlnotes_site.render.markdown.code import code_key, fence_lang
from mlnotes_site.render.markdown.math import MATH_PLACEHOLDER
from mlnotes_site.render.math.cache import block_html
from mlnotes_site.render.math.katex import MathEngine, MathResult, extract_mathml
from mlnotes_site.render.markdown.links import PLACEHOLDER_RE
from mlnotes_site.problems import Problem, warning
from mlnotes_site.render.math.mathjax import katex_form
from mlnotes_site.render.math.macros import NoteDefinitions, defines_only, with_operators
from mlnotes_site.render.searchtext import search_text
from mlnotes_site.render.excerpt import Piece, count_han, count_words, make_excerpt, math_weight, reading_minutes

_MORE_RE = re.compile(r"^\s*<!--\s*more\s*-->\s*$", re.IGNORECASE)
_MORE_SEARCH_RE = re.compile(r"<!--\s*more\s*-->", re.IGNORECASE)
_CODE_RE = re.compile(r"<code>.*?</code>", re.S)
CODE_KIND = "code"  # cache entries: highlighted code blocks
_COPY_PLACEHOLDER = "\x00c{}\x00"  # a display formula in an excerpt, before its inline copy is made
_COPY_RE = re.compile("\x00c(\\d+)\x00")
_ANNOTATION_RE = re.compile(r'<annotation encoding="application/x-tex">.*?</annotation>', re.S)
_ANNOTATION = '<annotation encoding="application/x-tex">{}</annotation>'


@dataclass(frozen=True)
class TocEntry:
    level: int
    id: str
    html: str


@dataclass(frozen=True)
class LinkRef:
    target: str  # path relative to content/, normalized ("diffusion/ddim.md")
    fragment: str
    raw: str
    kind: str  # "link" or "image"; "wiki" or "wiki-image" for a wikilink, whose target is a name
    line: int  # 1-based line in the note's file
    is_dir: bool

    @property
    def wiki(self) -> bool:
        """A wikilink: its target is a name the site looks up, not a path."""
        return self.kind in ("wiki", "wiki-image")


@dataclass(frozen=True)
class NoteInfo:
    """What every page but the note's own needs: small, kept in memory for the whole site."""
    toc: tuple[TocEntry, ...]
    links: tuple[LinkRef, ...]
    excerpt: str  # HTML with formula placeholders
    math: Mapping[int, str]  # page HTML of the formulas the excerpt shows, by formula id
    math_count: int  # formulas of the body (excerpt copies not counted)
    han: int
    words: int
    reading_minutes: int
    problems: tuple[Problem, ...]


@dataclass(frozen=True)
class NoteBody:
    """The note's page body: large, read from the cache only when its page is written."""
    html: str  # body with link and formula placeholders
    math: tuple[str, ...]  # per formula id: the HTML a page shows


@dataclass(frozen=True)
class RenderedNote:
    info: NoteInfo
    body: NoteBody
    search: str = ""  # the search record (render/searchtext.py), cached apart from the body


def feed_math(page_html: str) -> str:
    """What a feed carries for a formula: KaTeX's MathML (or math-core's), the TeX of a failed one."""
    mathml = extract_mathml(page_html)
    if mathml:
        return mathml
    code = _CODE_RE.search(page_html)
    return code.group(0) if code else ""


@dataclass
class Prepared:
    """A note rendered up to its formulas, which the math engine renders in one batch."""
    note: Note
    tokens: list[Token]
    formulas: list[dict[str, Any]]
    body_count: int
    problems: list[Problem]
    anchors: dict[int, str | None]
    html: str
    toc: tuple[TocEntry, ...]
    excerpt: str
    requests: list[tuple[str, bool]]
    macros: dict[str, str]
    env: dict[str, Any]


def _inline_pieces(token: Token, labels: dict[str, tuple[str, str]] | None = None) -> list[Piece]:
    pieces: list[Piece] = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            pieces.append(Piece(restore_pipes(child.content)))
        elif child.type == "eqref":  # as the page shows it: "(3)", or "3" for \ref
            number = (labels or {}).get(child.meta["label"], ("?", ""))[0]
            pieces.append(Piece(f"({number})" if child.meta["kind"] == "eqref" else number))
        elif child.type in ("softbreak", "hardbreak"):
            pieces.append(Piece(" "))
        elif child.type == "math_inline" and not defines_only(child.content):
            pieces.append(Piece(html=MATH_PLACEHOLDER.format(child.meta["mid"]), weight=math_weight(child.content)))
    return pieces


def _excerpt_pieces(tokens: list[Token], code_label: str, enough: int | None,
                    labels: dict[str, tuple[str, str]] | None = None) -> tuple[list[Piece], bool]:
    """Visible pieces of the body in order, and whether a `<!-- more -->` marker ended them.

    Without a marker, stop once `enough` characters are gathered: an excerpt needs only the start.
    A display formula is a `_COPY_PLACEHOLDER`: an inline-mode copy is made only if the excerpt keeps it.
    """
    pieces: list[Piece] = []
    gathered = 0
    skip_depth = 0  # inside footnotes
    for token in tokens:
        if enough is not None and gathered > enough:
            break
        if token.type == "footnote_block_open":
            skip_depth += 1
        elif token.type == "footnote_block_close":
            skip_depth -= 1
        if skip_depth:
            continue
        if token.type == "html_block" and _MORE_RE.match(token.content):
            return pieces, True
        if token.type == "inline":
            children = token.children or []
            marker = next((i for i, c in enumerate(children) if c.type == "html_inline" and _MORE_RE.match(c.content)), None)
            inline = _inline_pieces(Token("inline", "", 0, children=children[:marker] if marker is not None else children),
                                    labels)
            gathered += sum(len(p.text) + p.weight * bool(p.html) for p in inline)
            pieces.extend(inline)
            if marker is not None:
                return pieces, True
            pieces.append(Piece(" "))
        elif token.type in ("fence", "code_block"):
            pieces.append(Piece(f" {code_label} "))
        elif token.type == "math_block" and not defines_only(token.content):
            weight = math_weight(token.content)
            pieces.append(Piece(html=_COPY_PLACEHOLDER.format(token.meta["mid"]), weight=weight))
            pieces.append(Piece(" "))
            gathered += weight
    return pieces, False


def _count(tokens: list[Token]) -> tuple[int, int]:
    """(Han characters, Latin words) of the prose; code is not read aloud, a formula counts as a word."""
    han = words = 0
    for token in tokens:
        for child in token.children or [token]:
            if child.type in ("text", "code_inline"):
                han += count_han(child.content)
                words += count_words(child.content)
            elif child.type in ("math_inline", "math_block"):
                words += 1
    return han, words


def locate(body: str, first_line: int, tex: str, offset: int) -> tuple[int, int]:
    """0-based (line, column) in `body` of `offset` inside a formula whose source starts near
    `first_line`; container prefixes such as '> ' are skipped by searching for the TeX's lines."""
    lines = body.split("\n")
    tex_lines = tex.split("\n")
    offset = max(0, min(offset, len(tex)))
    k = tex[:offset].count("\n")
    col_in = offset - (tex.rfind("\n", 0, offset) + 1)
    head = next((t for t in tex_lines if t.strip()), "")
    start = first_line
    for i in range(first_line, min(len(lines), first_line + 400)):
        if head.strip() and head.strip() in lines[i]:
            start = i - next(j for j, t in enumerate(tex_lines) if t.strip())
            break
    line_no = min(max(start + k, 0), max(len(lines) - 1, 0))
    piece = tex_lines[k].strip()
    source = lines[line_no] if lines else ""
    at = source.find(piece) if piece else -1
    lead = len(tex_lines[k]) - len(tex_lines[k].lstrip())
    column = (at - lead if at >= 0 else 0) + col_in
    return line_no, max(column, 0)


SNIPPET_WIDTH = 100  # characters of the source line a problem quotes; longer lines are cut around the spot


def _snippet(source_line: str, column: int, length: int) -> str:
    text = source_line.replace("\t", " ")
    length = max(1, min(length, max(1, len(text) - column), SNIPPET_WIDTH // 2))
    if len(text) > SNIPPET_WIDTH:
        start = max(0, min(column - SNIPPET_WIDTH // 3, len(text) - SNIPPET_WIDTH))
        head, tail = ("…" if start > 0 else ""), ("…" if start + SNIPPET_WIDTH < len(text) else "")
        text, column = head + text[start:start + SNIPPET_WIDTH] + tail, column - start + len(head)
    # CJK characters take two cells on a terminal: the caret is placed by cells, not characters
    pad = sum(2 if east_asian_width(ch) in "WF" else 1 for ch in text[:column])
    return f"    {text}\n    {' ' * pad}{'^' * length}"


def _note_macros(note: Note) -> dict[str, str]:
    return macro_table(note.params.get("macros")) or {}


def summary_html(summary: str, env: dict[str, Any]) -> str:
    """The front matter summary as excerpt HTML; its formulas join the note's (same env)."""
    tokens = create_markdown().parseInline(summary, env)
    pieces: list[Piece] = []
    for token in tokens:
        pieces.extend(_inline_pieces(token))
    return make_excerpt(pieces, 0, truncate=False)


def prepare_note(note: Note, config: Config, cache: Cache | None = None) -> Prepared:
    """Everything but the formulas: parse, number equations, render HTML, ToC and excerpt. With a
    cache, highlighted code blocks come from it and new ones go into it."""
    md = create_markdown()
    strings = strings_for(note.lang, config)
    env: dict[str, Any] = {"folder": note.topic, "copy_label": strings["copy"], "safe_html": not config.unsafe_html,
                           "callout_titles": {k[len("callout_"):]: v for k, v in strings.items()
                                              if k.startswith("callout_")}}
    tokens = md.parse(note.body, env)
    if cache is not None:
        keys = [code_key(t.content, fence_lang(t)) for t in tokens if t.type in ("fence", "code_block") and fence_lang(t)]
        env["code_cached"] = cache.get_many(CODE_KIND, list(dict.fromkeys(keys))) if keys else {}
    formulas: list[dict[str, Any]] = env["math"]
    body_count = len(formulas)
    problems: list[Problem] = []
    for line, (opener, indent) in sorted(env.get("unclosed_math", {}).items()):
        closer = {"$$": "$$", "\\[": "\\]", "\\\\[": "\\\\]"}.get(opener, opener.replace("\\begin", "\\end"))
        problems.append(warning("math/unclosed", f"'{opener}' opens a display formula that is never closed, "
                                "so it shows as text", note.path, note.body_line + line + 1, indent + 1,
                                hint=f"end the formula with '{closer}' (a blank line does not end it)"))
    if "unclosed_comment" in env:
        problems.append(warning("markdown/unclosed-comment", "'%%' opens a comment that is never closed, so the rest "
                                "of the note is hidden (as in Obsidian)", note.path,
                                note.body_line + env["unclosed_comment"] + 1, 1,
                                hint="end the comment with a line ending in '%%'"))

    # Equation numbers and labels come first: prose \eqref links need them while rendering.
    display_ids = [i for i, f in enumerate(formulas) if f["display"]]
    numbered, labels = number_display([formulas[i]["tex"] for i in display_ids], config.math_number_equations)
    anchors: dict[int, str | None] = {}
    seen_labels: set[str] = set()
    for i in display_ids:
        for match in LABEL_RE.finditer(formulas[i]["tex"]):
            label = match.group(1).strip()
            if label in seen_labels:
                line, column = locate(note.body, formulas[i]["line"], formulas[i]["tex"], match.start())
                problems.append(warning("math/duplicate-label", f"\\label{{{label}}} is used by an earlier equation "
                                        "of this note too; references go to the first", note.path,
                                        note.body_line + line + 1, column + 1, hint="give each equation its own label"))
            seen_labels.add(label)
    for i, eq in zip(display_ids, numbered):
        formulas[i]["render_tex"] = eq.tex
        anchors[i] = eq.anchor
    env["labels"] = labels

    html = restore_pipes(md.renderer.render(tokens, md.options, env))
    if cache is not None and env.get("code_new"):
        cache.put_many(CODE_KIND, env.pop("code_new"))
    toc = tuple(
        TocEntry(level, ident, restore_pipes(md.renderer.renderInline(
            [c for c in (inline.children or []) if c.type != "footnote_ref"], md.options, env)))
        for level, ident, inline in env.get("toc_tokens", [])
        if 2 <= level <= 4
    ) if note.toc else ()

    def inline_copy(mid: int) -> int:
        formulas.append({**formulas[mid], "display": False, "block": False, "copy": True, "source": mid,
                         "render_tex": inline_form(formulas[mid].get("render_tex", formulas[mid]["tex"]))})
        return len(formulas) - 1

    code_label = strings["code_placeholder"]
    summary_start = len(formulas)
    if note.summary:
        excerpt = summary_html(note.summary, env)
        for f in formulas[summary_start:]:
            f["summary"] = True
    else:
        has_marker = _MORE_SEARCH_RE.search(note.body) is not None
        pieces, marked = _excerpt_pieces(tokens, code_label, None if has_marker else 2 * config.excerpt_length + 20,
                                         labels)
        excerpt = make_excerpt(pieces, config.excerpt_length, truncate=not marked)
        # copies of the display formulas the excerpt kept, in the order it shows them
        excerpt = _COPY_RE.sub(lambda m: MATH_PLACEHOLDER.format(inline_copy(int(m.group(1)))), excerpt)

    # References inside formulas, definitions made by earlier formulas, then one batch for the note.
    requests: list[tuple[str, bool]] = []
    carried = NoteDefinitions()
    for f in formulas:
        tex, unknown = resolve_refs(f.get("render_tex", f["tex"]), labels)
        if f.get("copy"):
            prefix = formulas[f["source"]].get("prefix", "")
        elif f.get("summary"):
            prefix = carried.everything()
        else:
            prefix = carried.prefix_for(tex)
            carried.learn(f["tex"])
        if prefix:
            f["prefix"] = prefix
        sent = prefix + katex_form(with_operators(tex))
        if sent != tex:
            f["annotate"] = tex  # the TeX a reader copies is the formula's own, not what was sent
        requests.append((sent, bool(f["display"])))
        if not f.get("copy") and not f.get("summary"):
            for label, _ in unknown:
                line, column = locate(note.body, f["line"], f["tex"], f["tex"].find(label))
                problems.append(warning("math/unknown-label", f"no equation in this note has \\label{{{label}}}",
                                        note.path, note.body_line + line + 1, column + 1,
                                        hint="add \\label{...} to a display formula, or fix the name"))
    return Prepared(note, tokens, formulas, body_count, problems, anchors, html, toc, excerpt, requests,
                    _note_macros(note), env)


def finish_note(prep: Prepared, results: list[MathResult]) -> RenderedNote:
    """Put the rendered formulas in, with a located problem for each one that failed."""
    note, tokens, formulas, body_count, problems = prep.note, prep.tokens, prep.formulas, prep.body_count, prep.problems
    anchors, html, toc, excerpt, env = prep.anchors, prep.html, prep.toc, prep.excerpt, prep.env

    page: list[str] = []
    carried_reported = False  # a broken definition carried to later formulas is reported once
    for mid, (f, result) in enumerate(zip(formulas, results)):
        tex = f["tex"]
        if result.error is not None:
            if not f.get("copy"):
                if f.get("summary"):
                    line, column, source = note.line_of("summary") - 1, 0, ""
                    problems.append(warning("math/parse", f"{result.error} (in summary: {tex})", note.path,
                                            line + 1, 1, hint="fix the formula in the front matter summary"))
                else:
                    position, message = result.position, result.error
                    carried = len(f.get("prefix", ""))
                    if 0 <= position < carried:  # inside a definition an earlier formula made
                        message, position = f"{message} (in a macro defined by an earlier formula)", 0
                        if carried_reported:
                            message = ""
                        carried_reported = True
                    else:
                        position = max(0, position - carried)
                    line, column = locate(note.body, f["line"], tex, min(position, len(tex)))
                    source = note.body.split("\n")[line] if note.body else ""
                    if message:
                        problems.append(warning("math/parse", message, note.path, note.body_line + line + 1,
                                                column + 1, hint="fix the TeX; the page shows its source in a red box",
                                                snippet=_snippet(source, column, result.length)))
            box = (f'<span class="math-error" title="{escape(result.error)}"><code>{escape(tex)}</code></span>')
            page.append(f'<div class="math-block math-error-block">{box}</div>' if f["block"] else box)
            continue
        if "annotate" in f:
            result = MathResult(_ANNOTATION_RE.sub(lambda _: _ANNOTATION.format(escape(f["annotate"])), result.html, 1))
        if f["block"]:
            anchor = anchors.get(mid)
            ident = f' id="{escape(anchor)}"' if anchor else ""
            page.append(block_html(result.html, ident))
        else:
            page.append(result.html)

    for label in env.get("unknown_refs", []):
        problems.append(warning("math/unknown-label", f"\\eqref{{{label}}} names no labelled equation in this note",
                                note.path, note.body_line + _line_of_text(note.body, label) + 1, 1,
                                hint="add \\label{...} to a display formula, or fix the name"))

    links = tuple(LinkRef(str(l["target"]), str(l["fragment"]), str(l["raw"]), str(l["kind"]),
                          int(l["line"]) + note.body_line + 1, bool(l["is_dir"]))
                  for l in env.get("links", []))
    han, words = _count(tokens)
    shown = {int(m.group(2)) for m in PLACEHOLDER_RE.finditer(excerpt) if m.group(1)}
    info = NoteInfo(
        toc=toc,
        links=links,
        excerpt=excerpt,
        math={mid: page[mid] for mid in sorted(shown)},
        math_count=body_count,
        han=han,
        words=words,
        reading_minutes=reading_minutes(han, words),
        problems=tuple(problems),
    )
    return RenderedNote(info, NoteBody(html, tuple(page)), search_text(tokens, formulas[:body_count]))


def render_note(note: Note, config: Config, engine: MathEngine) -> RenderedNote:
    prep = prepare_note(note, config)
    return finish_note(prep, engine.render(prep.requests, prep.macros))


def _line_of_text(body: str, needle: str) -> int:
    at = body.find(needle)
    return body.count("\n", 0, at) if at >= 0 else 0
