"""What every Twilio webhook shares: the signature check, the caller's keyed identity, and
reading the SIDs and numbers Twilio sends."""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable
from typing import Any, Literal
from urllib.parse import unquote

from flask import abort, request
from twilio.request_validator import RequestValidator

from feedbot.identity import sender_keys
from feedbot.logs import route_name
from feedbot.runtime import current_runtime
from feedbot.services import Service

log = logging.getLogger(__name__)

# Twilio's SIDs are 34 letters and digits. The column that records one holds 64 characters,
# and a voice step's id is the CallSid with ":<step>" (up to 10 more) after it.
_SID = re.compile(r"[A-Za-z0-9]{1,40}")
_DIGITS = re.compile(r"[0-9]+")
# An agency number as Twilio writes it (E.164), or a short code: what a `To` may be logged as.
_NUMBER_SHAPED = re.compile(r"\+?[0-9]{3,15}")


def twilio_signed(view: Callable[..., Any]) -> Callable[..., Any]:
    """Refuse with 403 any request whose X-Twilio-Signature does not match TWILIO_AUTH_TOKEN."""

    @functools.wraps(view)
    def checked(*args: Any, **kwargs: Any) -> Any:
        if not request.headers.get("X-Twilio-Signature"):
            log.warning(
                "refused %s: no X-Twilio-Signature (not sent by Twilio, or a proxy dropped the"
                " header)",
                route_name(),
            )
            abort(403, "X-Twilio-Signature is missing: only Twilio's signed requests are taken")
        if not signature_is_valid():
            log.warning("refused %s: %s", route_name(), _what_to_check())
            abort(403, "X-Twilio-Signature does not match this request")
        return view(*args, **kwargs)

    return checked


def _what_to_check() -> str:
    """The log line's hint for a signature that does not match: the two settings it depends on,
    and the URL it was checked against (never the token, nor the signature)."""
    public_url = current_runtime().settings.public_url
    if public_url is None:
        # Behind a proxy the URL as received (http://, an internal host) is not the one Twilio
        # signed; the origin shows that at a glance, without the path or query logs never hold.
        checked = f"unset, so the URL as received was checked, at {request.host_url[:100]}"
    else:
        checked = f"checked against {public_url}"
    return (
        "X-Twilio-Signature does not match; check that TWILIO_AUTH_TOKEN is the auth token of"
        " the account that owns the number and, behind a proxy, that FEEDBOT_PUBLIC_URL is the"
        f" URL Twilio calls (FEEDBOT_PUBLIC_URL {checked})"
    )


def signature_is_valid() -> bool:
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature:
        return False
    if None in request.form:
        # Werkzeug names a multipart part whose name it cannot read None; Twilio sends no such
        # part, and RequestValidator would fail (TypeError) sorting None with the other names.
        return False
    settings = current_runtime().settings
    validator = _validator(settings.twilio_auth_token)
    return any(validator.validate(url, request.form, signature) for url in signed_urls())


def signed_urls() -> list[str]:
    """The URL Twilio signed: FEEDBOT_PUBLIC_URL behind a proxy, else the URL as received.

    Twilio signs the URL as it was written in its configuration or our TwiML: a query with
    escapes (`%20`) is signed with them, so the raw query string is tried first; one written
    with characters a URL cannot carry (a space, "²") is sent escaped but signed as written,
    so the decoded form is tried next. Either must still match the auth token's HMAC.
    """
    public_url = current_runtime().settings.public_url
    base = request.base_url if public_url is None else public_url + request.path
    raw = request.query_string.decode("utf-8", errors="replace")
    if not raw:
        return [base]
    decoded = unquote(raw, errors="replace")
    return list(dict.fromkeys([f"{base}?{raw}", f"{base}?{decoded}"]))


def webhook_url(path: str) -> str:
    """The URL to give Twilio for one of our webhooks (`path` with its query), the one
    `signed_urls` then checks: under FEEDBOT_PUBLIC_URL when set, with any path it has
    (https://agency.gov/feedbot/twilio/voice/answer); else under the root this request
    reached the app at, which Twilio resolves against the URL it called."""
    public_url = current_runtime().settings.public_url
    if public_url is not None:
        return public_url + path
    return request.script_root + path


def service_called(channel: Literal["sms", "voice"]) -> Service:
    """The service whose number the webhook's `To` is; 404 (and a log line) for none.

    `To` is the agency's own number, so it may be logged; the public's `From` never is.
    """
    registry = current_runtime().services
    number = request.form.get("To", "")
    service = (
        registry.by_sms_number(number) if channel == "sms" else registry.by_voice_number(number)
    )
    if service is None:
        # Signed, so from Twilio, but only a number is shown: a field of anything else (a
        # misconfigured proxy's, a test's) is not echoed into the log.
        if not number:
            shown = "(none)"
        else:
            shown = number if _NUMBER_SHAPED.fullmatch(number) else "(not a phone number)"
        log.warning("%s webhook to a number no service owns: %s", channel, shown)
        abort(404, _no_service_owns(channel, number))
    return service


def _no_service_owns(channel: Literal["sms", "voice"], number: str) -> str:
    """The 404's body, which Twilio's debugger shows: Werkzeug's own told the operator to
    check the webhook URL's spelling. The log line has the agency's number in full; an answer
    shows its last digits alone, enough to tell which."""
    if not _NUMBER_SHAPED.fullmatch(number):
        missing = "is not a phone number" if number else "is missing"
        return f"To {missing}, so no service could be found for it"
    return (
        f"the number ending in {number[-4:]} is not configured for any service: add it to its"
        f" service's {channel}_numbers in the services file (FEEDBOT_SERVICES_FILE)"
    )


def caller_key(field: str = "From") -> str | None:
    """The keyed hash of the caller's number from a Twilio form field (never the number)."""
    keys = caller_keys(field, former=False)
    return None if keys is None else keys[0]


def caller_keys(field: str = "From", *, former: bool = True) -> tuple[str, ...] | None:
    """caller_key, then (`former`) the number's keyed hashes under the keys
    FEEDBOT_SECRET_KEY replaced (FEEDBOT_PREVIOUS_SECRET_KEYS), under which its STOP may be
    filed."""
    number = request.form.get(field, "").strip()
    if not number:
        return None
    settings = current_runtime().settings
    previous = settings.previous_secret_keys if former else ()
    return sender_keys(number, settings.secret_key, previous)


def twilio_sid(field: str) -> str | None:
    """A SID field such as MessageSid or CallSid; None when absent, 400 when it cannot be one."""
    value = request.form.get(field, "")
    if not value:
        return None
    if not _SID.fullmatch(value):
        abort(400, f"{field} is not a Twilio SID (letters and digits)")
    return value


def small_number(text: str, max_digits: int) -> int | None:
    """`text` as a number when it is 1 to `max_digits` ASCII digits, else None.

    str.isdigit() also admits "²", which int() refuses, and int() refuses 4,300+ digits.
    """
    if len(text) > max_digits or not _DIGITS.fullmatch(text):
        return None
    return int(text)


@functools.cache
def _validator(auth_token: str) -> RequestValidator:
    return RequestValidator(auth_token)
