"""The reader's experience in headless Chromium: phones first (no sideways page, formulas and tables
scroll in their own boxes, equation numbers clear of their formulas, one-row header, ToC targets
below it), accessibility by axe-core (zero critical or serious findings in both themes and both
languages), and per-page details (titles, descriptions, stylesheets only where needed).

One fixture site is built per module; one browser page per (width, theme) is reused for every URL.
When a check fails, a screenshot of the page is written to test-artifacts/ (see conftest.py)."""
from __future__ import annotations

import pytest

from helpers import REPO, build_into, note, write_site

WIDTHS = (375, 768, 1440)
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"

WIDE_TABLE = ("| 模型 | 参数量 | 训练数据与方法的详细说明 | 推理速度 | 备注 |\n|---|---|---|---|---|\n"
              + "| Transformer-XL 大模型 | 1750 亿 | 在大规模中文语料上先预训练，再用人类反馈做强化学习微调 | 每秒 35 个词 | 需要 8 张显卡才能装下 |\n" * 3)
LONG_FORMULA = r"\mathcal{L}_{\text{simple}}(\theta) = \mathbb{E}_{t, x_0, \epsilon}\Big[\big\| \epsilon - \epsilon_\theta\big(\sqrt{\bar\alpha_t}\, x_0 + \sqrt{1-\bar\alpha_t}\,\epsilon,\ t\big) \big\|^2\Big] + \lambda \sum_{i=1}^{N} \frac{\partial^2 f(x_i)}{\partial x_i^2}"

DENSE_ZH = f"""
## 前向过程

扩散模型的前向过程逐步加噪，它起到了关键作用，
这主要是因为每一步都可以写成封闭形式。设数据为 $x_0$。把 $x_t$，展开
得到段落中的行间公式 \\[q(x_t \\mid x_0) = \\mathcal{{N}}\\big(x_t;\\ \\sqrt{{\\bar\\alpha_t}}\\,x_0,\\ (1-\\bar\\alpha_t) I\\big) + \\sum_{{i=1}}^{{T}} \\beta_i \\log \\frac{{p_\\theta(x_{{i-1}} \\mid x_i)}}{{q(x_i \\mid x_{{i-1}})}}\\] 然后继续正文，
再来一个 \\[\\int_0^1 \\frac{{\\mathrm{{d}}}}{{\\mathrm{{d}}t}} \\Big( \\alpha_t x_0 + \\sigma_t \\epsilon \\Big)^2 \\mathrm{{d}}t = \\alpha_1^2 x_0^2 - \\alpha_0^2 x_0^2 + 2\\epsilon x_0 (\\alpha_1\\sigma_1 - \\alpha_0 \\sigma_0)\\] 结束。

$$
{LONG_FORMULA} \\tag{{1}}
$$

$$
x_t = \\sqrt{{\\bar\\alpha_t}} x_0 + \\sqrt{{1 - \\bar\\alpha_t}}\\, \\epsilon \\tag{{2}}
$$

$$
\\begin{{aligned}}
a &= b + c + d + e + f + g + h + i + j + k + l + m + n + o + p \\\\
  &= \\frac{{\\partial}}{{\\partial \\theta}} \\log p_\\theta(x) + \\mathbb{{E}}_{{q}}\\left[\\log \\frac{{p(x, z)}}{{q(z)}}\\right]
\\end{{aligned}} \\tag{{3}}
$$

段落里也有带编号的公式 \\[\\sum_{{k=1}}^{{K}} \\Big\\| \\nabla_\\phi \\ell_k(\\phi) - \\frac{{1}}{{K}} \\sum_{{j=1}}^{{K}} \\nabla_\\phi \\ell_j(\\phi) \\Big\\|^2 \\le \\varepsilon \\cdot \\max_{{k}} \\|\\nabla_\\phi \\ell_k\\| \\tag{{4}}\\] 然后继续。

\\begin{{equation}}\\label{{eq:elbo}}
\\log p_\\theta(x) \\ge \\mathbb{{E}}_{{q_\\phi(z \\mid x)}}\\big[\\log p_\\theta(x \\mid z)\\big] - D_{{\\mathrm{{KL}}}}\\big(q_\\phi(z \\mid x) \\,\\|\\, p(z)\\big) + \\sum_{{k=1}}^{{K}} \\gamma_k \\|\\nabla_\\phi \\ell_k\\|^2
\\end{{equation}}

\\begin{{align}}
\\nabla_\\theta J(\\theta) &= \\mathbb{{E}}_{{\\tau \\sim \\pi_\\theta}}\\Big[\\sum_{{t=0}}^{{T}} \\nabla_\\theta \\log \\pi_\\theta(a_t \\mid s_t) \\big(G_t - b(s_t)\\big)\\Big] \\label{{eq:pg}} \\\\
G_t &= \\sum_{{k=t}}^{{T}} \\gamma^{{k-t}} r_k \\label{{eq:ret}}
\\end{{align}}

## 表格

{WIDE_TABLE}

## 代码

```python
def loss(model, x0, t, noise): return ((noise - model(alpha_bar[t].sqrt() * x0 + (1 - alpha_bar[t]).sqrt() * noise, t)) ** 2).mean()  # a very long line
```

## 提示

> [!tip] 小技巧
> 见[官方文档](https://example.org/docs)与 $\\epsilon$。

> [!warning]- 折叠的警告
> 藏起来的内容。

> 💡 用表情开头的提示

## 待办

- [ ] 推导反向过程
- [x] 写完前向过程

## 图

![流程图](fig.svg)

### 小节一

{"正文段落，包含[一个链接](https://example.org)。" * 20}

### 小节二

{"更多内容。" * 80}

## 结尾

{"最后的内容。" * 120}
"""

# Display formulas with rows at the start of a note: its excerpt on the lists shows them inline, one line high.
ROWS = r"""先看三行推导 $$\begin{aligned} \log p(x) &= \log \int p(x, z)\,\mathrm{d}z \\ &\ge \mathbb{E}_q[\log p(x, z) - \log q(z)] \\ &= -\mathcal{L}(q) \end{aligned}$$ 再看分段函数。

$$
f(x) = \begin{cases} x - 1, & x \ge 1 \\ 0, & -1 < x < 1 \\ x + 1, & x \le -1 \end{cases}
$$

$$
A = \begin{pmatrix} 1 & -2 \\ 3 & 4 \end{pmatrix}, \quad \det A = 10
$$

\begin{align}
a &= b - c \label{eq:r1} \\
c &= \dfrac{d}{2} \\
e &= \sum_{\substack{i < j \\ i \ne k}} x_{ij}
\end{align}

R-CNN 与 Qwen1.5-7B 的结果见 \eqref{eq:r1}。
"""

FIG = ('<svg xmlns="http://www.w3.org/2000/svg" width="200" height="80" viewBox="0 0 200 80">'
       '<rect x="10" y="10" width="80" height="60" fill="none" stroke="#000"/><text x="20" y="45">x_t</text></svg>')


def _dense_en() -> str:
    return DENSE_ZH.replace("## 前向过程", "## Forward process").replace("## 表格", "## Tables") \
        .replace("## 代码", "## Code").replace("## 提示", "## Callouts").replace("## 待办", "## Tasks") \
        .replace("## 图", "## Figure").replace("### 小节一", "### Part one").replace("### 小节二", "### Part two") \
        .replace("## 结尾", "## End")


PAGES = {  # page type -> (Chinese path, English path)
    "home": ("", "en/"),
    "page2": ("page/2/", "en/page/2/"),
    "topic": ("ml/", "en/ml/"),
    "tag": ("tags/math/", "en/tags/math/"),
    "note": ("ml/dense/", "en/ml/dense/"),
    "untranslated": ("ml/only-zh/", "en/ml/only-en/"),
    "404": ("404.html", "en/404.html"),
}


@pytest.fixture(scope="module")
def site(tmp_path_factory, serve_folder):
    root = tmp_path_factory.mktemp("reader")
    files = {
        "content/ml/_index.zh.md": "---\ntitle: 机器学习\ndescription: 关于**模型**与训练的笔记\n---\n",
        "content/ml/_index.en.md": "---\ntitle: Machine learning\ndescription: Notes on **models** and training\n---\n",
        "content/ml/dense.zh.md": note("扩散模型的公式", "2025-03-10", DENSE_ZH, tags="[math]"),
        "content/ml/dense.en.md": note("Formulas of diffusion models", "2025-03-10", _dense_en(), tags="[math]"),
        "content/ml/rows.zh.md": note("多行公式", "2025-03-11", ROWS),
        "content/ml/rows.en.md": note("Formulas with rows", "2025-03-11", ROWS),
        "content/ml/fig.svg": FIG,
        "content/ml/only-zh.zh.md": note("只有中文的笔记", "2025-03-09", "只有中文。$a^2$ 公式。" * 30, tags="[math]"),
        "content/ml/only-en.en.md": note("English only", "2025-03-09", "Only in English, $a^2$. " * 30, tags="[math]"),
    }
    for i in range(4):
        files[f"content/ml/n{i}.zh.md"] = note(f"第 {i} 篇", f"2025-01-0{i + 1}", f"## 小节\n\n内容 {i}，$x_{i}$。")
        files[f"content/ml/n{i}.en.md"] = note(f"Note {i}", f"2025-01-0{i + 1}", f"## Part\n\nBody {i}, $x_{i}$.")
    write_site(root / "site", files, "title:\n  zh: 读者测试\n  en: Reader test\ndescription:\n  zh: 测试站点的描述\n"
               "  en: A test site\nbase_url: https://example.org/kb/\nlanguages: [zh, en]\npaginate: 3\n")
    build_into(root / "site", root / "www" / "kb")
    return serve_folder(root / "www") + "/kb/"


class Tabs:
    """One browser page per (width, theme), reused for every URL: a new page per check is slow."""

    def __init__(self, browser) -> None:
        self.browser = browser
        self.contexts: dict[tuple[int, str], object] = {}
        self.pages: dict[tuple[int, str], object] = {}
        self.last = None  # the page a failing check looked at (screenshot)

    def get(self, width: int, theme: str = "light"):
        key = (width, theme)
        if key not in self.pages:
            context = self.browser.new_context(viewport={"width": width, "height": 800}, color_scheme=theme)
            context.grant_permissions(["clipboard-read", "clipboard-write"])
            self.contexts[key] = context
            self.pages[key] = context.new_page()
        self.last = self.pages[key]
        return self.last

    def close(self) -> None:
        for context in self.contexts.values():
            context.close()


@pytest.fixture(scope="module")
def tabs(browser):
    t = Tabs(browser)
    yield t
    t.close()


@pytest.fixture
def shot_on_failure(request, tabs):
    """Writes a screenshot of the page under test when the test fails."""
    yield
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed and tabs.last is not None:
        folder = REPO / "test-artifacts"
        folder.mkdir(exist_ok=True)
        name = "".join(c if c.isalnum() or c in "-_." else "_" for c in request.node.name)
        tabs.last.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def open_page(tabs, site, width, path, theme="light"):
    page = tabs.get(width, theme)
    response = page.goto(site + path)
    assert response is not None and (response.ok or path.endswith("404.html"))
    page.evaluate("document.fonts.ready")
    return page


def axe_findings(page) -> list[str]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    results = page.evaluate("""() => axe.run(document, {runOnly: {type: 'tag',
        values: ['wcag2a', 'wcag2aa', 'best-practice']}, resultTypes: ['violations']})""")
    return [f"{v['impact']} {v['id']}: {v['help']} -> " + "; ".join(n["html"][:120] for n in v["nodes"][:3])
            for v in results["violations"] if v["impact"] in ("critical", "serious")]


@pytest.mark.usefixtures("shot_on_failure")
@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("lang", [0, 1], ids=["zh", "en"])
@pytest.mark.parametrize("kind", list(PAGES))
def test_axe_finds_nothing_critical_or_serious(tabs, site, kind, lang, theme):
    assert AXE.exists(), "npm install (axe-core is a pinned dev dependency)"
    # phones first; the note page (side ToC, widest layout change) also wide. axe takes seconds a page.
    for width in (375, 1440) if kind == "note" else (375,):
        page = open_page(tabs, site, width, PAGES[kind][lang], theme)
        if kind == "note" and width == 375:
            page.click(".menu-toggle")  # the open phone menu too
        assert axe_findings(page) == [], (kind, width)


@pytest.mark.usefixtures("shot_on_failure")
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("kind", list(PAGES))
def test_the_page_never_scrolls_sideways(tabs, site, kind, width):
    for path in PAGES[kind]:
        page = open_page(tabs, site, width, path)
        assert page.evaluate("document.documentElement.scrollWidth") == width, path
        # every box that overflows scrolls by itself, and keyboard users can reach it (KaTeX's MathML is
        # clipped to 1 px for screen readers, and an SVG's paths are clipped by the SVG: not boxes on the page)
        loose = page.evaluate("""() => [...document.querySelectorAll('.note-body *')].filter(e =>
            e.getBoundingClientRect().right > document.documentElement.clientWidth + 1
            && !e.closest('.katex-display, .table-wrap, pre, .katex-mathml')
            && !(e.parentElement && e.parentElement.closest('svg'))).map(e => e.outerHTML.slice(0, 80))""")
        assert loose == [], path
        boxes = page.evaluate("""() => [...document.querySelectorAll('.katex-display, .table-wrap, .code-block pre')]
            .filter(b => b.scrollWidth > b.clientWidth + 1)
            .map(b => [getComputedStyle(b).overflowX, b.tabIndex, b.getAttribute('aria-label')])""")
        assert all(o == "auto" and t == 0 and label for o, t, label in boxes), boxes
        if kind == "note" and width == 375:
            assert len(boxes) >= 4  # the fixture's long formulas, table and code do overflow at 375


# For each equation number on the page: where its glyphs are, what of them its scroll boxes let show, and
# what of its formula's glyphs show (a formula that scrolls shows only the part in its box). Baselines are
# measured with an empty inline-block put at the end of the formula's line and of the number (KaTeX's HTML).
EQUATION_NUMBERS = """() => {
    const clipped = (r, el) => {  // the part of rect r that el's ancestors with overflow other than visible let show
        let [left, top, right, bottom] = [r.left, r.top, r.right, r.bottom];
        for (let a = el.parentElement; a; a = a.parentElement) {
            const s = getComputedStyle(a);
            if (s.overflowX === 'visible' && s.overflowY === 'visible') continue;
            const b = a.getBoundingClientRect();
            const x = b.left + a.clientLeft, y = b.top + a.clientTop;
            left = Math.max(left, x); right = Math.min(right, x + a.clientWidth);
            top = Math.max(top, y); bottom = Math.min(bottom, y + a.clientHeight);
        }
        return {left, top, right, bottom};
    };
    const glyphs = (root, skip) => { const out = []; const walk = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
        while (walk.nextNode()) {
            const node = walk.currentNode;
            if (!/[^\\s\\u200b]/.test(node.textContent) || (skip && skip.contains(node))) continue;
            const range = document.createRange(); range.selectNodeContents(node);
            for (const r of range.getClientRects()) if (r.width > 0 && r.height > 0) out.push({rect: r, shown: clipped(r, node.parentElement)});
        }
        return out; };
    const baseline = el => { const probe = document.createElement('span'); probe.style.cssText = 'display:inline-block;width:0;height:0';
        el.appendChild(probe); const y = probe.getBoundingClientRect().bottom; probe.remove(); return y; };
    const hit = (a, b) => a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5;
    // KaTeX's number (`.katex-tag`, in a `.math-number` once moved) or math-core's (`.math-number`)
    return [...document.querySelectorAll('.note-body .math-number, .note-body .katex-display .katex-tag')].map(tag => {
        const formula = tag.closest('.math-numbered') || tag.closest('.katex-display');
        const body = formula.querySelector('.katex-display .katex-html, .math-display math');
        window.scrollTo(0, window.scrollY + tag.getBoundingClientRect().top - innerHeight / 2);  // the page, never the box
        const number = glyphs(tag);
        const shown = glyphs(body, tag).map(g => g.shown).filter(r => r.right - r.left > 0.5 && r.bottom - r.top > 0.5);
        const column = formula.parentElement.getBoundingClientRect();
        const scrollers = [...formula.querySelectorAll('*'), formula].filter(e => e.scrollLeft !== 0).length;
        return {
            text: tag.textContent.replace(/\\u200b/g, ''),
            hidden: number.filter(g => Math.abs(g.shown.left - g.rect.left) > 0.5 || Math.abs(g.shown.right - g.rect.right) > 0.5
                || Math.abs(g.shown.top - g.rect.top) > 0.5 || Math.abs(g.shown.bottom - g.rect.bottom) > 0.5
                || g.rect.left < 0 || g.rect.right > document.documentElement.clientWidth).length,
            covered: number.filter(g => { const r = g.rect; const e = document.elementFromPoint((r.left + r.right) / 2, (r.top + r.bottom) / 2);
                return !e || !tag.contains(e); }).length,
            overlaps: number.filter(g => shown.some(f => hit(g.rect, f))).length,
            glyphs: number.length,
            drift: body.matches('math') ? null : Math.abs(baseline(tag) - baseline(body)),  // (no probe inside MathML)
            left: Math.min(...number.map(g => g.rect.left)), right: Math.max(...number.map(g => g.rect.right)),
            formulaRight: Math.max(...shown.map(r => r.right)), columnRight: column.right, scrollers,
        };
    });
}"""


@pytest.mark.usefixtures("shot_on_failure")
@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("width", WIDTHS)
def test_equation_numbers_are_always_visible_beside_their_formulas(tabs, site, width, theme):
    """Every number (`\\tag`, a labelled `equation`, each row of an `align`; in a paragraph or a block)
    is on screen without scrolling, even when its formula is wider than the phone and scrolls: nothing
    clips or covers it, it touches none of its formula's visible glyphs, it sits on its formula's
    baseline (each row of an `align` on its row) at the right edge of the column, after the formula."""
    page = open_page(tabs, site, width, PAGES["note"][0], theme)
    numbers = page.evaluate(EQUATION_NUMBERS)
    assert sorted(n["text"] for n in numbers) == ["(1)", "(1)", "(2)", "(2)(3)", "(3)", "(4)"], numbers
    for n in numbers:
        assert n["glyphs"] >= 3 and n["scrollers"] == 0, n
        assert n["hidden"] == 0 and n["covered"] == 0, n  # readable before any scrolling
        assert n["overlaps"] == 0, n
        assert n["drift"] < 1, n  # on the formula's baseline: an align's rows stay level with their numbers
        assert abs(n["right"] - n["columnRight"]) < 2, n  # right-aligned in the column
        assert n["left"] >= n["formulaRight"] - 0.5, n  # after what shows of the formula, on its row
    if width == 375:  # the fixture's long numbered formulas do scroll at 375, and their numbers stay put
        wide = page.evaluate("""() => [...document.querySelectorAll('.note-body .katex-display')].filter(b =>
            b.querySelector('.katex-tag') || b.closest('.math-numbered')).filter(b => b.scrollWidth > b.clientWidth + 1).length""")
        assert wide >= 3


@pytest.fixture(scope="module")
def site_without_katex(tmp_path_factory, serve_folder):
    """The dense note rendered by the fallback (math-core's MathML), as on a machine without node or KaTeX."""
    root = tmp_path_factory.mktemp("reader-mathcore")
    write_site(root / "site", {"content/ml/dense.zh.md": note("扩散模型的公式", "2025-03-10", DENSE_ZH),
                               "content/ml/fig.svg": FIG}, "title: 读者测试\nlanguages: [zh]\n")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MLNOTES_KATEX_DIR", str(root / "no-katex"))
        build_into(root / "site", root / "www")
    return serve_folder(root / "www") + "/"


@pytest.mark.usefixtures("shot_on_failure")
@pytest.mark.parametrize("width", (375, 1440))
def test_without_katex_formulas_scroll_in_their_boxes_and_numbers_stay_in_view(tabs, site_without_katex, width):
    page = open_page(tabs, site_without_katex, width, "ml/dense/")
    assert page.locator(".katex").count() == 0 and page.locator(".math-fallback").count() > 10
    assert page.evaluate("document.documentElement.scrollWidth") == width
    numbers = page.evaluate(EQUATION_NUMBERS)
    # one number for a whole formula sits beside its box; math-core keeps an align's per-row numbers in its rows
    assert sorted(n["text"] for n in numbers) == ["(1)", "(1)", "(2)", "(3)", "(4)"], numbers
    for n in numbers:
        assert n["hidden"] == 0 and n["covered"] == 0 and n["overlaps"] == 0, n
        assert abs(n["right"] - n["columnRight"]) < 2 and n["left"] >= n["formulaRight"] - 0.5, n
    boxes = page.evaluate("""() => [...document.querySelectorAll('.math-display')].filter(b => b.scrollWidth > b.clientWidth + 1)
        .map(b => [getComputedStyle(b).overflowX, b.tabIndex, b.getAttribute('aria-label')])""")
    assert all(o == "auto" and t == 0 and label for o, t, label in boxes), boxes
    if width == 375:
        assert len(boxes) >= 4


@pytest.mark.usefixtures("shot_on_failure")
@pytest.mark.parametrize("width", (375, 1440))
@pytest.mark.parametrize("lang", [0, 1], ids=["zh", "en"])
def test_formulas_in_list_excerpts_are_one_line_high(tabs, site, width, lang):
    page = open_page(tabs, site, width, PAGES["home"][lang])
    boxes = page.evaluate("""() => [...document.querySelectorAll('.excerpt')].flatMap(p => {
        const line = parseFloat(getComputedStyle(p).lineHeight);
        return [...p.querySelectorAll('.katex')].map(k => ({tex: k.querySelector('annotation').textContent,
            height: k.getBoundingClientRect().height, line}));
    })""")
    rows = [b for b in boxes if "cdots" in b["tex"] or "quad" in b["tex"]]
    assert len(rows) >= 5, boxes  # the aligned, cases, matrix and align of the note with rows, and its \\substack
    tall = [b for b in boxes if b["height"] > 1.6 * b["line"]]
    assert tall == [], tall


@pytest.mark.usefixtures("shot_on_failure")
@pytest.mark.parametrize("width", WIDTHS)
def test_toc_targets_land_below_the_header(tabs, site, width):
    page = open_page(tabs, site, width, PAGES["note"][0])
    header = page.evaluate("document.querySelector('.site-header').getBoundingClientRect().height")
    side = page.evaluate("getComputedStyle(document.querySelector('.toc')).position") == "sticky"
    assert page.evaluate("document.querySelector('.toc details').open") == (width >= 1156)
    assert side == (width >= 1156)
    if width == 375:
        assert header < 60  # one compact row
        assert page.evaluate("document.querySelector('.note-body').getBoundingClientRect().top") < 450
    if not side:
        page.click(".toc summary")
    hrefs = page.eval_on_selector_all(".toc a", "as => as.map(a => a.getAttribute('href'))")
    assert len(hrefs) >= 8
    for href in hrefs:
        page.click(f".toc a[href='{href}']")
        top = page.evaluate(f"document.getElementById(decodeURIComponent('{href[1:]}')).getBoundingClientRect().top")
        assert header <= top < 800, href
        if side:
            assert page.evaluate("document.querySelector('.toc a[aria-current]').getAttribute('href')") == href


@pytest.mark.usefixtures("shot_on_failure")
def test_phone_header_menu_theme_button_and_notice(tabs, site):
    page = open_page(tabs, site, 375, PAGES["untranslated"][0])
    assert not page.locator("#site-nav").is_visible()
    page.click(".menu-toggle")
    assert page.locator("#site-nav").is_visible() and page.get_attribute(".menu-toggle", "aria-expanded") == "true"
    # tab order is the visual order: title, menu, (menu items), languages, theme
    order = page.evaluate("""() => [...document.querySelectorAll('.site-header a, .site-header button')]
        .filter(e => e.offsetParent !== null).map(e => e.getBoundingClientRect().left)""")
    assert order[:2] == sorted(order[:2]) and order[-2] < order[-1]
    toggle = page.locator(".theme-toggle")
    assert toggle.get_attribute("aria-label") == "深色主题" and toggle.get_attribute("aria-pressed") == "false"
    toggle.click()
    assert toggle.get_attribute("aria-pressed") == "true"
    toggle.click()  # back to light for the other checks
    # the link to the missing translation lands on the notice, which is not hidden under the header
    page.click(".lang-switch a[hreflang=en]")
    page.wait_for_url("**/en/#untranslated")
    notice = page.evaluate("document.getElementById('untranslated').getBoundingClientRect().top")
    assert notice >= page.evaluate("document.querySelector('.site-header').getBoundingClientRect().bottom")


@pytest.mark.usefixtures("shot_on_failure")
def test_keyboard_copies_a_formulas_tex_and_reaches_scroll_boxes(tabs, site):
    page = open_page(tabs, site, 375, PAGES["note"][0])
    formula = page.locator(".math-block .katex-display").nth(1)
    formula.focus()
    assert formula.get_attribute("aria-label") == "公式（按回车复制 TeX）"
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelector('.tex-copied') !== null")
    assert page.evaluate("navigator.clipboard.readText()") == r"x_t = \sqrt{\bar\alpha_t} x_0 + \sqrt{1 - \bar\alpha_t}\, \epsilon \tag{2}"
    table = page.locator(".table-wrap")
    assert table.get_attribute("tabindex") == "0" and table.get_attribute("aria-label") == "表格"
    # a wide table scrolls with readable cells instead of squeezing to one or two characters a line
    cell = page.evaluate("document.querySelector('.table-wrap td:nth-child(3)').getBoundingClientRect().width")
    assert cell >= 120


@pytest.mark.usefixtures("shot_on_failure")
def test_chinese_typesetting_in_the_page(tabs, site):
    page = open_page(tabs, site, 375, PAGES["note"][0])
    text = page.evaluate("document.querySelector('.note-body p').textContent")
    assert "作用，这主要是" in text  # the source's line break between Chinese characters is no space
    # a formula and the punctuation after it are never split across lines
    assert page.evaluate("""() => [...document.querySelectorAll('.nobr')].every(s => {
        const tops = [...s.getClientRects()].map(r => Math.round(r.top)); return new Set(tops).size === 1; })""")
    assert page.locator(".nobr").count() >= 2


@pytest.mark.usefixtures("shot_on_failure")
def test_titles_descriptions_and_stylesheets_per_page(tabs, site):
    page = tabs.get(1440)
    titles = {}
    for _kind, paths in PAGES.items():
        for path in paths:
            page.goto(site + path)
            titles[path] = page.title()
            description = page.evaluate("document.querySelector('meta[name=description]')?.content || ''")
            assert description.strip() and "<" not in description, path
            sheets = page.eval_on_selector_all("link[rel=stylesheet]", "ls => ls.map(l => l.getAttribute('href'))")
            has_code = page.locator(".code-block").count() > 0
            has_math = page.locator(".katex").count() > 0
            assert any("pygments" in s for s in sheets) == has_code, (path, sheets)
            assert any("katex" in s for s in sheets) == has_math, (path, sheets)
    assert len(set(titles.values())) == len(titles), titles


@pytest.mark.usefixtures("shot_on_failure")
def test_callout_icons_are_svg_and_images_get_a_card_in_dark_mode(tabs, site):
    page = open_page(tabs, site, 1440, PAGES["note"][0], "dark")
    icons = page.evaluate("""() => [...document.querySelectorAll('.callout-icon')].map(i =>
        [i.textContent, getComputedStyle(i).maskImage, i.getBoundingClientRect().width])""")
    # the theme's own SVG files, from the site (no emoji, nothing from elsewhere)
    assert len(icons) == 3 and all(t == "" and m.startswith(f'url("{site}icons/') and m.endswith('.svg")') and w > 8
                                   for t, m, w in icons), icons
    marker = page.evaluate("getComputedStyle(document.querySelector('details.callout > summary'), '::after').borderRightWidth")
    assert marker == "2px"  # the disclosure chevron of a foldable callout
    card = page.evaluate("getComputedStyle(document.querySelector('.note-body img')).backgroundColor")
    assert card == "rgb(244, 245, 247)"
