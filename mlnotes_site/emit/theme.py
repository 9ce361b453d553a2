"""The theme: Jinja templates and static files, a site's own overriding the default theme's."""
from __future__ import annotations

from pathlib import Path

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, select_autoescape

_PACKAGE = Path(__file__).resolve().parent.parent  # mlnotes_site/


def default_theme_dir() -> Path:
    """The default theme: packaged inside a wheel, or the repository's top level in a checkout."""
    packaged = _PACKAGE / "_theme"
    return packaged if (packaged / "templates").is_dir() else _PACKAGE.parent


def template_dirs(site_root: Path) -> list[Path]:
    dirs = [site_root / "templates", default_theme_dir() / "templates"]
    return [d for d in dict.fromkeys(d.resolve() for d in dirs) if d.is_dir()]


def static_dirs(site_root: Path) -> list[Path]:
    """Default theme first, so a site's own files win when copied over it."""
    dirs = [default_theme_dir() / "static", site_root / "static"]
    return [d for d in dict.fromkeys(d.resolve() for d in dirs) if d.is_dir()]


def make_environment(site_root: Path, auto_reload: bool = False) -> Environment:
    """`auto_reload` checks each template file for changes whenever it is used (a stat per include):
    for a long-lived process only; a build reads each template once."""
    env = Environment(
        auto_reload=auto_reload,
        loader=ChoiceLoader([FileSystemLoader(str(d)) for d in template_dirs(site_root)]),
        autoescape=select_autoescape(("html", "xml"), default_for_string=True, default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    return env
