"""`notebook-publish serve` in a real browser: Debian's chromium driven by Playwright
opens the served page, a note is saved, and the page shows the new text by itself,
scrolled where it was; a broken build is shown over the page with its file:line, and
the server goes on. Also, without a browser: a port in use is one clear message."""

from __future__ import annotations

import contextlib
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from conftest import ROOT

if TYPE_CHECKING:
    from playwright.sync_api import Page

CHROMIUM = Path("/usr/bin/chromium")
SHAPES = "The energy $E = mc^2$.\n\n- a point\n  - a nested point\n\n"
PARAGRAPHS = "".join(f"Paragraph {i} fills the page so that there is somewhere to scroll to.\n\n" for i in range(120))


def start_serve(root: Path, *args: str) -> tuple[subprocess.Popen[str], queue.Queue[str], list[str]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "notebook_publish", "serve", "--output", str(root / "build"), *args],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src"), "PYTHONDONTWRITEBYTECODE": "1"},
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout or ()], daemon=True).start()
    return proc, lines, []


def wait_for(lines: queue.Queue[str], seen: list[str], needle: str, timeout: float = 120) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.5)
        except queue.Empty:
            continue
        seen.append(line)
        if needle in line:
            return line
    raise AssertionError(f"never saw {needle!r}; got:\n{''.join(seen)}")


def drain(lines: queue.Queue[str]) -> list[str]:
    """What the command printed that no one waited for, once it has ended."""
    rest = []
    with contextlib.suppress(queue.Empty):
        while True:
            rest.append(lines.get(timeout=2))
    return rest


def stop(proc: subprocess.Popen[str]) -> int:
    proc.send_signal(signal.SIGINT)
    try:
        return proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise


@pytest.mark.slow
@pytest.mark.skipif(
    not CHROMIUM.exists(), reason="no browser: /usr/bin/chromium is not installed (apt-get install chromium)"
)
def test_the_open_page_follows_a_saved_note(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    notes = tmp_path / "notes"
    notes.mkdir()
    note = notes / "index.md"
    note.write_text(f"# Live\n\nFirst text.\n\n{SHAPES}{PARAGRAPHS}", encoding="utf-8")
    (tmp_path / "handbook.yml").write_text("title: Live\n", encoding="utf-8")
    proc, lines, seen = start_serve(tmp_path, "--port", "0")
    try:
        url = re.search(r"http://\S+/", wait_for(lines, seen, "[serve] the handbook is at")).group(0)  # type: ignore[union-attr]
        wait_for(lines, seen, "waiting for changes")
        written = tmp_path / "build" / "handbook.html"
        assert "live-reload" not in written.read_text(encoding="utf-8")  # only the served page has the script

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM))
            page = browser.new_page(viewport={"width": 800, "height": 600})
            console: list[str] = []
            page.on("console", lambda message: console.append(message.text))
            page.goto(url)
            page.wait_for_function("document.body.innerText.includes('First text.')")
            assert_drawn(page)
            page.evaluate("window.scrollTo(0, 2500)")
            scrolled = page.evaluate("window.scrollY")
            assert scrolled > 2000
            page.wait_for_timeout(300)  # the page has told the server it listens

            note.write_text(f"# Live\n\nSecond text, saved.\n\n{SHAPES}{PARAGRAPHS}", encoding="utf-8")
            page.wait_for_function("document.body.innerText.includes('Second text, saved.')", timeout=5000)
            page.wait_for_function(f"Math.abs(window.scrollY - {scrolled}) < 4", timeout=2000)
            assert "First text." not in page.inner_text("body")

            # A build that fails: its problem over the page and in the console, at its line.
            (tmp_path / "handbook.yml").write_text("title: Live\npdf:\n  paper: a5\n", encoding="utf-8")
            problems = page.wait_for_selector("#notebook-publish-problems", timeout=10000)
            assert problems is not None
            assert re.search(r"handbook\.yml:3:\d+: error\[config\]", problems.inner_text())
            assert any("handbook.yml:3:" in text for text in console)
            (tmp_path / "handbook.yml").write_text("title: Live again\n", encoding="utf-8")
            page.wait_for_function("document.body.innerText.includes('Live again')", timeout=10000)
            assert page.query_selector("#notebook-publish-problems") is None
            browser.close()
        assert stop(proc) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    output = "".join(seen) + "".join(drain(lines))
    assert "Traceback" not in output and "[serve] stopped" in output

    # The page as written, moved elsewhere and opened from file://, shows the same.
    moved = tmp_path / "moved" / "away"
    shutil.copytree(tmp_path / "build", moved, ignore=shutil.ignore_patterns(".cache"))
    shutil.rmtree(tmp_path / "build")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM))
        page = browser.new_page()
        page.goto((moved / "handbook.html").as_uri())
        page.wait_for_function("document.body.innerText.includes('Live again')")
        assert_drawn(page)
        assert page.query_selector("#notebook-publish-live-reload") is None
        browser.close()


def assert_drawn(page: Page) -> None:
    """Every picture and formula loaded, the bullets drawn, the theme's fonts in use."""
    page.wait_for_load_state("load")
    page.evaluate("document.fonts.ready.then(() => true)")
    assert page.evaluate("document.querySelectorAll('img.math-svg').length") >= 1
    assert page.evaluate("[...document.images].every((i) => i.complete && i.naturalWidth > 0)")
    bullets = page.evaluate("[...document.querySelectorAll('.bullet')].map((b) => getComputedStyle(b).backgroundImage)")
    assert len(bullets) >= 2 and all(b.startswith("url(") for b in bullets)
    assert page.evaluate("document.fonts.check('16px \"Source Serif 4\"')")
    assert page.evaluate(
        "[...document.fonts].some((f) => f.family.includes('Source Serif 4') && f.status === 'loaded')"
    )


def test_a_port_in_use_is_one_clear_message(tmp_path: Path) -> None:
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "index.md").write_text("# Busy\n", encoding="utf-8")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        run = subprocess.run(
            [sys.executable, "-m", "notebook_publish", "serve", "--port", str(port)],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
        )
    assert run.returncode == 2
    output = run.stdout + run.stderr
    assert f"port {port} on 127.0.0.1 is already in use" in output and "--port" in output
    assert "Traceback" not in output
    assert not (tmp_path / "build" / "handbook.html").exists()  # nothing built for a server that never ran
