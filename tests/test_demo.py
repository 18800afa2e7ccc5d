"""The README's run command: `feedbot demo` serves the SMS webhook on SQLite."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

from feedbot.config import DEV_TWILIO_AUTH_TOKEN
from tests.support.texting import reply_texts, sign


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def feedbot_command() -> list[str]:
    script = Path(sys.executable).with_name("feedbot")
    return [str(script)] if script.exists() else [shutil.which("feedbot") or "feedbot"]


def start_demo(tmp_path: Path, port: int, **settings: str) -> subprocess.Popen[str]:
    """`feedbot demo` on an SQLite file of its own and the embedded defaults, but `settings`."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "TWILIO_AUTH_TOKEN", "FEEDBOT_PUBLIC_URL"}
    }
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    return subprocess.Popen(
        [*feedbot_command(), "demo", "--port", str(port)],
        env={**env, **settings},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_demo_serves_signed_sms_webhook_on_sqlite(tmp_path):
    port = free_port()
    server = start_demo(tmp_path, port)
    try:
        url = f"http://127.0.0.1:{port}/twilio/sms"
        params = {
            "MessageSid": "SMdemo1",
            "From": "+12025550143",
            "To": "+15005550006",
            "Body": "Hi",
        }
        request = urllib.request.Request(
            url,
            data=urlencode(params).encode(),
            headers={"X-Twilio-Signature": sign(url, params, DEV_TWILIO_AUTH_TOKEN)},
        )
        body = _post_when_up(request)
        assert "This interaction increased my trust in Demo Agency." in reply_texts(body)[0]
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=10)
    for path in ("/twilio/sms", "/twilio/voice", "/twilio/voice/status"):
        assert f"POST http://127.0.0.1:{port}{path}\n" in output
    assert f"web chat page: http://127.0.0.1:{port}/chat/demo" in output
    assert "feedbot chat --service demo" in output
    assert (tmp_path / "demo.sqlite3").exists()


def test_demo_suggests_a_service_the_services_file_has(tmp_path):
    """It always said "feedbot chat --service demo", which fails with a services file that
    has no service "demo"."""
    from tests.conftest import TEST_SERVICES

    port = free_port()
    server = start_demo(tmp_path, port, FEEDBOT_SERVICES_FILE=str(TEST_SERVICES))
    try:
        _post_when_up(urllib.request.Request(f"http://127.0.0.1:{port}/healthz"))
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=10)
    assert "feedbot chat --service passport\n" in output
    assert "--service demo" not in output
    assert f"web chat page: http://127.0.0.1:{port}/chat/webchat\n" in output
    assert "/chat/thumbs" not in output  # an SMS and voice service: no web chat


def test_demo_on_another_port_serves_its_chat_page_and_no_other_page_unlisted(tmp_path):
    """As the README says of `feedbot demo --port N`: the chat page calls the API from its own
    origin, admitted on any port; a page of one's own embedding the widget needs its origin
    in the service's webchat_origins (the demo's list only port 5000's)."""
    port = free_port()
    server = start_demo(tmp_path, port)
    try:
        _post_when_up(urllib.request.Request(f"http://127.0.0.1:{port}/healthz"))
        statuses = {
            origin: _chat_session_status(port, origin)
            for origin in (f"http://127.0.0.1:{port}", "http://127.0.0.1:8080")
        }
    finally:
        server.terminate()
        server.communicate(timeout=10)
    assert statuses == {f"http://127.0.0.1:{port}": 201, "http://127.0.0.1:8080": 403}


def _chat_session_status(port: int, origin: str) -> int:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/chat/sessions",
        data=b'{"service": "demo"}',
        headers={"Content-Type": "application/json", "Origin": origin},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _post_when_up(request: urllib.request.Request) -> bytes:
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return response.read()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_demo_refuses_production(sqlite_url):
    """It served Flask's development server on the production database, migrated it (which
    the release step alone does there), and suggested `feedbot chat` without the `--record`
    production asks for."""
    from tests.conftest import make_app, runtime_of

    app = make_app(sqlite_url, env="production")
    refused = app.test_cli_runner().invoke(args=["demo", "--port", str(free_port())])
    assert refused.exit_code == 2, refused.output
    assert "FEEDBOT_ENV=production" in refused.output and "Procfile" in refused.output
    assert "feedbot chat" not in refused.output
    runtime_of(app).db.dispose()


def test_run_refuses_production_as_demo_does(tmp_path):
    """`feedbot run` (Flask's) served the development server on the production database."""
    production = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "FEEDBOT_ENV": "production",
        "FEEDBOT_SECRET_KEY": "k" * 40,
        "TWILIO_AUTH_TOKEN": "0123456789abcdef0123456789abcdef",
        "TWILIO_ACCOUNT_SID": "AC" + "0123456789abcdef" * 2,
        "FEEDBOT_PUBLIC_URL": "https://feedbot.agency.gov",
        "DATABASE_URL": "postgresql://feedbot@127.0.0.1:1/feedbot",  # nothing listens there
        "REDIS_URL": "redis://127.0.0.1:1/0",
    }
    server = subprocess.Popen(
        [*feedbot_command(), "run", "--port", str(free_port())],
        env=production,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _, errors = server.communicate(timeout=30)
    except subprocess.TimeoutExpired:  # serving
        server.kill()
        _, errors = server.communicate()
    assert server.returncode == 2, errors
    assert errors.endswith(
        "Error: feedbot run is Flask's development server, not for FEEDBOT_ENV=production: run"
        " the Procfile's web process, python gunicorn.conf.py 'feedbot:create_app()' (README,"
        " 'Deploying to production')\n"
    ), errors
