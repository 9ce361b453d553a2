#!/usr/bin/env python3
"""Compare two ways of feeding Pagefind the same search documents (issue 21):

* ``cli``: write each document as a small HTML file into a temporary folder, run the packaged
  binary over it with ``--output-path`` (what mlnotes does);
* ``service``: speak the binary's ``--service`` protocol directly (base64 JSON messages ending
  in ","; NewIndex, AddFile per document, WriteFiles), all requests written at once while a
  thread reads the answers, so nothing waits between messages (the Python wrapper sleeps 0.1 s
  per response).

    python benchmarks/search_feed.py SITE [--runs 3]

SITE must have been built once (its cache holds the search records). Prints wall time, CPU
time and peak RSS of the Pagefind process for each way; the two ways alternate per round.
"""
from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mlnotes_site.build import index_site  # noqa: E402
from mlnotes_site.cache import CACHE_DIR, Cache  # noqa: E402
from mlnotes_site.load.siteconfig import load_config  # noqa: E402
from mlnotes_site.emit import search  # noqa: E402
from mlnotes_site.load.content import load_content  # noqa: E402
from mlnotes_site.render.math.katex import MathEngine  # noqa: E402
from mlnotes_site.render.stage import default_jobs, render_all  # noqa: E402


def documents(root: Path) -> list[tuple[str, str]]:
    config, _ = load_config(root)
    content = load_content(config)
    cache = Cache(root / CACHE_DIR)
    engine = MathEngine(config.root, config.math_macros, cache)
    try:
        stage = render_all([n for n in content.notes if not n.draft], config, cache, engine, default_jobs())
        site, bodies, _ = index_site(config, content, stage, engine, cache, False, False)
        docs = search.search_docs(site, bodies.keys)
        texts = search.records(docs, site, cache)
        return [(doc.file, search.document_html(doc, texts[doc.path])) for doc in docs]
    finally:
        engine.close()
        cache.close()


def run(cmd: list[str]) -> tuple[float, float, float]:
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, cmd
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def via_cli(docs: list[tuple[str, str]], binary: Path, work: Path) -> tuple[float, float, float]:
    start = time.perf_counter()
    folder = work / "docs"
    for file, html in docs:
        target = folder / file
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(html, encoding="utf-8")
    written = time.perf_counter() - start
    seconds, cpu, rss = run([str(binary), "--site", str(folder), "--output-path", str(work / "out-cli"), "--silent"])
    return written + seconds, cpu, rss


def via_service(docs: list[tuple[str, str]], binary: Path, work: Path) -> tuple[float, float, float]:
    """All requests written at once; a reader thread collects the answers. The service drops work
    still pending when its input closes, so input stays open until WriteFiles has answered."""
    start = time.perf_counter()
    proc = subprocess.Popen([str(binary), "--service"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL)
    last = len(docs) + 2
    done = threading.Event()
    answers: list[dict] = []

    def read() -> None:
        assert proc.stdout is not None
        buffer = b""
        while chunk := proc.stdout.read1(1 << 16):
            buffer += chunk
            *complete, buffer = buffer.split(b",")
            for message in complete:
                answer = json.loads(base64.b64decode(message))
                answers.append(answer)
                if answer.get("message_id") == last or answer["payload"].get("type") == "Error":
                    done.set()
        done.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    assert proc.stdin is not None

    def send(message_id: int, payload: dict) -> None:
        proc.stdin.write(base64.b64encode(json.dumps({"message_id": message_id, "payload": payload}).encode()) + b",")

    send(1, {"type": "NewIndex", "config": None})
    for i, (file, html) in enumerate(docs, start=2):
        send(i, {"type": "AddFile", "index_id": 0, "file_path": file, "url": None, "file_contents": html})
    send(last, {"type": "WriteFiles", "index_id": 0, "output_path": str(work / "out-service")})
    proc.stdin.flush()
    done.wait()
    proc.stdin.close()
    _, status, usage = os.wait4(proc.pid, 0)
    errors = [a for a in answers if a["payload"].get("type") == "Error"]
    assert not errors and (work / "out-service" / "pagefind-entry.json").is_file(), errors[:1]
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("site", type=Path)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    binary = search.pagefind_binary()
    assert binary is not None, "pip install 'pagefind[extended]'"
    docs = documents(args.site.resolve())
    size = sum(len(html.encode()) for _, html in docs)
    print(f"{len(docs)} documents, {size / 1e6:.2f} MB, binary {binary.name} {search.pagefind_version()}")
    for n in range(args.runs):
        for name, way in (("cli", via_cli), ("service", via_service)):
            work = Path(tempfile.mkdtemp(prefix="search-feed-"))
            try:
                seconds, cpu, rss = way(docs, binary, work)
            finally:
                shutil.rmtree(work, ignore_errors=True)
            print(f"  {name:8s} #{n + 1}: {seconds:6.2f} s wall  {cpu:6.2f} s CPU  peak RSS {rss:6.0f} MB", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
