"""The version of the generator's own code: its release plus a digest of its source files, so that
cache entries and page fingerprints made by other code (an upgrade, a local edit) are never reused."""
from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from mlnotes_site import __version__

_PACKAGE = Path(__file__).resolve().parent


@cache
def code_version() -> str:
    digest = hashlib.blake2b(digest_size=8)
    for path in sorted(_PACKAGE.rglob("*")):
        if path.suffix in (".py", ".js") and path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.relative_to(_PACKAGE).as_posix().encode())
            digest.update(path.read_bytes())
    return f"{__version__}+{digest.hexdigest()}"
