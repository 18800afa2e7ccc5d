"""FEEDBOT_TWILIO_TIMEOUT as the README's row says it: a timeout while the connection to Twilio
is made (its TLS handshake included) sent nothing, and the invitation is retried; one while
waiting for Twilio's answer is not (test_invitations.py: Twilio answering too late)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager

from feedbot.invitation_queue import invitations_queue
from feedbot.queue import redrive
from tests.conftest import runtime_of
from tests.test_invitations import (  # noqa: F401 (fixtures)
    PHONE,
    invitations,
    invite,
    inviting,
    twilio,
    unhurried_services,
    work,
)


@contextmanager
def silent_server() -> Iterator[str]:
    """An https:// URL on loopback whose connections are taken (by the kernel's backlog) and
    never answered: a TLS handshake with it times out."""
    with socket.create_server(("127.0.0.1", 0), backlog=16) as listener:
        yield f"https://127.0.0.1:{listener.getsockname()[1]}"


def test_a_tls_handshake_that_timed_out_is_retried_as_nothing_was_sent(
    inviting,  # noqa: F811 (a fixture, imported above)
    twilio,  # noqa: F811
    monkeypatch,
):
    """The README's row said a timeout is never retried; one in the handshake, before the
    request is written, is: the invitation keeps its number and waits to be sent."""
    app, token = inviting
    monkeypatch.setenv("FEEDBOT_TWILIO_TIMEOUT", "0.3")
    with silent_server() as url:
        monkeypatch.setenv("TWILIO_API_BASE", url)
        invite(app, token)
        work(app)
    (invitation,) = invitations(app)
    assert (invitation.status, invitation.phone) == ("scheduled", PHONE)
    failed = invitations_queue(runtime_of(app)).failed_job_registry
    assert failed.count == 1  # the try and both retries timed out alike
    monkeypatch.setenv("TWILIO_API_BASE", twilio.url)
    assert redrive(runtime_of(app)) == 1
    work(app)
    assert invitations(app)[0].status == "sent" and len(twilio.messages) == 1
