"""Real servers and a real browser for browser tests: the app and an agency page on loopback,
Debian's Chromium driven by Playwright, axe-core from the npm registry."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from feedbot.cli import PathlessRequestHandler

REPO = Path(__file__).resolve().parents[2]
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextmanager
def serve(wsgi_app: Callable[..., Any]) -> Iterator[str]:
    """Serve a WSGI app on a free loopback port in a thread; yield its base URL."""
    server = make_server(
        "127.0.0.1", 0, wsgi_app, threaded=True, request_handler=PathlessRequestHandler
    )
    # Polled for its stop every 50 ms, not socketserver's 500: shutdown() waited out the poll,
    # half a second at the end of every test with a server (the Twilio stand-in's among them).
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


def static_page(html: str) -> Callable[..., Any]:
    @Request.application
    def page(request: Request) -> Response:
        return Response(html, mimetype="text/html")

    return page


@contextmanager
def chromium(**context_options: Any) -> Iterator[Any]:
    """A fresh Chromium page (headless) in a context of its own (cookies, storage, cache and
    permissions its own); skips nothing: a missing browser is an error.

    `page.csp_violations` lists every Content-Security-Policy complaint the browser logged.
    """
    context = _browser().new_context(**context_options)
    page = context.new_page()
    page.csp_violations = []
    page.on("console", lambda message: _note_csp(page, message.text))
    try:
        yield page
    finally:
        context.close()


# One Playwright driver and Chromium per test process, started by the first test that needs
# them: starting both took about 1 s of each browser test (a new context about 0.35 s), in
# all about a third of the browser tests' time. Tests share the browser process only; each
# has its own context, as a new profile would be.
_STARTED: dict[str, Any] = {}


def _browser() -> Any:
    playwright_api = pytest.importorskip("playwright.sync_api")
    assert CHROMIUM.exists(), "Chromium is missing: run `bash .ci/services`"
    assert AXE.exists(), "axe-core is missing: run `bash .ci/services` (npm ci)"
    browser = _STARTED.get("browser")
    if browser is None or not browser.is_connected():  # a test that crashed it starts another
        if "playwright" not in _STARTED:
            _STARTED["playwright"] = playwright_api.sync_playwright().start()
        browser = _STARTED["playwright"].chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        _STARTED["browser"] = browser
    return browser


def stop_browser() -> None:
    """Close the test process's Chromium and Playwright driver, if a test started them."""
    if (browser := _STARTED.pop("browser", None)) is not None and browser.is_connected():
        browser.close()
    if (playwright := _STARTED.pop("playwright", None)) is not None:
        playwright.stop()


def _note_csp(page: Any, text: str) -> None:
    if "Content Security Policy" in text:
        page.csp_violations.append(text)


def axe_violations(page: Any, selector: str) -> list[dict[str, Any]]:
    """Run axe-core's WCAG 2.1 A/AA rules on one element of the page.

    axe is evaluated through the DevTools protocol, not added as a <script>, so pages whose CSP
    forbids inline scripts are checked as they are served.
    """
    page.evaluate(AXE.read_text())
    result = page.evaluate(
        """async (selector) => {
            const result = await axe.run(document.querySelector(selector), {
                runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}
            });
            return result.violations.map(v => ({id: v.id, help: v.help,
                nodes: v.nodes.map(n => n.target.join(' '))}));
        }""",
        selector,
    )
    return result


def screenshot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=True)
    return path
