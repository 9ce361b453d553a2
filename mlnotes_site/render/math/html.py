"""What a rendered formula's HTML holds, read back (its TeX source, its MathML), and the one change
made to KaTeX's display HTML: its equation number moved beside the scrolling box."""
from __future__ import annotations

import re
from html import escape, unescape

# KaTeX and math-core both put the TeX in a MathML annotation; an error box shows it in <code>.
_ANNOTATION_RE = re.compile(r'<annotation encoding="application/x-tex">(.*?)</annotation>', re.S)
_ANNOTATION = '<annotation encoding="application/x-tex">{}</annotation>'
_CODE_RE = re.compile(r"<code>(.*?)</code>", re.S)
_MATH_RE = re.compile(r"<math\b.*?</math>", re.S)


def formula_source(html: str) -> str:
    """The TeX a rendered formula (KaTeX's or math-core's annotation, or an error box) was made from."""
    match = _ANNOTATION_RE.search(html)
    if match:
        return unescape(match.group(1))
    code = _CODE_RE.search(html)
    return unescape(code.group(1)) if code else ""


def with_source(html: str, tex: str) -> str:
    """The rendered formula annotated with `tex` instead of the TeX it was rendered from."""
    return _ANNOTATION_RE.sub(lambda _: _ANNOTATION.format(escape(tex)), html, 1)


def extract_mathml(html: str) -> str:
    match = _MATH_RE.search(html)
    return match.group(0) if match else ""


def feed_math(page_html: str) -> str:
    """What a feed carries for a formula: KaTeX's MathML (or math-core's), the TeX of a failed one."""
    mathml = extract_mathml(page_html)
    if mathml:
        return mathml
    code = _CODE_RE.search(page_html)
    return code.group(0) if code else ""


# KaTeX's display HTML: the number (`\\tag`, or one column of them for an `align`) is the last child of
# `.katex-html`, absolutely placed at the right of the display box. When the formula is wider than
# the column that box scrolls (as it must on a phone) and the number goes with the formula, out of
# sight. Moved out into a sibling of the box, it stays in view beside it: [scrolling formula | number].
_DISPLAY_OPEN = '<span class="katex-display">'
_TAG_OPEN = '<span class="katex-tag">'
_DISPLAY_CLOSE = "</span></span></span>"  # .katex-html, .katex, .katex-display


def number_beside(html: str) -> str:
    """KaTeX display HTML with its equation number taken out of the scrolling `.katex-display` into a
    `.math-number` beside it, both in a `.math-numbered` (a flex row, see style.css). The number keeps
    KaTeX's own markup and classes (its vertical list keeps an align's numbers level with their rows,
    both sides sharing the formula's baseline) and stays hidden from screen readers, as in KaTeX: the
    MathML carries the number. HTML without a number is returned as it is."""
    at = html.rfind(_TAG_OPEN)
    if at < 0 or not html.startswith(_DISPLAY_OPEN) or not html.endswith(_DISPLAY_CLOSE):
        return html
    tag = html[at:-len(_DISPLAY_CLOSE)]
    if tag.count("<span") != tag.count("</span>"):  # not the last child of .katex-html: leave it as KaTeX made it
        return html
    return (f'<span class="math-numbered">{html[:at]}{_DISPLAY_CLOSE}'
            f'<span class="katex math-number" aria-hidden="true">{tag}</span></span>')
