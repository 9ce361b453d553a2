"""The theme: Jinja templates and static files, a site's own overriding the default theme's."""
from __future__ import annotations

from pathlib import Path

from typing import Callable

from jinja2 import BaseLoader, ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, TemplateNotFound, \
    select_autoescape

from mlnotes_site.sitefiles import is_readable

_PACKAGE = Path(__file__).resolve().parent.parent  # mlnotes_site/


def default_theme_dir() -> Path:
    """The default theme: packaged inside a wheel, or the repository's top level in a checkout."""
    packaged = _PACKAGE / "_theme"
    return packaged if (packaged / "templates").is_dir() else _PACKAGE.parent


def _site_dir(site_root: Path, name: str) -> list[Path]:
    """The site's own templates/ or static/, unless it is a link out of the site folder."""
    folder = site_root / name
    return [folder.resolve()] if folder.is_dir() and is_readable(folder, site_root.resolve()) else []


def template_dirs(site_root: Path) -> list[Path]:
    dirs = _site_dir(site_root, "templates") + [default_theme_dir().resolve() / "templates"]
    return [d for d in dict.fromkeys(dirs) if d.is_dir()]


def static_dirs(site_root: Path) -> list[Path]:
    """Default theme first, so a site's own files win when copied over it."""
    dirs = [default_theme_dir().resolve() / "static"] + _site_dir(site_root, "static")
    return [d for d in dict.fromkeys(dirs) if d.is_dir()]


class _SiteLoader(FileSystemLoader):
    """The site's templates: one reached through a link out of the site folder is not found (the
    default theme's is used instead; the link is reported when content is loaded)."""

    def __init__(self, folder: Path, site_root: Path) -> None:
        super().__init__(str(folder))
        self.site_root = site_root.resolve()

    def get_source(self, environment: Environment, template: str) -> tuple[str, str | None, Callable[[], bool] | None]:
        source, filename, uptodate = super().get_source(environment, template)
        if filename is None or not is_readable(Path(filename), self.site_root):
            raise TemplateNotFound(template)
        return source, filename, uptodate


def make_environment(site_root: Path, auto_reload: bool = False) -> Environment:
    """`auto_reload` checks each template file for changes whenever it is used (a stat per include):
    for a long-lived process only; a build reads each template once."""
    env = Environment(
        auto_reload=auto_reload,
        loader=ChoiceLoader([_loader(d, site_root) for d in template_dirs(site_root)]),
        autoescape=select_autoescape(("html", "xml"), default_for_string=True, default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    return env


def _loader(folder: Path, site_root: Path) -> BaseLoader:
    theme = default_theme_dir().resolve() / "templates"
    return FileSystemLoader(str(folder)) if folder == theme else _SiteLoader(folder, site_root)
