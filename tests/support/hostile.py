"""What the hostile-input tests share: hostile values, a probe that sends one request and holds
the app to its promises (no 5xx, every refusal a clear JSON or TwiML error, no stored change
from a refused request), and the tally of requests sent across the suite."""

from __future__ import annotations

import hashlib
import json
import re
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine

from feedbot.models import Base
from feedbot.runtime import EXTENSION_KEY

# Requests actually sent, per test id, for the end-of-session summary (tests/conftest.py).
SENT: Counter[str] = Counter()

SQL_PAYLOADS = (
    "' OR '1'='1",
    "'; DROP TABLE conversations; --",
    '" OR ""="',
    "1; DELETE FROM answers",
    "5' UNION SELECT token_hash FROM staff_tokens --",
    "%' AND 1=0 UNION SELECT NULL --",
    "\\'; SELECT pg_sleep(0); --",
)
SCRIPT_PAYLOADS = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "</textarea><svg onload=alert(1)>",
    "javascript:alert(1)",
    "{{7*7}}{% raw %}",
    "&lt;b&gt;&amp;",
)
ODD_TEXT = (
    "",
    " ",
    "\x00",
    "a\x00b",
    "\r\n\t",
    "\u202eevil",
    "\ud83d",  # a lone surrogate: not encodable as UTF-8
    "²³",
    "١٢٣",
    "9" * 5000,
    "x" * 70_000,
    "Ω≈ç√∫˜µ≤",
    "👍🏽👎",
    "%00%ff%fe",
)
_CRAFTED = st.sampled_from(SQL_PAYLOADS + SCRIPT_PAYLOADS + ODD_TEXT)
HOSTILE_TEXT = st.one_of(
    _CRAFTED,
    _CRAFTED,
    st.text(max_size=40),
    st.text(min_size=100, max_size=400),
)


def fuzz_settings(max_examples: int) -> settings:
    """Repeatable runs: derandomized, no example database, no deadline."""
    return settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.filter_too_much,
            HealthCheck.data_too_large,
            HealthCheck.function_scoped_fixture,
        ],
    )


@dataclass(frozen=True)
class Answer:
    """What one request got back, whichever client sent it."""

    status: int
    content_type: str
    body: bytes
    headers: dict[str, str]

    @property
    def refused(self) -> bool:
        return 400 <= self.status < 500

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Probe:
    """Sends requests to one app and checks every answer against the suite's invariants."""

    app: Flask
    test_id: str
    sent: int = 0
    writes: list[str] = field(default_factory=list)
    _counts: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        self.client = self.app.test_client()
        self.engine = self.app.extensions[EXTENSION_KEY].db.engine
        _watch_committed_writes(self.engine, self.writes)

    def request(
        self,
        method: str,
        path: str,
        *,
        client: FlaskClient | None = None,
        page_error: str | None = None,
        **kwargs: Any,
    ) -> Answer:
        """One request through Flask's test client (the whole body is read, as a server would).

        `page_error`: a refusal may be an HTML page (the staff sign-in form) showing this text.
        """

        def send() -> Answer:
            response = (client or self.client).open(path, method=method, **kwargs)
            return Answer(
                response.status_code,
                response.mimetype,
                response.get_data(),
                dict(response.headers),
            )

        return self.exchange(send, page_error)

    def exchange(self, send: Callable[[], Answer], page_error: str | None = None) -> Answer:
        """Run `send` and hold its answer to the invariants; return it for further checks."""
        before = self._counts if self._counts is not None else self.row_counts()
        del self.writes[:]
        answer = send()
        self.sent += 1
        SENT[self.test_id] += 1
        self._counts = self.row_counts()
        assert answer.status < 500, f"{answer.status}: {answer.body[:500]!r}"
        if answer.refused:
            assert_clear_refusal(answer, page_error)
            assert not self.writes, f"refused with {answer.status} but wrote {self.writes}"
            assert self._counts == before, "a refused request changed the stored rows"
        return answer

    def row_counts(self) -> tuple[int, ...]:
        """Rows in every table, in one round trip."""
        with self.engine.connect() as connection:
            return tuple(connection.execute(_ROW_COUNTS).one())

    def stored_digest(self) -> str:
        """A digest of every stored row (but a token's last use, which a refusal may record)."""
        digest = hashlib.sha256()
        with self.engine.connect() as connection:
            for table in Base.metadata.sorted_tables:
                columns = [c for c in table.columns if c.name != "last_used_at"]
                rows = connection.execute(
                    select(*columns).order_by(*table.primary_key.columns)
                ).all()
                digest.update(f"{table.name}:{rows!r}".encode())
        return digest.hexdigest()


_WRITE = re.compile(r"\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)
_TOKEN_USE = re.compile(r"UPDATE staff_tokens SET last_used_at=[^,]* WHERE staff_tokens.id = \S+$")
_ROW_COUNTS = select(
    *(
        select(func.count()).select_from(table).scalar_subquery().label(table.name)
        for table in Base.metadata.sorted_tables
    )
)


def assert_clear_refusal(answer: Answer, page_error: str | None = None) -> None:
    """A 4xx says what was wrong: JSON {"error": "..."} (or a batch's row errors), TwiML, or
    for a person at a form, the page again with `page_error` on it."""
    if page_error is not None and answer.content_type == "text/html":
        assert page_error in answer.body.decode(), answer.body[:300]
        return
    if answer.content_type in {"text/xml", "application/xml"}:
        assert ET.fromstring(answer.body).tag == "Response"
        return
    assert answer.content_type == "application/json", (answer.status, answer.content_type)
    payload = answer.json()
    assert isinstance(payload, dict), payload
    if "errors" in payload and "error" not in payload:
        # An invitation batch: the valid rows were accepted, each invalid row says why.
        assert payload["errors"] and all(row["error"].strip() for row in payload["errors"])
        return
    assert isinstance(payload.get("error"), str) and payload["error"].strip(), payload


def _watch_committed_writes(engine: Engine, committed: list[str]) -> None:
    """Record every INSERT, UPDATE or DELETE that a committed transaction made, but a staff
    token's last use: a refused request made with a real token records it, for audit."""

    @event.listens_for(engine, "after_cursor_execute")
    def _executed(connection, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if _WRITE.match(statement) and not _TOKEN_USE.match(statement):
            connection.info.setdefault("feedbot_pending_writes", []).append(statement[:80])

    @event.listens_for(engine, "commit")
    def _committed(connection):  # type: ignore[no-untyped-def]
        committed.extend(connection.info.pop("feedbot_pending_writes", []))

    @event.listens_for(engine, "rollback")
    def _rolled_back(connection):  # type: ignore[no-untyped-def]
        connection.info.pop("feedbot_pending_writes", None)
