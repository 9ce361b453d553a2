"""An Obsidian vault (a `.obsidian/` folder) builds as it is: inline #tags are tags (nested ones filed
under their parents too), block ids ^abc are hidden anchors `[[note#^abc]]` lands on; reported as notes."""
from __future__ import annotations

from pathlib import Path

from helpers import read, write_site

from mlnotes_site.load.obsidian import adapt

DDIM = '''
---
date: 2024-03-01
tags: [paper]
---
# DDIM

Sampling faster #diffusion and #ml/sampling, not #123 nor `#code` nor $a^{\\#}$ nor https://x.org/#frag.

The key identity holds. ^key-1

- item
^list-id

```
#in-code ^not-an-id
```
'''


def _vault(root: Path) -> Path:
    return write_site(root, {
        ".obsidian/app.json": "{}",
        "ml/ddim.md": DDIM,
        "ml/other.md": "---\ndate: 2024-03-02\n---\nSee [[ddim#^key-1]] and #ml tagged.\n",
    })


def test_an_obsidian_vault_keeps_its_inline_tags_and_block_ids(tmp_path: Path, run_cli) -> None:
    site = _vault(tmp_path / "vault")
    run = run_cli("build", site, "-o", tmp_path / "out")
    assert run.code == 0, run.err
    out = tmp_path / "out"
    page = read(out, "ml/ddim/index.html")
    for slug in ("paper", "diffusion", "ml-sampling"):
        assert f'class="tag" href="/tags/{slug}/"' in page
    assert "/tags/123/" not in page and "/tags/code/" not in page and "/tags/frag/" not in page
    assert "/tags/in-code/" not in page and "#in-code ^not-an-id" in page
    assert "^key-1" not in page.replace('id="^key-1"', "") and '<span id="^key-1"></span>' in page
    assert '<span id="^list-id"></span>' in page
    other = read(out, "ml/other/index.html")
    assert '<a href="/ml/ddim/#%5Ekey-1" class="wikilink">ddim</a>' in other
    ml = read(out, "tags/ml/index.html")  # the parent tag lists the nested tag's note too
    assert 'href="/ml/ddim/"' in ml and 'href="/ml/other/"' in ml
    assert '<a class="tag" href="/tags/ml-sampling/">#ml/sampling</a> <span class="count">1</span>' in ml
    assert "ml/ddim.md:5:1: note[import/obsidian-tags]: inline tags read: #diffusion, #ml/sampling" in run.err
    assert "ml/ddim.md:9:24: note[import/obsidian-block-id]" in run.err


def test_outside_a_vault_hash_words_and_carets_stay_text(tmp_path: Path, build) -> None:
    site = write_site(tmp_path / "s", {"content/a.md": "---\ntitle: A\ndate: 2024-01-01\n---\nIssue #diffusion ends ^abc\n"})
    page = read(build(site), "a/index.html")
    assert "Issue #diffusion ends ^abc" in page and "/tags/diffusion/" not in page


def test_the_scan_is_linear() -> None:
    body = "#" * 50000 + "\n" + "`" * 50000 + "\n" + "$" * 50001
    assert adapt(body, 0, "a.md").tags == []
