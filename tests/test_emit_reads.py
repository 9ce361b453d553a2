"""The emit stage only reads: it imports nothing of the renderer but its plain model types, and
what a page needs of a note or topic was made by the render stage."""
from __future__ import annotations

import ast
import sqlite3

from mlnotes_site.build import BuildOptions, build
from mlnotes_site.emit import context

from helpers import REPO, note, read, tree_digest, write_site

# What emit may take from render/: nothing (plain data types and the placeholder contract live in model.py).
ALLOWED: set[tuple[str, str]] = set()  # plain model types come from mlnotes_site.model


def test_no_emit_module_imports_the_renderer():
    offending = []
    for path in sorted((REPO / "mlnotes_site/emit").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(("mlnotes_site.render",
                                                                                     "mlnotes_site.version")):
                offending += [(path.name, node.module, a.name) for a in node.names
                              if (node.module, a.name) not in ALLOWED]
            elif isinstance(node, ast.Import):
                offending += [(path.name, a.name, "") for a in node.names if a.name.startswith("mlnotes_site.render")]
            elif isinstance(node, ast.Name) and node.id in ("create_markdown", "MathEngine", "Bodies"):
                offending.append((path.name, node.id, "used"))
    assert offending == []


def test_template_references_are_remembered_for_a_bounded_number_of_sources():
    from jinja2 import Environment
    env = Environment()
    for i in range(context._REFERENCES_KEPT + 50):
        assert context._references(env, f"{{% include 'part{i}.html' %}}") == [f"part{i}.html"]
    assert len(context._REFERENCES) == context._REFERENCES_KEPT
    # the most recent are kept; an old one is parsed again, and gives the same answer
    assert context._references(env, "{% include 'part0.html' %}") == ["part0.html"]


def test_a_body_the_cache_lost_fails_the_build_once_then_the_note_is_rendered_again(tmp_path):
    body = "正文 $a^2 + b^2 = c^2$。\n\n$$\n\\sum_i x_i\n$$\n"
    site = write_site(tmp_path / "s", {"content/a/n.md": note("N", "2025-01-01", body),
                                       "content/a/m.md": note("M", "2025-01-02", "另一篇。")})
    first = build(BuildOptions(site, tmp_path / "out"))
    assert first.written and not first.failed
    reference = tree_digest(tmp_path / "out")
    db = sqlite3.connect(site / ".mlnotes-cache/cache.sqlite")
    db.execute("DELETE FROM entries WHERE kind = 'notebody'")  # infos stay: the renderer is not asked
    db.commit()
    db.close()
    (site / "content/a/m.md").write_text(note("M", "2025-01-02", "另一篇，改过。"), encoding="utf-8")
    lost = build(BuildOptions(site, tmp_path / "out"))
    assert lost.failed and not lost.written
    problems = [p for p in lost.problems if p.code == "cache/lost"]
    assert [p.path for p in problems] == ["content/a/n.md"] and "build again" in problems[0].hint
    assert tree_digest(tmp_path / "out") == reference  # the previous output is untouched
    again = build(BuildOptions(site, tmp_path / "out"))
    assert again.written and not again.failed and again.rendered_notes == 1  # n.md, rendered anew
    assert "a^2 + b^2 = c^2" in read(tmp_path / "out", "a/n/index.html")
