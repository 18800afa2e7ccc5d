"""A database that hangs, is cut off or is blocked costs a request a 503 within Twilio's 15 s.

The hung database is real PostgreSQL behind a TCP proxy of the test's own that stops forwarding
while keeping every socket open: what a SIGSTOPped proxy or postmaster looks like to feedbot
(the kernel still acknowledges, so no TCP timeout ever fires).
"""

from __future__ import annotations

import socket
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.infra import BENCH_AUTH_TOKEN, feedbot_env, gunicorn
from tests.conftest import make_app, runtime_of
from tests.support.texting import new_message_sid, sign

# Twilio gives a webhook 15 s, and gunicorn's timeout is the same: past it the worker is killed.
TWILIO_SECONDS = 15
# How long a test lets a request run before calling it hung (then it releases the database).
HUNG_AFTER_SECONDS = 25


class FreezingProxy:
    """A TCP proxy to PostgreSQL that, frozen, forwards nothing and closes nothing."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0), backlog=64)
        self.port = self.listener.getsockname()[1]
        self.thawed = threading.Event()
        self.thawed.set()
        self.sockets: list[socket.socket] = [self.listener]
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self, database_url: str) -> str:
        """`database_url`, through this proxy."""
        through = make_url(database_url).set(host="127.0.0.1", port=self.port)
        return through.render_as_string(hide_password=False)

    def freeze(self) -> None:
        self.thawed.clear()

    def thaw(self) -> None:
        self.thawed.set()

    def close(self) -> None:
        self.thaw()
        for each in self.sockets:
            each.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return  # closed
            upstream = socket.create_connection(self.target)
            self.sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                self.thawed.wait()
                sink.sendall(data)
            sink.shutdown(socket.SHUT_WR)
        except OSError:
            pass


@contextmanager
def freezing_proxy(database_url: str) -> Iterator[FreezingProxy]:
    target = make_url(database_url)
    proxy = FreezingProxy((target.host or "127.0.0.1", target.port or 5432))
    try:
        yield proxy
    finally:
        proxy.close()


def within(
    seconds: float, call: Callable[[], Any], release: Callable[[], None]
) -> tuple[Any, float]:
    """`call`'s result and how long it took; if it is still running after `seconds`, `release`
    (what it waits for) and fail: the request hung."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["result"] = call()
        except BaseException as error:  # handed to the test's thread
            outcome["error"] = error

    started = time.monotonic()
    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    elapsed = time.monotonic() - started
    if worker.is_alive():
        release()
        worker.join(30)
        pytest.fail(f"the request still waited on the database after {seconds} s")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"], elapsed


def signed_sms(client, body: str, phone: str = "+12025550143") -> Any:  # type: ignore[no-untyped-def]
    params = {"MessageSid": new_message_sid(), "From": phone, "To": "+12025550100", "Body": body}
    signature = sign("http://localhost/twilio/sms", params)
    return client.post("/twilio/sms", data=params, headers={"X-Twilio-Signature": signature})


@pytest.mark.postgres
def test_a_hung_database_costs_a_texter_a_503_within_twilios_time(
    postgres_url, empty_postgres, caplog
):
    empty_postgres()
    with freezing_proxy(postgres_url) as proxy:
        app = make_app(proxy.url(postgres_url))
        client = app.test_client()
        assert signed_sms(client, "Hi").status_code == 200  # the pool now holds a connection
        proxy.freeze()
        response, seconds = within(HUNG_AFTER_SECONDS, lambda: signed_sms(client, "5"), proxy.thaw)
        runtime_of(app).db.dispose()
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert seconds < TWILIO_SECONDS - 1
    messages = [record.getMessage() for record in caplog.records]
    assert any("database unreachable on /twilio/sms" in message for message in messages)
    assert any("the database sent nothing for" in message for message in messages)


@pytest.mark.postgres
def test_a_table_locked_elsewhere_costs_a_503_and_the_server_cancels(
    postgres_url, empty_postgres, caplog
):
    empty_postgres()
    app = make_app(postgres_url)
    client = app.test_client()
    assert signed_sms(client, "Hi").status_code == 200
    locker = create_engine(postgres_url).connect()
    try:
        # What a migration or a stray `LOCK TABLE` does: PostgreSQL answers, but not this table.
        locker.execute(text("LOCK TABLE contacts IN ACCESS EXCLUSIVE MODE"))
        response, seconds = within(
            HUNG_AFTER_SECONDS, lambda: signed_sms(client, "5"), locker.rollback
        )
    finally:
        locker.rollback()
        locker.close()
        locker.engine.dispose()
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert seconds < TWILIO_SECONDS - 1
    messages = [record.getMessage() for record in caplog.records]
    assert any("database unreachable on /twilio/sms" in message for message in messages)
    # The server cancelled the statement itself: no connection had to be dropped, and the
    # same texter's next answer goes through on it.
    assert not any("the database sent nothing" in message for message in messages)
    assert signed_sms(client, "5").status_code == 200
    runtime_of(app).db.dispose()


@pytest.mark.postgres
def test_under_gunicorn_a_hung_database_answers_503_not_a_worker_timeout(
    postgres_url, empty_postgres, redis_server
):
    empty_postgres()
    with (
        freezing_proxy(postgres_url) as proxy,
        tempfile.TemporaryDirectory() as directory,
    ):
        log_path = Path(directory) / "gunicorn.log"
        env = {**feedbot_env(proxy.url(postgres_url)), "REDIS_URL": redis_server.url}
        with open(log_path, "w") as log, gunicorn("feedbot:create_app()", env, 1, log) as base:
            assert _post_sms(base, "Hi") == 200
            proxy.freeze()
            status, seconds = within(HUNG_AFTER_SECONDS, lambda: _post_sms(base, "5"), proxy.thaw)
        written = log_path.read_text()
    assert status == 503, written
    assert seconds < TWILIO_SECONDS - 1
    assert "database unreachable on /twilio/sms" in written
    assert "WORKER TIMEOUT" not in written


def _post_sms(base: str, body: str) -> int:
    params = {
        "MessageSid": new_message_sid(),
        "From": "+12025550147",
        "To": "+12025550199",  # bench/services.yaml, which feedbot_env serves
        "Body": body,
    }
    signature = sign(base + "/twilio/sms", params, BENCH_AUTH_TOKEN)
    request = urllib.request.Request(
        base + "/twilio/sms",
        data=urlencode(params).encode(),
        headers={"X-Twilio-Signature": signature},
    )
    try:
        with urllib.request.urlopen(request, timeout=HUNG_AFTER_SECONDS + 5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.postgres
def test_a_staff_export_waits_out_a_lock_a_webhook_would_not(postgres_url, empty_postgres):
    """The webhook bounds are for the public's requests: a staff export, whose queries may rightly
    take the database a while, waits for a lock held longer than they allow."""
    from feedbot.staff_auth import create_token

    empty_postgres()
    app = make_app(postgres_url)
    with runtime_of(app).db.transaction() as db:
        token = create_token(db, "all", None, ["export"])
    client = app.test_client()
    locker = create_engine(postgres_url).connect()
    try:
        locker.execute(text("LOCK TABLE response_records IN ACCESS EXCLUSIVE MODE"))
        threading.Timer(5, locker.rollback).start()  # past the webhooks' 3 s lock timeout
        response, seconds = within(
            HUNG_AFTER_SECONDS,
            lambda: client.get(
                "/api/exports/a11-quarterly?quarter=FY2027Q1&format=json",
                headers={"Authorization": f"Bearer {token}"},
            ),
            locker.rollback,
        )
        body = response.get_data(as_text=True)
    finally:
        locker.close()
        locker.engine.dispose()
        runtime_of(app).db.dispose()
    assert response.status_code == 200, body
    assert seconds >= 4
