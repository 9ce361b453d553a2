"""Find the files under content/: Markdown notes, other files (assets) and folders."""
from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

from mlnotes_site.sitefiles import classify, link_problem
from mlnotes_site.problems import Problem, warning

NOTEBOOK_SUFFIX = ".ipynb"  # Jupyter notebooks are notes too (load/notebook.py)
NOTE_SUFFIXES = (".md", ".markdown", NOTEBOOK_SUFFIX)

_DEBRIS_SUFFIXES = ("~", ".swp", ".swx", ".swo", ".tmp", ".bak", ".crswap", ".part", ".kate-swp")
_DEBRIS_NAMES = {"4913", "Thumbs.db"}  # 4913: vim's probe file


def is_debris(name: str) -> bool:
    """Hidden files and known editor leftovers (swap, backup, lock files, Emacs' `#auto-save#`): never
    content, never a rebuild. Only these patterns: `#机器学习.md` is a note like any other."""
    return (name.startswith(".") or (len(name) > 1 and name.startswith("#") and name.endswith("#"))
            or name.endswith(_DEBRIS_SUFFIXES) or name in _DEBRIS_NAMES)


# When the site folder itself is the content (no content/ folder: an export or a vault as it is),
# its top-level folders that tools write or keep their own files in are never notes: Hugo's and
# Jekyll's output, Hugo's generated resources, Jekyll's layouts, includes, data and drafts.
_NOT_CONTENT_AT_ROOT = {"public", "_site", "resources", "static", "templates", "themes", "layouts"}
# the site's own files beside the notes
_ROOT_FILES = {"mlnotes.yaml", "hugo.toml", "config.toml", "_config.yml", "package.json", "package-lock.json",
               "Gemfile", "Gemfile.lock"}
_OUTPUT_MARKER = ".mlnotes-output"  # write/manifest.py's MARKER: a folder a build of ours wrote


def has_markdown(root: Path) -> bool:
    """Whether a Markdown file lies anywhere under `root` (stops at the first)."""
    for _, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = [d for d in dirnames if not is_debris(d) and d not in ("node_modules", "__pycache__")]
        if any(name.endswith(NOTE_SUFFIXES) and not is_debris(name) for name in filenames):
            return True
    return False


def _skipped_at_root(here: Path, name: str) -> bool:
    return (name in _NOT_CONTENT_AT_ROOT or (name.startswith("_") and name != "_posts")
            or (here / name / _OUTPUT_MARKER).exists())


def discover(content_dir: Path, at_root: bool = False) -> tuple[list[Path], list[Path], set[str], list[Problem]]:
    """All Markdown files and other files under content/, sorted; symlinked folders are not entered,
    and a linked file counts only when its real path is inside the site folder. `at_root`: content_dir
    is the site folder itself, whose output, theme and tool folders are skipped."""
    site_root = content_dir.resolve() if at_root else content_dir.parent.resolve()
    notes: list[Path] = []
    others: list[Path] = []
    folders: set[str] = set()
    problems: list[Problem] = []
    for dirpath, dirnames, filenames in os.walk(content_dir, followlinks=False):
        here = Path(dirpath)
        kept = []
        for name in sorted(dirnames):
            if is_debris(name) or name in ("node_modules", "__pycache__"):
                continue
            if at_root and here == content_dir and _skipped_at_root(here, name):
                continue
            if (here / name).is_symlink():
                problems.append(warning("content/symlink", f"symbolic link to a folder '{name}' is not followed",
                                        site_rel(content_dir, here / name, at_root),
                                        hint="move the folder into content/ or copy it"))
                continue
            kept.append(name)
        dirnames[:] = kept
        rel = here.relative_to(content_dir).as_posix()
        folders.add("" if rel == "." else rel)
        for name in sorted(filenames):
            if is_debris(name) or (at_root and here == content_dir and name in _ROOT_FILES):
                continue
            path = here / name
            if path.is_symlink():
                problem = link_problem(classify(path, site_root), site_rel(content_dir, path, at_root))
                if problem is not None:
                    problems.append(problem)  # never read: it may be /etc/passwd or /proc/self/environ
                    continue
            (notes if name.endswith(NOTE_SUFFIXES) else others).append(path)
    return sorted(notes), sorted(others), folders, problems


def site_rel(content_dir: Path, path: Path, at_root: bool = False) -> str:
    rel = path.relative_to(content_dir).as_posix()
    return rel if at_root else (PurePosixPath("content") / rel).as_posix()
