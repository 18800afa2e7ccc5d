"""Hostile input to the staff sign-in form and dashboard, and to every route with any method:
missing or wrong CSRF tokens, unknown and revoked staff tokens, SQL and script payloads, invalid
UTF-8, odd content types and query-string junk. Refusals change nothing; whatever a page shows
of the input is escaped."""

from __future__ import annotations

import itertools
import re
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from feedbot.fiscal import parse_quarter
from feedbot.models import Answer
from feedbot.staff_auth import create_token, revoke_token
from tests.conftest import make_app, runtime_of
from tests.support.hostile import (
    HOSTILE_TEXT,
    SCRIPT_PAYLOADS,
    SQL_PAYLOADS,
    Probe,
    fuzz_settings,
)
from tests.support.log_watch import MIN_LENGTH
from tests.support.texting import Texter

STAFF_EXAMPLES = 100
ROUTE_EXAMPLES = 120
PAYLOAD_EXAMPLES = 25
METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS")
# Per staff example: the sign-in page, a sign-in, (the dashboard and a download,) a sign-out.
STAFF_REQUESTS_PER_RUN = 3 * STAFF_EXAMPLES
# Per route example: the route with each method.
ROUTE_REQUESTS_PER_RUN = len(METHODS) * ROUTE_EXAMPLES

SIGN_IN_REFUSED = "That token is unknown or revoked."
# The dashboard's refusal of a service or quarter it cannot show.
DASHBOARD_REFUSED = "No figures shown: "
SCOPE_REFUSED = "That token cannot see results"
# A download from the dashboard, to a browser not signed in: the sign-in page.
DOWNLOAD_REFUSED = "Sign in to download"
# A download a signed-in dashboard refuses (its service, quarter or format).
DOWNLOAD_REFUSED_SIGNED_IN = "Nothing downloaded: "
ROUTES = (
    "/twilio/sms",
    "/twilio/status",
    "/twilio/voice",
    "/twilio/voice/language",
    "/twilio/voice/answer",
    "/twilio/voice/resume",
    "/twilio/voice/status",
    "/api/chat/sessions",
    "/api/chat/messages",
    "/api/chat/transcript",
    "/api/chat/config/{text}",
    "/api/exports/responses",
    "/api/exports/a11-quarterly",
    "/api/invitations",
    "/api/invitations/batch",
    "/api/openapi.json",
    "/chat/{text}",
    "/chat/webchat",
    "/static/feedbot-chat.js",
    "/static/{text}",
    "/staff",
    "/staff/login",
    "/staff/logout",
    "/staff/exports/a11-quarterly",
    "/staff/exports/responses",
    "/{text}",
)
BODIES = st.one_of(
    st.binary(max_size=300),
    st.sampled_from(
        [
            b"",
            b"\xff\xfe\xfd",
            b'{"service": "webchat\xff"}',
            b'{"text": "\xc3\x28"}',
            b"[" * 5000,
            b"{" * 5000,
            b'{"invitations": [' + b"{}," * 2000 + b"{}]}",
            b"From=%2B12025550143&To=%2B12025550100&Body=caf%E9",
            b"token=%00%ff&csrf=x",
        ]
    ),
)
CONTENT_TYPES = st.sampled_from(
    [
        "application/json",
        "application/json; charset=latin-1",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=xyz",
        "text/plain",
        "application/xml",
        "",
    ]
)
JUNK_QUERY = st.dictionaries(
    st.sampled_from(["service", "quarter", "language", "format", "from", "to", "x", "'"]),
    HOSTILE_TEXT,
    max_size=3,
)


# The fixed words of the refusals the staff pages log. A token or CSRF value sent is watched
# for in every log line (tests/support/log_watch.py), and one that is itself among these words
# (the route "/staff/login", which Hypothesis takes from this module's strings) would be taken
# for a leak where the log only names the route.
LOGGED_WORDS = (
    "staff request to /staff/login refused (401): token is unknown or revoked",
    "staff request to /staff/logout",
)


def _not_in_the_logs_own_words(text: str) -> bool:
    shown = text.strip()
    return len(shown) < MIN_LENGTH or not any(shown in line for line in LOGGED_WORDS)


def _unknown_service(asked: str, app: Any) -> bool:
    """Whether the dashboard, for a token that covers every service, cannot show `asked`
    (sent percent-encoded, lone surrogates as their UTF-8 bytes, read back as Flask reads it)."""
    if not asked:
        return False  # left out or empty: the first service
    read = asked.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    return read not in runtime_of(app).services.services


def _unreadable_quarter(asked: str | None) -> bool:
    if not asked:
        return False  # left out or empty: the current quarter
    try:
        parse_quarter(asked)
    except ValueError:
        return True
    return False


def test_hostile_staff_forms(unlimited_app, request):
    app = unlimited_app
    probe = Probe(app, request.node.nodeid)
    with runtime_of(app).db.transaction() as db:
        tokens = {
            "export": create_token(db, "ana", None, ["export"]),
            "invite": create_token(db, "case-system", None, ["invite"]),
            "revoked": create_token(db, "gone", None, ["export"]),
        }
        revoke_token(db, "gone")
    sent_as_secret = HOSTILE_TEXT.filter(_not_in_the_logs_own_words)
    token_choices = st.one_of(
        st.sampled_from([None, *tokens.values(), tokens["export"] + "x"]), sent_as_secret
    )

    @fuzz_settings(STAFF_EXAMPLES)
    @given(
        csrf=st.sampled_from(["right", "wrong", "missing"]),
        token=token_choices,
        query=JUNK_QUERY,
        payload=sent_as_secret,
    )
    def fuzz(csrf: str, token: str | None, query: dict[str, str], payload: str) -> None:
        client = app.test_client()
        page = probe.request("GET", "/staff", client=client, query_string=_query(query))
        assert page.status == 200
        _assert_escaped(page.body, query.values())
        form = {"csrf": _csrf(page.body)} if csrf == "right" else {}
        if csrf == "wrong":
            form["csrf"] = payload
        if token is not None:
            form["token"] = token
        signed_in = probe.request(
            "POST",
            "/staff/login",
            client=client,
            page_error=SCOPE_REFUSED if token == tokens["invite"] else SIGN_IN_REFUSED,
            data=urlencode(form, errors="surrogatepass"),
            content_type="application/x-www-form-urlencoded",
        )
        if csrf != "right":
            assert signed_in.status == 400
        elif token == tokens["export"]:
            assert signed_in.status == 302
            dashboard = probe.request(
                "GET",
                "/staff",
                client=client,
                page_error=DASHBOARD_REFUSED,
                query_string=_query({**query, "service": payload}),
            )
            # A service or quarter it cannot show is refused on the page, never replaced.
            unknown = _unknown_service(payload, app)
            expected = 400 if unknown or _unreadable_quarter(query.get("quarter")) else 200
            assert dashboard.status == expected and b"Sign out" in dashboard.body
            _assert_escaped(dashboard.body, [payload, *query.values()])
            # Its download of the same junk: the file, or a page naming what was wrong.
            download = probe.request(
                "GET",
                "/staff/exports/a11-quarterly",
                client=client,
                page_error=DOWNLOAD_REFUSED_SIGNED_IN,
                query_string=_query({**query, "service": payload}),
                buffered=True,
            )
            wrong_format = query.get("format", "csv") not in ("csv", "json")
            assert (download.status == 200) == (expected == 200 and not wrong_format)
            if download.content_type == "text/html":
                _assert_escaped(download.body, [payload, *query.values()])
        elif token == tokens["invite"]:
            assert signed_in.status == 403  # a live token, made for sending invitations
        else:
            assert signed_in.status == 401
        signed_out = probe.request(
            "POST",
            "/staff/logout",
            client=client,
            data=urlencode({"csrf": payload}, errors="surrogatepass"),
            content_type="application/x-www-form-urlencoded",
        )
        assert signed_out.status in {302, 400}

    digest = probe.stored_digest()
    fuzz()
    assert probe.sent >= STAFF_REQUESTS_PER_RUN
    assert probe.stored_digest() == digest, "signing in and out stores nothing but last use"


def test_hostile_routes(app, request):
    """Every route with every method, junk in its path, query, body and content type."""
    probe = Probe(app, request.node.nodeid)

    @fuzz_settings(ROUTE_EXAMPLES)
    @given(
        route=st.sampled_from(ROUTES),
        text=HOSTILE_TEXT.filter(lambda text: "\ud83d" not in text),
        query=JUNK_QUERY,
        body=BODIES,
        content_type=CONTENT_TYPES,
    )
    def fuzz(route: str, text: str, query: dict[str, str], body: bytes, content_type: str) -> None:
        path = route.format(text=_path_segment(text))
        for method in METHODS:
            answer = probe.request(
                method,
                path,
                query_string=_query(query),
                data=body,
                content_type=content_type or None,
                headers={"Origin": "https://studentaid.example.gov"},
                page_error=DOWNLOAD_REFUSED if route.startswith("/staff/exports/") else None,
            )
            if answer.content_type == "text/html":
                _assert_escaped(answer.body, [text, *query.values()])

    digest = probe.stored_digest()
    fuzz()
    assert probe.sent >= ROUTE_REQUESTS_PER_RUN
    assert probe.stored_digest() == digest, "no junk request may store anything"


def _csrf(page: bytes) -> str:
    match = re.search(rb'name="csrf" value="([^"]+)"', page)
    assert match, page[:300]
    return match.group(1).decode()


def _query(values: dict[str, str]) -> str:
    return urlencode(values, errors="surrogatepass")


def _path_segment(text: str) -> str:
    # A path is percent-encoded on the wire; "/" and "?" would change the route or the query.
    from urllib.parse import quote

    return quote(text, safe="") or "x"


def _assert_escaped(page: bytes, shown: Any) -> None:
    """No payload that carries markup appears in a page unescaped."""
    html = page.decode("utf-8", "replace")
    for value in shown:
        for script in SCRIPT_PAYLOADS:
            if script in value and "<" in script:
                assert script not in html, f"unescaped {script!r} in the page"


PAYLOADS = st.one_of(
    st.sampled_from(SQL_PAYLOADS + SCRIPT_PAYLOADS),
    st.tuples(st.sampled_from(SQL_PAYLOADS), st.sampled_from(SCRIPT_PAYLOADS)).map(" ".join),
)
_phones = itertools.count(1000)


@pytest.fixture
def unlimited_app(database_url):
    """The test app without rate limits (each example starts a chat or signs in)."""
    unlimited = "1000000 per minute"
    app = make_app(
        database_url,
        chat_start_limit=unlimited,
        chat_session_limit=unlimited,
        chat_address_limit=unlimited,
        staff_sign_in_limit=unlimited,
    )
    yield app
    runtime_of(app).db.dispose()


def test_accepted_payloads_are_stored_verbatim_and_shown_escaped(unlimited_app, request):
    """SQL and markup in free-text answers are data: stored exactly as sent (parameterized),
    returned escaped in JSON, and escaped on the staff dashboard."""
    app = unlimited_app
    probe = Probe(app, request.node.nodeid)
    with runtime_of(app).db.transaction() as db:
        token = create_token(db, "ana", None, ["export"])

    @fuzz_settings(PAYLOAD_EXAMPLES)
    @given(payload=PAYLOADS)
    def fuzz(payload: str) -> None:
        _text_survey(app, payload)
        chat = app.test_client()
        session = chat.post("/api/chat/sessions", json={"service": "webchat"}).json["session"]
        bearer = {"Authorization": f"Bearer {session}"}
        messages = "/api/chat/messages"
        chat.post(messages, json={"value": 5}, headers=bearer)
        chat.post(messages, json={"skip": True}, headers=bearer)
        answered = probe.request(
            "POST", messages, client=chat, json={"text": payload}, headers=bearer
        )
        assert "<" not in answered.body.decode() and answered.status == 200
        transcript = probe.request("GET", "/api/chat/transcript", client=chat, headers=bearer)
        assert transcript.json()["messages"][-2]["text"] == payload
        assert _stored_texts(app)[-2:] == [payload, payload]

    fuzz()
    _text_survey(app, "<script>alert(1)</script>")
    dashboard = _signed_in(app, token).get("/staff?service=passport")
    _assert_escaped(dashboard.data, list(SCRIPT_PAYLOADS))
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in dashboard.data
    assert probe.sent >= 2 * PAYLOAD_EXAMPLES


def _text_survey(app, comment: str) -> None:  # type: ignore[no-untyped-def]
    texter = Texter(app.test_client(), phone=f"+1202555{next(_phones)}", to="+12025550100")
    for body in ("Hi", "5", "1", comment):
        texter.send(body)


def _stored_texts(app) -> list[str]:  # type: ignore[no-untyped-def]
    with runtime_of(app).db.transaction() as db:
        return list(
            db.scalars(
                select(Answer.raw_text).where(Answer.raw_text.is_not(None)).order_by(Answer.id)
            )
        )


def _signed_in(app, token: str):  # type: ignore[no-untyped-def]
    client = app.test_client()
    csrf = _csrf(client.get("/staff").data)
    assert client.post("/staff/login", data={"csrf": csrf, "token": token}).status_code == 302
    return client
