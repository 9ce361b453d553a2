"""Render one note: Markdown → body HTML, ToC, excerpt and counts, with formulas rendered.

Relative links and formulas stay placeholders (`model.placeholder`): the emitters fill in URLs for
the reader's language, and KaTeX HTML for pages or MathML for feeds. Apart from the math
engine (which caches), the result depends only on the note and the config.
"""
from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, replace
from html import escape, unescape
from typing import Any
from unicodedata import east_asian_width

from markdown_it.token import Token

from mlnotes_site.config import Config, macro_table
from mlnotes_site.load.content import Note
from mlnotes_site.model import (COPY, MATH, Formula, MarkdownEnv, NoteBody, NoteInfo, RenderedNote, TocEntry,
                                fill_placeholders, find_placeholders, markdown_env, new_env, placeholder)
from mlnotes_site.render.math.equations import LABEL_RE, number_display, resolve_refs, starred
from mlnotes_site.i18n import strings_for
from mlnotes_site.render.markdown import create_markdown, restore_pipes
from mlnotes_site.cache import Cache
from mlnotes_site.render.markdown.code import code_key, fence_lang
from mlnotes_site.render.math.cache import block_html
from mlnotes_site.render.math.engine import MathEngine, MathResult
from mlnotes_site.render.math.oneline import inline_form
from mlnotes_site.render.math.html import with_source
from mlnotes_site.problems import Problem, warning
from mlnotes_site.render.math.mathjax import escape_text_mode, katex_form
from mlnotes_site.render.math.macros import NoteDefinitions, defines_only, with_operators
from mlnotes_site.render.title import title_html, title_pieces, title_text
from mlnotes_site.render.linkcontext import fill_formulas, link_contexts
from mlnotes_site.render.excerpt import (Piece, count_han, count_words, make_excerpt, math_weight, meta_description,
                                         reading_minutes)
from mlnotes_site.render.searchtext import search_text
from mlnotes_site.render.sections import embed_offsets, render_body

_MORE_RE = re.compile(r"^\s*<!--\s*more\s*-->\s*$", re.IGNORECASE)
_MORE_SEARCH_RE = re.compile(r"<!--\s*more\s*-->", re.IGNORECASE)
CODE_KIND = "code"  # cache entries: highlighted code blocks


@dataclass
class Prepared:
    """A note rendered up to its formulas, which the math engine renders in one batch."""
    note: Note
    tokens: list[Token]
    formulas: list[Formula]
    body_count: int
    problems: list[Problem]
    anchors: dict[int, str | None]
    html: str
    toc: tuple[TocEntry, ...]
    excerpt: str
    requests: list[tuple[str, bool]]
    macros: dict[str, str]
    env: MarkdownEnv
    contexts: list[str]  # per link: the sentence around it, formulas as placeholders (backlinks)
    title_html: str = ""
    title_text: str = ""
    sections: tuple[tuple[str, int, int], ...] = ()  # what another note can embed (render/sections.py)


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
            # `\[…\]` inside a paragraph is display math: an excerpt shows its inline copy, as for blocks;
            # so does an inline formula with rows (`$$\begin{aligned}…$$` mid-sentence): one line high there
            one_line = child.meta.get("display") or inline_form(child.content) != child.content.strip()
            kind = COPY if one_line else MATH
            pieces.append(Piece(html=placeholder(kind, child.meta["mid"]), weight=math_weight(child.content)))
    return pieces


def _excerpt_pieces(tokens: list[Token], code_label: str, enough: int | None,
                    labels: dict[str, tuple[str, str]] | None = None) -> tuple[list[Piece], bool]:
    """Visible pieces of the body in order, and whether a `<!-- more -->` marker ended them.

    Without a marker, stop once `enough` characters are gathered: an excerpt needs only the start.
    A display formula is a COPY placeholder: an inline-mode copy is made only if the excerpt keeps it.
    """
    pieces: list[Piece] = []
    gathered = 0
    skip_depth = 0  # inside footnotes
    in_heading = False
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
        if token.type == "heading_open":
            # a section heading would run into the prose around it ("…答案了。 引用计数 每个对象…")
            in_heading = True
        elif token.type == "heading_close":
            in_heading = False
        elif token.type == "inline" and in_heading:
            continue
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
            pieces.append(Piece(html=placeholder(COPY, token.meta["mid"]), weight=weight))
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
    state = MarkdownEnv(folder=posixpath.dirname(note.content_path), copy_label=strings["copy"], safe_html=not config.unsafe_html,
                        callout_titles={k[len("callout_"):]: v for k, v in strings.items() if k.startswith("callout_")})
    env = new_env(state)
    tokens = md.parse(note.body, env)
    if cache is not None:
        state.code_cached = _cached_code(tokens, cache)
    formulas = state.formulas
    body_count = len(formulas)
    problems = _unclosed(note, state)
    # Equation numbers and labels come first: prose \eqref links need them while rendering.
    anchors, state.labels = _number_equations(note, formulas, config.math_number_equations, problems)
    html, sections = render_body(md, tokens, env)
    if cache is not None and state.code_new:
        cache.put_many(CODE_KIND, state.code_new)
        state.code_new = {}
    toc = tuple(
        TocEntry(level, ident, restore_pipes(md.renderer.renderInline(  # type: ignore[attr-defined]
            [c for c in (inline.children or []) if c.type != "footnote_ref"], md.options, env)))
        for level, ident, inline in state.toc
        if 2 <= level <= 4
    ) if note.toc else ()
    excerpt = _excerpt(note, config, tokens, env, strings["code_placeholder"])
    pieces = title_pieces(note.title)
    shown_title = title_html(pieces, lambda tex: _title_formula(formulas, tex))
    requests = _math_requests(note, formulas, state.labels, problems)
    return Prepared(note, tokens, formulas, body_count, problems, anchors, html, toc, excerpt, requests,
                    _note_macros(note), state, link_contexts(tokens, len(state.links)), shown_title, title_text(pieces),
                    sections)


def _title_formula(formulas: list[Formula], tex: str) -> str:
    """A formula of the title: rendered inline with the note's formulas, after all of them."""
    formulas.append(Formula(tex, False, False, 0, title=True))
    return placeholder(MATH, len(formulas) - 1)


def _cached_code(tokens: list[Token], cache: Cache) -> dict[str, str]:
    """The highlighted HTML the cache holds for the note's code blocks."""
    keys = [code_key(t.content, fence_lang(t)) for t in tokens if t.type in ("fence", "code_block") and fence_lang(t)]
    return cache.get_many(CODE_KIND, list(dict.fromkeys(keys))) if keys else {}


def _unclosed(note: Note, state: MarkdownEnv) -> list[Problem]:
    """Warnings for display formulas and comments opened and never closed (they show as text)."""
    problems: list[Problem] = []
    for line, (opener, indent) in sorted(state.unclosed_math.items()):
        closer = {"$$": "$$", "\\[": "\\]", "\\\\[": "\\\\]"}.get(opener, opener.replace("\\begin", "\\end"))
        problems.append(warning("math/unclosed", f"'{opener}' opens a display formula that is never closed, "
                                "so it shows as text", note.path, note.body_line + line + 1, indent + 1,
                                hint=f"end the formula with '{closer}' (a blank line does not end it)"))
    if state.unclosed_comment is not None:
        problems.append(warning("markdown/unclosed-comment", "'%%' opens a comment that is never closed, so the rest "
                                "of the note is hidden (as in Obsidian)", note.path,
                                note.body_line + state.unclosed_comment + 1, 1,
                                hint="end the comment with a line ending in '%%'"))
    return problems


def _number_equations(note: Note, formulas: list[Formula], auto: bool,
                      problems: list[Problem]) -> tuple[dict[int, str | None], dict[str, tuple[str, str]]]:
    """Number the display formulas (their TeX gets its numbers): each one's anchor by id, and
    label -> (number, anchor). A label used twice is reported; references go to the first."""
    display_ids = [i for i, f in enumerate(formulas) if f.display]
    numbered, labels = number_display([formulas[i].tex for i in display_ids], auto)
    seen_labels: set[str] = set()
    for i in display_ids:
        for match in LABEL_RE.finditer(formulas[i].tex):
            label = match.group(1).strip()
            if label in seen_labels:
                line, column = locate(note.body, formulas[i].line, formulas[i].tex, match.start())
                problems.append(warning("math/duplicate-label", f"\\label{{{label}}} is used by an earlier equation "
                                        "of this note too; references go to the first", note.path,
                                        note.body_line + line + 1, column + 1, hint="give each equation its own label"))
            seen_labels.add(label)
    anchors: dict[int, str | None] = {}
    for i, eq in zip(display_ids, numbered):
        formulas[i].numbered = eq.tex
        anchors[i] = eq.anchor
    return anchors, labels


def _excerpt(note: Note, config: Config, tokens: list[Token], env: dict[str, Any], code_label: str) -> str:
    """The excerpt HTML: the front matter summary, else the body up to `<!-- more -->` or about
    `excerpt_length` characters. Display formulas it keeps become inline copies (new formula ids)."""
    state = markdown_env(env)
    formulas = state.formulas
    if note.summary:
        start = len(formulas)
        excerpt = summary_html(note.summary, env)
        for f in formulas[start:]:
            f.summary = True
    else:
        has_marker = _MORE_SEARCH_RE.search(note.body) is not None
        pieces, marked = _excerpt_pieces(tokens, code_label, None if has_marker else 2 * config.excerpt_length + 20,
                                         state.labels)
        excerpt = make_excerpt(pieces, config.excerpt_length, truncate=not marked)

    def inline_copy(mid: int) -> str:
        original = formulas[mid]
        formulas.append(replace(original, display=False, block=False, copy_of=mid,
                                numbered=inline_form(original.render_tex)))
        return placeholder(MATH, len(formulas) - 1)

    # copies of the display formulas the excerpt kept, in the order it shows them
    return fill_placeholders(excerpt, {COPY: inline_copy})


def _math_requests(note: Note, formulas: list[Formula], labels: dict[str, tuple[str, str]],
                   problems: list[Problem]) -> list[tuple[str, bool]]:
    """What KaTeX is sent for each formula: references inside it resolved, and the definitions
    earlier formulas made that it uses put in front; unknown references are reported."""
    requests: list[tuple[str, bool]] = []
    carried = NoteDefinitions()
    for f in formulas:
        tex, unknown = resolve_refs(f.render_tex, labels)
        if f.copy_of is not None:
            f.prefix = formulas[f.copy_of].prefix
        elif f.summary or f.title:
            f.prefix = carried.everything()
        else:
            f.prefix = carried.prefix_for(tex)
            carried.learn(escape_text_mode(f.tex))  # carried as KaTeX gets it (see mathjax.py)
        sent = f.prefix + katex_form(with_operators(starred(tex) if f.display else tex))
        if sent != tex:
            f.annotate = tex  # the TeX a reader copies is the formula's own, not what was sent
        requests.append((sent, f.display))
        if f.copy_of is None and not f.summary and not f.title:
            for label, _ in unknown:
                line, column = locate(note.body, f.line, f.tex, f.tex.find(label))
                problems.append(warning("math/unknown-label", f"no equation in this note has \\label{{{label}}}",
                                        note.path, note.body_line + line + 1, column + 1,
                                        hint="add \\label{...} to a display formula, or fix the name"))
    return requests


def finish_note(prep: Prepared, results: list[MathResult]) -> RenderedNote:
    """Put the rendered formulas in, with a located problem for each one that failed."""
    note, tokens, formulas, body_count, problems = prep.note, prep.tokens, prep.formulas, prep.body_count, prep.problems
    anchors, html, toc, excerpt, state = prep.anchors, prep.html, prep.toc, prep.excerpt, prep.env

    page: list[str] = []
    carried_reported = False  # a broken definition carried to later formulas is reported once
    for mid, (f, result) in enumerate(zip(formulas, results)):
        tex = f.tex
        if result.error is not None:
            if f.copy_of is None:
                if f.summary or f.title:
                    where = "summary" if f.summary else "title"
                    problems.append(warning("math/parse", f"{result.error} (in {where}: {tex})", note.path,
                                            note.line_of(where), 1, hint=f"fix the formula in the front matter {where}"))
                else:
                    position, message = result.position, result.error
                    carried = len(f.prefix)
                    if 0 <= position < carried:  # inside a definition an earlier formula made
                        message, position = f"{message} (in a macro defined by an earlier formula)", 0
                        if carried_reported:
                            message = ""
                        carried_reported = True
                    else:
                        position = max(0, position - carried)
                    line, column = locate(note.body, f.line, tex, min(position, len(tex)))
                    source = note.body.split("\n")[line] if note.body else ""
                    if message:
                        problems.append(warning("math/parse", message, note.path, note.body_line + line + 1,
                                                column + 1, hint="fix the TeX; the page shows its source in a red box",
                                                snippet=_snippet(source, column, result.length)))
            box = (f'<span class="math-error" title="{escape(result.error)}"><code>{escape(tex)}</code></span>')
            page.append(f'<div class="math-block math-error-block">{box}</div>' if f.block else box)
            continue
        if f.annotate is not None:
            result = MathResult(with_source(result.html, f.annotate))
        if f.block:
            anchor = anchors.get(mid)
            ident = f' id="{escape(anchor)}"' if anchor else ""
            page.append(block_html(result.html, ident))
        else:
            page.append(result.html)

    for label in state.unknown_refs:
        problems.append(warning("math/unknown-label", f"\\eqref{{{label}}} names no labelled equation in this note",
                                note.path, note.body_line + _line_of_text(note.body, label) + 1, 1,
                                hint="add \\label{...} to a display formula, or fix the name"))

    links = tuple(replace(link, line=link.line + note.body_line + 1, context=fill_formulas(context, page))
                  for link, context in zip(state.links, prep.contexts))
    han, words = _count(tokens)
    shown = {found.index for found in find_placeholders(excerpt) if found.kind == MATH}
    excerpt_math = {mid: page[mid] for mid in sorted(shown)}
    title_math = {found.index: page[found.index] for found in find_placeholders(prep.title_html)}
    info = NoteInfo(
        toc=toc,
        links=links,
        excerpt=excerpt,
        math={**excerpt_math, **title_math},
        math_count=body_count,
        han=han,
        words=words,
        reading_minutes=reading_minutes(han, words),
        problems=tuple(problems),
        description=meta_description(excerpt, excerpt_math),
        title_html=prep.title_html,
        title_text=prep.title_text,
        anchors=page_ids(html, page),
        fragments=tuple((fragment, line + note.body_line + 1, raw) for fragment, line, raw in state.fragments),
        embeds=embed_offsets(html, state.embeds),
        sections=prep.sections,
    )
    return RenderedNote(info, NoteBody(html, tuple(page)), search_text(tokens, formulas[:body_count]))


_ID_RE = re.compile(r'\sid="([^"]+)"')


def page_ids(html: str, page: list[str]) -> tuple[str, ...]:
    """Every id the note's page holds (headings, footnotes, raw HTML, numbered equations), sorted."""
    ids = {unescape(m.group(1)) for m in _ID_RE.finditer(html)}
    for formula in page:
        if formula.startswith("<div"):
            ids.update(unescape(m.group(1)) for m in _ID_RE.finditer(formula[:300]))
    return tuple(sorted(ids))


def render_note(note: Note, config: Config, engine: MathEngine) -> RenderedNote:
    prep = prepare_note(note, config)
    return finish_note(prep, engine.render(prep.requests, prep.macros))


def _line_of_text(body: str, needle: str) -> int:
    at = body.find(needle)
    return body.count("\n", 0, at) if at >= 0 else 0
