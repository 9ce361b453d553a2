"""Page weight of a built site as a reader's browser loads it: HTML, CSS, JS and fonts per page,
raw and gzip, from headless Debian Chromium (what a page really requests, fonts included).

    python benchmarks/page_weight.py OUTPUT_DIR /path/ /other/path/ ...
"""
from __future__ import annotations

import functools
import gzip
import http.server
import sys
import threading
from pathlib import Path
from urllib.parse import unquote, urlparse

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
KINDS = {".html": "html", ".css": "css", ".js": "js", ".woff2": "fonts", ".woff": "fonts", ".ttf": "fonts"}


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def file_of(root: Path, url: str) -> Path:
    path = unquote(urlparse(url).path).lstrip("/")
    target = root / path
    return target / "index.html" if target.is_dir() or path == "" or path.endswith("/") else target


def main() -> None:
    root, paths = Path(sys.argv[1]), sys.argv[2:]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    print(f"{'page':32} " + " ".join(f"{k:>15}" for k in ("html", "css", "js", "fonts", "total")))
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        for path in paths:
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            urls: list[str] = []
            page.on("request", lambda r, urls=urls: urls.append(r.url))
            page.goto(base + path, wait_until="networkidle")
            page.evaluate("document.fonts.ready.then(() => 0)")  # fonts load as text needs them
            page.wait_for_load_state("networkidle")
            sums = {k: [0, 0] for k in ("html", "css", "js", "fonts")}
            for url in dict.fromkeys(urls):
                f = file_of(root, url)
                kind = "html" if url.rstrip("/") == (base + path).rstrip("/") else KINDS.get(f.suffix)
                if kind and f.is_file():
                    data = f.read_bytes()
                    sums[kind][0] += len(data)
                    sums[kind][1] += len(gzip.compress(data, 9, mtime=0))
            total = [sum(v[0] for v in sums.values()), sum(v[1] for v in sums.values())]
            cells = [f"{r / 1024:6.1f}/{g / 1024:5.1f}K" for r, g in [*sums.values(), total]]
            print(f"{path:32} " + " ".join(f"{c:>15}" for c in cells))
            page.close()
        browser.close()
    server.shutdown()
    print("(raw/gzip KiB)")


if __name__ == "__main__":
    main()
