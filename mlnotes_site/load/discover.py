"""Find the files under content/: Markdown notes, other files (assets) and folders."""
from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

from mlnotes_site.config import CONFIG_FILES
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
# the site's own files beside the notes: our config, the other tools' configs we read, package files
_ROOT_FILES = {*CONFIG_FILES, "package.json", "package-lock.json", "Gemfile", "Gemfile.lock"}
_NEVER_ENTERED = ("node_modules", "__pycache__")
_OUTPUT_MARKER = ".mlnotes-output"  # write/manifest.py's MARKER: a folder a build of ours wrote


def has_markdown(root: Path) -> bool:
    """Whether a Markdown file lies anywhere under `root` (stops at the first)."""
    for _, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = [d for d in dirnames if not is_debris(d) and d not in _NEVER_ENTERED]
        if any(name.endswith(NOTE_SUFFIXES) and not is_debris(name) for name in filenames):
            return True
    return False


def _skipped_at_root(here: Path, name: str) -> bool:
    return (name in _NOT_CONTENT_AT_ROOT or (name.startswith("_") and name != "_posts")
            or (here / name / _OUTPUT_MARKER).exists())


# What discovery never takes, asked per entry of a folder (`top`: the folder is the content root).
# The walk below and serve's watcher (is_content) both ask these, so serve reacts to exactly the
# files a build reads, and never to its own output, cache or a tool's folders.

def skipped_folder(here: Path, name: str, top: bool, at_root: bool) -> bool:
    return is_debris(name) or name in _NEVER_ENTERED or (at_root and top and _skipped_at_root(here, name))


def skipped_file(name: str, top: bool, at_root: bool) -> bool:
    return is_debris(name) or (at_root and top and name in _ROOT_FILES)


def is_content(rel: PurePosixPath, content_dir: Path, at_root: bool, is_dir: bool = False) -> bool:
    """Whether a path relative to the content root lies where discover() looks: no folder on the way
    is skipped, nor the entry itself (a folder when `is_dir`). Symbolic links are judged when read."""
    parts = rel.parts
    if not parts or ".." in parts:
        return False
    here = content_dir
    for depth, part in enumerate(parts[:-1]):
        if skipped_folder(here, part, depth == 0, at_root):
            return False
        here = here / part
    top = len(parts) == 1
    return not (skipped_folder(here, parts[-1], top, at_root) if is_dir else skipped_file(parts[-1], top, at_root))


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
        top = here == content_dir
        for name in sorted(dirnames):
            if skipped_folder(here, name, top, at_root):
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
            if skipped_file(name, top, at_root):
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
