"""Files copied as they are: the theme's static files, a site's own, and files next to notes."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from mlnotes_site.index.site import Site
from mlnotes_site.emit.theme import default_theme_dir, static_dirs
from mlnotes_site.sitefiles import is_readable
from mlnotes_site.emit import Output


@dataclass(frozen=True)
class RendererInfo:
    """What the emitters need to know of the code and engines that rendered the notes, handed on by
    the build as plain data (emit never asks an engine)."""
    code_version: str  # digest of mlnotes' own code: every page is made again when it changes
    math_version: str  # the math engine ("katex-0.16.x", "math-core"): likewise
    katex_dist: Path | None  # KaTeX's dist folder (stylesheet, fonts) when KaTeX rendered the formulas
    code_css: str  # the stylesheet for the classes the code highlighter writes


def static_files(site: Site, renderer: RendererInfo) -> list[Output]:
    chosen: dict[str, Path] = {}
    site_root, theme = site.config.root.resolve(), default_theme_dir().resolve()
    for folder in static_dirs(site.config.root):
        own = folder != theme / "static"
        for dirpath, dirnames, filenames in os.walk(folder):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in sorted(filenames):
                if name.startswith("."):
                    continue
                path = Path(dirpath) / name
                if own and path.is_symlink() and not is_readable(path, site_root):
                    continue  # out of the site, or dangling: reported when content is loaded
                chosen[path.relative_to(folder).as_posix()] = path  # later folders (the site's) win
    outputs = [Output(rel, copy_from=path, origin=f"static/{rel}") for rel, path in sorted(chosen.items())]
    if "css/pygments.css" not in chosen:
        outputs.append(Output("css/pygments.css", renderer.code_css.encode("utf-8"), origin="code highlighting styles"))
    return outputs


def note_assets(site: Site) -> list[Output]:
    return [Output(site.urls.asset(asset.content_path), copy_from=asset.source, origin=f"content/{asset.content_path}")
            for asset in sorted(site.assets.values(), key=lambda a: a.content_path)]


def katex_assets(renderer: RendererInfo) -> list[Output]:
    """KaTeX's stylesheet and woff2 fonts, from the same installed package that rendered the HTML
    (class names change between KaTeX versions: a mismatch breaks the layout)."""
    dist = renderer.katex_dist
    assert dist is not None
    outputs = [Output("katex/katex.min.css", copy_from=dist / "katex.min.css", origin="KaTeX stylesheet")]
    outputs += [Output(f"katex/fonts/{font.name}", copy_from=font, origin="KaTeX fonts")
                for font in sorted((dist / "fonts").glob("*.woff2"))]
    return outputs
