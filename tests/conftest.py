"""Fixtures: run the real CLI in-process and build fixture sites."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from mlnotes_site.cli import main


@dataclass
class Run:
    code: int
    out: str
    err: str


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]):
    def run(*args: object) -> Run:
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)
    return run


@pytest.fixture
def build(run_cli):
    """Build SITE into SITE/public; fail the test with the printed problems when it does not exit as expected."""
    def do(site: Path, *args: str, expect: int = 0) -> Path:
        result = run_cli("build", site, "-o", site / "public", *args)
        assert result.code == expect, f"exit {result.code}\nstdout:\n{result.out}\nstderr:\n{result.err}"
        return site / "public"
    return do
