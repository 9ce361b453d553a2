"""What a rendered formula's HTML holds, read back: its TeX source and its MathML."""
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
