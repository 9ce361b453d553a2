"""Search: the records render/searchtext.py makes, and the Pagefind index a build writes and caches
(emit/search.py). The browser side is in tests/browser/test_search_browser.py."""
from __future__ import annotations

import json
import shutil
import os
import subprocess
import time
from pathlib import Path

import pytest

from mlnotes_site.build import BuildOptions, build as run_build
from mlnotes_site.emit import search, searchrun
from mlnotes_site.render.markdown import create_markdown
from mlnotes_site.render.searchtext import code_identifiers, formula_words, search_text
from helpers import note, read, write_site

needs_pagefind = pytest.mark.skipif(search.pagefind_binary() is None, reason="pagefind[extended] not installed")


def record(markdown: str) -> str:
    env: dict = {"folder": ""}
    return search_text(create_markdown().parse(markdown, env), env.get("math", []))


@pytest.mark.parametrize("tex, words", [
    (r"\mathrm{KL}(q\|p)", ["KL"]),
    (r"\operatorname{softmax}(z)_i = \frac{e^{z_i}}{\sum_j e^{z_j}}", ["softmax"]),
    (r"\mathcal{L} = \text{交叉熵} + \lambda \|\theta\|", ["交叉熵"]),
    (r"\det J_f \quad \text{where } \textbf{\emph{Jacobian matrix}}", ["det", "where", "Jacobian", "matrix"]),
    (r"\int f(x) \mathrm{d}x \mathrm x", []),  # one-letter upright names are symbols, not words
    (r"\text{a \{ b} \text {spaced}", ["spaced"]),
    (r"\frac{\alpha}{\beta} \sqrt{x}", []),
])
def test_formula_words(tex, words):
    assert formula_words(tex) == words


def test_formula_words_are_linear_on_deep_nesting():
    tex = r"\text{" * 5000 + "deep" + "}" * 5000
    assert formula_words(tex) == ["deep"]


def test_record_has_headings_prose_callouts_code_alt_and_formula_words():
    text = record(r"""
Intro with $\mathrm{KL}$ and ![a tabby cat](cat.png) and `torch.softmax`.

## 雅可比行列式

> [!tip] 小提示
> callout words

%% hidden zebraword %%

```python
def train_step(model, batch):
    return model(batch)
```

$$
\frac{a}{b} \text{交叉熵}
$$

<div class="x"><script>evil()</script>raw block words</div>
""")
    assert "<h2 id=" in text and "雅可比行列式</h2>" in text
    for word in ("Intro", "KL", "a tabby cat", "torch.softmax", "小提示", "callout words", "train_step", "model",
                 "batch", "交叉熵", "raw block words"):
        assert word in text, word
    for absent in ("zebraword", "frac", "katex", "evil", "def ", "<script"):
        assert absent not in text, absent


def test_code_identifiers_once_without_keywords():
    assert code_identifiers("def f(x):\n    return np.mean(x) + np.mean(x)  # 均值") == ["np", "mean", "均值"]


def _site(tmp_path: Path, **config: str) -> Path:
    extra = "".join(f"{k}: {v}\n" for k, v in config.items())
    return write_site(tmp_path / "site", {
        "content/math/jac.zh.md": note("雅可比", "2025-01-01", "雅可比行列式的绝对值。\n\n%% 秘密词 %%", tags="[线性代数]"),
        "content/math/jac.en.md": note("Jacobian", "2025-01-01", "The absolute value of the Jacobian."),
        "content/math/other.zh.md": note("其他", "2025-01-02", "别的内容。"),
        "content/math/draft.zh.md": note("草稿", "2025-01-03", "未发布的草稿。", draft="true"),
    }, "languages: [zh, en]\n" + extra)


def _build(site: Path, *, drafts: bool = False):
    result = run_build(BuildOptions(site, site / "public", drafts=drafts, jobs=1))
    assert not result.failed, result.problems
    return result


class Spy:
    """Counts Pagefind runs while forwarding them."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: list[list[str]] = []
        real = subprocess.Popen

        def popen(args, *a, **kw):  # type: ignore[no-untyped-def]
            # (the patch reaches every caller of Popen) emit/searchrun.py, which runs Pagefind's command
            if "mlnotes_site.emit.searchrun" in map(str, args):
                command = list(map(str, args))[list(map(str, args)).index("--") + 1:]
                assert command[0] == str(search.pagefind_binary())
                self.calls.append(command)
            return real(args, *a, **kw)
        monkeypatch.setattr(search.subprocess, "Popen", popen)


@needs_pagefind
def test_index_per_language_cached_and_rebuilt_from_records(tmp_path, monkeypatch):
    site = _site(tmp_path)
    spy = Spy(monkeypatch)
    _build(site)
    out = site / "public"
    entry = json.loads(read(out, "pagefind/pagefind-entry.json"))
    assert {lang: v["page_count"] for lang, v in entry["languages"].items()} == {"zh": 2, "en": 1}  # no draft
    assert len(spy.calls) == 1
    files = {p.relative_to(out).as_posix(): p.stat().st_mtime_ns for p in (out / "pagefind").rglob("*") if p.is_file()}
    assert any(f.startswith("pagefind/fragment/") for f in files)

    # nothing changed: no Pagefind run, the very same files
    result = _build(site)
    assert len(spy.calls) == 1 and result.rendered_notes == 0
    assert {p.relative_to(out).as_posix(): p.stat().st_mtime_ns
            for p in (out / "pagefind").rglob("*") if p.is_file()} == files

    # one note changed: indexed again, every other record from the cache (none parsed again)
    parsed: list[str] = []
    from mlnotes_site.render import cache as notecache  # where a record the cache lost is made again
    real_text = notecache.search_text
    monkeypatch.setattr(notecache, "search_text", lambda *a: parsed.append("x") or real_text(*a))
    (site / "content/math/other.zh.md").write_text(note("其他", "2025-01-02", "新的内容：卷积。"), encoding="utf-8")
    _build(site)
    assert len(spy.calls) == 2 and parsed == []
    entry = json.loads(read(out, "pagefind/pagefind-entry.json"))
    assert entry["languages"]["zh"]["page_count"] == 2
    assert sorted(p.name for p in (site / ".mlnotes-cache" / "search").iterdir() if "." not in p.name)  # cached

    # with --drafts the draft is indexed too
    _build(site, drafts=True)
    entry = json.loads(read(out, "pagefind/pagefind-entry.json"))
    assert entry["languages"]["zh"]["page_count"] == 3


@needs_pagefind
@pytest.mark.parametrize("in_memory", [True, False])
def test_pagefind_works_in_memory_when_it_can_and_leaves_nothing_there(tmp_path, monkeypatch, in_memory):
    ram = tmp_path / "shm"
    ram.mkdir()
    monkeypatch.setattr(search, "RAM", ram if in_memory else tmp_path / "no-such-folder")
    spy = Spy(monkeypatch)
    site = _site(tmp_path)
    _build(site)
    [command] = spy.calls
    docs, built = (Path(command[command.index(flag) + 1]) for flag in ("--site", "--output-path"))
    where = ram if in_memory else site / ".mlnotes-cache" / "search"
    assert where in docs.parents and where in built.parents, command
    entry = json.loads(read(site / "public", "pagefind/pagefind-entry.json"))
    assert set(entry["languages"]) == {"zh", "en"}
    [cached] = [p for p in (site / ".mlnotes-cache" / "search").iterdir() if "." not in p.name]
    assert (cached / "pagefind-entry.json").is_file()  # copied out of memory: the next build finds it
    # the documents and the memory folder are gone when the build returns
    assert list(ram.iterdir()) == []
    assert not any(p.name.startswith("docs-") for p in (site / ".mlnotes-cache" / "search").iterdir())


def test_documents_and_index_are_written_and_copied_byte_for_byte(tmp_path):
    """write_documents and searchrun.copy_index use plain system calls: every byte of every file arrives,
    nested folders, an empty file and one larger than a single read included."""
    rng = __import__("random").Random(7)
    pages = [(f"zh/t{i % 3}/n{i}/index.html", bytes(rng.randrange(256) for _ in range(rng.randrange(0, 3000))))
             for i in range(40)] + [("en/big/index.html", os.urandom(3 << 20)), ("top.html", b"")]
    search.write_documents(pages, tmp_path / "docs")
    assert {p.relative_to(tmp_path / "docs").as_posix(): p.read_bytes()
            for p in (tmp_path / "docs").rglob("*") if p.is_file()} == dict(pages)
    shutil.copytree(tmp_path / "docs", tmp_path / "ram" / "index")
    searchrun.copy_index(str(tmp_path / "ram"), str(tmp_path / "cache" / "abc.tmp-1"))
    assert {p.relative_to(tmp_path / "cache" / "abc.tmp-1").as_posix(): p.read_bytes()
            for p in (tmp_path / "cache" / "abc.tmp-1").rglob("*") if p.is_file()} == dict(pages)


def test_sweep_removes_only_our_memory_folders_whose_build_ended(tmp_path, monkeypatch):
    monkeypatch.setattr(search, "RAM", tmp_path)
    ended = subprocess.Popen(["true"])
    ended.wait()

    def folder(name: str, pid: int | None, age: float = 0) -> Path:
        path = tmp_path / name
        (path / "docs").mkdir(parents=True)
        if pid is not None:
            (path / search.RAM_MARKER).write_text(f"{pid}\nmlnotes build\n", encoding="utf-8")
            old = time.time() - age
            os.utime(path / search.RAM_MARKER, (old, old))
        return path
    dead = folder(f"{search.RAM_PREFIX}dead", ended.pid)
    running = folder(f"{search.RAM_PREFIX}running", os.getpid())
    unmarked = folder(f"{search.RAM_PREFIX}unmarked", None)
    stale = folder(f"{search.RAM_PREFIX}stale", os.getpid(), age=2 * 86400)  # its number reused since
    other = folder("someone-else", ended.pid)
    search.sweep_ram()
    assert not dead.exists() and not stale.exists()
    assert running.exists() and unmarked.exists() and other.exists()


@needs_pagefind
def test_documents_hold_only_the_note(tmp_path):
    site = _site(tmp_path, description="{zh: 导航专用词, en: navonly}")
    _build(site)
    from mlnotes_site.cache import CACHE_DIR, Cache
    from mlnotes_site.render import cache as notecache
    cache = Cache(site / CACHE_DIR)
    try:
        texts = [v for v in cache.get_raw(notecache.SEARCH, [
            k for k, in cache.db.execute("SELECT key FROM entries WHERE kind=?", (notecache.SEARCH,))]).values()]
    finally:
        cache.close()
    joined = b"".join(texts).decode()
    assert "雅可比行列式" in joined and "Jacobian" in joined
    assert "秘密词" not in joined and "导航专用词" not in joined and "navonly" not in joined
    html = read(site / "public", "index.html")
    assert 'class="search"' in html and "js/search.js" in html and "pagefind.js" not in html.split("<body")[0]


def test_without_pagefind_one_warning_and_no_box(tmp_path, monkeypatch):
    monkeypatch.setattr(search, "pagefind_binary", lambda: None)
    site = _site(tmp_path)
    result = _build(site)
    warnings = [p for p in result.problems if p.code.startswith("search/")]
    assert [p.code for p in warnings] == ["search/unavailable"]
    html = read(site / "public", "index.html")
    assert 'class="search"' not in html and "search.js" not in html
    assert not (site / "public" / "pagefind").exists()


def test_search_false_turns_it_off(tmp_path, monkeypatch):
    spy = Spy(monkeypatch)
    site = _site(tmp_path, search="false")
    result = _build(site)
    assert not [p for p in result.problems if p.code.startswith("search/")]
    assert 'class="search"' not in read(site / "public", "index.html")
    assert not (site / "public" / "pagefind").exists() and spy.calls == []


def test_search_must_be_a_boolean(tmp_path):
    site = _site(tmp_path, search="maybe")
    result = run_build(BuildOptions(site, site / "public", jobs=1))
    assert result.usage_error and [p.code for p in result.problems] == ["config/value"]


@needs_pagefind
def test_serve_rewrites_the_index_in_the_background(tmp_path):
    import http.client
    import time

    from mlnotes_site.serve.server import DevServer
    site = _site(tmp_path)
    dev = DevServer(site, port=0, delay=0.05, log=lambda *_: None)
    dev.search.delay = 0.1
    dev.start()

    def entry() -> dict:
        host, port = dev.httpd.server_address[:2]
        conn = http.client.HTTPConnection(host, port, timeout=10)
        conn.request("GET", "/pagefind/pagefind-entry.json")
        response = conn.getresponse()
        body = response.read()
        conn.close()
        assert response.status == 200
        return json.loads(body)

    try:
        assert dev.search.idle.wait(30)
        first = entry()
        assert first["languages"]["zh"]["page_count"] == 3  # serve shows drafts, and finds them
        builds = dev.builds
        (site / "content/math/new.zh.md").write_text(note("新笔记", "2025-02-01", "全新的词。"), encoding="utf-8")
        deadline = time.monotonic() + 30
        while dev.builds == builds and time.monotonic() < deadline:
            time.sleep(0.02)
        assert dev.builds > builds
        while entry()["languages"]["zh"]["page_count"] != 4 and time.monotonic() < deadline + 30:
            time.sleep(0.1)  # the index follows the reload
        assert entry()["languages"]["zh"]["page_count"] == 4
    finally:
        dev.stop()


@needs_pagefind
def test_the_index_is_byte_identical_without_the_cache(tmp_path):
    """Pagefind writes filter values in hash-map order; emit/search.py puts them in order."""
    import shutil

    from helpers import tree_digest
    site = _site(tmp_path)
    digests = []
    for _ in range(3):
        shutil.rmtree(site / ".mlnotes-cache", ignore_errors=True)
        _build(site)
        digests.append(tree_digest(site / "public" / "pagefind"))
    assert any(p.startswith("filter/") for p in digests[0])
    assert digests[0] == digests[1] == digests[2]


@needs_pagefind
@pytest.mark.skipif(not search.ram_has_room(0), reason="no room in /dev/shm")
def test_the_index_is_the_same_bytes_in_each_place(tmp_path, monkeypatch):
    """Built twice from scratch, in memory (/dev/shm) and on disk: the same index each time.
    (Pagefind reads its documents in their folder's order, which is the file system's: the two
    places list the same documents in different orders, so each has its own bytes.)"""
    from helpers import tree_digest
    site = write_site(tmp_path / "site", {
        f"content/t{i % 3}/n{i}.{lang}.md": note(f"笔记 {i}" if lang == "zh" else f"Note {i}", f"2025-01-{i + 1:02d}",
                                                f"正文 {i} 扩散模型 {'梯度 ' * i}" if lang == "zh" else f"Body {i} flows",
                                                tags=f"[t{i % 4}]")
        for i in range(24) for lang in ("zh", "en") if lang == "zh" or i % 2}, "languages: [zh, en]\n")
    digests = []
    ram = search.RAM
    for memory in (True, True, False, False):
        monkeypatch.setattr(search, "RAM", ram if memory else tmp_path / "no-such-folder")
        shutil.rmtree(site / ".mlnotes-cache", ignore_errors=True)
        _build(site)
        digests.append({k: v for k, v in tree_digest(site / "public").items() if k.startswith("pagefind/")})
    assert digests[0] == digests[1] and digests[2] == digests[3] and len(digests[0]) > 30


def test_searchrun_copies_the_index_out_of_memory_and_passes_pagefinds_status_on(tmp_path):
    """emit/searchrun.py: Pagefind's exit status is its own; on success the index in memory is
    copied to the cache folder; either way the memory folder is removed."""
    for status in (0, 3):
        ram, making = tmp_path / f"ram{status}", tmp_path / f"cache{status}"
        (ram / "docs").mkdir(parents=True)
        script = (f"mkdir -p '{ram}/index/fragment' && printf entry > '{ram}/index/pagefind-entry.json' && "
                  f"printf f > '{ram}/index/fragment/a.pf_fragment'; exit {status}")
        assert searchrun.main([str(ram), str(making), "--", "sh", "-c", script]) == status
        assert not ram.exists()
        if status == 0:
            assert (making / "pagefind-entry.json").read_text() == "entry"
            assert (making / "fragment" / "a.pf_fragment").read_text() == "f"
        else:
            assert not making.exists()
    assert searchrun.main(["", str(tmp_path / "x"), "--", "sh", "-c", "kill -9 $$"]) == 128 + 9


def test_a_failed_build_stops_pagefind_with_its_runner(tmp_path, monkeypatch):
    """cancel() (a build that fails or is interrupted while Pagefind runs) kills the runner's whole
    session: no Pagefind is left running, nothing is left in memory."""
    ram = tmp_path / "shm"
    ram.mkdir()
    monkeypatch.setattr(search, "RAM", ram)
    slow = tmp_path / "pagefind"  # a Pagefind that is still running when the build fails
    slow.write_text("#!/bin/sh\nexec sleep 60\n", encoding="utf-8")
    slow.chmod(0o755)
    monkeypatch.setattr(search, "pagefind_binary", lambda: slow)
    site = _site(tmp_path)
    from mlnotes_site.build import describe, Laps
    from mlnotes_site.cache import CACHE_DIR, Cache
    from mlnotes_site.load.siteconfig import load_config
    from mlnotes_site.render.math.engine import MathEngine
    config, _ = load_config(site)
    cache = Cache(site / CACHE_DIR)
    engine = MathEngine(config.root, config.math_macros, cache)
    try:
        described = describe(config, cache, engine, drafts=False, strict=False, jobs=1, laps=Laps({}))
        index = search.start_search(config, described.site, described.bodies)
        assert index.process is not None and index.process.poll() is None
        pid = index.process.pid
        time.sleep(0.5)  # the runner has started "Pagefind"
        index.cancel()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # the runner's session, Pagefind included: gone (once reaped)
            try:
                os.killpg(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
        with pytest.raises(ProcessLookupError):
            os.killpg(pid, 0)
        assert list(ram.iterdir()) == []
    finally:
        engine.close()
        cache.close()
