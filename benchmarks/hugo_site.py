#!/usr/bin/env python3
"""Turn a benchmark corpus (benchmarks/corpus.py) into a Hugo project, for side-by-side timing.

    python benchmarks/hugo_site.py SITE HUGO_DIR [--variant client|tomath] [--copy-content]

SITE is what corpus.py wrote (``SITE/mlnotes.yaml`` and ``SITE/content/``).  HUGO_DIR gets
``hugo.toml`` and ``layouts/``; by default ``contentDir`` points at ``SITE/content`` itself
(absolute path), so Hugo reads exactly the same files as mlnotes; ``--copy-content`` copies
them to ``HUGO_DIR/content`` instead.  Hugo understands the ``.zh.md`` / ``.en.md`` suffixes
and ``_index`` files natively; ``updated`` in the front matter becomes Hugo's ``lastmod``.

The layouts are small and written here, no theme: a note page (title, dates, topic, tags,
translations, ToC, body, prev/next in section), topic and home lists paginated 10 a page
with summaries, sorted by lastmod, newest first, and tag pages.  RSS and the sitemap are
Hugo's built-ins.  The two variants differ only in the passthrough render hook:

* ``client``: math is passed through (Goldmark passthrough extension) and written back
  between ``\\(..\\)`` / ``\\[..\\]`` with the TeX HTML-escaped; the note page references
  KaTeX and its auto-render script by a local path, for the browser to typeset;
* ``tomath``: each formula goes through ``transform.ToMath`` (Hugo's embedded KaTeX) with
  ``output: htmlAndMathml``, ``throwOnError: false`` (a bad formula becomes a red
  ``katex-error`` span instead of failing the build) and ``displayMode`` for blocks.  Any
  other error from ToMath is caught with ``try``, logged as a warning (``tomath failed``)
  and the TeX is written as text, so one formula cannot stop the build either.

Standard library only.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
from pathlib import Path

VARIANTS = ("client", "tomath")
WARN_TAG = "tomath failed"  # prefix of the warning the ToMath hook logs on an error

# Local paths only: nothing is fetched while building or viewing.
KATEX_CSS = "katex/katex.min.css"
KATEX_JS = "katex/katex.min.js"
KATEX_AUTORENDER = "katex/contrib/auto-render.min.js"


# --------------------------------------------------------------------------------------
# mlnotes.yaml (only the few flat keys corpus.py writes; no YAML library in the stdlib)
# --------------------------------------------------------------------------------------

def _scalar(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    return text


def read_site_config(site: Path) -> dict[str, object]:
    """title (per language), base_url, languages and timezone from SITE/mlnotes.yaml."""
    conf: dict[str, object] = {
        "title": {}, "base_url": "https://example.org/", "languages": ["zh", "en"],
        "timezone": "UTC",
    }
    path = site / "mlnotes.yaml"
    if not path.exists():
        return conf
    for line in path.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^([A-Za-z_]+):\s*(.*?)\s*$", line)
        if not m:
            continue
        key, value = m.groups()
        if value.startswith("{") and value.endswith("}"):
            conf[key] = {k.strip(): _scalar(v) for k, _, v in
                         (item.partition(":") for item in value[1:-1].split(",")) if k.strip()}
        elif value.startswith("[") and value.endswith("]"):
            conf[key] = [_scalar(v) for v in value[1:-1].split(",") if v.strip()]
        elif value:
            conf[key] = _scalar(value)
    return conf


# --------------------------------------------------------------------------------------
# hugo.toml
# --------------------------------------------------------------------------------------

def _q(value: str) -> str:
    """A TOML basic string (JSON string escapes are valid TOML)."""
    return json.dumps(value, ensure_ascii=False)


LANG_NAMES = {"zh": "中文", "en": "English"}


def hugo_toml(conf: dict[str, object], content_dir: str) -> str:
    langs = [str(x) for x in conf["languages"]] or ["zh"]  # type: ignore[union-attr]
    titles = conf["title"] if isinstance(conf["title"], dict) else {}
    default = langs[0]
    out = [
        "# written by benchmarks/hugo_site.py",
        f"baseURL = {_q(str(conf['base_url']))}",
        f"title = {_q(str(titles.get(default, 'notes')))}",
        f"defaultContentLanguage = {_q(default)}",
        "defaultContentLanguageInSubdir = false",
        f"contentDir = {_q(content_dir)}",
        f"timeZone = {_q(str(conf['timezone']))}",
        "hasCJKLanguage = true",
        "capitalizeListTitles = false",
        "summaryLength = 60",
        "enableRobotsTXT = false",
        "disableKinds = []",
        # a single note page with ~40 formulas must not hit the default 60 s per-page
        # timeout while KaTeX in WebAssembly warms up on a busy 2-core machine
        "timeout = '10m'",
        "",
        "[pagination]",
        "  pagerSize = 10",
        "",
        "[taxonomies]",
        "  tag = 'tags'",
        "",
        "[frontmatter]",
        "  lastmod = ['updated', 'lastmod', ':default']",
        "",
        # Feeds like mlnotes's: per language and per topic, the 20 latest (Hugo's default is
        # every page, in every section and tag feed).
        "[services.rss]",
        "  limit = 20",
        "",
        "[outputs]",
        "  home = ['html', 'rss']",
        "  section = ['html', 'rss']",
        "  taxonomy = ['html']",
        "  term = ['html']",
        "",
        "[markup]",
        "  [markup.tableOfContents]",
        "    startLevel = 2",
        "    endLevel = 3",
        "    ordered = true",
        "  [markup.highlight]",
        "    codeFences = true",
        "    noClasses = false",  # CSS classes, like the Pygments output of mlnotes
        "    guessSyntax = false",
        "  [markup.goldmark.renderer]",
        "    unsafe = false",
        "  [markup.goldmark.extensions.passthrough]",
        "    enable = true",
        "    [markup.goldmark.extensions.passthrough.delimiters]",
        r"      block = [['\[', '\]'], ['$$', '$$']]",
        r"      inline = [['\(', '\)'], ['$', '$']]",
        "",
        "[languages]",
    ]
    for weight, lang in enumerate(langs, start=1):
        out += [
            f"  [languages.{lang}]",
            f"    weight = {weight}",
            f"    title = {_q(str(titles.get(lang, titles.get(default, 'notes'))))}",
            f"    label = {_q(LANG_NAMES.get(lang, lang))}",
            f"    locale = {_q('zh-CN' if lang == 'zh' else lang)}",
        ]
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------------------
# layouts (Hugo >= 0.146 template layout: layouts/*.html, _partials/, _markup/)
# --------------------------------------------------------------------------------------

BASEOF = """\
<!DOCTYPE html>
<html lang="{{ site.Language.Locale }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ if .IsHome }}{{ site.Title }}{{ else }}{{ .Title }} · {{ site.Title }}{{ end }}</title>
<link rel="canonical" href="{{ .Permalink }}">
{{- range .AllTranslations }}
<link rel="alternate" hreflang="{{ .Language.Lang }}" href="{{ .Permalink }}">
{{- end }}
{{- with .OutputFormats.Get "rss" }}
<link rel="alternate" type="application/rss+xml" title="{{ site.Title }}" href="{{ .RelPermalink }}">
{{- end }}
<link rel="stylesheet" href="{{ "css/style.css" | relURL }}">
{{- if .IsPage }}
{{ partial "math-head.html" . }}
{{- end }}
</head>
<body>
<header class="site-header">
  <a class="brand" href="{{ site.Home.RelPermalink }}">{{ site.Title }}</a>
  <nav class="site-nav">
    <a href="{{ site.Home.RelPermalink }}">{{ i18n "latest" | default "Latest" }}</a>
    {{- with site.GetPage "/tags" }} <a href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}
  </nav>
  <nav class="lang-switch">
    {{- range site.Home.AllTranslations }}
    <a lang="{{ .Language.Lang }}" href="{{ .RelPermalink }}">{{ .Language.Label }}</a>
    {{- end }}
  </nav>
</header>
<main id="main">
{{ block "main" . }}{{ end }}
</main>
<footer class="site-footer"><p>{{ site.Title }}</p></footer>
</body>
</html>
"""

SINGLE = """\
{{ define "main" }}
<article class="note">
  <header class="note-header">
    <h1>{{ .Title }}</h1>
    <p class="meta">
      <time datetime="{{ .Date.Format "2006-01-02" }}">{{ .Date.Format "2006-01-02" }}</time>
      {{- if ne (.Lastmod.Format "2006-01-02") (.Date.Format "2006-01-02") }}
      <time datetime="{{ .Lastmod.Format "2006-01-02" }}">{{ .Lastmod.Format "2006-01-02" }}</time>
      {{- end }}
      <span class="reading-time">{{ .ReadingTime }} min</span>
    </p>
    <p class="meta">
      {{- with .Parent }}<a class="topic" href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}
      {{- range .GetTerms "tags" }} <a class="tag" href="{{ .RelPermalink }}">#{{ .LinkTitle }}</a>{{ end }}
    </p>
    {{- with .Translations }}
    <p class="translations">
      {{- range . }}<a href="{{ .RelPermalink }}" hreflang="{{ .Language.Lang }}">{{ .Language.Label }}</a>{{ end }}
    </p>
    {{- end }}
  </header>
  {{- with .Fragments.Headings }}
  <nav class="toc"><details open><summary>ToC</summary>
  {{ $.TableOfContents }}
  </details></nav>
  {{- end }}
  <div class="note-body">
{{ .Content }}
  </div>
  <nav class="prev-next">
    {{- with .PrevInSection }}<a class="prev" rel="prev" href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}
    {{- with .NextInSection }}<a class="next" rel="next" href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}
  </nav>
</article>
{{ end }}
"""

ENTRY = """\
<article class="entry">
  <h2 class="entry-title"><a href="{{ .RelPermalink }}">{{ .Title }}</a></h2>
  <p class="meta">
    <time datetime="{{ .Lastmod.Format "2006-01-02" }}">{{ .Lastmod.Format "2006-01-02" }}</time>
    {{- with .Parent }} <a class="topic" href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}
    <span class="reading-time">{{ .ReadingTime }} min</span>
  </p>
  <p class="excerpt">{{ .Summary | plainify | truncate 200 }}</p>
</article>
"""

PAGER = """\
{{- $p := .Paginator }}
{{- if gt $p.TotalPages 1 }}
<nav class="pagination">
  {{- with $p.Prev }}<a class="prev" rel="prev" href="{{ .URL }}">←</a>{{ end }}
  {{- range $p.Pagers }}
  {{- if eq .PageNumber $p.PageNumber }}<span class="current">{{ .PageNumber }}</span>
  {{- else }}<a href="{{ .URL }}">{{ .PageNumber }}</a>{{ end }}
  {{- end }}
  {{- with $p.Next }}<a class="next" rel="next" href="{{ .URL }}">→</a>{{ end }}
</nav>
{{- end }}
"""

HOME = """\
{{ define "main" }}
<header class="list-header"><h1>{{ site.Title }}</h1></header>
<section class="entries">
{{- range (.Paginate site.RegularPages.ByLastmod.Reverse).Pages }}
{{ partial "entry.html" . }}
{{- end }}
</section>
{{ partial "pager.html" . }}
{{ end }}
"""

LIST = """\
{{ define "main" }}
<header class="list-header">
  {{- with .Ancestors.Reverse }}
  <nav class="breadcrumbs">{{ range . }}<a href="{{ .RelPermalink }}">{{ .Title }}</a> / {{ end }}</nav>
  {{- end }}
  <h1>{{ .Title }}</h1>
  <div class="description">{{ .Content }}</div>
</header>
{{- with .Sections }}
<section class="subtopics"><ul>
  {{- range . }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> <span class="count">{{ len .RegularPagesRecursive }}</span></li>{{ end }}
</ul></section>
{{- end }}
<section class="entries">
{{- range (.Paginate .RegularPagesRecursive.ByLastmod.Reverse).Pages }}
{{ partial "entry.html" . }}
{{- end }}
</section>
{{ partial "pager.html" . }}
{{ end }}
"""

TAXONOMY = """\
{{ define "main" }}
<header class="list-header"><h1>{{ .Title }}</h1></header>
<ul class="tag-cloud">
{{- range .Data.Terms.ByCount }}
  <li><a class="tag" href="{{ .Page.RelPermalink }}">#{{ .Page.LinkTitle }}</a> <span class="count">{{ .Count }}</span></li>
{{- end }}
</ul>
{{ end }}
"""

TERM = """\
{{ define "main" }}
<header class="list-header"><h1>#{{ .Title }}</h1></header>
<section class="entries">
{{- range (.Paginate .Pages.ByLastmod.Reverse).Pages }}
{{ partial "entry.html" . }}
{{- end }}
</section>
{{ partial "pager.html" . }}
{{ end }}
"""

# Links in the corpus name files (`../rl/gae-1.zh.md`, relative to the note's folder): resolve
# them to that page's URL, in the language the suffix names (an English note may link to a
# Chinese one).  Anything else is left as written.
RENDER_LINK = """\
{{- $href := .Destination }}
{{- $u := urls.Parse .Destination }}
{{- if and (not $u.IsAbs) (strings.HasSuffix $u.Path ".md") }}
  {{- $m := index (findRESubmatch `^(.*?)(?:\\.([a-z]{2}))?\\.md$` $u.Path 1) 0 }}
  {{- $target := path.Join "/" .PageInner.File.Dir (index $m 1) }}
  {{- $s := site }}
  {{- with index $m 2 }}{{ $lang := . }}{{ range hugo.Sites }}{{ if eq .Language.Lang $lang }}{{ $s = . }}{{ end }}{{ end }}{{ end }}
  {{- with $s.GetPage $target }}
    {{- $href = .RelPermalink }}{{ with $u.Fragment }}{{ $href = printf "%s#%s" $href . }}{{ end }}
  {{- end }}
{{- end -}}
<a href="{{ $href }}"{{ with .Title }} title="{{ . }}"{{ end }}>{{ .Text }}</a>
{{- /**/ -}}
"""

MATH_HEAD = {
    "client": f"""\
<link rel="stylesheet" href="{{{{ "{KATEX_CSS}" | relURL }}}}">
<script defer src="{{{{ "{KATEX_JS}" | relURL }}}}"></script>
<script defer src="{{{{ "{KATEX_AUTORENDER}" | relURL }}}}"
  onload="renderMathInElement(document.body, {{delimiters: [{{left: '\\\\[', right: '\\\\]', display: true}}, {{left: '\\\\(', right: '\\\\)', display: false}}], throwOnError: false}})"></script>
""",
    "tomath": f"""\
<link rel="stylesheet" href="{{{{ "{KATEX_CSS}" | relURL }}}}">
""",
}

# The TeX is HTML-escaped by Go's html/template (text context); delimiters are written back
# in the \\( \\) / \\[ \\] form that the auto-render call above looks for.
PASSTHROUGH = {
    "client": """\
{{- if eq .Type "block" -}}
<div class="math display">\\[{{ .Inner }}\\]</div>
{{- else -}}
<span class="math inline">\\({{ .Inner }}\\)</span>
{{- end -}}
""",
    "tomath": """\
{{- $opts := dict "output" "htmlAndMathml" "throwOnError" false "displayMode" (eq .Type "block") }}
{{- with try (transform.ToMath .Inner $opts) }}
  {{- with .Err }}
    {{- warnf "%s: %s: %s" "%(tag)s" $.Page.File.Path . }}
    {{- if eq $.Type "block" }}<pre class="math-error">{{ $.Inner }}</pre>{{ else }}<code class="math-error">{{ $.Inner }}</code>{{ end }}
  {{- else }}
    {{- .Value }}
  {{- end }}
{{- end -}}
""".replace("%(tag)s", WARN_TAG),
}

# Hugo's RSS and sitemap templates are built in; none is written here.
LAYOUTS = {
    "baseof.html": BASEOF,
    "single.html": SINGLE,
    "list.html": LIST,
    "home.html": HOME,
    "taxonomy.html": TAXONOMY,
    "term.html": TERM,
    "_partials/entry.html": ENTRY,
    "_partials/pager.html": PAGER,
    "_markup/render-link.html": RENDER_LINK,
}

STYLE_CSS = """\
body { max-width: 46rem; margin: 0 auto; padding: 0 1rem; font: 16px/1.6 system-ui, sans-serif; }
.meta, .count { color: #666; font-size: .9em; }
.math.display, .katex-display { overflow-x: auto; }
"""


def write_site(site: Path, dest: Path, variant: str, *, copy_content: bool = False) -> Path:
    """Write a Hugo project for corpus SITE into DEST (created or emptied of our files)."""
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {VARIANTS}, not {variant!r}")
    site, dest = site.resolve(), dest.resolve()
    content = site / "content"
    if not content.is_dir():
        raise FileNotFoundError(f"{content} is not a directory (run benchmarks/corpus.py first)")
    dest.mkdir(parents=True, exist_ok=True)
    if copy_content:
        target = dest / "content"
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(content, target)
        content_dir = "content"
    else:
        content_dir = str(content)
    conf = read_site_config(site)
    (dest / "hugo.toml").write_text(hugo_toml(conf, content_dir), encoding="utf-8")
    layouts = dest / "layouts"
    if layouts.exists():
        shutil.rmtree(layouts)
    files = dict(LAYOUTS)
    files["_partials/math-head.html"] = MATH_HEAD[variant]
    files["_markup/render-passthrough.html"] = PASSTHROUGH[variant]
    for rel, text in files.items():
        path = layouts / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    css = dest / "static" / "css" / "style.css"
    css.parent.mkdir(parents=True, exist_ok=True)
    css.write_text(STYLE_CSS, encoding="utf-8")
    return dest


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Write a Hugo project for a benchmark corpus.")
    ap.add_argument("site", type=Path, help="corpus directory written by corpus.py")
    ap.add_argument("dest", type=Path, help="Hugo project directory to write")
    ap.add_argument("--variant", choices=VARIANTS, default="client",
                    help="client: math left to the browser; tomath: transform.ToMath at build time")
    ap.add_argument("--copy-content", action="store_true",
                    help="copy SITE/content into DEST/content instead of pointing contentDir at it")
    args = ap.parse_args(argv)
    dest = write_site(args.site, args.dest, args.variant, copy_content=args.copy_content)
    print(f"wrote Hugo project ({args.variant}) to {dest}; build with: hugo build -s {dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
