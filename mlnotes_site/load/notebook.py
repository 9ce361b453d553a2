"""Jupyter notebooks (`.ipynb`) as notes: the load stage's adapter for them.

A notebook is read with nbformat (any 4.x, and 3 converted; no code is run), turned into a
note's Markdown text (notebook_cells.py) and then loaded exactly as a `.md` note with that text,
so its front matter, title, dates, language and translations follow the same rules.

Images of its outputs and attachments are stored, content-hashed, in the cache folder and become
assets beside the note's page. The converted text is cached by the file's stat signature: a warm
build stats a 20 MB notebook of plots, it does not read it.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import warnings
from pathlib import Path, PurePosixPath
from typing import Any
from collections.abc import Mapping

from mlnotes_site.cache import CACHE_DIR
from mlnotes_site.config import Config
from mlnotes_site.i18n import strings_for
from mlnotes_site.i18n import split_lang_suffix
from mlnotes_site.load.content import Asset, Note, load_note
from mlnotes_site.load.discover import site_rel
from mlnotes_site.load.frontmatter import decode
from mlnotes_site.load.gitdates import GitDates
from mlnotes_site.load.notebook_cells import Converted, convert_cells
from mlnotes_site.load.notebook_outputs import EXTENSIONS
from mlnotes_site.problems import Problem, Severity, error, warning
from mlnotes_site.version import code_version

CACHE_FOLDER = "notebooks"  # inside .mlnotes-cache/
SUPPORTED = (3, 4)  # nbformat major versions read (3 is converted to 4)


@dataclasses.dataclass
class _Record:
    """One converted notebook, as cached."""
    key: str
    lang: str
    converted: Converted
    files: list[tuple[str, str]]  # (asset path under content/, file name in the notebook's cache folder)


def load_notebook(path: Path, content_dir: Path, config: Config,
                  git: Mapping[str, GitDates]) -> tuple[Note | None, list[Problem]]:
    site_path = site_rel(content_dir, path, config.content_at_root)
    content_path = path.relative_to(content_dir).as_posix()
    stem = PurePosixPath(content_path).name[:-len(".ipynb")]
    name, suffix_lang, _ = split_lang_suffix(stem, config.languages)
    store = _Store(config.root / CACHE_DIR / CACHE_FOLDER, content_path, name)
    record = _convert(path, site_path, config, store, suffix_lang or config.default_language)
    if not record.converted.text:  # not a readable notebook: its problem says why
        return None, record.converted.problems
    note, problems = load_note(path, content_dir, config, git, text=record.converted.text)
    if note is not None and note.lang != record.lang:  # `lang:` in its front matter: its UI strings
        record = _convert(path, site_path, config, store, note.lang)
        note, problems = load_note(path, content_dir, config, git, text=record.converted.text)
    if not record.converted.text.startswith("---"):  # no front matter: "no date" is the file's, not cell 1's
        problems = [dataclasses.replace(p, line=0, column=0) if p.line <= 1 else p for p in problems]
    problems = [in_cells(p, record.converted.cells) for p in problems] + record.converted.problems
    if note is None:
        return None, problems
    files = tuple(Asset(asset_path, store.folder / stored) for asset_path, stored in record.files)
    return dataclasses.replace(note, cells=tuple(record.converted.cells), files=files), problems


def in_cells(problem: Problem, cells: list[tuple[int, int, int]] | tuple[tuple[int, int, int], ...]) -> Problem:
    """A problem at a line of a notebook's generated text, moved to the cell (and the line of that
    cell's source) it came from."""
    if problem.cell or problem.line <= 0 or not cells:
        return problem
    start, cell, cell_line = cells[0]
    for entry in cells:  # few entries, in order; a bisect is not worth it
        if entry[0] > problem.line:
            break
        start, cell, cell_line = entry
    line = problem.line - start + cell_line if cell_line else 0
    return dataclasses.replace(problem, cell=cell, line=line, column=problem.column if line else 0,
                               snippet=problem.snippet if line else "")


def locate_problems(problems: list[Problem], notes: list[Note]) -> list[Problem]:
    """Problems found after loading (math, links) in notebooks, moved to their cells."""
    maps = {n.path: n.cells for n in notes if n.cells}
    if not maps:
        return problems
    return [in_cells(p, maps[p.path]) if p.path in maps else p for p in problems]


class _Store:
    """A notebook's image files in the cache folder, named by their content's digest; `href` is
    the path a page uses, relative to the note's folder (a folder named after the notebook)."""

    def __init__(self, root: Path, content_path: str, name: str) -> None:
        self.root = root
        self.content_path = content_path
        tag = hashlib.sha256(content_path.encode("utf-8")).hexdigest()[:24]
        self.record_path = root / f"{tag}.json"
        self.folder = root / "files" / tag
        self.name = name
        self.kept: dict[str, str] = {}  # asset path -> stored file name

    def put(self, blob: bytes, mime: str) -> str:
        stored = f"{hashlib.sha256(blob).hexdigest()[:20]}.{EXTENSIONS[mime]}"
        target = self.folder / stored
        if not (target.is_file() and target.stat().st_size == len(blob)):
            _write_atomic(target, blob)
        folder = str(PurePosixPath(self.content_path).parent)
        href = f"{self.name}/{stored}"
        self.kept[href if folder == "." else f"{folder}/{href}"] = stored
        return href

    def prune(self) -> None:
        """Files an earlier version of this notebook made and this one does not use."""
        keep = set(self.kept.values())
        try:
            for old in self.folder.iterdir():
                if old.name not in keep:
                    old.unlink()
        except OSError:
            pass


def _write_atomic(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    temp.write_bytes(data)
    os.replace(temp, target)


def _key(path: Path, content_path: str, config: Config, lang: str) -> str | None:
    try:
        st = path.stat()
    except OSError:
        return None
    strings = sorted((k, v) for k, v in strings_for(lang, config).items() if k.startswith("notebook_"))
    parts = [code_version(), content_path, st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino,
             config.notebook_output_lines, lang, strings]
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode("utf-8")).hexdigest()


def _convert(path: Path, site_path: str, config: Config, store: _Store, lang: str) -> _Record:
    key = _key(path, store.content_path, config, lang)
    cached = _read_record(store) if key else None
    if cached is not None and cached.key == key and all((store.folder / f).is_file() for _, f in cached.files):
        return cached
    store.kept = {}
    converted = _read_notebook(path, site_path, config, store, lang)
    record = _Record(key or "", lang, converted, sorted(store.kept.items()))
    if key:
        _write_record(store, record)
        store.prune()
    return record


def _read_notebook(path: Path, site_path: str, config: Config, store: _Store, lang: str) -> Converted:
    def failed(problem: Problem) -> Converted:
        return Converted("", [], [problem])  # no text: load_note is not reached (see `load_notebook`)

    try:
        data = path.read_bytes()
    except OSError as exc:
        return failed(error("content/read", f"cannot read file: {exc.strerror or exc}", site_path))
    text = decode(data)
    if isinstance(text, Problem):
        return failed(dataclasses.replace(text, path=site_path, hint="a notebook is a UTF-8 JSON file"))
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        return failed(error("notebook/json", f"not valid JSON: {exc.msg}", site_path, exc.lineno, exc.colno,
                            hint="the file is damaged; open it in Jupyter or restore it from version control"))
    version = raw.get("nbformat") if isinstance(raw, dict) else None
    if not isinstance(version, int) or isinstance(version, bool):
        return failed(error("notebook/format", "not a Jupyter notebook: it has no 'nbformat' version", site_path,
                            hint="save it from Jupyter, or rename it if it is not a notebook"))
    if version not in SUPPORTED:
        return failed(error("notebook/version", f"nbformat {version} is not a notebook format this build reads "
                            f"(it reads {' and '.join(map(str, SUPPORTED))})", site_path,
                            hint="save it from a current Jupyter (nbformat 4)"))
    nb, problems = _validated(raw, version, site_path)
    strings = strings_for(lang, config)
    converted = convert_cells(nb, site_path, strings, config.notebook_output_lines, store.put)
    converted.problems[:0] = problems
    return converted


def _validated(raw: dict[str, Any], version: int, site_path: str) -> tuple[Any, list[Problem]]:
    """The notebook as nbformat reads it (version 4), and a warning if it breaks the schema: what
    can be shown is shown all the same."""
    import nbformat  # ~0.2 s to import: only when a notebook is converted (never on a warm build)
    from nbformat.validator import ValidationError

    problems: list[Problem] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # nbformat warns about missing cell ids (4.5) and the like
        minor = raw.get("nbformat_minor", 0)
        nb = nbformat.versions[version].to_notebook_json(raw, minor=minor if isinstance(minor, int) else 0)
        if version != 4:
            nb = nbformat.convert(nb, 4)
        try:
            nbformat.validate(nb)
        except ValidationError as exc:
            at = list(getattr(exc, "absolute_path", []) or [])
            cell = at[1] + 1 if len(at) > 1 and at[0] == "cells" and isinstance(at[1], int) else 0
            message = str(getattr(exc, "message", "") or exc).split("\n", 1)[0][:300]
            problems.append(warning("notebook/schema", f"the notebook does not follow the nbformat schema: {message}",
                                    site_path, cell=cell, hint="open and save it in Jupyter to repair it"))
    return nb, problems


def _read_record(store: _Store) -> _Record | None:
    try:
        data = json.loads(store.record_path.read_text(encoding="utf-8"))
        converted = Converted(data["text"], [tuple(c) for c in data["cells"]],  # type: ignore[misc]
                              [Problem(**{**p, "severity": Severity(p["severity"])}) for p in data["problems"]])
        return _Record(data["key"], data["lang"], converted, [tuple(f) for f in data["files"]])  # type: ignore[misc]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_record(store: _Store, record: _Record) -> None:
    problems = [{**{f.name: getattr(p, f.name) for f in dataclasses.fields(p)}, "severity": p.severity.value}
                for p in record.converted.problems]
    data = {"key": record.key, "lang": record.lang, "text": record.converted.text, "cells": record.converted.cells,
            "problems": problems, "files": record.files}
    try:
        _write_atomic(store.record_path, json.dumps(data, ensure_ascii=False).encode("utf-8"))
    except OSError:
        pass  # an unwritable cache: converted again next time
