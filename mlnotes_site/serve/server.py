"""`mlnotes serve`: build, serve the output with the standard library, rebuild on change, and tell
open pages over Server-Sent Events which of them changed (or what went wrong)."""
from __future__ import annotations

import json
import mimetypes
import posixpath
import queue
import threading
import time
import webbrowser
from dataclasses import dataclass, field
import ipaddress
import socket
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from mlnotes_site.cache import CACHE_DIR
from mlnotes_site.load.siteconfig import load_config
from mlnotes_site.serve.live import LiveSite, Update
from mlnotes_site.serve.search import BackgroundIndexer
from mlnotes_site.problems import error
from mlnotes_site.serve.watch import SiteWatcher, content_root_is_site

RELOAD_JS = (Path(__file__).resolve().parent / "livereload.js").read_bytes()
PAGE_ASSETS = (".css", ".js", ".woff2", ".woff", ".ttf", ".svg", ".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif")
EVENTS_PATH = "/__mlnotes/events"
SCRIPT_PATH = "/__mlnotes/reload.js"
TYPES = {".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
         ".js": "text/javascript; charset=utf-8", ".json": "application/json", ".xml": "application/xml",
         ".svg": "image/svg+xml", ".woff2": "font/woff2", ".woff": "font/woff", ".wasm": "application/wasm",
         ".txt": "text/plain; charset=utf-8", ".png": "image/png", ".jpg": "image/jpeg", ".webp": "image/webp"}


def content_type(path: Path) -> str:
    if path.name == "feed.xml":
        return "application/atom+xml; charset=utf-8"
    return TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"


IDLE_TIMEOUT = 30.0  # seconds a connection may stay silent before it is closed
WORKERS = 64  # threads that answer requests; connections beyond wait in a queue
QUEUED = 256  # connections waiting for a thread; more are closed at once
MAX_STREAMS = WORKERS // 2  # open pages with live reload (each holds a thread); others answer 503


class PooledHTTPServer(HTTPServer):
    """An HTTP server whose connections are handled by a fixed pool of threads (one thread per
    connection, as ThreadingHTTPServer does, lets idle or slow clients make threads without bound)."""

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], workers: int = WORKERS,
                 queued: int = QUEUED) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, handler)
        self.pending: queue.Queue[tuple[socket.socket, object] | None] = queue.Queue(maxsize=queued)
        self.threads = [threading.Thread(target=self._work, daemon=True, name=f"mlnotes-http-{i}")
                        for i in range(workers)]
        for thread in self.threads:
            thread.start()

    def process_request(self, request, client_address) -> None:  # type: ignore[no-untyped-def]
        try:
            self.pending.put_nowait((request, client_address))
        except queue.Full:
            self.shutdown_request(request)  # overloaded: refuse rather than queue without bound

    def _work(self) -> None:
        while True:
            item = self.pending.get()
            if item is None:
                return
            request, client_address = item
            try:
                self.finish_request(request, client_address)
            except Exception:  # noqa: BLE001 - one bad connection never stops a worker
                self.handle_error(request, client_address)
            finally:
                self.shutdown_request(request)

    def server_close(self) -> None:
        super().server_close()
        for _ in self.threads:
            try:
                self.pending.put_nowait(None)
            except queue.Full:
                break  # daemon threads: they end with the process


def host_name(header: str) -> str:
    """The name in a Host header, without port, brackets or a final dot, lower case."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:header.find("]")] if "]" in header else header
    if header.count(":") == 1:
        header = header.split(":", 1)[0]
    return header.rstrip(".")


def host_allowed(name: str, allowed: frozenset[str]) -> bool:
    """A DNS rebinding attack reaches the server under a name the attacker controls: only IP addresses,
    localhost names and the names `allowed` (the bound --host and --allow-host; '*' for any) pass."""
    if "*" in allowed or name in allowed or name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


@dataclass
class ServeState:
    build_id: int = 0
    problems: str | None = None  # problems of the last build, while it failed
    clients: list[queue.Queue[tuple[str, str]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class DevServer:
    def __init__(self, site: Path, host: str = "127.0.0.1", port: int = 8000, drafts: bool = True,
                 delay: float = 0.02, log=print, allowed_hosts: tuple[str, ...] = (),  # type: ignore[no-untyped-def]
                 idle_timeout: float = IDLE_TIMEOUT, workers: int = WORKERS) -> None:
        self.site = site.resolve()
        self.output = self.site / CACHE_DIR / "serve"
        self.drafts = drafts
        self.log = log
        self.state = ServeState()
        self.build_lock = threading.Lock()
        config, _ = load_config(self.site)
        self.base_path = config.base_path
        self.files = OutputFiles(self.output, self.base_path)
        self.allowed_hosts = frozenset(host_name(h) for h in (host, *allowed_hosts))
        self.streams = threading.BoundedSemaphore(max(1, workers // 2))
        handler = type("Handler", (RequestHandler,), {"dev": self, "timeout": idle_timeout})
        self.httpd = PooledHTTPServer((host, port), handler, workers)
        self.live = LiveSite(self.site, self.output, drafts=drafts)
        self.search = BackgroundIndexer(self.output, log=log)  # after each rebuild, off the reload's path
        self.watcher = SiteWatcher(self.site, self.rebuild, ignore=[self.output, self.site / "public"], delay=delay)
        self.builds = 0

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        name = host.decode() if isinstance(host, bytes) else str(host)
        return f"http://{'[' + name + ']' if ':' in name else name}:{port}{self.base_path}"

    # --- building ------------------------------------------------------------------------------

    def rebuild(self, changed: set[str] | None = None) -> Update:
        with self.build_lock:  # one update at a time; events during one start the next
            try:
                result = self.live.update(changed)
            except Exception as exc:  # noqa: BLE001 - the server never dies on a rebuild
                result = Update(problems=[error("internal", f"{type(exc).__name__}: {exc}", "",
                                                hint="this is a bug in mlnotes; restart serve")], failed=True)
            self.builds += 1
            if result.failed:
                text = "\n".join(p.format() for p in result.problems if p.is_error) or "the build failed"
                with self.state.lock:
                    self.state.problems = text
                self.log(text)
                self._broadcast("problems", {"text": text})
                return result
            changed_urls, all_pages = self._changes(result.changed)
            with self.state.lock:
                self.state.problems = None
                self.state.build_id += 1
                build_id = self.state.build_id
            for problem in result.problems:
                self.log(problem.format())
            self._broadcast("reload", {"build": build_id, "paths": changed_urls, "all": all_pages})
            if result.search is not None:
                self.search.schedule(result.search.config, result.search.site, result.search.keys)
            what = "initial build" if changed is None else f"{len(changed)} change(s)"
            self.log(f"{what}: {result.notes} notes, {result.rendered} rendered, {len(result.changed)} file(s) "
                     f"changed in {result.seconds:.2f}s")
            return result

    def _changes(self, touched: list[str]) -> tuple[list[str], bool]:
        # Stylesheets, scripts, fonts and images can show on any page; feeds and the sitemap cannot.
        all_pages = self.builds > 1 and any(p.endswith(PAGE_ASSETS) for p in touched)
        urls = set()
        for path in touched:
            if path.endswith("index.html"):
                urls.add(self.base_path + path[: -len("index.html")])
            urls.add(self.base_path + path)
        return sorted(urls), all_pages

    def _broadcast(self, event: str, data: dict[str, object]) -> None:
        message = (event, json.dumps(data, ensure_ascii=False))
        with self.state.lock:
            for client in self.state.clients:
                client.put(message)

    # --- running -------------------------------------------------------------------------------

    def start(self) -> None:
        self.rebuild(None)
        self.watcher.start()
        threading.Thread(target=self.httpd.serve_forever, daemon=True, name="mlnotes-http").start()

    def stop(self) -> None:
        self.watcher.stop()
        self.search.close()
        with self.build_lock:
            self.live.close()
        self.httpd.shutdown()
        self.httpd.server_close()
        with self.state.lock:
            for client in self.state.clients:
                client.put(("bye", "{}"))

    def serve_forever(self, open_browser: bool = False) -> None:
        self.start()
        notes = "the site folder's notes" if content_root_is_site(self.site) else "content/"
        self.log(f"serving {self.url}  (watching {notes}, templates/, static/, mlnotes.yaml, also when made later; "
                 "Ctrl-C stops)")
        if open_browser:
            webbrowser.open(self.url)
        try:
            while True:
                time.sleep(3600)
        finally:
            self.stop()


class OutputFiles:
    """The files of serve's output folder as URL paths name them. Nothing outside the output is ever
    served: no '..', no encoded tricks, no symlinks out, no listings."""

    def __init__(self, output: Path, base_path: str) -> None:
        self.output, self.base_path = output, base_path

    def resolve(self, path: str) -> Path | str | None:
        """The file a URL path names, a redirect target (a folder without its slash), or None."""
        decoded = unquote(path)
        base = self.base_path
        if "\x00" in decoded or "\\" in decoded or not decoded.startswith(base):
            return None
        rel = decoded[len(base):]
        if any(part == ".." or len(part.encode()) > 255 for part in rel.split("/")):  # 255: no file has a longer name
            return None
        rel = posixpath.normpath(rel) if rel else ""
        if rel in (".", ""):
            rel = ""
        root = self.output.resolve()
        target = (root / rel) if rel else root
        try:
            real = target.resolve()
        except OSError:
            return None
        if real != root and root not in real.parents:
            return None
        if real.is_dir():
            if not decoded.endswith("/"):
                return path + "/"
            real = real / "index.html"
        return real if real.is_file() else None

    def lookup(self, path: str) -> tuple[Path | str | None, bytes | None]:
        file = self.resolve(path)
        if not isinstance(file, Path):
            return file, None
        try:
            return file, file.read_bytes()
        except OSError:
            return None, None

    def not_found_page(self, path: str) -> bytes | None:
        """The 404 page of the language the path is in, else the site's."""
        lang = unquote(path)[len(self.base_path):].split("/", 1)[0][:16]  # a language code is short; a long name must not reach stat()
        page = self.output / (f"{lang}/404.html" if (self.output / lang / "404.html").is_file() else "404.html")
        try:
            return page.read_bytes() if page.is_file() else None
        except OSError:
            return None


class RequestHandler(BaseHTTPRequestHandler):
    """One request: a file of the output (pages get the live-reload script), the script itself, or the
    event stream."""

    protocol_version = "HTTP/1.1"
    server_version = "mlnotes-serve"
    dev: DevServer  # set on the subclass a DevServer makes

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet
        pass

    def do_HEAD(self) -> None:  # noqa: N802
        self._serve(head=True)

    def do_GET(self) -> None:  # noqa: N802
        self._serve(head=False)

    def _send(self, status: int, body: bytes, ctype: str, head: bool, extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _serve(self, head: bool) -> None:
        host = self.headers.get("Host")
        if not host:
            return self._send(400, b"a Host header is required", "text/plain; charset=utf-8", head)
        if not host_allowed(host_name(host), self.dev.allowed_hosts):
            return self._send(421, b"this server answers to localhost and the names given with --host or "
                              b"--allow-host only", "text/plain; charset=utf-8", head)
        path = urlsplit(self.path).path
        if path == EVENTS_PATH:
            if not self.dev.streams.acquire(blocking=False):
                return self._send(503, b"too many open pages", "text/plain; charset=utf-8", head, {"Retry-After": "5"})
            try:
                return EventStream(self, self.dev.state).run()
            finally:
                self.dev.streams.release()
        if path == SCRIPT_PATH:
            return self._send(200, RELOAD_JS, TYPES[".js"], head)
        files = self.dev.files
        # Answered from the output as it is, even while a rebuild runs: serve writes files in place
        # (each by an atomic rename), so there is no instant without an output to wait out.
        file, body = files.lookup(path)
        if isinstance(file, str):  # a folder without the slash: redirect like any static server
            return self._send(301, b"", "text/plain", head, {"Location": file})
        if file is None or body is None:
            return self._not_found(path, head)
        if file.suffix == ".html":
            body = inject(body, self.dev.state.build_id)
        self._send(200, body, content_type(file), head)

    def _not_found(self, path: str, head: bool) -> None:
        page = self.dev.files.not_found_page(path)
        body = inject(page, self.dev.state.build_id) if page is not None else b"not found"
        self._send(404, body, TYPES[".html"], head)


class EventStream:
    """Server-Sent Events for one open page: hello (build id, problems), then reload/problems events,
    a ping every 15 s of silence."""

    def __init__(self, handler: RequestHandler, state: ServeState) -> None:
        self.handler, self.state = handler, state
        self.client: queue.Queue[tuple[str, str]] = queue.Queue()

    def run(self) -> None:
        with self.state.lock:
            self.state.clients.append(self.client)
            hello = json.dumps({"build": self.state.build_id, "problems": self.state.problems})
        try:
            self._start()
            self._write(f"retry: 500\nevent: hello\ndata: {hello}\n\n".encode())
            self._relay()
        except (BrokenPipeError, ConnectionResetError, OSError):
            pass
        finally:
            with self.state.lock:
                if self.client in self.state.clients:
                    self.state.clients.remove(self.client)
            self.handler.close_connection = True

    def _start(self) -> None:
        handler = self.handler
        handler.send_response(200)
        handler.send_header("Content-Type", "text/event-stream; charset=utf-8")
        handler.send_header("Cache-Control", "no-store")
        handler.send_header("Connection", "keep-alive")
        handler.end_headers()

    def _relay(self) -> None:
        while True:
            try:
                event, data = self.client.get(timeout=15)
            except queue.Empty:
                self._write(b": ping\n\n")  # keeps proxies and the connection alive
                continue
            if event == "bye":
                return
            self._write(f"event: {event}\ndata: {data}\n\n".encode())

    def _write(self, data: bytes) -> None:
        self.handler.wfile.write(data)
        self.handler.wfile.flush()


def inject(html: bytes, build_id: int) -> bytes:
    """The live-reload script goes into served pages only; files on disk stay as `build` wrote them."""
    snippet = (f'<script>window.__mlnotesBuild = {build_id};</script>'
               f'<script src="{SCRIPT_PATH}"></script>').encode()
    at = html.rfind(b"</body>")
    return html[:at] + snippet + html[at:] if at >= 0 else html + snippet
