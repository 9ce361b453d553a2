"""render/math/oneline.py: a display formula as one line of inline TeX for list excerpts."""
from __future__ import annotations

import pytest

from mlnotes_site.render.math.oneline import inline_form


@pytest.mark.parametrize("tex, one_line", [
    # rows joined, `&` dropped, a trailing \\ and a \\[4pt] spacing leave no separator behind
    (r"\begin{align*} x &= 1 \\[4pt] y &= 2 \\ \end{align*}", r"{x = 1 \quad y = 2 }"),
    # alignat's column count is an argument, not content; numbers, labels and \nonumber go
    (r"\begin{alignat}{2} a &= b \label{q} & c &= d \nonumber \\ e &= f & g &= h \end{alignat} \tag{2}",
     r"{ a = b c = d \quad e = f g = h }"),
    # a grid keeps its delimiters and column layout, its rows become \cdots; a one-row grid stays
    (r"\left[\begin{array}{cc} 1 & 0 \\ 0 & 1 \end{array}\right] v = \begin{pmatrix} a & b \end{pmatrix}",
     r"\left[\begin{array}{cc}\cdots\end{array}\right] v = \begin{pmatrix} a & b \end{pmatrix}"),
    # rows inside a grid go with it; escaped ampersands and braces are text, not structure
    (r"x = \begin{cases} \begin{aligned} a &= 1 \\ b &= 2 \end{aligned} & t \\ 0 & \end{cases} \& \{1\}",
     r"x = \begin{cases} \cdots\end{cases} \& \{1\}"),
    # display-size operators become text-size ones; a substack's conditions are joined by commas
    (r"\displaystyle\sum\limits_{\substack{i \\ j}} \dfrac{1}{2}", r"\textstyle\sum\nolimits_{\substack{i , j}} \frac{1}{2}"),
    # the equation environments go; a formula without rows is kept as written
    (r"\begin{equation} E = mc^2 - 1 \end{equation}", r"{E = mc^2 - 1 }"),
    (r"x_t = \sqrt{\bar\alpha_t}\,x_0 - \epsilon", r"x_t = \sqrt{\bar\alpha_t}\,x_0 - \epsilon"),
])
def test_inline_form_is_one_line(tex, one_line):
    assert " ".join(inline_form(tex).split()) == one_line
