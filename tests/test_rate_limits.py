"""The rate limiter belongs to its app: nothing one app counted, or learnt of its storage,
changes what another counts."""

from __future__ import annotations

import socket
import time

from tests.conftest import make_app

ORIGIN = "https://www.agency.example.gov"


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_app_counts_nothing_another_app_counted(sqlite_url):
    """Flask-Limiter keeps its counts, and its belief that Redis is down, on the Limiter: one
    Limiter for every app a process made let an app whose Redis was down hand its in-memory
    counts to the next app, whose first answers were refused as over a limit it had not
    reached (a test of the chat API's limit failed now and then after a Redis-outage test)."""
    refused_by = {"Origin": ORIGIN}
    redis_down = make_app(
        sqlite_url,
        redis_url=f"redis://127.0.0.1:{_closed_port()}/0",
        chat_address_limit="2 per minute",
    )
    client = redis_down.test_client()
    # Counted in memory while Redis is down; no session, so each is a clean 401.
    assert [
        client.post("/api/chat/messages", json={"value": 5}, headers=refused_by).status_code
        for _ in range(2)
    ] == [401, 401]

    checked = time.monotonic()  # the second request asked Redis again, and found it down

    fresh = make_app(sqlite_url, chat_address_limit="2 per minute")
    client = fresh.test_client()
    statuses = [
        client.post("/api/chat/messages", json={"value": 5}, headers=refused_by).status_code
        for _ in range(2)
    ]
    # Flask-Limiter asks a storage it believes down again 2 s after its last try (then 4, 8…);
    # the third request comes after that, where the shared Limiter switched from its in-memory
    # counts to the fresh app's storage, and counted this request as the first.
    time.sleep(max(0.0, 2.2 - (time.monotonic() - checked)))
    statuses.append(
        client.post("/api/chat/messages", json={"value": 5}, headers=refused_by).status_code
    )
    assert statuses == [401, 401, 429]
