"""The model `serve` keeps in memory: after any sequence of changes its output is byte-identical to a
clean build, and a body edit rewrites only what shows that body."""
from __future__ import annotations

import random
import shutil
from pathlib import Path

from mlnotes_site.build import BuildOptions, build
from mlnotes_site.serve.live import LiveSite
from mlnotes_site.write.writer import MARKER
from helpers import note, tree_digest, write_site

PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000")


def make_site(root: Path) -> Path:
    site = write_site(root, {
        "content/diffusion/_index.zh.md": "---\ntitle: 扩散\n---\n\n扩散模型 $p_\\theta$。\n",
        "content/diffusion/_index.en.md": "---\ntitle: Diffusion\n---\n\nDiffusion models.\n",
        "content/diffusion/ddpm.zh.md": note("DDPM", "2025-01-01", "前向 $q(x_t|x_0)$。\n\n![图](fig.png)\n\n"
                                            "见 [DDIM](ddim.md)。", tags="[扩散, 采样]"),
        "content/diffusion/ddpm.en.md": note("DDPM", "2025-01-01", "Forward $q$. See [DDIM](ddim.md).", tags="[diffusion]"),
        "content/diffusion/ddim.zh.md": note("DDIM", "2025-02-01", "$$x_{t-1} = f(x_t) \\tag{1}$$\n\n回到 [DDPM](ddpm.md)。\n\n"
                                            + "确定性采样跳过若干步。" * 60,
                                            tags="[采样]"),
        "content/diffusion/sampling/ancestral.zh.md": note("祖先采样", "2025-03-01", "逐步 $t \\to t-1$。"),
        "content/python/gil.zh.md": note("GIL", "2025-02-10", "锁。" * 30, tags="[python]", aliases="[/old/gil/]"),
        "content/python/asyncio.zh.md": note("asyncio", "2025-02-11", "事件循环。", draft="true"),
        "content/python/gil.en.md": note("The GIL", "2025-02-10", "A lock."),
        "templates/.keep": "",
    }, "base_url: /kb/\npaginate: 2\n")
    (site / "content/diffusion/fig.png").write_bytes(PNG)
    (site / "templates").mkdir(exist_ok=True)
    return site


class Editor:
    """Random changes of every kind a writer makes; each returns the site paths it touched."""

    def __init__(self, site: Path, rng: random.Random) -> None:
        self.site, self.rng, self.step = site, rng, 0

    def notes(self) -> list[Path]:
        return sorted(p for p in (self.site / "content").rglob("*.md") if not p.name.startswith("_"))

    def rel(self, path: Path) -> str:
        return path.relative_to(self.site).as_posix()

    def body_edit(self) -> set[str]:
        victim = self.rng.choice(self.notes())
        text = victim.read_text(encoding="utf-8")
        extra = "长段落。" * self.rng.choice([0, 0, 150])  # sometimes enough to change the reading time
        victim.write_text(text + f"\n\n补充 {self.step}：$y_{{{self.step}}}$。{extra}\n", encoding="utf-8")
        return {self.rel(victim)}

    def front_edit(self) -> set[str]:
        victim = self.rng.choice(self.notes())
        text = victim.read_text(encoding="utf-8")
        field = self.rng.choice(["title", "date", "tags", "weight", "draft", "slug", "summary"])
        value = {"title": f"标题 {self.step}", "date": f"2025-0{self.rng.randint(1, 9)}-1{self.rng.randint(0, 9)}",
                 "tags": f"[t{self.step % 3}, 采样]", "weight": str(self.rng.randint(-3, 3)),
                 "draft": self.rng.choice(["true", "false"]), "slug": f"s{self.step}",
                 "summary": f"摘要 $z_{self.step}$"}[field]
        head, _, rest = text.partition("\n---\n")
        lines = [line for line in head.split("\n") if not line.startswith(f"{field}:")]
        victim.write_text("\n".join(lines + [f"{field}: {value}"]) + "\n---\n" + rest, encoding="utf-8")
        return {self.rel(victim)}

    def create(self) -> set[str]:
        folder = self.site / "content" / self.rng.choice(["diffusion", "python", "diffusion/sampling", "flows"])
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"n{self.step}.{self.rng.choice(['zh', 'en'])}.md"
        path.write_text(note(f"新 {self.step}", f"2025-04-{self.step % 28 + 1:02d}",
                             f"链接 [GIL](../python/gil.md) $a_{self.step}$", tags=f"[t{self.step % 3}]"), encoding="utf-8")
        return {self.rel(path)}

    def delete(self) -> set[str]:
        victim = self.rng.choice(self.notes())
        victim.unlink()
        return {self.rel(victim)}

    def rename(self) -> set[str]:
        victim = self.rng.choice(self.notes())
        target = victim.with_name(f"r{self.step}.{victim.name.split('.')[-2]}.md")
        victim.rename(target)
        return {self.rel(victim), self.rel(target)}

    def translate(self) -> set[str]:
        victim = self.rng.choice([p for p in self.notes() if p.name.endswith(".zh.md")] or self.notes())
        twin = victim.with_name(victim.name.replace(".zh.md", ".en.md"))
        twin.write_text(note(f"English {self.step}", "2025-05-05", f"Body {self.step} $b$"), encoding="utf-8")
        return {self.rel(twin)}

    def topic(self) -> set[str]:
        path = self.site / "content/diffusion/_index.zh.md"
        path.write_text(f"---\ntitle: 扩散 {self.step}\nweight: {self.step % 3}\n---\n\n说明 {self.step}。\n", encoding="utf-8")
        return {self.rel(path)}

    def asset(self) -> set[str]:
        path = self.site / "content/diffusion/fig.png"
        path.write_bytes(PNG + bytes([self.step % 256]))
        return {self.rel(path)}

    def template(self) -> set[str]:
        path = self.site / "templates/404.html"
        path.write_text("{% extends \"base.html\" %}{% block content %}<p>404 " + str(self.step) + "</p>{% endblock %}\n",
                        encoding="utf-8")
        return {self.rel(path)}

    def static(self) -> set[str]:
        path = self.site / "static/css/extra.css"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"/* {self.step} */\n", encoding="utf-8")
        return {self.rel(path)}

    def apply(self) -> set[str]:
        self.step += 1
        if not self.notes():
            return self.create()
        op = self.rng.choice(["body_edit"] * 4 + ["front_edit"] * 3 + ["create", "delete", "rename", "translate",
                                                                        "topic", "asset", "template", "static"])
        return getattr(self, op)()


def clean_build(site: Path, out: Path) -> dict[str, str]:
    shutil.rmtree(out, ignore_errors=True)
    result = build(BuildOptions(site, out, drafts=True))
    assert not result.failed, [p.format() for p in result.problems]
    digests = tree_digest(out)
    digests.pop(MARKER, None)
    # LiveSite writes the pages; in serve, pagefind/ is written by its background indexer
    # (serve/search.py, tested in tests/test_search.py)
    return {path: digest for path, digest in digests.items() if not path.startswith("pagefind/")}


def served(live: LiveSite) -> dict[str, str]:
    digests = tree_digest(live.output)
    digests.pop(MARKER, None)
    return digests


def test_any_sequence_of_changes_serves_what_a_clean_build_writes(tmp_path):
    site = make_site(tmp_path / "site")
    live = LiveSite(site, tmp_path / "serve")
    editor = Editor(site, random.Random(20261123))
    try:
        assert not live.update(None).failed
        assert served(live) == clean_build(site, tmp_path / "clean")
        for step in range(1, 71):
            result = live.update(editor.apply())
            if result.failed:  # e.g. a slug clash the random edits made: the last good output stays
                continue
            assert served(live) == clean_build(site, tmp_path / "clean"), f"differs after step {step}"
    finally:
        live.close()


def test_a_body_edit_rewrites_only_the_note_and_the_feeds_that_carry_it(tmp_path):
    site = make_site(tmp_path / "site")
    live = LiveSite(site, tmp_path / "serve")
    try:
        live.update(None)
        path = site / "content/diffusion/ddim.zh.md"
        path.write_text(path.read_text(encoding="utf-8") + "\n\n再补充一段 $w$。\n", encoding="utf-8")
        result = live.update({"content/diffusion/ddim.zh.md"})
        assert not result.failed
        assert result.rendered == 1 and result.made <= 1 + len([p for p in result.changed if p.endswith("feed.xml")])
        pages = [p for p in result.changed if p.endswith(".html")]
        assert pages == ["diffusion/ddim/index.html"]
        assert "diffusion/feed.xml" in result.changed and "feed.xml" in result.changed
        assert "再补充一段" in (live.output / "diffusion/ddim/index.html").read_text(encoding="utf-8")
        # a long addition far below the excerpt changes the reading time lists show
        path.write_text(path.read_text(encoding="utf-8") + "\n\n" + "很长的补充。" * 400 + "\n", encoding="utf-8")
        result = live.update({"content/diffusion/ddim.zh.md"})
        assert "diffusion/index.html" in result.changed
        assert served(live) == clean_build(site, tmp_path / "clean")
        # and a title edit reaches the lists and neighbours that show the title
        path.write_text(path.read_text(encoding="utf-8").replace("title: DDIM", "title: DDIM 改"), encoding="utf-8")
        result = live.update({"content/diffusion/ddim.zh.md"})
        assert "diffusion/ddpm/index.html" in result.changed  # its neighbour shows the title
        assert any(p == "index.html" or p.startswith("page/") for p in result.changed)  # latest updates
        assert served(live) == clean_build(site, tmp_path / "clean")
    finally:
        live.close()


def test_a_restarted_server_reuses_the_files_it_wrote(tmp_path):
    site = make_site(tmp_path / "site")
    live = LiveSite(site, tmp_path / "serve")
    live.update(None)
    live.close()
    again = LiveSite(site, tmp_path / "serve")
    try:
        result = again.update(None)
        assert not result.failed and result.made == 0 and result.changed == []
    finally:
        again.close()


def test_a_hugo_config_folder_edit_starts_the_model_afresh(tmp_path):
    """Hugo keeps its config in config/_default/ too: the watcher reports an edit there, and the model
    reads the new config, as a clean build would."""
    from mlnotes_site.serve.watch import relevant
    site = write_site(tmp_path / "site", {
        "config/_default/hugo.toml": 'baseURL = "https://example.org/"\ntitle = "Old title"\n',
        "content/posts/a.md": note("A", "2025-01-01", "Text."),
    }, None)
    (site / "mlnotes.yaml").unlink(missing_ok=True)
    root = site.resolve()
    assert relevant(str(root / "config/_default/hugo.toml"), root, []) == "config/_default/hugo.toml"
    assert relevant(str(root / "config/_default/notes.txt"), root, []) is None
    live = LiveSite(site, tmp_path / "serve")
    try:
        assert not live.update(None).failed
        assert "Old title" in (live.output / "index.html").read_text(encoding="utf-8")
        (site / "config/_default/hugo.toml").write_text('baseURL = "https://example.org/"\ntitle = "New title"\n')
        assert not live.update({"config/_default/hugo.toml"}).failed
        assert "New title" in (live.output / "index.html").read_text(encoding="utf-8")
        assert served(live) == clean_build(site, tmp_path / "clean")
    finally:
        live.close()
