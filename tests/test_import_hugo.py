"""A Hugo site builds as it is: page bundles keep their URLs and resources, shortcodes render (math
intact, refs checked), an unknown shortcode is a warning shown as written, hugo.toml stands in for
mlnotes.yaml; every adaptation a note at file:line."""
from __future__ import annotations

from pathlib import Path

from helpers import read, write_site

from mlnotes_site.load.hugo import adapt, ref_path

HUGO_TOML = '''
baseURL = "https://example.org/blog/"
title = "My ML Blog"
defaultContentLanguage = "en"
[languages]
  [languages.zh]
    weight = 2
  [languages.en]
    weight = 1
'''

DDIM = '''
---
title: DDIM
date: 2024-03-01
---
Fast sampling {{< katex >}}\\alpha_t \\sqrt{x}{{< /katex >}} inline.

{{< katex display >}}
\\bar\\alpha_t = \\prod_{s=1}^t \\alpha_s
{{< /katex >}}

{{< figure src="fig.png" caption="The sampler" >}}

See [flow]({{< ref "/posts/flow" >}}) and [a]({{< relref "../../notes/a.md" >}}).

{{< highlight python >}}
def f(x): return x
{{< /highlight >}}

{{< youtube dQw4w9WgXcQ >}}

{{< tweet 123 >}}

`{{< figure src="code.png" >}}` stays code.

```
{{< figure src="fenced.png" >}}
```
'''


def _site(root: Path) -> Path:
    return write_site(root, {
        "hugo.toml": HUGO_TOML,
        "content/posts/ddim/index.md": DDIM,
        "content/posts/ddim/fig.png": b"PNG",
        "content/posts/flow/index.md": "---\ntitle: Flow\ndate: 2024-02-01\n---\nFlow body ![f](f.png)\n",
        "content/posts/flow/f.png": b"PNG",
        "content/posts/flow/index.zh.md": "---\ntitle: 流模型\ndate: 2024-02-01\n---\n流模型。\n",
        "content/notes/_index.md": "---\ntitle: Notes section\n---\nAll notes.\n",
        "content/notes/a.md": "---\ntitle: A\ndate: 2024-02-01\n---\nA body.\n",
        "content/notes/b/index.md": "---\ntitle: Notes B\n---\nThe section page of b.\n",
        "content/notes/b/c.md": "---\ntitle: C\ndate: 2024-02-02\n---\nC body.\n",
    })


def test_a_hugo_site_builds_with_its_urls(tmp_path: Path, run_cli) -> None:
    site = _site(tmp_path / "hugo")
    run = run_cli("build", site, "-o", tmp_path / "out")
    assert run.code == 0, run.err
    out = tmp_path / "out"
    page = read(out, "posts/ddim/index.html")  # en is the default language (hugo.toml), at the root
    assert 'lang="en"' in page and "<title>DDIM" in page and "My ML Blog" in page
    assert '<link rel="canonical" href="https://example.org/blog/posts/ddim/">' in page
    assert "\\alpha_t \\sqrt{x}" in page and "\\prod_{s=1}^t" in page  # TeX intact (the annotation)
    assert 'class="math-block"' in page
    assert '<figure><img src="/blog/posts/ddim/fig.png" alt="The sampler" /><figcaption>The sampler</figcaption>' in page
    assert (out / "posts/ddim/fig.png").read_bytes() == b"PNG"
    assert '<a href="/blog/posts/flow/">flow</a>' in page and '<a href="/blog/notes/a/">a</a>' in page
    assert 'data-lang="python"' in page
    assert '<a href="https://www.youtube.com/watch?v=dQw4w9WgXcQ">' in page
    assert "{{&lt; tweet 123 &gt;}}" in page  # unknown: as written
    assert "{{&lt; figure src=&quot;code.png&quot; &gt;}}" in page and "fenced.png" in page
    assert "{{&lt; katex" not in page and "{{&lt; ref" not in page and "{{&lt; highlight" not in page
    flow = read(out, "posts/flow/index.html")
    assert '<img src="/blog/posts/flow/f.png"' in flow  # relative to the bundle's own folder
    assert "流模型" in read(out, "zh/posts/flow/index.html")
    assert not (out / "posts/ddim/ddim").exists() and not (out / "posts/flow/index").exists()
    assert "The section page of b." in read(out, "notes/b/index.html") and (out / "notes/b/c/index.html").exists()
    for where, what in [("content/posts/ddim/index.md:1:1", "note[import/page-bundle]"),
                        ("content/posts/ddim/index.md:5:15", "note[import/hugo-shortcode]"),
                        ("content/posts/ddim/index.md:13:12", "note[import/hugo-shortcode]"),
                        ("content/posts/ddim/index.md:21:1", "warning[import/hugo-shortcode]"),
                        ("hugo.toml", "note[config/imported]")]:
        assert f"{where}: {what}" in run.err, (where, run.err)


def test_a_broken_ref_is_a_broken_link(tmp_path: Path, run_cli) -> None:
    site = write_site(tmp_path / "s", {"hugo.toml": HUGO_TOML, "content/a.md": "---\ntitle: A\ndate: 2024-01-01\n---\n"
                                       "[x]({{< ref \"/missing.md\" >}})\n"})
    run = run_cli("build", site, "-o", tmp_path / "out")
    assert "content/a.md:5:1: warning[link/broken]" in run.err  # checked like any link


def test_shortcode_scan_is_linear_and_leaves_plain_text_alone() -> None:
    body = "{{< x " * 20000 + "\n" + "`{{< y >}}` {{% z %}}"
    result = adapt(body, 0, "a.md", "")
    assert result.body.split("\n")[0] == "{{< x " * 20000  # no closer: unchanged
    assert [p.code for p in result.problems] == ["import/hugo-shortcode"] and "'z'" in result.problems[0].message
    assert ref_path("/posts/ddim.md", "notes") == "../posts/ddim.md"
    assert ref_path("ddim.md#sec", "posts") == "ddim.md#sec"
