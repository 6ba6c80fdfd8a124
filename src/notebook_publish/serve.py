"""`notebook-publish serve`: the web page on a local HTTP server, rebuilt on every save,
and the open page reloaded by itself (`live_reload.py`).

The server (the standard library's, in a thread) answers only three things: the page,
the files in its folder beside it, and the event stream the page listens to. Nothing
else under the output folder (the cache, the PDF, the decks) is served. The builds run
through `watch.watch` like `watch --html`, so they are incremental and print their
problems as any build does; the page is told each build's problems too, and a failed
build leaves the server running and the last good page in place.
"""

from __future__ import annotations

import errno
import sys
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TextIO
from urllib.parse import unquote, urlsplit

from notebook_publish.config import Config
from notebook_publish.diagnostics import Diagnostic, UsageError, error
from notebook_publish.live_reload import EVENTS_PATH, Broadcast, waiting_page, with_script

# How often an idle event stream sends a comment line: a page that went away is noticed
# then, and a proxy or browser never times the stream out.
KEEP_ALIVE_S = 10.0

# A build: its exit code and the problems it found, as the terminal showed them.
Build = Callable[[], tuple[int, list[Diagnostic]]]


class PreviewServer(ThreadingHTTPServer):
    daemon_threads = True  # a page still listening never keeps the command from ending
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], page: Path, broadcast: Broadcast):
        self.page = page
        self.files = page.parent / f"{page.stem}_files"
        self.broadcast = broadcast
        super().__init__(address, _Handler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        name = host.decode() if isinstance(host, bytes) else str(host)
        shown = f"[{name}]" if ":" in name else name
        return f"http://{shown}:{port}/"


class _Handler(BaseHTTPRequestHandler):
    server: PreviewServer
    server_version = "notebook-publish"

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        path = unquote(urlsplit(self.path).path)
        if path in ("/", f"/{self.server.page.name}"):
            self._page()
        elif path == EVENTS_PATH:
            self._events()
        elif path.startswith(f"/{self.server.files.name}/"):
            self._file(path[len(self.server.files.name) + 2 :])
        else:
            self._send(404, b"not found", "text/plain; charset=utf-8")

    def _page(self) -> None:
        identity = self.server.broadcast.state.page
        try:
            body = with_script(self.server.page.read_bytes(), identity)
        except OSError:
            body = waiting_page(identity)
        self._send(200, body, "text/html; charset=utf-8")

    def _file(self, name: str) -> None:
        """A file of the page's folder, and nothing outside it."""
        from notebook_publish.handbook.html.page_assets import media_type

        folder = self.server.files.resolve()
        target = (folder / name).resolve()
        if not target.is_relative_to(folder) or not target.is_file() or target.name.startswith("."):
            self._send(404, b"not found", "text/plain; charset=utf-8")
            return
        try:
            body = target.read_bytes()
        except OSError:
            self._send(404, b"not found", "text/plain; charset=utf-8")
            return
        self._send(200, body, media_type(target.name))

    def _events(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        seen = -1
        try:
            while True:
                state = self.server.broadcast.next_after(seen, KEEP_ALIVE_S)
                if state is None:
                    return  # the server is stopping
                self.wfile.write(state.event() if state.serial != seen else b": still here\n\n")
                self.wfile.flush()
                seen = state.serial
        except (BrokenPipeError, ConnectionResetError):
            return  # the page was closed or reloaded

    def _send(self, status: int, body: bytes, kind: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (http.server's name)
        pass  # one line per request would bury the builds' problems


def listen(host: str, port: int, page: Path, broadcast: Broadcast) -> PreviewServer:
    """The server bound to `host:port`; a port in use or refused is a clear error."""
    try:
        return PreviewServer((host, port), page, broadcast)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            problem = f"port {port} on {host} is already in use (another `serve`, or another server)"
            hint = f"stop that one, or pick another port: notebook-publish serve --port {port + 1}"
        elif exc.errno in (errno.EACCES, errno.EPERM):
            problem = f"not allowed to listen on port {port}"
            hint = "ports below 1024 need privileges: pick another with --port, such as 8000"
        else:
            problem = f"cannot listen on {host}:{port}: {exc.strerror or exc}"
            hint = "check --host (an address of this machine, such as 127.0.0.1) and --port"
        raise UsageError(error(None, 0, "serve", problem, hint)) from None


def serve(config: Config, build: Build, host: str, port: int, stream: TextIO = sys.stdout) -> int:
    """Serve the page `config` builds (`build/handbook.html`) on `host:port`, build it
    now and after every burst of saves (`watch.watch`), until Ctrl-C."""
    from notebook_publish.watch import watch

    page = Path(config.output) / "handbook.html"
    broadcast = Broadcast(page)
    server = listen(host, port, page, broadcast)
    thread = threading.Thread(target=server.serve_forever, name="preview-server", daemon=True)
    thread.start()
    print(f"[serve] the handbook is at {server.url} (Ctrl-C to stop)", file=stream, flush=True)
    if host not in ("127.0.0.1", "localhost", "::1"):
        print(f"[serve] note: {host} may be reachable from other machines", file=stream, flush=True)

    def rebuild() -> int:
        try:
            code, diagnostics = build()
        except UsageError as exc:  # a broken config or theme: said, and the next save may fix it
            print(exc.diagnostic.format(), file=sys.stderr, flush=True)
            code, diagnostics = 2, [*exc.related, exc.diagnostic]
        broadcast.publish(diagnostics)
        return code

    try:
        return watch(config, [("html", rebuild)], stream)
    finally:
        broadcast.close()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        print("[serve] stopped", file=stream, flush=True)
