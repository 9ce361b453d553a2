"""The site's configuration as the pipeline uses it: mlnotes.yaml read by config.py, with what depends
on the files (a folder without content/ is the content itself; without `languages:`, the languages
the files use) answered here, in load/."""
from __future__ import annotations

from pathlib import Path

from mlnotes_site.config import Config, read_config
from mlnotes_site.load.discover import has_markdown
from mlnotes_site.load.languages import languages_named
from mlnotes_site.problems import Problem


class _Files:
    def has_markdown(self, root: Path) -> bool:
        return has_markdown(root)

    def languages_named(self, content_dir: Path, at_root: bool) -> tuple[tuple[str, ...], bool]:
        return languages_named(content_dir, at_root)


def load_config(root: Path, base_url: str | None = None) -> tuple[Config, list[Problem]]:
    """Problems returned here are configuration errors: the CLI exits with code 2."""
    return read_config(root, base_url, _Files())
