"""Markdown rules: math reaches the output intact, callouts, headings, code, links."""
from __future__ import annotations

import re
from html import escape

from mlnotes_site.model import MarkdownEnv, new_env
from mlnotes_site.render.markdown import create_markdown


def render(src: str, folder: str = "") -> tuple[str, MarkdownEnv]:
    """Render, then put each recorded formula's TeX where the renderer left its placeholder."""
    state = MarkdownEnv(folder=folder)
    html = create_markdown().render(src, new_env(state)).replace("\ufdd0", "|")

    def formula(match: re.Match) -> str:
        f = state.formulas[int(match.group(1))]
        tex = escape(f.tex, quote=False)
        inner = f'<span class="math display">\\[{tex}\\]</span>' if f.display else f'<span class="math inline">\\({tex}\\)</span>'
        return f'<div class="math-block">{inner}</div>' if f.block else inner

    return re.sub("\x00m(\\d+)\x00", formula, html), state


def formulas(html: str) -> list[str]:
    return re.findall(r'<span class="math (?:inline|display)">(.*?)</span>', html, re.S)


def test_inline_delimiters_keep_tex_untouched():
    html, _ = render(r"a $x_t * y_t$ b \(\alpha_t^* + \beta_{t}\) c $$\sum_i x_i$$ d \\(z_1\\) e")
    found = formulas(html)
    assert found == [r"\(x_t * y_t\)", r"\(\alpha_t^* + \beta_{t}\)", r"\(\sum_i x_i\)", r"\(z_1\)"]  # $$ mid-line: inline
    assert "<em>" not in html


def test_display_blocks_every_delimiter_and_environment():
    src = "\n\n".join([
        "$$\nx_1 = y_1\n$$",
        r"\[ f(x) = \|x\|_2 \tag{1} \]",
        "\\[\n\\begin{aligned}\na &= b \\\\\nc &= d\n\\end{aligned}\n\\]",
        "\\begin{align}\nx &= 1 \\\\\ny &= 2\n\\end{align}",
        "\\\\[ z_* \\\\]",
    ])
    html, _ = render(src)
    assert html.count('class="math-block"') == 5
    found = formulas(html)
    assert r"\tag{1}" in found[1] and r"\|x\|_2" in found[1]
    assert "a &amp;= b \\\\\nc &amp;= d" in found[2]
    assert found[3].startswith(r"\[\begin{align}") and found[3].endswith(r"\end{align}\]")
    assert r"z_*" in found[4]


def test_block_math_interrupts_a_paragraph_and_lives_in_containers():
    html, _ = render("text line\n$$\na_b\n$$\n\n> quote\n> $$\n> c_d\n> $$\n\n- item\n\n  $$\n  e_f\n  $$\n")
    assert html.count('class="math-block"') == 3
    assert "<p>text line</p>" in html
    assert "&gt;" not in "".join(formulas(html))


def test_pipes_in_table_cells_stay_inside_formulas():
    html, _ = render("| a | b |\n|---|---|\n| $|x|$ | $p(x|y)$ and $\\|v\\|$ |\n")
    assert html.count("<td>") == 2
    assert formulas(html) == [r"\(|x|\)", r"\(p(x|y)\)", r"\(\|v\|\)"]


def test_prices_and_escaped_dollars_are_not_math():
    html, _ = render(r"costs $5 and $10, or \$3 and $ 4 $ here")
    assert formulas(html) == []
    assert "costs $5 and $10, or $3" in html


def test_code_is_not_math():
    html, _ = render("`$x_1$` and\n\n```python\ncost = '$a_b$'\n```\n")
    assert formulas(html) == []
    assert "$x_1$" in html


def test_math_in_headings_lists_tables_callouts_footnotes():
    src = ("## Loss $L_t$\n\n- $a_1$\n\n> [!NOTE]\n> $b_2$\n\nText[^1].\n\n[^1]: note $c_3$\n")
    html, _ = render(src)
    assert {r"\(L_t\)", r"\(a_1\)", r"\(b_2\)", r"\(c_3\)"} <= set(formulas(html))


def test_tex_is_html_escaped():
    html, _ = render(r"$a<b \& c>d$")
    assert r"\(a&lt;b \&amp; c&gt;d\)" in html


def test_github_obsidian_and_emoji_callouts():
    html, _ = render("> [!WARNING]\n> careful\n\n> [!tip]- Fold me\n> hidden\n\n> [!info]+ Open\n> shown\n\n"
                     "> 💡 an idea\n\n> plain quote\n")
    assert 'class="callout callout-warning"' in html and "careful" in html
    assert '<details class="callout callout-tip" data-callout="tip">' in html and "Fold me" in html
    assert '<details class="callout callout-info" data-callout="info" open>' in html
    # the emoji picks the kind; the theme draws that kind's SVG icon (no emoji font needed)
    assert 'class="callout callout-tip callout-emoji" data-callout="tip"' in html and "an idea" in html
    assert "💡" not in html
    assert "<blockquote>\n<p>plain quote</p>" in html


def test_mkdocs_admonitions_are_callouts():
    src = ('!!! warning "小心 $x_1$"\n    正文 **粗**\n\n???+ tip\n    展开的\n\n??? danger "折叠"\n    收起的\n\n'
           '!!! info ""\n    没有标题\n\n!!! note\n    外层\n\n    !!! example "内层"\n        嵌套\n\n之后的段落\n')
    html, _ = render(src)
    assert re.search(r'class="callout callout-warning".*?callout-label">小心 <span class="math inline">\\\(x_1\\\)</span>'
                     r'</span></div>\n<div class="callout-body">\n<p>正文 <strong>粗</strong></p>', html, re.S)
    assert '<details class="callout callout-tip" data-callout="tip" open>' in html and ">Tip<" in html
    assert '<details class="callout callout-danger" data-callout="danger">' in html and ">折叠<" in html
    assert re.search(r'data-callout="info">\n<div class="callout-body">\n<p>没有标题</p>', html)
    assert re.search(r'callout-note.*外层.*callout-example.*内层.*嵌套</p>\n</div>\n</div>\n</div>\n</div>\n<p>之后的段落</p>',
                     html, re.S)
    assert "!!!" not in html and "???" not in html and "<pre" not in html


def test_mkdocs_content_tabs_are_titled_panels_not_code():
    src = ('=== "PyTorch $x$"\n\n    ```python\n    x = 1\n    ```\n\n    更多内容\n\n=== "JAX"\n    jax 代码\n\n之后\n\n'
           '    真的缩进代码\n')
    html, _ = render(src)
    assert html.count('<section class="tab">') == 2
    assert re.search(r'<p class="tab-title">PyTorch <span class="math inline">\\\(x\\\)</span></p>\n<div class="tab-body">\n'
                     r'<div class="code-block" data-lang="python">.*?<p>更多内容</p>\n</div>\n</section>', html, re.S)
    assert '<p class="tab-title">JAX</p>\n<div class="tab-body">\n<p>jax 代码</p>' in html
    assert "<p>之后</p>" in html and "<code>真的缩进代码" in html and "===" not in html


def test_heading_ids_keep_chinese_and_are_unique():
    html, env = render("## 反向过程 (Reverse)\n\n## 反向过程 (Reverse)\n\n### Why?\n")
    assert 'id="反向过程-reverse"' in html and 'id="反向过程-reverse-1"' in html and 'id="why"' in html
    assert [t[:2] for t in env.toc] == [(2, "反向过程-reverse"), (2, "反向过程-reverse-1"), (3, "why")]


def test_code_highlighted_with_label_and_copy_button():
    html, _ = render("```python\ndef f(x):\n    return x\n```\n")
    assert 'data-lang="python"' in html and 'class="copy-code"' in html
    assert '<span class="k">def</span>' in html


def test_gfm_extras():
    html, _ = render("~~old~~ https://arxiv.org/abs/2006.11239\n\n- [ ] todo\n- [x] done\n\n| a |\n|---|\n| b |\n")
    assert "<s>old</s>" in html
    assert '<a href="https://arxiv.org/abs/2006.11239">' in html
    assert 'type="checkbox"' in html and "<table>" in html


def test_relative_links_become_placeholders_and_are_recorded():
    html, env = render("[a](../flows/realnvp.md#coupling) ![b](ddpm/fig%201.png) [c](https://x.org) [d](#here)",
                       folder="diffusion")
    assert [(l.target, l.fragment, l.kind) for l in env.links] == [
        ("flows/realnvp.md", "coupling", "link"), ("diffusion/ddpm/fig 1.png", "", "image")]
    assert 'href="https://x.org"' in html and 'href="#here"' in html


def test_bare_urls_link_like_github_and_stop_at_chinese_punctuation():
    html, _ = render("运行 train.py 和 README.md，见 www.example.com 或 https://a.b/c，后文；"
                     "邮件 a@b.com；维基 https://zh.wikipedia.org/wiki/扩散模型 。")
    assert "train.py" in html and 'href="http://train.py"' not in html and 'href="http://README.md"' not in html
    assert '<a href="http://www.example.com">www.example.com</a>' in html
    assert '<a href="https://a.b/c">https://a.b/c</a>，后文' in html
    assert 'href="mailto:a@b.com"' in html
    assert "https://zh.wikipedia.org/wiki/%E6%89%A9%E6%95%A3%E6%A8%A1%E5%9E%8B" in html  # CJK letters stay in a URL


def test_highlights_mark_text_but_not_comparisons_code_or_formulas():
    html, _ = render("==重点== 与 a == b，x==y==z，==含 *强调* 与 $p==q$ 的句子==，`==c==`，== 空格 ==，a===b===c")
    assert html.count("<mark>") == 3
    assert "<mark>重点</mark>" in html and "x<mark>y</mark>z" in html
    assert re.search(r"<mark>含 <em>强调</em> 与 <span class=\"math inline\">\\\(p==q\\\)</span> 的句子</mark>", html)
    assert "<code>==c==</code>" in html and "== 空格 ==" in html and "a===b===c" in html and "a == b" in html


def test_other_tools_table_of_contents_markers_are_dropped():
    html, _ = render("[TOC]\n\n## A\n\n[[_TOC_]]\n\n- [toc]\n\ntext [TOC] stays")
    assert html.count("TOC") == 1 and "text [TOC] stays" in html and "toc" not in html.replace("TOC", "")


def test_a_dollar_inside_braces_does_not_end_the_formula():
    html, _ = render(r"$f(x)=\begin{cases}1 & \text{当 $x>0$}\\0 & \text{否则}\end{cases}$ 之后，$a$ 与 $b$")
    assert formulas(html) == [r"\(f(x)=\begin{cases}1 &amp; \text{当 $x&gt;0$}\\0 &amp; \text{否则}\end{cases}\)",
                              r"\(a\)", r"\(b\)"]


def test_rows_after_an_inner_environment_are_still_numbered_one_by_one():
    from mlnotes_site.render.math.equations import number_display

    numbered, labels = number_display(
        [r"\begin{align} x &= \begin{cases} 1 \\ 2 \end{cases} \label{a} \\ y &= z \label{b} \end{align}"], False)
    assert labels == {"a": ("1", "eq-a"), "b": ("2", "eq-a")} and numbered[0].tex.count("\\tag") == 2


def test_relative_urls_in_a_raw_html_block_are_recorded_at_their_own_line():
    _, env = render('<div>\n<p>x</p>\n<img\n  src="a.png">\n</div>\n\n<p>\n<a href="b.md">b</a></p>\n')
    assert [(link.target, link.line) for link in env.links] == [("a.png", 3), ("b.md", 7)]
