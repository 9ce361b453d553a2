"""Reading rules in the Markdown: CJK line joins, punctuation kept with inline math, table boxes,
labelled task lists; CommonMark's own meaning of the same input is otherwise unchanged."""
from __future__ import annotations

from markdown_it import MarkdownIt

from mlnotes_site.render.markdown import create_markdown
from mlnotes_site.render.markdown.cjk import joins_without_space


def render(src: str) -> str:
    return create_markdown().render(src, {"folder": ""})


def test_a_soft_break_between_cjk_characters_is_dropped():
    assert render("作用，\n这主要是\n因为") == "<p>作用，这主要是因为</p>\n"
    # through emphasis and links, and next to the quotes and dashes Chinese uses
    assert render("这是\n**重点**\n内容") == "<p>这是<strong>重点</strong>内容</p>\n"
    assert render("见\n“引号”\n与[链接](https://e.org)\n后") == \
        '<p>见“引号”与<a href="https://e.org">链接</a>后</p>\n'


def test_a_soft_break_next_to_latin_or_hangul_stays():
    assert render("使用\nPyTorch\n训练") == "<p>使用\nPyTorch\n训练</p>\n"
    assert render("한국어\n문장") == "<p>한국어\n문장</p>\n"
    assert render("公式\n$x$\n之后").count("\n") == 3  # a formula is not CJK text
    assert not joins_without_space("a", "中") and joins_without_space("。", "中") and joins_without_space("中", "…")


def test_hard_breaks_and_plain_commonmark_are_untouched():
    assert render("中文  \n换行") == "<p>中文<br />\n换行</p>\n"
    plain = MarkdownIt("commonmark")
    for src in ["a\nb\n", "*a*\n_b_\n", "- x\n- y\n", "> q\n> r\n", "Hello\nworld, 1.\n"]:
        assert render(src) == plain.render(src), src


def test_punctuation_after_inline_math_is_kept_on_its_line():
    html = render("设 $x_0$。把 $y$）。再 $z$, and $w$ then")
    assert html.count('<span class="nobr">') == 3
    assert html.index('<span class="nobr">') < html.index("\x00m0\x00") < html.index("。</span>把")
    assert "）。</span>再" in html and ",</span> and" in html
    assert "\x00m3\x00 then" in html  # no punctuation: no wrapper


def test_tables_scroll_in_a_box_and_task_items_label_their_checkbox():
    html = render("| a | b |\n|---|---|\n| 1 | 2 |\n")
    assert html.startswith('<div class="table-wrap"><table>') and html.rstrip().endswith("</table>\n</div>")
    tasks = render("- [ ] 写测试\n- [x] done\n")
    assert '<label><input class="task-list-item-checkbox" disabled="disabled" type="checkbox"> 写测试</label>' in tasks
