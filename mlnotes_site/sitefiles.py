"""Which files of the site folder may be read: a symbolic link counts only when its real path is
inside the site (a link to /etc/passwd or /proc/self/environ must never be published)."""
from __future__ import annotations

import os
from enum import Enum
from pathlib import Path

from mlnotes_site.problems import Problem, warning


class Link(Enum):
    INSIDE = "inside"  # a plain file, or a link whose target is inside the site
    OUTSIDE = "outside"
    DANGLING = "dangling"


def classify(path: Path, root: Path) -> Link:
    """Where a file really is. `root` must be resolved (the real site folder)."""
    if not path.is_symlink() and not _through_link(path, root):
        return Link.INSIDE
    try:
        real = path.resolve(strict=True)
    except (OSError, RuntimeError):  # missing target, or a loop
        return Link.DANGLING
    return Link.INSIDE if real == root or root in real.parents else Link.OUTSIDE


def _through_link(path: Path, root: Path) -> bool:
    """Whether a folder between root and path is a link (walks with followlinks=False never enter one,
    but a template loader or a served path could)."""
    try:
        rel = path.relative_to(root)
    except ValueError:
        return True
    here = root
    for part in rel.parts[:-1]:
        here = here / part
        if here.is_symlink():
            return True
    return False


def is_readable(path: Path, root: Path) -> bool:
    return classify(path, root) is Link.INSIDE


def link_problem(kind: Link, site_path: str) -> Problem | None:
    """The warning for a skipped link, located at the link itself."""
    if kind is Link.OUTSIDE:
        return warning("content/symlink-outside", "symbolic link to a file outside the site folder: skipped, "
                       "not read", site_path, hint="copy the file into the site folder if it should be published")
    if kind is Link.DANGLING:
        return warning("content/symlink-dangling", "symbolic link to a file that does not exist: skipped",
                       site_path, hint="remove the link or fix its target")
    return None


def theme_link_problems(root: Path) -> list[Problem]:
    """Warnings for links in the site's templates/ and static/ that point outside the site (the emitters
    skip them: a template falls back to the default theme's, a static file is not copied)."""
    real_root = root.resolve()
    problems: list[Problem] = []
    for folder in ("templates", "static"):
        base = root / folder
        if not base.is_dir() or base.is_symlink() and classify(base, real_root) is not Link.INSIDE:
            if base.is_symlink():
                problem = link_problem(classify(base, real_root), folder)
                problems += [problem] if problem else []
            continue
        for dirpath, dirnames, filenames in os.walk(base):
            here = Path(dirpath)
            for name in sorted(dirnames + filenames):
                path = here / name
                if path.is_symlink():
                    problem = link_problem(classify(path, real_root), path.relative_to(root).as_posix())
                    if problem:
                        problems.append(problem)
    return problems
