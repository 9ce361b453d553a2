"""Time from saving a file to the live-reload event of `mlnotes serve`, on the generated corpus.

    python benchmarks/serve_latency.py --notes 1000 --edits 30

Starts the real dev server (in this process, on a free loopback port), opens an SSE connection
like a browser does, then edits one note at a time (and then a template) and measures save →
`reload` event. Prints p50 / p95 / max. Not part of the test suite.
"""
from __future__ import annotations

import argparse
import http.client
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpus  # noqa: E402
import latency  # noqa: E402

from mlnotes_site.serve.server import DevServer  # noqa: E402
from mlnotes_site.emit.theme import default_theme_dir  # noqa: E402


def listen(server: DevServer, events: list[tuple[float, str]]) -> None:
    host, port = server.httpd.server_address[:2]
    conn = http.client.HTTPConnection(host, port, timeout=600)
    conn.request("GET", "/__mlnotes/events")
    kind = None
    for raw in conn.getresponse():
        line = raw.decode().rstrip("\n")
        if line.startswith("event: "):
            kind = line[7:]
        elif line.startswith("data: ") and kind:
            events.append((time.perf_counter(), kind))


def measure(server: DevServer, events: list, change, count: int) -> list[float]:
    times = []
    for i in range(count):
        seen = len(events)
        start = time.perf_counter()
        change(i)
        while len(events) == seen or events[-1][1] not in ("reload", "problems"):
            time.sleep(0.001)
        times.append(events[-1][0] - start)
        time.sleep(0.1)
    return times


def report(name: str, times: list[float]) -> None:
    print(latency.summary(name, times))


def main() -> int:
    ap = argparse.ArgumentParser()
    latency.add_arguments(ap)
    ap.add_argument("--verbose", action="store_true", help="print what the server logs")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="mlnotes-serve-bench-") as tmp:
        site = args.site or Path(tmp) / "site"
        if args.site is None:
            corpus.generate(site, args.notes, args.seed)
        (site / "templates").mkdir(exist_ok=True)
        template = site / "templates/note.html"
        template.write_text((default_theme_dir() / "templates/note.html").read_text(encoding="utf-8"), encoding="utf-8")
        started = time.perf_counter()
        server = DevServer(site, port=0, log=(lambda m: print("   ", m)) if args.verbose else (lambda *_: None))
        server.start()
        print(f"{len(server.live.render_memo.notes)} notes: first build {time.perf_counter() - started:.1f} s; serving {server.url}")
        events: list[tuple[float, str]] = []
        threading.Thread(target=listen, args=(server, events), daemon=True).start()
        time.sleep(0.5)
        edit_note = corpus.note_editor(site, args.seed)

        def edit_template(i: int) -> None:
            template.write_text(template.read_text(encoding="utf-8") + f"\n{{# edit {i} #}}\n", encoding="utf-8")

        try:
            print("save -> reload event:")
            report("note edit", measure(server, events, edit_note, args.edits))
            report("template edit", measure(server, events, edit_template, max(3, args.edits // 3)))
        finally:
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
