"""A Jekyll (kramdown) blog builds as it is: posts dated by their file name, Liquid links resolved and
checked, kramdown attribute lists and the `* TOC {:toc}` list never shown, space-separated tags;
other Liquid a warning shown as written; every adaptation a note at file:line."""
from __future__ import annotations

from pathlib import Path

from helpers import read, write_site

from mlnotes_site.load.jekyll import adapt, post_name

GAN = '''
---
layout: post
title: "From GAN to WGAN"
tags: gan long-read
---

> Abstract in a quote.
{: class="table-of-content"}

* TOC
{:toc}

## Introduction
{: #intro}

Back to [the intro](#intro).

GAN text. ![fig]({{ '/assets/images/x.png' | relative_url }}){: style="width: 50%;"}

{% highlight python %}
def d(x): return x
{% endhighlight %}

{% include figure.html %}

`{: keep}` in code.

```
{% post_url stays-in-code %}
```
'''

FLOW = '''
---
layout: post
title: "Flow-based Deep Generative Models"
date: 2018-10-14
tags: [flow]
---
See [GAN]({{ site.baseurl }}{% post_url 2017-08-20-from-GAN-to-WGAN %}), [about]({% link about.md %}),
![x]({{ site.baseurl }}/assets/images/x.png) and [gone]({% post_url 2000-01-01-missing %}).
'''


def _blog(root: Path) -> Path:
    return write_site(root, {
        "_config.yml": "title: Lil blog\nbaseurl: /lil\nlang: en\n",
        "_posts/2017-08-20-from-GAN-to-WGAN.md": GAN,
        "_posts/2018-10-13-flow-models.md": FLOW,
        "about.md": "---\ntitle: About\ndate: 2020-01-01\n---\nAbout me.\n",
        "assets/images/x.png": b"PNG",
        "_layouts/post.html": "<html>{{ content }}</html>",
        "_site/stale.md": "---\ntitle: stale\n---\nold output\n",
    })


def test_a_jekyll_blog_builds_as_it_is(tmp_path: Path, run_cli) -> None:
    site = _blog(tmp_path / "blog")
    run = run_cli("build", site, "-o", tmp_path / "out")
    assert run.code == 0, run.err
    out = tmp_path / "out"
    gan = read(out, "posts/from-gan-to-wgan/index.html")
    assert "<title>From GAN to WGAN" in gan and "Lil blog" in gan and 'lang="en"' in gan
    assert '<time datetime="2017-08-20T00:00:00+00:00"' in gan
    assert 'href="/lil/tags/gan/"' in gan and 'href="/lil/tags/long-read/"' in gan
    assert '<img src="/lil/assets/images/x.png" alt="fig" />' in gan
    assert (out / "assets/images/x.png").read_bytes() == b"PNG"
    body = gan[gan.index('class="note-body"'):gan.index('class="prev-next"')]
    assert "{:" not in body.replace("<code>{: keep}</code>", "") and "TOC" not in body
    assert '<h2 id="introduction">Introduction <span id="intro"></span>' in gan and 'data-lang="python"' in gan and "endhighlight" not in gan
    assert "{% include figure.html %}" in gan  # other Liquid: as written
    assert "{% post_url stays-in-code %}" in gan
    flow = read(out, "posts/flow-models/index.html")
    assert '<time datetime="2018-10-14T00:00:00+00:00"' in flow  # front matter date wins over the name
    assert '<a href="/lil/posts/from-gan-to-wgan/">GAN</a>' in flow and '<a href="/lil/about/">about</a>' in flow
    assert '<img src="/lil/assets/images/x.png"' in flow
    assert not (out / "_site").exists() and not (out / "stale").exists()
    g, f = "_posts/2017-08-20-from-GAN-to-WGAN.md", "_posts/2018-10-13-flow-models.md"
    for expected in [f"{g}:1:1: note[import/jekyll-post]", f"{g}:8:1: note[import/kramdown-ial]",
                     f"{g}:11:1: note[import/kramdown-ial]", f"{g}:18:18: note[import/jekyll-liquid]",
                     f"{g}:20:1: note[import/jekyll-liquid]", f"{g}:24:1: warning[import/jekyll-liquid]",
                     f"{g}:14:1: note[import/kramdown-ial]: kramdown attribute list {{: #intro}}: the id 'intro' kept",
                     f"{f}:7:29: note[import/jekyll-liquid]", f"{f}:8:1: warning[link/broken]",
                     "_config.yml: note[config/imported]"]:
        assert expected in run.err, (expected, run.err)
    assert f"{f}:1:1: note[import/jekyll-post]" not in run.err and "link/anchor" not in run.err


def test_tags_split_on_spaces_only_in_a_jekyll_site(tmp_path: Path, build) -> None:
    site = write_site(tmp_path / "s", {"content/a.md": "---\ntitle: A\ndate: 2024-01-01\ntags: gan long-read\n---\nx\n"})
    out = build(site)
    assert 'class="tag" href="/tags/gan-long-read/"' in read(out, "a/index.html")  # one tag, as before


def test_post_names_and_a_linear_scan() -> None:
    assert post_name("2018-10-13-flow-models") == ("2018-10-13", "flow-models")
    assert post_name("flow-models") is None
    body = "{% x " * 20000 + "\n" + "{: " * 20000
    result = adapt(body, 0, "a.md", "_posts")
    assert result.body == body  # nothing closed: unchanged
