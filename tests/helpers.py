"""Test helpers: write a fixture site to a temp folder, read the built HTML back."""
from __future__ import annotations

import contextlib
import functools
import hashlib
import http.server
import threading
import re
import textwrap
from html.parser import HTMLParser
from pathlib import Path
from collections.abc import Iterator

REPO = Path(__file__).resolve().parent.parent


def write_site(root: Path, files: dict[str, str], config: str | None = None) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    if config is not None:
        (root / "mlnotes.yaml").write_text(textwrap.dedent(config), encoding="utf-8")
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


def note(title: str, date: str, body: str = "正文。", **front: object) -> str:
    lines = [f"title: {title!r}" if any(c in title for c in ":#'\"[]{}") else f"title: {title}", f"date: {date}"]
    for key, value in front.items():
        lines.append(f"{key}: {value}")
    return "---\n" + "\n".join(lines) + "\n---\n\n" + textwrap.dedent(body).strip("\n") + "\n"


def note_body(page: str) -> str:
    """The body of a note page: from its note-body div to what follows it (backlinks, related
    notes, previous/next, or the end of the article)."""
    start = page.index('<div class="note-body">')
    ends = [page.find(marker, start) for marker in ('<section class="backlinks"', '<section class="related"',
                                                   '<nav class="prev-next"', "</article>")]
    return page[start:min(e for e in ends if e >= 0)]


def read(out: Path, rel: str) -> str:
    return (out / rel).read_text(encoding="utf-8")


def tree_digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


class Elements(HTMLParser):
    """Collects every start tag with its attributes, and the text of selected tags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self._text_stack: list[tuple[str, dict[str, str], list[str]]] = []
        self.texts: list[tuple[str, dict[str, str], str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {k: v or "" for k, v in attrs}
        self.tags.append((tag, attributes))
        if tag in ("a", "h1", "h2", "h3", "title", "p", "li", "span", "time"):
            self._text_stack.append((tag, attributes, []))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self._text_stack) - 1, -1, -1):
            if self._text_stack[i][0] == tag:
                name, attributes, parts = self._text_stack.pop(i)
                self.texts.append((name, attributes, "".join(parts)))
                break

    def handle_data(self, data: str) -> None:
        for _, _, parts in self._text_stack:
            parts.append(data)


def parse(html: str) -> Elements:
    parser = Elements()
    parser.feed(html)
    parser.close()
    return parser


def links(html: str, **attrs: str) -> list[dict[str, str]]:
    return [a for tag, a in parse(html).tags if tag in ("a", "link") and all(a.get(k) == v for k, v in attrs.items())]


def entry_titles(html: str) -> list[str]:
    return re.findall(r'<h2 class="entry-title"><a href="[^"]*">([^<]*)</a>', html)


def build_into(site: Path, out: Path, *args: str) -> Path:
    from mlnotes_site.cli import main
    assert main(["build", str(site), "-o", str(out), "--quiet", *args]) == 0
    return out


# A small bilingual site several test files build (zh and en, topics, tags, a link between notes).
BILINGUAL_CONFIG = """
title: {zh: 测试笔记, en: Test notes}
base_url: https://example.org/kb/
languages: [zh, en]
paginate: 3
timezone: Asia/Shanghai
"""


def bilingual_site(tmp_path):
    return write_site(tmp_path / "site", {
        "content/diffusion/_index.zh.md": "---\ntitle: 扩散模型\nweight: 1\n---\n\n关于扩散模型的笔记。\n",
        "content/diffusion/_index.en.md": "---\ntitle: Diffusion models\n---\n\nNotes on diffusion.\n",
        "content/diffusion/ddim.zh.md": note("DDIM 采样", "2025-03-01", "DDIM 的中文笔记。见 [DDPM](ddpm.md#反向过程)。",
                                            updated="2025-06-01", tags="[Diffusion, 采样]"),
        "content/diffusion/ddim.en.md": note("DDIM sampling", "2025-03-01", "English DDIM. See [DDPM](ddpm.md).",
                                            updated="2025-06-02", tags="[diffusion, Fast Sampling]"),
        "content/diffusion/ddpm.zh.md": note("DDPM", "2025-01-01", "## 反向过程\n\n去噪。"),
        "content/diffusion/sampling/dpm-solver.zh.md": note("DPM-Solver", "2025-02-01", "高阶求解器。"),
        "content/flows/realnvp.en.md": note("RealNVP", "2024-05-01", "Affine coupling.", topics="[diffusion]"),
        "content/python/gil.zh.md": note("GIL", "2024-12-01", "全局解释器锁。"),
    }, BILINGUAL_CONFIG)

class _SubPath(http.server.SimpleHTTPRequestHandler):
    """Serves a folder under a sub-path only (anything outside it is a 404), as a host that
    publishes the site at https://x.org/kb/ does."""
    prefix = "/kb/"

    def translate_path(self, path: str) -> str:
        if not path.startswith(self.prefix):
            return "/nonexistent-outside-the-sub-path"
        return super().translate_path("/" + path[len(self.prefix):])

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@contextlib.contextmanager
def serve_under(folder: Path, prefix: str = "/kb/") -> Iterator[str]:
    """A real HTTP server for `folder` at `prefix`; yields the origin ("http://127.0.0.1:PORT")."""
    handler = functools.partial(type("Handler", (_SubPath,), {"prefix": prefix}), directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
