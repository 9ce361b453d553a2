"""A code cell's outputs as Markdown blocks (raw HTML blocks, or Markdown for text/markdown and
text/latex outputs, which our own pipeline renders with its math). Images are stored as files by
the caller and referenced by relative path: never inlined as base64.

Every HTML block is written without blank lines (CommonMark ends an HTML block at one), so what
a kernel printed never becomes Markdown by accident.
"""
from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field
from html import escape
from typing import Any, Callable, Mapping

from mlnotes_site.load.ansi import ansi_to_html, terminal_lines
from mlnotes_site.load.imagesize import image_size
from mlnotes_site.problems import Problem, note, warning

IMAGE_TYPES = ("image/svg+xml", "image/png", "image/jpeg", "image/gif", "image/webp")
# What a notebook viewer prefers, best first (images over HTML: a static page has no kernel to
# run the scripts an HTML repr may need).
PRIORITY = (*IMAGE_TYPES, "text/html", "text/latex", "text/markdown", "text/plain")
# Outputs that need a live kernel or a JavaScript runtime: dropped, with a note.
INTERACTIVE = ("application/vnd.jupyter.widget-view+json", "application/vnd.jupyter.widget-state+json",
               "application/javascript", "text/javascript")
EXTENSIONS = {"image/svg+xml": "svg", "image/png": "png", "image/jpeg": "jpg", "image/gif": "gif",
              "image/webp": "webp"}
CHARS_PER_LINE = 160  # an output cut at `max_lines` lines is also cut at this many characters a line
_BLANK_RE = re.compile(r"^[ \t]*$", re.M)
_MATH_START = ("$", "\\[", "\\(", "\\begin")


@dataclass
class OutputContext:
    strings: Mapping[str, str]
    max_lines: int
    store: Callable[[bytes, str], str]  # (bytes, MIME type) -> the file's path relative to the note's folder
    site_path: str
    cell: int
    problems: list[Problem] = field(default_factory=list)


def text_of(value: Any) -> str:
    """nbformat keeps multi-line strings joined, but a hand-made notebook may hold a list of lines."""
    if isinstance(value, list):
        return "".join(str(v) for v in value)
    return value if isinstance(value, str) else ""


def html_block(html: str) -> str:
    """Raw HTML that stays one HTML block: a blank line becomes an empty comment (invisible, and in a
    <pre> the line still shows as empty)."""
    return _BLANK_RE.sub(lambda m: m.group(0) + "<!---->", html.strip("\n"))


def cut(text: str, max_lines: int, strings: Mapping[str, str]) -> tuple[str, str, str]:
    """(head, marker HTML, tail) of a long text: the start and the end are kept (a training log's
    last lines matter as much as its first); the marker is empty when nothing was cut."""
    lines = text.split("\n")
    if len(lines) > max_lines:
        keep_head = max(1, max_lines // 2)
        keep_tail = max(0, max_lines - keep_head)
        head, tail = lines[:keep_head], lines[len(lines) - keep_tail:] if keep_tail else []
        omitted = len(lines) - keep_head - keep_tail
        marker = strings["notebook_cut_lines"].format(n=omitted)
        return "\n".join(head), marker, "\n".join(tail)
    limit = max_lines * CHARS_PER_LINE
    if len(text) > limit:
        head, tail = text[:limit // 2], text[len(text) - limit // 2:]
        marker = strings["notebook_cut_chars"].format(n=len(text) - 2 * (limit // 2))
        return head, marker, tail
    return text, "", ""


def _pre(text: str, kind: str, ctx: OutputContext) -> str:
    head, marker, tail = cut(text.rstrip("\n"), ctx.max_lines, ctx.strings)
    body = ansi_to_html(head)
    if marker:
        body += f'\n<span class="nb-cut">{escape(marker)}</span>\n' + ansi_to_html(tail)
    return html_block(f'<pre class="nb-output {kind}">{body}</pre>')


def decode_image(data: Any, mime: str) -> bytes | None:
    """An image's bytes: SVG is stored as text, the others as base64 (None when that is broken)."""
    raw = text_of(data)
    try:
        return raw.encode("utf-8") if mime == "image/svg+xml" else base64.b64decode(raw.encode("ascii"))
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return None


def _image(data: Any, mime: str, meta: Mapping[str, Any], alt: str, ctx: OutputContext) -> str | None:
    blob = decode_image(data, mime)
    if not blob:
        ctx.problems.append(warning("notebook/output", f"an {mime} output is empty or not valid base64; it is "
                                    "left out", ctx.site_path, cell=ctx.cell))
        return None
    src = ctx.store(blob, mime)
    size = image_size(blob, mime)
    shown = meta.get(mime) if isinstance(meta.get(mime), Mapping) else meta
    width = shown.get("width") if isinstance(shown.get("width"), (int, float)) else None
    height = shown.get("height") if isinstance(shown.get("height"), (int, float)) else None
    if size and width and not height:  # IPython's Image(width=...) scales the height with it
        height = size[1] * width / size[0]
    elif size and height and not width:
        width = size[0] * height / size[1]
    elif not (width and height) and size:
        width, height = size
    dims = f' width="{round(width)}" height="{round(height)}"' if width and height else ""
    return (f'<div class="nb-output nb-image"><img src="{escape(src)}"{dims} loading="lazy" '
            f'alt="{escape(alt)}"></div>')


def _markdown_section(kind: str, source: str) -> str:
    return f'<div class="nb-output {kind}">\n\n{source.strip(chr(10))}\n\n</div>'


def _rich(bundle: Mapping[str, Any], meta: Mapping[str, Any], ctx: OutputContext) -> str | None:
    """The best representation of a display_data / execute_result output."""
    plain = text_of(bundle.get("text/plain", ""))
    chosen = next((mime for mime in PRIORITY if mime in bundle
                   and not (mime == "text/plain" and any(k in bundle for k in INTERACTIVE))), None)
    if chosen is None:
        kinds = ", ".join(sorted(bundle)) or "nothing"
        ctx.problems.append(note("notebook/interactive", f"an output needs a live kernel or JavaScript ({kinds}); "
                                 "a static page cannot show it, so it is left out", ctx.site_path, cell=ctx.cell,
                                 hint="save a static form too (e.g. an image) if readers should see it"))
        return html_block(f'<p class="nb-output nb-dropped">{escape(ctx.strings["notebook_interactive"])}</p>')
    value = bundle[chosen]
    if chosen in IMAGE_TYPES:
        alt = plain.strip()[:200] if plain.strip() else ""
        return _image(value, chosen, meta, alt, ctx)
    text = text_of(value)
    if chosen == "text/html":
        return html_block(f'<div class="nb-output nb-html">\n{text.strip(chr(10))}\n</div>')
    if chosen == "text/latex":
        tex = text.strip()
        return _markdown_section("nb-latex", tex if tex.startswith(_MATH_START) else f"$$\n{tex}\n$$")
    if chosen == "text/markdown":
        return _markdown_section("nb-markdown", close_fences(text))
    return _pre(text, "nb-text", ctx)


def output_blocks(outputs: list[Any], ctx: OutputContext) -> list[str]:
    """Markdown blocks for the outputs of one code cell, in order; consecutive stream outputs of the
    same stream are joined, as Jupyter shows them."""
    blocks: list[str] = []
    stream: tuple[str, list[str]] | None = None

    def flush() -> None:
        nonlocal stream
        if stream is not None:
            text = terminal_lines("".join(stream[1]))
            if text.strip():
                blocks.append(_pre(text, "nb-stream nb-" + ("stderr" if stream[0] == "stderr" else "stdout"), ctx))
            stream = None

    for output in outputs:
        if not isinstance(output, Mapping):
            continue
        kind = output.get("output_type")
        if kind == "stream":
            name = str(output.get("name", "stdout"))
            if stream is None or stream[0] != name:
                flush()
                stream = (name, [])
            stream[1].append(text_of(output.get("text", "")))
            continue
        flush()
        if kind == "error":
            trace = output.get("traceback") or []
            text = "\n".join(text_of(t) for t in trace) if isinstance(trace, list) and trace else \
                f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"
            blocks.append(_pre(text, "nb-error", ctx))
        elif kind in ("display_data", "execute_result"):
            bundle = output.get("data") or {}
            meta = output.get("metadata") or {}
            if isinstance(bundle, Mapping) and bundle:
                block = _rich(bundle, meta if isinstance(meta, Mapping) else {}, ctx)
                if block:
                    blocks.append(block)
    flush()
    return blocks


_FENCE_RE = re.compile(r"^[ \t]*(`{3,}|~{3,})(.*)$")


def close_fences(source: str) -> str:
    """The source with a code fence it leaves open closed: in a notebook every cell (and output) is
    rendered on its own, so an open fence must not swallow the cells after it."""
    open_fence: str | None = None
    for line in source.split("\n"):
        match = _FENCE_RE.match(line)
        if not match:
            continue
        fence, rest = match.group(1), match.group(2)
        if open_fence is None:
            if not (fence[0] == "`" and "`" in rest):  # a backtick fence's info may not hold a backtick
                open_fence = fence
        elif fence[0] == open_fence[0] and len(fence) >= len(open_fence) and not rest.strip():
            open_fence = None
    return source if open_fence is None else source.rstrip("\n") + "\n" + open_fence
