"""`mlnotes serve`: a real server on a free port, real file edits, SSE events read over HTTP."""
from __future__ import annotations

import http.client
import json
import os
import queue
import random
import shutil
import threading
import time
from pathlib import Path

import pytest

from mlnotes_site.build import MARKER, BuildOptions, build
from mlnotes_site.serve.server import DevServer
from helpers import REPO, note, tree_digest, write_site


def wait_for(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError("timed out waiting")


def make_site(root: Path) -> Path:
    return write_site(root, {
        "content/diffusion/_index.zh.md": "---\ntitle: 扩散\n---\n\n扩散模型。\n",
        "content/diffusion/ddim.zh.md": note("DDIM 采样", "2025-03-01", "公式 $x_t$。", tags="[扩散模型]"),
        "content/diffusion/ddim.en.md": note("DDIM sampling", "2025-03-01", "Formula $x_t$."),
        "content/python/gil.zh.md": note("GIL", "2025-02-01", "锁。"),
    }, "base_url: /kb/\n")


@pytest.fixture
def server(tmp_path):
    site = make_site(tmp_path / "site")
    logs: list[str] = []
    dev = DevServer(site, port=0, delay=0.05, log=logs.append)
    dev.start()
    dev.logs = logs  # type: ignore[attr-defined]
    yield dev
    dev.stop()


def get(dev: DevServer, path: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    host, port = dev.httpd.server_address[:2]
    conn = http.client.HTTPConnection(host, port, timeout=10)
    conn.request(method, path)
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, body


class Events:
    """An SSE client on a real socket; events land in a queue."""

    def __init__(self, dev: DevServer) -> None:
        host, port = dev.httpd.server_address[:2]
        self.conn = http.client.HTTPConnection(host, port, timeout=30)
        self.conn.request("GET", "/__mlnotes/events")
        self.response = self.conn.getresponse()
        assert self.response.getheader("Content-Type", "").startswith("text/event-stream")
        self.queue: queue.Queue[tuple[str, dict]] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        event = None
        try:
            for raw in self.response:
                line = raw.decode().rstrip("\n")
                if line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: ") and event:
                    self.queue.put((event, json.loads(line[6:])))
                    event = None
        except (OSError, ValueError):
            pass

    def next(self, kind: str, timeout: float = 10.0) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                event, data = self.queue.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                break
            if event == kind:
                return data
        raise AssertionError(f"no {kind} event")

    def close(self) -> None:
        self.conn.close()


def edit(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")



def settled_tree(dev: DevServer) -> dict[str, str]:
    """What serve has written once its last rebuild has settled, read while no build writes."""
    time.sleep(0.3)
    with dev.build_lock:
        return tree_digest(dev.output)


def served_pages(tree: dict[str, str]) -> dict[str, str]:
    """What serve wrote, without the build marker and the search index: serve's background step writes
    the index when it gets to it (tests/test_search.py covers it)."""
    return {k: v for k, v in tree.items() if k != MARKER and not k.startswith("pagefind/")}


def clean_pages(site: Path, out: Path) -> dict[str, str]:
    """What a clean build (drafts included, as serve shows them) writes, compared as served_pages."""
    clean = build(BuildOptions(site, out, drafts=True))
    assert not clean.failed, [p.format() for p in clean.problems]
    return served_pages(tree_digest(out))

def test_serves_the_site_under_its_base_path_with_the_script_injected(server):
    status, headers, body = get(server, "/kb/")
    assert status == 200 and headers["content-type"] == "text/html; charset=utf-8"
    assert b'<script src="/__mlnotes/reload.js"></script>' in body
    assert b"__mlnotes" not in (server.output / "index.html").read_bytes()  # never on disk
    assert get(server, "/kb/feed.xml")[1]["content-type"].startswith("application/atom+xml")
    assert get(server, "/kb/sitemap.xml")[1]["content-type"] == "application/xml"
    assert get(server, "/kb/katex/fonts/KaTeX_Main-Regular.woff2")[1]["content-type"] == "font/woff2"
    status, _, body = get(server, "/kb/tags/%E6%89%A9%E6%95%A3%E6%A8%A1%E5%9E%8B/")
    assert status == 200 and "扩散模型".encode() in body
    assert get(server, "/kb/diffusion")[0] == 301
    assert get(server, "/__mlnotes/reload.js")[0] == 200
    assert get(server, "/kb/", "HEAD")[2] == b""


def test_misses_get_the_404_page_and_nothing_outside_the_output_is_served(server):
    (server.site / "secret.txt").write_text("secret")
    for path in ["/kb/nope/", "/kb/../secret.txt", "/kb/%2e%2e/secret.txt", "/kb/%2e%2e%2fsecret.txt",
                 "/kb/..%5csecret.txt", "/kb/%5c..%5csecret.txt", "//etc/passwd", "/etc/passwd",
                 "/kb/katex/fonts/", "/kb/%00", "/secret.txt"]:
        status, _, body = get(server, path)
        assert status == 404 and b"secret" not in body, path
    status, _, body = get(server, "/kb/en/nope/")
    assert status == 404 and b'lang="en"' in body
    os.symlink(server.site / "secret.txt", server.output / "link.txt")
    assert get(server, "/kb/link.txt")[0] == 404


def test_an_edit_reloads_exactly_the_pages_it_changed(server):
    events = Events(server)
    assert events.next("hello")["problems"] is None
    path = server.site / "content/python/gil.zh.md"
    edit(path, note("GIL 全局解释器锁", "2025-02-01", "锁。"))
    data = events.next("reload")
    assert "/kb/python/gil/" in data["paths"] and "/kb/" in data["paths"]
    assert "/kb/diffusion/ddim/" not in data["paths"] and not data["all"]
    assert "GIL 全局解释器锁".encode() in get(server, "/kb/python/gil/")[2]
    # a translation's language switch depends on it: editing the English note touches both
    edit(server.site / "content/diffusion/ddim.en.md", note("DDIM sampling!", "2025-03-01", "Formula $x_t$."))
    data = events.next("reload")
    assert "/kb/en/diffusion/ddim/" in data["paths"]
    events.close()


def test_errors_show_in_the_page_and_the_last_good_site_stays(server):
    events = Events(server)
    events.next("hello")
    path = server.site / "content/python/gil.zh.md"
    edit(path, "---\ntitle: [broken\ndate: 2025-02-01\n---\n锁。\n")
    problems = events.next("problems")["text"]
    assert "content/python/gil.zh.md:" in problems and "error[front-matter/yaml]" in problems
    status, _, body = get(server, "/kb/python/gil/")
    assert status == 200 and b"GIL" in body  # the last good page
    late = Events(server)  # a page opened now learns about the problem at once
    assert "front-matter/yaml" in late.next("hello")["problems"]
    edit(path, note("GIL fixed", "2025-02-01", "锁。"))
    events.next("reload")
    assert b"GIL fixed" in get(server, "/kb/python/gil/")[2]
    assert late.next("reload")
    events.close()
    late.close()


def test_editor_debris_is_ignored_and_bursts_coalesce(server):
    builds = server.builds
    folder = server.site / "content/python"
    for name in [".gil.zh.md.swp", "gil.zh.md~", ".#gil.zh.md", "4913", "#gil.zh.md#"]:
        (folder / name).write_text("junk")
    (server.output / "extra.html").write_text("ours")  # our own output never triggers a build
    time.sleep(0.6)
    assert server.builds == builds
    # a `git checkout`-like burst: many files at once -> one (or very few) rebuilds
    for i in range(40):
        edit(folder / f"n{i}.zh.md", note(f"Note {i}", "2025-01-01"))
    wait_for(lambda: get(server, "/kb/python/n39/")[0] == 200)
    time.sleep(0.3)
    assert server.builds - builds <= 3


def test_atomic_rename_save_and_delete(server):
    events = Events(server)
    events.next("hello")
    target = server.site / "content/python/gil.zh.md"
    tmp = target.with_name(".gil.zh.md.tmp123")
    tmp.write_text(note("GIL saved atomically", "2025-02-01", "锁。"), encoding="utf-8")
    os.replace(tmp, target)
    events.next("reload")
    assert b"GIL saved atomically" in get(server, "/kb/python/gil/")[2]
    target.rename(target.with_name("gil2.zh.md"))
    data = events.next("reload")
    assert "/kb/python/gil/" in data["paths"]
    assert get(server, "/kb/python/gil/")[0] == 404 and get(server, "/kb/python/gil2/")[0] == 200
    (target.with_name("gil2.zh.md")).unlink()
    events.next("reload")
    assert get(server, "/kb/python/gil2/")[0] == 404
    events.close()


def test_random_edit_sequences_end_identical_to_a_clean_build(tmp_path):
    site = make_site(tmp_path / "site")
    dev = DevServer(site, port=0, delay=0.02, log=lambda *_: None)
    dev.start()
    rng = random.Random(20261123)
    folders = ["diffusion", "python", "flows/deep"]
    try:
        for step in range(25):
            notes = sorted(p for p in (site / "content").rglob("*.md") if not p.name.startswith("_"))
            op = rng.choice(["create", "edit", "edit", "delete", "rename", "translate"])
            builds = dev.builds
            if op == "create" or not notes:
                folder = site / "content" / rng.choice(folders)
                folder.mkdir(parents=True, exist_ok=True)
                edit(folder / f"n{step}.zh.md", note(f"新笔记 {step}", f"2025-01-{step % 28 + 1:02d}",
                                                     f"内容 $a_{step}$ [链接](../python/gil.md)", tags=f"[t{step % 4}]"))
            elif op == "edit":
                victim = rng.choice(notes)
                edit(victim, note(f"改 {step}", f"2024-12-{step % 28 + 1:02d}", f"正文 {step}", tags=f"[t{step % 3}]"))
            elif op == "delete":
                rng.choice(notes).unlink()
            elif op == "rename":
                victim = rng.choice(notes)
                victim.rename(victim.with_name(f"r{step}.{victim.name.split('.')[-2]}.md"))
            else:
                victim = rng.choice(notes)
                twin = victim.with_name(victim.name.replace(".zh.md", ".en.md"))
                edit(twin, note(f"English {step}", "2025-05-05", f"Body {step}"))
            wait_for(lambda builds=builds: dev.builds > builds, timeout=15)
        served = settled_tree(dev)
    finally:
        dev.stop()
    assert served_pages(served) == clean_pages(site, tmp_path / "clean")
    shutil.rmtree(tmp_path / "clean")


def test_fifty_clients_thousand_requests_during_rebuilds(server):
    paths = ["/kb/", "/kb/diffusion/ddim/", "/kb/en/diffusion/ddim/", "/kb/feed.xml", "/kb/python/gil/",
             "/kb/tags/", "/kb/css/style.css", "/kb/nope/"]
    expected = {p: 404 if p == "/kb/nope/" else 200 for p in paths}
    failures: list[str] = []
    counter = {"n": 0}
    lock = threading.Lock()

    def client(seed: int) -> None:
        rng = random.Random(seed)
        for _ in range(20):
            path = rng.choice(paths)
            try:
                status, _, body = get(server, path)
            except OSError as exc:
                failures.append(f"{path}: {exc}")
                continue
            with lock:
                counter["n"] += 1
            if status != expected[path] or (status == 200 and not body):
                failures.append(f"{path}: {status}")

    def editor() -> None:
        for i in range(6):
            edit(server.site / "content/python/gil.zh.md", note(f"GIL v{i}", "2025-02-01", "锁。" * 50))
            time.sleep(0.15)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(50)] + [threading.Thread(target=editor)]
    builds = server.builds
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert counter["n"] == 1000 and failures == []
    wait_for(lambda: server.builds > builds, timeout=30)  # the edits really rebuilt the site meanwhile
    assert b"GIL v" in get(server, "/kb/python/gil/")[2]


def test_oversized_requests_are_refused(server):
    import socket
    host, port = server.httpd.server_address[:2]
    for request in [b"GET /kb/" + b"a" * 70000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
                    b"GET /kb/ HTTP/1.1\r\n" + b"".join(b"X-%d: y\r\n" % i for i in range(200)) + b"\r\n"]:
        with socket.create_connection((host, port), timeout=10) as sock:
            sock.sendall(request)
            reply = sock.recv(200)
        assert reply.split(b" ")[1] in (b"414", b"431", b"400"), reply[:60]
    assert get(server, "/kb/", "POST")[0] == 501


def test_rebuilds_in_the_watcher_thread_keep_the_cache(server):
    """Updates run in the watcher's thread: the cache opened at start must stay usable there (it was
    once thrown away at every change, so each change re-rendered from scratch)."""
    import sqlite3
    events = Events(server)
    events.next("hello")
    target = server.site / "content/python/gil.zh.md"
    target.write_text(note("GIL 改", "2025-02-01", "锁。改过的正文。"), encoding="utf-8")
    events.next("reload")
    events.close()
    with sqlite3.connect(server.site / ".mlnotes-cache/cache.sqlite") as db:
        kinds = dict(db.execute("SELECT kind, count(*) FROM entries GROUP BY kind").fetchall())
    assert kinds.get("noteinfo", 0) >= 3 and kinds.get("notebody", 0) >= 3  # every note's, not just the edited one
    assert any(", 1 rendered," in line for line in server.logs), server.logs  # type: ignore[attr-defined]


def test_a_miss_is_answered_at_once_while_a_rebuild_runs(server):
    with server.build_lock:  # a long rebuild holds the lock
        started = time.monotonic()
        status, _, body = get(server, "/kb/no/such/page/")
        missed = time.monotonic() - started
        status_ok, _, _ = get(server, "/kb/")
    assert status == 404 and b"<html" in body.lower() and missed < 1.0
    assert status_ok == 200


def test_templates_and_static_made_after_the_start_are_picked_up(tmp_path):
    site = make_site(tmp_path / "site")
    assert not (site / "templates").exists() and not (site / "static").exists()
    dev = DevServer(site, port=0, delay=0.05, log=lambda *_: None)
    dev.start()
    try:
        builds = dev.builds
        (site / "static").mkdir()
        (site / "static/extra").mkdir()
        edit(site / "static/extra/hello.txt", "hello from static")
        wait_for(lambda: dev.builds > builds and get(dev, "/kb/extra/hello.txt")[0] == 200, timeout=15)
        builds = dev.builds
        page = (REPO / "templates/404.html").read_text(encoding="utf-8")
        (site / "templates").mkdir()  # made empty first, filled a moment later (as editors and cp -r do)
        time.sleep(0.3)
        edit(site / "templates/404.html", page.replace("{% endblock %}", "<p>our own 404</p>{% endblock %}", 1))
        wait_for(lambda: dev.builds > builds and b"our own 404" in get(dev, "/kb/no/such/")[2], timeout=15)
        served = settled_tree(dev)
    finally:
        dev.stop()
    assert served_pages(served) == clean_pages(site, tmp_path / "clean")


def raw_request(dev: DevServer, request: bytes) -> bytes:
    import socket
    host, port = dev.httpd.server_address[:2]
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(request)
        return sock.recv(4096)


def status_of(reply: bytes) -> int:
    return int(reply.split(b" ")[1])


def test_only_local_and_given_host_names_are_answered(server):
    port = server.httpd.server_address[1]
    def ask(host: bytes | None) -> int:
        header = b"Host: " + host + b"\r\n" if host is not None else b""
        return status_of(raw_request(server, b"GET /kb/ HTTP/1.1\r\n" + header + b"Connection: close\r\n\r\n"))
    for good in [b"localhost", b"localhost:%d" % port, b"127.0.0.1:%d" % port, b"[::1]:%d" % port,
                 b"LOCALHOST.", b"preview.localhost"]:
        assert ask(good) == 200, good
    # DNS rebinding: a page of evil.example whose name now resolves to 127.0.0.1 must not read the preview
    for bad in [b"evil.example", b"evil.example:%d" % port, b"localhost.evil.example", b"127.0.0.1.nip.io"]:
        assert ask(bad) == 421, bad
    assert ask(None) == 400


def test_allow_host_names_more_and_star_any(tmp_path):
    site = make_site(tmp_path / "site")
    for allowed, host, expected in [(("notes.lan",), b"notes.lan:8000", 200), (("notes.lan",), b"other.lan", 421),
                                    (("*",), b"anything.example", 200)]:
        dev = DevServer(site, port=0, log=lambda *_: None, allowed_hosts=allowed)
        threading.Thread(target=dev.httpd.serve_forever, daemon=True).start()
        try:
            reply = raw_request(dev, b"GET /kb/nope HTTP/1.1\r\nHost: " + host + b"\r\nConnection: close\r\n\r\n")
            assert status_of(reply) in ((404,) if expected == 200 else (expected,)), (allowed, host, reply[:40])
        finally:
            dev.httpd.shutdown()
            dev.httpd.server_close()


def test_idle_connections_are_closed_and_threads_stay_bounded(tmp_path):
    import socket
    site = make_site(tmp_path / "site")
    dev = DevServer(site, port=0, delay=0.05, log=lambda *_: None, idle_timeout=0.5, workers=8)
    dev.start()
    try:
        host, port = dev.httpd.server_address[:2]
        before = threading.active_count()
        idle = [socket.create_connection((host, port), timeout=10) for _ in range(60)]  # say nothing
        time.sleep(0.3)
        assert threading.active_count() <= before + 1  # no thread per connection
        started = time.monotonic()
        assert get(dev, "/kb/")[0] == 200  # served once idle connections time out
        assert time.monotonic() - started < 9
        for sock in idle:
            assert sock.recv(10) == b""  # closed by the server, not kept forever
            sock.close()
    finally:
        dev.stop()


def test_a_vault_without_content_folder_is_watched_in_its_sub_folders(tmp_path):
    """A folder pointed at as it is (no content/): notes in nested folders update the preview, new
    folders are picked up, and writes into the output, the cache or a tool's folder start nothing."""
    site = write_site(tmp_path / "vault", {
        "ml/diffusion/ddim.md": note("DDIM 采样", "2025-03-01", "跳步采样。"),
        "ml/gan.md": note("GAN 笔记", "2025-02-01", "对抗训练。"),
        "top.md": note("总览", "2025-01-01", "见 [DDIM](ml/diffusion/ddim.md)。"),
        ".obsidian/app.json": "{}",
        "_site/old.md": note("旧的", "2020-01-01"),
    })
    dev = DevServer(site, port=0, delay=0.05, log=lambda *_: None)
    dev.start()
    try:
        assert "跳步采样".encode() in get(dev, "/ml/diffusion/ddim/")[2]
        edit(site / "ml/diffusion/ddim.md", note("DDIM 采样", "2025-03-01", "改过的正文。"))
        wait_for(lambda: "改过的正文".encode() in get(dev, "/ml/diffusion/ddim/")[2])
        (site / "ml/flows/deep").mkdir(parents=True)  # a new folder, a note in it at once
        edit(site / "ml/flows/deep/realnvp.md", note("RealNVP 流", "2025-04-01", "可逆变换。"))
        wait_for(lambda: get(dev, "/ml/flows/deep/realnvp/")[0] == 200)
        assert "可逆变换".encode() in get(dev, "/ml/flows/deep/realnvp/")[2]
        (site / "ml/gan.md").unlink()
        wait_for(lambda: get(dev, "/ml/gan/")[0] == 404)
        shutil.rmtree(site / "ml/flows")  # a whole folder removed
        wait_for(lambda: get(dev, "/ml/flows/deep/realnvp/")[0] == 404)
        (site / "papers/2024").mkdir(parents=True)  # a new folder at the top, watched from then on
        edit(site / "papers/2024/vae.md", note("VAE 论文", "2025-05-01", "变分下界。"))
        wait_for(lambda: get(dev, "/papers/2024/vae/")[0] == 200)
        time.sleep(0.3)
        edit(site / "papers/2024/vae.md", note("VAE 论文", "2025-05-01", "再改一次。"))
        wait_for(lambda: "再改一次".encode() in get(dev, "/papers/2024/vae/")[2])
        shutil.rmtree(site / "papers")
        wait_for(lambda: get(dev, "/papers/2024/vae/")[0] == 404)
        time.sleep(0.3)
        builds = dev.builds
        # a build into the default output (SITE/public), the cache, tools' folders: no rebuild
        built = build(BuildOptions(site, None, drafts=True))
        assert not built.failed and (site / "public/ml/diffusion/ddim/index.html").is_file()
        edit(site / "public/stray.md", note("输出里的", "2025-01-01"))
        edit(site / "_site/old.md", note("旧的改", "2020-01-01"))
        (site / "node_modules/pkg").mkdir(parents=True)
        edit(site / "node_modules/pkg/README.md", "# readme\n")
        edit(site / ".mlnotes-cache/junk.md", "junk")
        edit(site / ".obsidian/workspace.json", "{}")
        time.sleep(0.6)
        assert dev.builds == builds
        assert get(dev, "/public/stray/")[0] == 404 and get(dev, "/node_modules/pkg/readme/")[0] == 404
        # a second build into public/ (the atomic swap renames folders at the top) starts nothing either
        assert not build(BuildOptions(site, None, drafts=True)).failed
        time.sleep(0.6)
        assert dev.builds == builds
        edit(site / "top.md", note("总览", "2025-01-01", "顶层也改了。"))  # still watching at the top
        wait_for(lambda: "顶层也改了".encode() in get(dev, "/top/")[2])
        served = settled_tree(dev)
    finally:
        dev.stop()
    assert served_pages(served) == clean_pages(site, tmp_path / "clean")
