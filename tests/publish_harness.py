"""Run the command line on a throw-away notebook and look at what it wrote.

Every hardening test builds a small project in a temporary folder (its own `notes/`,
`media/` and output folder), runs `check`, `pdf` and `slides` as real processes, and
checks what a user would see: the exit code, one clear message, no traceback, bounded
time and memory, and nothing from outside the notes in the outputs.
"""

from __future__ import annotations

import io
import json
import os
import socketserver
import subprocess
import sys
import threading
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from conftest import ROOT

COMMANDS = ("check", "pdf", "slides")
MAX_RSS_MB = 1500  # far above a normal build (~300 MB); a runaway input would pass it


@dataclass
class Run:
    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    max_rss_mb: float

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def __str__(self) -> str:
        return f"$ notebook-publish {' '.join(self.args)} -> {self.returncode} in {self.seconds:.1f}s, {self.max_rss_mb:.0f} MB\n{self.output[-4000:]}"


class _CommandRunner:
    """The small process that starts this worker's commands (command_runner.py), started
    on first use and again if it died. One command at a time."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen[str] | None = None
        self.lock = threading.Lock()

    def run(self, args: list[str], cwd: Path, env: dict[str, str], timeout: float) -> dict:
        with self.lock:
            if self.proc is None or self.proc.poll() is not None:
                self.proc = subprocess.Popen(
                    [sys.executable, str(Path(__file__).with_name("command_runner.py"))],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    text=True,
                    env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
                )
            assert self.proc.stdin is not None and self.proc.stdout is not None
            request = {"args": args, "cwd": str(cwd), "env": env, "timeout": timeout}
            try:
                self.proc.stdin.write(json.dumps(request) + "\n")
                self.proc.stdin.flush()
                answer = self.proc.stdout.readline()
            except BaseException:
                # Interrupted between question and answer: a later command must not
                # read this one's answer, so this runner goes and the next starts anew.
                self.proc.kill()
                self.proc.wait()
                self.proc = None
                raise
            assert answer, "the command runner died"
            result = json.loads(answer)
            if "error" in result:
                raise OSError(f"could not start `{' '.join(args[1:])}` in {cwd}: {result['error']}")
            return result


_RUNNER = _CommandRunner()


def run_cli(cwd: Path, *args: str, timeout: float = 180, env: dict | None = None) -> Run:
    """`python -m notebook_publish ARGS` in `cwd`, with a hard time limit.

    The child runs in its own process group so a timeout kills pandoc and any worker
    with it; `wait4` gives the peak memory of the process and of its reaped children.
    It is started by a small process of its own (command_runner.py), so that the
    memory of this one, which Linux counts in a child's peak, is not in the figure.
    """
    full_env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), **(env or {})}
    full_env.pop("COLUMNS", None)
    answer = _RUNNER.run([sys.executable, "-m", "notebook_publish", *args], cwd, full_env, timeout)
    result = Run(
        args=tuple(args),
        returncode=answer["returncode"],
        stdout=answer["stdout"],
        stderr=answer["stderr"],
        seconds=answer["seconds"],
        max_rss_mb=answer["max_rss_mb"],
    )
    if answer["timed_out"]:
        raise AssertionError(f"timed out after {timeout}s:\n{result}")
    return result


def assert_clean(run: Run, codes: tuple[int, ...] = (0, 1)) -> None:
    """The exit code is one of `codes`, no traceback, memory within bounds."""
    assert run.returncode in codes, str(run)
    assert "Traceback" not in run.output, str(run)
    assert "internal error" not in run.output, str(run)  # the last-resort handler in cli.main
    assert run.max_rss_mb < MAX_RSS_MB, str(run)


@dataclass
class Project:
    """A notebook in a temporary folder: `root/notes`, `root/media`, output in `root/out`."""

    root: Path
    canary: str = field(default_factory=lambda: f"CANARY-{uuid.uuid4().hex}")

    def __post_init__(self) -> None:
        self.notes.mkdir(parents=True, exist_ok=True)
        self.media.mkdir(exist_ok=True)

    @property
    def notes(self) -> Path:
        return self.root / "notes"

    @property
    def media(self) -> Path:
        return self.root / "media"

    @property
    def out(self) -> Path:
        return self.root / "out"

    def write(self, name: str, text: str | bytes) -> Path:
        path = self.notes / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path

    def config(self, text: str) -> Path:
        path = self.root / "handbook.yml"
        path.write_text(text, encoding="utf-8")
        return path

    def run(self, command: str, *args: str, timeout: float = 180, env: dict | None = None) -> Run:
        return run_cli(self.root, command, *self._args(command), *args, timeout=timeout, env=env)

    def _args(self, command: str) -> list[str]:
        args = ["--output", str(self.out)]
        if command in ("pdf", "slides"):
            args += ["--jobs", "1"]
        return args

    def run_all(self, *args: str, timeout: float = 180, commands=COMMANDS) -> dict[str, Run]:
        return {command: self.run(command, *args, timeout=timeout) for command in commands}

    # --- what the build wrote ---------------------------------------------------------

    @property
    def pdf(self) -> Path:
        return self.out / "handbook.pdf"

    def pdf_text(self) -> str:
        done = subprocess.run(
            ["pdftotext", "-enc", "UTF-8", str(self.pdf), "-"], capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    def decks(self) -> list[Path]:
        return sorted((self.out / "slides").glob("*.pptx"))

    def deck_xml(self) -> str:
        """Every XML part of every deck, as one text, for searching."""
        parts = []
        for deck in self.decks():
            with zipfile.ZipFile(deck) as z:
                for name in z.namelist():
                    if name.endswith((".xml", ".rels")):
                        parts.append(z.read(name).decode("utf-8", "replace"))
        return "\n".join(parts)

    def deck_media(self) -> list[bytes]:
        found = []
        for deck in self.decks():
            with zipfile.ZipFile(deck) as z:
                found += [z.read(n) for n in z.namelist() if n.startswith("ppt/media/")]
        return found

    def pdf_images(self) -> list[tuple[int, int]]:
        """Width and height of every raster image embedded in the PDF."""
        from pypdf import PdfReader

        sizes = []
        reader = PdfReader(str(self.pdf))
        seen = set()

        def visit(resources):
            if not resources:
                return
            xobjects = resources.get_object().get("/XObject")
            if not xobjects:
                return
            for ref in xobjects.get_object().values():
                obj = ref.get_object()
                key = id(obj)
                if key in seen:
                    continue
                seen.add(key)
                if obj.get("/Subtype") == "/Image":
                    sizes.append((int(obj["/Width"]), int(obj["/Height"])))
                elif obj.get("/Subtype") == "/Form":
                    visit(obj.get("/Resources"))

        for page in reader.pages:
            visit(page.get("/Resources"))
        return sizes


def png_bytes(width: int, height: int, colour=(200, 30, 30)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "PNG")
    return out.getvalue()


def image_sizes(blobs: list[bytes]) -> list[tuple[int, int]]:
    from PIL import Image

    sizes = []
    for blob in blobs:
        try:
            with Image.open(io.BytesIO(blob)) as im:
                sizes.append(im.size)
        except Exception:
            continue
    return sizes


class CountingServer:
    """A TCP server on 127.0.0.1 that counts connections (HTTP or TLS alike) and answers
    each with a tiny HTTP response. A test asserts that it saw none."""

    def __init__(self) -> None:
        self.connections: list[bytes] = []
        owner = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self):
                self.request.settimeout(2)
                try:
                    first = self.request.recv(1024)
                except OSError:
                    first = b""
                owner.connections.append(first)
                try:
                    self.request.sendall(
                        b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6\r\n\r\nLEAKED"
                    )
                except OSError:
                    pass

        socketserver.ThreadingTCPServer.allow_reuse_address = True
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> CountingServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def image_colours(blobs: list[bytes]) -> list[set[tuple[int, int, int]]]:
    """The set of RGB colours of each picture."""
    from PIL import Image

    found = []
    for blob in blobs:
        try:
            with Image.open(io.BytesIO(blob)) as im:
                found.append({c for _n, c in im.convert("RGB").getcolors(maxcolors=1 << 24)})
        except Exception:
            continue
    return found
