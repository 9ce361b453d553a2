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
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from mlnotes_site.cache import CACHE_DIR
from mlnotes_site.config import load_config
from mlnotes_site.serve.live import LiveSite, Update
from mlnotes_site.serve.search import BackgroundIndexer
from mlnotes_site.problems import error
from mlnotes_site.serve.watch import SiteWatcher

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


@dataclass
class ServeState:
    build_id: int = 0
    problems: str | None = None  # problems of the last build, while it failed
    clients: list[queue.Queue[tuple[str, str]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class DevServer:
    def __init__(self, site: Path, host: str = "127.0.0.1", port: int = 8000, drafts: bool = True,
                 delay: float = 0.02, log=print) -> None:  # type: ignore[no-untyped-def]
        self.site = site.resolve()
        self.output = self.site / CACHE_DIR / "serve"
        self.drafts = drafts
        self.log = log
        self.state = ServeState()
        self.build_lock = threading.Lock()
        config, _ = load_config(self.site)
        self.base_path = config.base_path
        self.httpd = ThreadingHTTPServer((host, port), _handler_for(self))
        self.httpd.daemon_threads = True
        self.live = LiveSite(self.site, self.output, drafts=drafts)
        self.search = BackgroundIndexer(self.output, log=log)  # after each rebuild, off the reload's path
        self.watcher = SiteWatcher(self.site, self.rebuild, ignore=[self.output, self.site / "public"], delay=delay)
        self.builds = 0

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}{self.base_path}"

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
                self.search.schedule(*result.search)
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
        self.log(f"serving {self.url}  (watching content/, templates/, static/, mlnotes.yaml; Ctrl-C stops)")
        if open_browser:
            webbrowser.open(self.url)
        try:
            while True:
                time.sleep(3600)
        finally:
            self.stop()


def _handler_for(server: DevServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "mlnotes-serve"

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
            path = urlsplit(self.path).path
            if path == EVENTS_PATH:
                return self._events()
            if path == SCRIPT_PATH:
                return self._send(200, RELOAD_JS, TYPES[".js"], head)
            file, body = self._lookup(path)
            if file is None and server.build_lock.locked():
                # The output folder is swapped at the end of a rebuild: a miss now may be that
                # instant. Wait for the build, then look again.
                with server.build_lock:
                    pass
                file, body = self._lookup(path)
            if file is None or isinstance(file, str):
                if isinstance(file, str):  # a folder without the slash: redirect like any static server
                    return self._send(301, b"", "text/plain", head, {"Location": file})
                return self._not_found(path, head)
            assert body is not None
            if file.suffix == ".html":
                body = inject(body, server.state.build_id)
            self._send(200, body, content_type(file), head)

        def _lookup(self, path: str) -> tuple[Path | str | None, bytes | None]:
            file = self._resolve(path)
            if not isinstance(file, Path):
                return file, None
            try:
                return file, file.read_bytes()
            except OSError:
                return None, None

        def _resolve(self, path: str) -> Path | str | None:
            """The file a URL path names inside the output, a redirect target, or None. Nothing outside
            the output is ever served: no '..', no encoded tricks, no symlinks out, no listings."""
            decoded = unquote(path)
            base = server.base_path
            if "\x00" in decoded or "\\" in decoded or not decoded.startswith(base):
                return None
            rel = decoded[len(base):]
            if any(part == ".." for part in rel.split("/")):
                return None
            rel = posixpath.normpath(rel) if rel else ""
            if rel in (".", ""):
                rel = ""
            root = server.output.resolve()
            for _ in range(20):  # during the output swap the folder is briefly absent
                if root.exists():
                    break
                time.sleep(0.02)
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

        def _not_found(self, path: str, head: bool) -> None:
            decoded = unquote(path)[len(server.base_path):]
            lang = decoded.split("/", 1)[0]
            page = server.output / (f"{lang}/404.html" if (server.output / lang / "404.html").is_file() else "404.html")
            body = inject(page.read_bytes(), server.state.build_id) if page.is_file() else b"not found"
            self._send(404, body, TYPES[".html"], head)

        def _events(self) -> None:
            client: queue.Queue[tuple[str, str]] = queue.Queue()
            with server.state.lock:
                server.state.clients.append(client)
                hello = json.dumps({"build": server.state.build_id, "problems": server.state.problems})
            try:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream; charset=utf-8")
                self.send_header("Cache-Control", "no-store")
                self.send_header("Connection", "keep-alive")
                self.end_headers()
                self.wfile.write(f"retry: 500\nevent: hello\ndata: {hello}\n\n".encode())
                self.wfile.flush()
                while True:
                    try:
                        event, data = client.get(timeout=15)
                    except queue.Empty:
                        self.wfile.write(b": ping\n\n")  # keeps proxies and the connection alive
                        self.wfile.flush()
                        continue
                    if event == "bye":
                        break
                    self.wfile.write(f"event: {event}\ndata: {data}\n\n".encode())
                    self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError, OSError):
                pass
            finally:
                with server.state.lock:
                    if client in server.state.clients:
                        server.state.clients.remove(client)
                self.close_connection = True

    return Handler


def inject(html: bytes, build_id: int) -> bytes:
    """The live-reload script goes into served pages only; files on disk stay as `build` wrote them."""
    snippet = (f'<script>window.__mlnotesBuild = {build_id};</script>'
               f'<script src="{SCRIPT_PATH}"></script>').encode()
    at = html.rfind(b"</body>")
    return html[:at] + snippet + html[at:] if at >= 0 else html + snippet
