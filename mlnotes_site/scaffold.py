"""`mlnotes new` and `mlnotes init`: files a writer starts from."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

from mlnotes_site.config import Config
from mlnotes_site.problems import Problem, error
from mlnotes_site.slugs import url_slug


def _yaml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def new_note(config: Config, title: str, topic: str, lang: str | None, slug: str | None, now: datetime) -> Path | Problem:
    lang = lang or config.default_language
    if lang not in config.languages:
        return error("lang/unknown", f"language '{lang}' is not one of {list(config.languages)}", "--lang")
    topic = topic.strip("/")
    if ".." in topic.split("/") or topic.startswith("."):
        return error("new/topic", f"topic {topic!r} must be a folder inside content/", "--topic")
    name = url_slug(slug or title)
    if not name:
        return error("new/slug", "the title has no characters usable in a file name", "--slug",
                     hint="pass --slug, e.g. --slug ddim")
    folder = config.content_dir / topic if topic else config.content_dir
    path = folder / f"{name}.{lang}.md"
    if path.exists():
        return error("new/exists", f"{path} already exists", str(path), hint="pick another --slug")
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f"---\ntitle: {_yaml_string(title)}\ndate: {now.isoformat(timespec='seconds')}\ntags: []\n---\n\n"
        f"<!-- {'写下第一段：它会成为摘要。' if lang.startswith('zh') else 'Write the first paragraph: it becomes the excerpt.'} -->\n",
        encoding="utf-8")
    return path


_CONFIG = """# mlnotes-site configuration; every key is optional.
title:
  zh: 我的机器学习笔记
  en: My ML notes
description:
  zh: 学习笔记
  en: Study notes
base_url: /            # e.g. https://example.org/kb/ when served under a sub-path
languages: [zh, en]    # the first is the default and lives at the site root
paginate: 12
excerpt_length: 350
timezone: Asia/Shanghai
untranslated: show     # show | hide
"""

_NOTES = {
    "content/notes/_index.zh.md": "---\ntitle: 笔记\n---\n\n入门笔记。\n",
    "content/notes/_index.en.md": "---\ntitle: Notes\n---\n\nFirst notes.\n",
    "content/notes/hello.zh.md": (
        "---\ntitle: 你好，笔记\ndate: {date}\ntags: [入门]\n---\n\n"
        "这是第一篇笔记。公式写在 `$...$` 里，例如 $E = mc^2$，独立公式用 `$$`：\n\n"
        "$$\n\\int_0^1 x^2\\,dx = \\frac{{1}}{{3}}\n$$\n"),
    "content/notes/hello.en.md": (
        "---\ntitle: Hello, notes\ndate: {date}\ntags: [getting-started]\n---\n\n"
        "This is the first note. Inline math goes in `$...$`, such as $E = mc^2$; display math in `$$`:\n\n"
        "$$\n\\int_0^1 x^2\\,dx = \\frac{{1}}{{3}}\n$$\n"),
}


def init_site(target: Path) -> Path | Problem:
    if (target / "content").exists() or (target / "mlnotes.yaml").exists():
        return error("init/exists", f"{target} already holds a site", str(target),
                     hint="choose an empty or new folder")
    today = datetime.now().date().isoformat()
    target.mkdir(parents=True, exist_ok=True)
    (target / "mlnotes.yaml").write_text(_CONFIG, encoding="utf-8")
    (target / ".gitignore").write_text("public/\n.mlnotes-cache/\n", encoding="utf-8")
    for rel, text in _NOTES.items():
        path = target / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text.format(date=today), encoding="utf-8")
    return target
