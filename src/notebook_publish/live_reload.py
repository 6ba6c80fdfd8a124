"""Live reload for the served preview (`serve.py`): what the server knows about the
last build, and the small script it adds to the page it serves (never to the file on
disk) so that the open page follows the builds.

The script listens to the server's Server-Sent Events. Each event carries the page's
identity (a hash of the file) and the last build's problems: when the identity is not
the one the page was served with, the page remembers where it was scrolled to and
reloads, then scrolls back there; a build's errors are shown over the page, each as
`path:line:col`, and every problem is also written to the browser's console. A page
that connects late, or again after the server restarted, is told the current state at
once, so no build is missed.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from pathlib import Path

from notebook_publish.diagnostics import Diagnostic, Severity

EVENTS_PATH = "/__notebook_publish/events"

_SCRIPT = """<script id="notebook-publish-live-reload">
(() => {
  "use strict";
  const served = %(page)s;
  const key = "notebook-publish:scroll:" + location.pathname;
  if ("scrollRestoration" in history) history.scrollRestoration = "manual";
  const saved = sessionStorage.getItem(key);
  if (saved !== null) {
    sessionStorage.removeItem(key);
    const y = Number(saved);
    const back = () => window.scrollTo(0, y);
    back();
    addEventListener("DOMContentLoaded", back);
    addEventListener("load", back);
    if (document.fonts) document.fonts.ready.then(back);
  }
  let box = null;
  function show(errors) {
    if (!errors.length) { if (box) { box.remove(); box = null; } return; }
    if (!box) {
      box = document.createElement("pre");
      box.id = "notebook-publish-problems";
      box.setAttribute("role", "alert");
      box.style.cssText = "position:fixed;left:0;right:0;top:0;z-index:2147483647;margin:0;" +
        "max-height:40vh;overflow:auto;padding:0.8em 1em;background:#fbeeec;color:#6b1d14;" +
        "border-bottom:2px solid #b5483b;font:13px/1.45 monospace;white-space:pre-wrap;" +
        "overflow-wrap:anywhere;box-shadow:0 2px 8px rgba(0,0,0,0.15)";
      document.body.appendChild(box);
    }
    box.textContent = "notebook-publish: the last build failed\\n" + errors.join("\\n");
  }
  const events = new EventSource(%(events)s);
  events.addEventListener("build", (message) => {
    const state = JSON.parse(message.data);
    state.errors.forEach((line) => console.error(line));
    state.warnings.forEach((line) => console.warn(line));
    if (state.page !== null && state.page !== served) {
      sessionStorage.setItem(key, String(window.scrollY));
      location.reload();
      return;
    }
    show(state.errors);
  });
})();
</script>
"""


def page_identity(page: Path) -> str | None:
    """What tells one version of the page from another; None while there is none."""
    try:
        return hashlib.sha256(page.read_bytes()).hexdigest()[:20]
    except OSError:
        return None


def with_script(html: bytes, identity: str | None) -> bytes:
    """The page as served: the live-reload script before `</body>`."""
    script = (_SCRIPT % {"page": json.dumps(identity), "events": json.dumps(EVENTS_PATH)}).encode("utf-8")
    at = html.rfind(b"</body>")
    return html[:at] + script + html[at:] if at >= 0 else html + script


def waiting_page(identity: str | None) -> bytes:
    """Served while there is no page yet (the first build is running or failed)."""
    html = (
        b'<!DOCTYPE html><html><head><meta charset="utf-8">'
        b'<meta name="viewport" content="width=device-width, initial-scale=1"><title>notebook-publish</title></head>'
        b'<body style="font:16px/1.5 sans-serif;margin:3em auto;max-width:36em;padding:0 1em">'
        b"<p>The handbook is being built; this page shows it as soon as it is there.</p></body></html>"
    )
    return with_script(html, identity)


@dataclass(frozen=True)
class BuildState:
    """What the last build came to, as the page is told it."""

    serial: int  # one more for every build, so a page sees each
    page: str | None  # page_identity of the file on disk
    errors: tuple[str, ...]
    warnings: tuple[str, ...]

    def event(self) -> bytes:
        data = json.dumps({"page": self.page, "errors": list(self.errors), "warnings": list(self.warnings)})
        return f"event: build\nid: {self.serial}\ndata: {data}\n\n".encode()


class Broadcast:
    """The latest BuildState, handed to every page that listens."""

    def __init__(self, page: Path) -> None:
        self.page = page
        self._changed = threading.Condition()
        self._state = BuildState(0, page_identity(page), (), ())
        self._closed = False

    @property
    def state(self) -> BuildState:
        with self._changed:
            return self._state

    def publish(self, diagnostics: list[Diagnostic]) -> BuildState:
        """A build has finished: its problems (as the terminal showed them) and the page it left."""
        errors = tuple(d.format() for d in diagnostics if d.severity >= Severity.ERROR)
        warnings = tuple(d.format() for d in diagnostics if d.severity == Severity.WARNING)
        with self._changed:
            self._state = BuildState(self._state.serial + 1, page_identity(self.page), errors, warnings)
            self._changed.notify_all()
            return self._state

    def next_after(self, serial: int, timeout: float) -> BuildState | None:
        """The state once it is newer than `serial` (at once if it is), the same one
        after `timeout` seconds, or None once the server is stopping."""
        with self._changed:
            self._changed.wait_for(lambda: self._closed or self._state.serial != serial, timeout)
            return None if self._closed else self._state

    def close(self) -> None:
        with self._changed:
            self._closed = True
            self._changed.notify_all()
