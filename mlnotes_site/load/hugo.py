"""Hugo's shortcodes, read as it is: `{{< figure >}}`, `{{< katex >}}` / `{{< math >}}`, `{{< ref >}}` /
`{{< relref >}}`, `{{< highlight >}}`, `{{< youtube >}}` become the Markdown they stand for; any other
shortcode is a warning and shows as written. Applied only in a Hugo site (config.is_hugo_site: its
config file, or its folders beside content/), to a body that holds "{{<" or "{{%": in any other site
`{{< x >}}` is what CommonMark makes of it, text (a note on Go templates or Vue means it so).

One pass over the lines: fenced code and inline code spans are left alone; each line is scanned once
(an opener without a closer ends the line's scan, so no opener searches the rest again and again).
"""
from __future__ import annotations

import posixpath
import re
import shlex
from dataclasses import dataclass, field

from mlnotes_site.problems import Problem, note, warning
from mlnotes_site.load.fences import Fences

_PAIRED = {"katex", "math", "highlight"}


@dataclass
class _Shortcode:
    name: str
    args: list[str]
    named: dict[str, str]
    closing: bool
    start: int
    end: int


@dataclass
class Adapted:
    body: str
    problems: list[Problem] = field(default_factory=list)


def has_shortcodes(body: str) -> bool:
    return "{{<" in body or "{{%" in body


def _parse(inner: str) -> tuple[str, list[str], dict[str, str], bool] | None:
    inner = inner.strip()
    closing = inner.startswith("/")
    inner = inner[1:].strip() if closing else inner
    try:
        words = shlex.split(inner, posix=True)
    except ValueError:
        return None
    if not words or not re.fullmatch(r"[\w.-]+", words[0]):
        return None
    args, named = [], {}
    for word in words[1:]:
        key, eq, value = word.partition("=")
        if eq and re.fullmatch(r"\w+", key):
            named[key] = value
        else:
            args.append(word)
    return words[0], args, named, closing


def _shortcodes(line: str) -> list[_Shortcode]:
    """The shortcodes of one line outside inline code spans, left to right, in one scan."""
    found: list[_Shortcode] = []
    at = 0
    n = len(line)
    while at < n:
        tick = line.find("`", at)
        brace = line.find("{{", at)
        if brace < 0:
            break
        if 0 <= tick < brace:  # skip the code span: its closer is a run of as many backticks
            run = tick
            while run < n and line[run] == "`":
                run += 1
            close = line.find(line[tick:run], run)
            at = close + (run - tick) if close >= 0 else run
            continue
        if brace + 2 >= n or line[brace + 2] not in "<%":
            at = brace + 2
            continue
        kind = line[brace + 2]
        close = line.find((">" if kind == "<" else "%") + "}}", brace + 3)
        if close < 0:
            break  # no closer on this line: no later opener has one either
        parsed = _parse(line[brace + 3:close])
        if parsed is not None:
            found.append(_Shortcode(*parsed, start=brace, end=close + 3))
        at = close + 3
    return found


def adapt(body: str, body_line: int, site_path: str, folder: str) -> Adapted:
    """`folder`: the note file's folder under content/, against which `ref` paths resolve."""
    result = Adapted(body)
    lines = body.split("\n")
    fences = Fences()
    block: tuple[str, int, list[str], _Shortcode] | None = None  # a paired shortcode spanning lines
    for i, line in enumerate(lines):
        where = body_line + i + 1
        if block is None and fences.code(line):
            continue
        codes = _shortcodes(line)
        if block is not None:
            name, start, _, opener = block
            if len(codes) == 1 and codes[0].closing and codes[0].name == name and not line.strip()[codes[0].end:].strip():
                lines[start] = _block_open(opener)
                lines[i] = _block_close(opener)
                block = None
            continue
        if not codes:
            continue
        if (len(codes) == 1 and codes[0].name in _PAIRED and not codes[0].closing
                and line.strip() == line[codes[0].start:codes[0].end].strip()):
            block = (codes[0].name, i, [], codes[0])
            result.problems.append(note("import/hugo-shortcode", f"Hugo shortcode '{codes[0].name}' read as "
                                        f"{'a formula' if codes[0].name != 'highlight' else 'a code block'}",
                                        site_path, where, codes[0].start + 1))
            continue
        lines[i] = _inline(line, codes, where, site_path, folder, result.problems)
    if block is not None:
        result.problems.append(warning("import/hugo-shortcode", f"Hugo shortcode '{block[0]}' is never closed; "
                                       "shown as written", site_path, body_line + block[1] + 1, 1,
                                       hint=f"close it with {{{{< /{block[0]} >}}}}"))
    result.body = "\n".join(lines)
    return result


def _block_open(code: _Shortcode) -> str:
    if code.name == "highlight":
        return "```" + (code.args[0] if code.args else "")
    return "$$"


def _block_close(code: _Shortcode) -> str:
    return "```" if code.name == "highlight" else "$$"


def _inline(line: str, codes: list[_Shortcode], where: int, site_path: str, folder: str,
            problems: list[Problem]) -> str:
    out: list[str] = []
    at = 0
    open_math: _Shortcode | None = None
    for code in codes:
        out.append(line[at:code.start])
        at = code.end
        if code.name in ("katex", "math"):
            if not code.closing:
                open_math = code
                out.append("$$" if "display" in code.args else "$")
            elif open_math is not None:
                out.append("$$" if "display" in open_math.args else "$")
                open_math = None
            if not code.closing:
                problems.append(note("import/hugo-shortcode", f"Hugo shortcode '{code.name}' read as a formula",
                                     site_path, where, code.start + 1))
            continue
        text = _replacement(code, folder)
        if text is None:
            out.append(line[code.start:code.end])
            problems.append(warning("import/hugo-shortcode", f"unknown Hugo shortcode '{code.name}': shown as written",
                                    site_path, where, code.start + 1,
                                    hint="replace it with Markdown, or remove it"))
        else:
            out.append(text)
            problems.append(note("import/hugo-shortcode", f"Hugo shortcode '{code.name}' carried over",
                                 site_path, where, code.start + 1))
    out.append(line[at:])
    return "".join(out)


def _replacement(code: _Shortcode, folder: str) -> str | None:
    if code.closing:
        return None
    first = code.args[0] if code.args else ""
    if code.name == "figure":
        src = code.named.get("src", first)
        caption = code.named.get("caption") or code.named.get("title") or ""
        alt = code.named.get("alt") or caption
        title = f' "{caption.replace(chr(34), chr(39))}"' if caption else ""
        return f"![{alt}](<{src}>{title})"
    if code.name in ("ref", "relref"):
        target = code.named.get("path", first)
        return ref_path(target, folder)
    if code.name == "youtube":
        video = code.named.get("id", first)
        return f"[YouTube: {video}](https://www.youtube.com/watch?v={video})"
    return None


def ref_path(target: str, folder: str) -> str:
    """A Hugo `ref` path as a link relative to the note's folder: "/posts/ddim.md" (from content/),
    "ddim.md" or "../x" (from the page); "posts/ddim" (a path with a folder) from content/, as Hugo
    tries it; the fragment kept."""
    path, hash_, fragment = target.partition("#")
    if path.startswith("/") or ("/" in path and not path.startswith(".")):  # from content/, as Hugo reads it
        path = posixpath.relpath(path.lstrip("/") or ".", folder or ".")
    return path + (hash_ + fragment if hash_ else "")
