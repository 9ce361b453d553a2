"""A Jekyll (kramdown) blog, read as it is: posts dated by their file name, the Liquid that makes
links (`{% post_url %}`, `{% link %}`, `{{ site.baseurl }}`, `relative_url` / `absolute_url`) as
ordinary relative links (so they are checked), `{% highlight %}` as a fenced block, kramdown
attribute lists `{: …}` and the `* TOC` + `{:toc}` list dropped (the page has its own table of
contents). Other Liquid is a warning and shows as written.

Applied only in a Jekyll site (a `_config.yml` or `_posts/` folder). One pass over the lines;
fenced code is left alone, and each line is scanned once by regexes without nested repetition.
"""
from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field

from mlnotes_site.problems import Problem, note, warning
from mlnotes_site.load.fences import FENCE_RE, Fences

POST_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})-(.+)$")
_IAL_LINE_RE = re.compile(r"^[ \t]*\{:[^}\n]*\}[ \t]*$")
_IAL_ID_RE = re.compile(r"(?<![\w\"'])#([A-Za-z][\w:.-]*)")
_IAL_RE = re.compile(r"\{:(?!:)[^}\n]*\}")
_TOC_ITEM_RE = re.compile(r"^[ \t]*(?:[*+-]|1\.)[ \t]+TOC[ \t]*$")
_HIGHLIGHT_RE = re.compile(r"^[ \t]*\{%-?[ \t]*highlight[ \t]+([\w+#.-]+)[^%]*%\}[ \t]*$")
_ENDHIGHLIGHT_RE = re.compile(r"^[ \t]*\{%-?[ \t]*endhighlight[ \t]*-?%\}[ \t]*$")
# Liquid that makes a URL: {% post_url name %}, {% link path %}, {{ site.baseurl }}/path,
# {{ '/path' | relative_url }} / absolute_url, {{ site.url }}{{ site.baseurl }}
_URL_RE = re.compile(
    r"\{%-?[ \t]*post_url[ \t]+(?P<post>[^\s%]+)[ \t]*-?%\}"
    r"|\{%-?[ \t]*link[ \t]+(?P<link>[^\s%]+)[ \t]*-?%\}"
    r"|\{\{-?[ \t]*(?:'(?P<q1>[^'\n]*)'|\"(?P<q2>[^\"\n]*)\")[ \t]*\|[ \t]*(?:relative_url|absolute_url)[ \t]*-?\}\}"
    r"|(?:\{\{-?[ \t]*site\.url[ \t]*-?\}\})?\{\{-?[ \t]*site\.baseurl[ \t]*-?\}\}(?P<base>/[^\s)\"'<>{]*)?"
    r"|\{\{-?[ \t]*site\.url[ \t]*-?\}\}(?P<url>/[^\s)\"'<>{]*)?")
_RAW_RE = re.compile(r"\{%-?[ \t]*(?:end)?raw[ \t]*-?%\}")
_OTHER_RE = re.compile(r"\{%-?[ \t]*\w[^%\n]*%\}|\{\{-?[ \t]*(?:site|page|include|post|paginator|layout)\.[^}\n]*\}\}")


@dataclass
class Adapted:
    body: str
    problems: list[Problem] = field(default_factory=list)


def post_name(stem: str) -> tuple[str, str] | None:
    """("2018-10-13", "flow-models") for a post's file name without `.md`."""
    match = POST_RE.match(stem)
    return (f"{match.group(1)}-{match.group(2)}-{match.group(3)}", match.group(4)) if match else None


def _relative(path: str, folder: str) -> str:
    """A site path ("/assets/x.png", "_posts/a.md") as a link relative to the note's folder."""
    return posixpath.relpath(path.lstrip("/") or ".", folder or ".")


def _post_target(name: str, posts: str, folder: str) -> str:
    return _relative(f"{posts}/{name}.md", folder)


def adapt(body: str, body_line: int, site_path: str, folder: str, posts: str = "_posts") -> Adapted:
    """`folder`: the note's folder under the content root; `posts`: the `_posts` folder there."""
    result = Adapted(body)
    lines = body.split("\n")
    fences = Fences()
    in_highlight = False
    for i, line in enumerate(lines):
        where = body_line + i + 1
        if in_highlight:
            if _ENDHIGHLIGHT_RE.match(line):
                lines[i] = "```"
                in_highlight = False
            continue
        if fences.code(line):
            continue
        highlight = _HIGHLIGHT_RE.match(line)
        if highlight:
            lines[i] = "```" + highlight.group(1)
            in_highlight = True
            result.problems.append(note("import/jekyll-liquid", "Liquid {% highlight %} read as a code block",
                                        site_path, where, 1))
            continue
        if _IAL_LINE_RE.match(line):
            # `* TOC` + `{:toc}`: the page shows its own table of contents
            if "toc" in line and i > 0 and _TOC_ITEM_RE.match(lines[i - 1]):
                lines[i - 1] = ""
            lines[i] = ""
            ident = _IAL_ID_RE.search(line)
            if ident and i > 0 and lines[i - 1].strip() and not FENCE_RE.match(lines[i - 1]):
                # `{: #id}` under a heading or paragraph: its id, which links may name (classes are dropped)
                lines[i - 1] += f' <span id="{ident.group(1)}"></span>'
                result.problems.append(note("import/kramdown-ial", f"kramdown attribute list {line.strip()}: "
                                            f"the id '{ident.group(1)}' kept as an anchor, the rest dropped",
                                            site_path, where, 1))
                continue
            result.problems.append(note("import/kramdown-ial", f"kramdown attribute list {line.strip()} dropped",
                                        site_path, where, 1))
            continue
        if "{" not in line:
            continue
        lines[i] = _line(line, where, site_path, folder, posts, result.problems)
    if in_highlight:
        result.problems.append(warning("import/jekyll-liquid", "{% highlight %} is never closed with {% endhighlight %}",
                                       site_path, body_line + len(lines), 1))
    result.body = "\n".join(lines)
    return result


def _line(line: str, where: int, site_path: str, folder: str, posts: str, problems: list[Problem]) -> str:
    def url(match: re.Match[str]) -> str:
        problems.append(note("import/jekyll-liquid", f"Liquid {match.group(0)} read as a relative link",
                             site_path, where, match.start() + 1))
        if match.group("post"):
            return _post_target(match.group("post"), posts, folder)
        path = match.group("link") or match.group("q1") or match.group("q2") or match.group("base") \
            or match.group("url")
        return _relative(path, folder) if path else ""

    line = _URL_RE.sub(url, line)
    if _RAW_RE.search(line):
        line = _RAW_RE.sub("", line)
        problems.append(note("import/jekyll-liquid", "Liquid {% raw %} markers dropped", site_path, where, 1))
    for other in _OTHER_RE.finditer(line):
        problems.append(warning("import/jekyll-liquid", f"Liquid {other.group(0)} is not carried over: shown as written",
                                site_path, where, other.start() + 1, hint="replace it with Markdown, or remove it"))
    if "{:" in line and "`" not in line:  # (a code span may show kramdown syntax)
        stripped = _IAL_RE.sub("", line)
        if stripped != line:
            problems.append(note("import/kramdown-ial", "kramdown attribute list dropped", site_path, where, 1))
            line = stripped
    return line
