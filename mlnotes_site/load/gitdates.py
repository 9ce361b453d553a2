"""First and last commit dates of every file under a folder, from one `git log` call."""
from __future__ import annotations

import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path


@dataclass(frozen=True)
class GitDates:
    created: datetime
    modified: datetime


def git_dates(folder: Path) -> dict[str, GitDates]:
    """Map a path relative to `folder` (forward slashes) to its git dates; {} outside a work tree."""
    try:
        result = subprocess.run(
            ["git", "-c", "core.quotepath=off", "log", "--format=%x00%aI", "--name-only",
             "--no-renames", "--relative", "--", "."],
            cwd=folder, capture_output=True, timeout=120, check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return {}
    if result.returncode != 0:
        return {}
    dates: dict[str, GitDates] = {}
    current: datetime | None = None
    for line in result.stdout.decode("utf-8", "replace").splitlines():
        if line.startswith("\x00"):
            try:
                current = datetime.fromisoformat(line[1:])
            except ValueError:
                current = None
        elif line and current is not None:
            seen = dates.get(line)
            # git log lists newest first: the first sighting is the last change, the last the first.
            dates[line] = GitDates(created=current, modified=seen.modified if seen else current)
    return dates
