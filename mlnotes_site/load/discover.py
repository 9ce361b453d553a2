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


def discover(content_dir: Path) -> tuple[list[Path], list[Path], set[str], list[Problem]]:
    """All Markdown files and other files under content/, sorted; symlinked folders are not entered,
    and a linked file counts only when its real path is inside the site folder."""
    site_root = content_dir.parent.resolve()
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
            if (here / name).is_symlink():
                problems.append(warning("content/symlink", f"symbolic link to a folder '{name}' is not followed",
                                        site_rel(content_dir, here / name),
                                        hint="move the folder into content/ or copy it"))
                continue
            kept.append(name)
        dirnames[:] = kept
        rel = here.relative_to(content_dir).as_posix()
        folders.add("" if rel == "." else rel)
        for name in sorted(filenames):
            if is_debris(name):
                continue
            path = here / name
            if path.is_symlink():
                problem = link_problem(classify(path, site_root), site_rel(content_dir, path))
                if problem is not None:
                    problems.append(problem)  # never read: it may be /etc/passwd or /proc/self/environ
                    continue
            (notes if name.endswith(NOTE_SUFFIXES) else others).append(path)
    return sorted(notes), sorted(others), folders, problems


def site_rel(content_dir: Path, path: Path) -> str:
    return (PurePosixPath("content") / path.relative_to(content_dir).as_posix()).as_posix()
