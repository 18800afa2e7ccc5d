"""Post-transaction invitations: who may be texted, when, and the sending itself.

Creating an invitation never sends: it stores the request and an RQ job sends it later,
respecting opt-outs, quiet hours, the per-service rate and the over-surveying window.
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import phonenumbers
import requests
from phonenumbers import timezone as phone_timezones
from redis.exceptions import RedisError
from sqlalchemy import ColumnElement, case, exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session as DbSession
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.exceptions import NameResolutionError, NewConnectionError

from feedbot.config import Settings
from feedbot.conversations import (
    Inbound,
    clean_transaction_id,
    lock_person,
    sat_idle,
    start_conversation,
)
from feedbot.engine import Reply
from feedbot.fiscal import FiscalQuarter
from feedbot.identity import sender_key, sender_keys
from feedbot.models import Contact, Conversation, InboundMessage, Invitation, OptOut
from feedbot.queue import redis_connection
from feedbot.runtime import Runtime
from feedbot.services import DEFAULT_EXPIRE_AFTER_HOURS, DEFAULT_QUIET_HOURS, Service
from feedbot.turn_sql import run, statements

log = logging.getLogger(__name__)
# The Twilio library logs every request's URL (the account SID) and headers at INFO: eleven
# lines a text, which drowned the worker's own.
logging.getLogger("twilio.http_client").setLevel(logging.WARNING)

DEFAULT_WINDOW_DAYS = 30
DEFAULT_RATE_PER_MINUTE = 60
MAX_SEND_AHEAD = timedelta(days=366)
# A text whose job comes this much later than its slot finds the line late (no scheduler for
# a while, Twilio slow, workers busy): RQ's scheduler alone makes a job up to 2 s late.
LATE_TOLERANCE = timedelta(seconds=3)
# How long a slot is held after its time; a job later than that queues again.
SLOT_KEPT = timedelta(minutes=10)
# Longer than a send can wait for Twilio's answer (FEEDBOT_TWILIO_TIMEOUT, 300 s at most).
EARLY_REPORT_LIFETIME = timedelta(minutes=10)
# Twilio error codes for numbers that can never receive this message: retrying is pointless.
UNDELIVERABLE_CODES = {21211, 21610, 21612, 21614, 30003, 30005, 30006}
UNSUBSCRIBED_CODE = 21610
# Twilio refusing feedbot itself (a rotated auth token, a wrong account sid, a From number or
# Messaging Service that is not the account's or cannot text): no number's fault, and sending
# works again once the configuration is fixed.
ACCOUNT_STATUSES = {401, 403, 404}
ACCOUNT_CODES = {20003, 20404, 21212, 21601, 21659, 21701, 21705}
# Twilio's "system under maintenance, try again later", whatever the HTTP status.
RETRY_CODES = {21730}
_STATUS_ORDER = {"queued": 1, "sent": 2, "delivered": 3, "undelivered": 3, "failed": 3}
# "unknown": Twilio's answer was lost, so the text may have reached the person. An
# "undelivered" text did not: it offered no one the survey.
OFFERED_STATUSES = ("sent", "delivered", "queued", "unknown")
# Far longer than a send can take (FEEDBOT_TWILIO_TIMEOUT, RQ's job timeout): a claim this old
# was left by a worker that is gone.
SENDING_LAPSE = timedelta(minutes=15)
INTERRUPTED = "sending interrupted, may have been sent"
SUPERSEDED = "superseded by a newer invitation"
IN_PROGRESS = "a survey is in progress"


class InvalidInvitation(ValueError):
    """A row of an invitation request cannot be accepted; the message says why."""


@dataclass(frozen=True)
class InvitationRequest:
    service: Service
    phone: str
    language: str | None = None
    transaction_id: str | None = None
    send_at: datetime | None = None


@dataclass(frozen=True)
class Delivery:
    """What one sending attempt did: sent, deferred (until when), or why it stopped."""

    status: str
    retry_at: datetime | None = None


def parse_request(service: Service, body: dict[str, Any], now: datetime) -> InvitationRequest:
    """Validate one JSON invitation; InvalidInvitation names the field that is wrong."""
    parsed = _phone_number(str(body.get("phone") or "").strip())
    language = body.get("language")
    if language is not None and language not in service.languages:
        raise InvalidInvitation(f"language must be one of {', '.join(service.languages)}")
    try:
        transaction_id = clean_transaction_id(body.get("transaction_id"))
    except ValueError as error:
        raise InvalidInvitation(str(error)) from error
    phone = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    if phone in {*service.sms_numbers, *service.voice_numbers}:
        raise InvalidInvitation("phone is one of the service's own numbers")
    send_at = _send_at(body.get("send_at"))
    if send_at is not None and send_at - now > MAX_SEND_AHEAD:
        # No survey is planned a year ahead; and 9999-12-31 in a zone east of UTC overflows.
        raise InvalidInvitation("send_at is more than a year ahead")
    _check_sent_before_expiry(service, phone, send_at, now)
    return InvitationRequest(
        service=service,
        phone=phone,
        language=language,
        transaction_id=transaction_id,
        send_at=send_at,
    )


def create_invitation(
    db: DbSession,
    request: InvitationRequest,
    secret: str,
    now: datetime,
    previous_secrets: Sequence[str] = (),
) -> tuple[Invitation, bool]:
    """Store an invitation, or say why none will be sent (suppressed, recent); return it and
    whether it is new (False: the transaction's invitation already existed, left as it was).
    A STOP or an invitation filed under a key FEEDBOT_SECRET_KEY replaced (`previous_secrets`)
    counts as one filed under it. InvalidInvitation if the transaction's invitation is for
    another number.

    The caller holds `lock_senders` for it (a batch takes all its locks first, in order)."""
    service = request.service
    keys = sender_keys(request.phone, secret, previous_secrets)
    key = keys[0]
    existing = _invitation_for_transaction(db, request)
    if existing is not None:
        return _the_same_persons(existing, keys), False
    try:
        # In the savepoint with the insert: a request that loses a race for its transaction_id
        # leaves the person's earlier invitation as it was.
        with db.begin_nested():
            status, reason = _first_status(db, service, keys, now)
            invitation = Invitation(
                service_id=service.id,
                sender_key=key,
                phone=request.phone if status == "scheduled" else None,
                language=request.language,
                transaction_id=request.transaction_id,
                status=status,
                reason=reason,
                send_at=request.send_at or now,
                created_at=now,
            )
            db.add(invitation)
            db.flush()
    except IntegrityError:
        # The same transaction_id for another number, stored by a request running meanwhile.
        existing = _invitation_for_transaction(db, request)
        if existing is None:
            raise
        return _the_same_persons(existing, keys), False
    return invitation, True


def lock_senders(db: DbSession, requests: Sequence[InvitationRequest], secret: str) -> None:
    """Hold until commit a lock per person and service, so that two requests inviting the same
    person run their window check and insert one after the other. Taken in one order, so two
    batches naming the same people cannot deadlock. (SQLite's BEGIN IMMEDIATE already runs
    writers one at a time.)"""
    if db.get_bind().dialect.name != "postgresql":
        return
    names = sorted({f"{r.service.id}:{sender_key(r.phone, secret)}" for r in requests})
    for name in names:
        digest = hashlib.sha256(f"feedbot-invitation:{name}".encode()).digest()
        db.execute(select(func.pg_advisory_xact_lock(int.from_bytes(digest[:8], signed=True))))


def deliver(runtime: Runtime, invitation_id: int, now: datetime) -> Delivery:
    """Try to send one invitation now: sent, deferred until a time it may be sent, or why it
    stopped.

    The send is claimed ("sending") in a commit of its own before Twilio is called, and its
    outcome recorded in another: a worker lost in between leaves the claim, which a later job
    or sweep settles as "unknown" (it may have been sent), never as a second text.
    """
    claim = _claim_send(runtime, invitation_id, now)
    if isinstance(claim, Delivery):
        return claim
    try:
        message = _send_sms(runtime, claim.service, claim.phone, claim.body)
    except UnknownOutcome as error:
        with runtime.db.transaction() as db:
            # It may have reached the person: it counts as made (window, offered counts) and
            # its conversation stays, ready for their answer.
            _finish(_claimed(db, claim), "unknown", str(error)[:64])
        log.warning("invitation %s: %s", claim.invitation_id, error)
        return Delivery("unknown")
    except UndeliverableInvitation as error:
        with runtime.db.transaction() as db:
            invitation = _claimed(db, claim)
            _forget_conversation(db, invitation)
            invitation.error_code = error.code
            _finish(invitation, "failed", str(error)[:64])
            if error.code == UNSUBSCRIBED_CODE:
                _record_opt_out(db, invitation.sender_key, now)
        log.warning("invitation %s refused by Twilio (%s)", claim.invitation_id, error.code)
        return Delivery("failed")
    except TwilioNotReached as error:
        with runtime.db.transaction() as db:
            invitation = _claimed(db, claim)
            if invitation.status == "sending":  # nothing was sent: as it was, for the retry
                _forget_conversation(db, invitation)
                invitation.status = "scheduled"
                invitation.sent_at = None
        return _retry(runtime, "send", claim.invitation_id, error, now)
    with runtime.db.transaction() as db:
        invitation = _claimed(db, claim)
        invitation.status = "sent"
        invitation.reason = None
        invitation.message_sid = message.sid
        hours = claim.service.invitations.get("reminder_after_hours")
        if hours and invitation.phone is not None:
            invitation.reminder_due_at = now + timedelta(hours=hours)
        else:
            invitation.phone = None
    log.info("invitation %s sent for service %s", claim.invitation_id, claim.service.id)
    _apply_early_reports(runtime, claim.invitation_id, message.sid)
    return Delivery("sent")


def remind(runtime: Runtime, invitation_id: int, now: datetime) -> Delivery:
    """The one optional reminder, unless the person answered or said STOP.

    It is claimed (reminded_at set, the number dropped) in a commit of its own before Twilio
    is called, so whatever happens after (a timeout, a refusal, a lost worker) no second
    reminder follows; only an answer saying nothing was sent gives the number back for a retry.
    """
    claim = _claim_reminder(runtime, invitation_id, now)
    if isinstance(claim, Delivery):
        return claim
    try:
        _send_sms(runtime, claim.service, claim.phone, claim.body, track=False)
    except UnknownOutcome as error:
        log.warning("reminder for invitation %s: %s", invitation_id, error)
        return Delivery("unknown")
    except UndeliverableInvitation as error:
        with runtime.db.transaction() as db:
            invitation = _claimed(db, claim)
            invitation.error_code = error.code
            invitation.reason = f"reminder refused ({error.code})"
            if error.code == UNSUBSCRIBED_CODE:
                _record_opt_out(db, invitation.sender_key, now)
        log.warning("reminder for invitation %s refused by Twilio (%s)", invitation_id, error.code)
        return Delivery("failed")
    except TwilioNotReached as error:
        with runtime.db.transaction() as db:
            invitation = _claimed(db, claim)
            invitation.phone = claim.phone
            invitation.reminded_at = None
        return _retry(runtime, "remind", invitation_id, error, now)
    log.info("reminder for invitation %s sent", invitation_id)
    return Delivery("sent")


def settle_interrupted_sends(db: DbSession, now: datetime) -> int:
    """Mark "unknown" every send claimed more than SENDING_LAPSE ago and never settled (its
    worker was lost before or after Twilio took it); return how many. None is sent again."""
    interrupted = db.scalars(
        select(Invitation)
        .where(Invitation.status == "sending", Invitation.sent_at < now - SENDING_LAPSE)
        .with_for_update(skip_locked=True)
    ).all()
    for invitation in interrupted:
        _finish(invitation, "unknown", INTERRUPTED)
    return len(interrupted)


def record_status(
    db: DbSession,
    message_sid: str,
    status: str,
    error_code: int | None,
    redis_url: str | None = None,
) -> bool:
    """A Twilio status callback for an invitation's message; False if no invitation was sent
    with the sid, or may be.

    Twilio can report on a message before feedbot has saved its answer to the send, the sid:
    while a send is in flight (and with REDIS_URL), such a report is kept for
    EARLY_REPORT_LIFETIME and applied when the sid is saved, not answered 404 and lost."""
    invitation = _sent_with(db, message_sid)
    if invitation is None and redis_url is not None and _sending(db):
        try:
            _keep_early_report(redis_url, message_sid, status, error_code)
        except RedisError as error:
            log.warning("a delivery report not kept for its sid (%s)", type(error).__name__)
            return False
        # Kept before looking again: a send saving the sid meanwhile finds it, or is found.
        invitation = _sent_with(db, message_sid)
        if invitation is None:
            return True
    if invitation is None:
        return False
    _apply_status(db, invitation, status, error_code)
    return True


def next_allowed_time(phone: str, service: Service, now: datetime) -> datetime:
    """`now` if it is inside quiet-hours' allowed window where the person is, else the next
    time it is. Where the number's area code spans several time zones (907: Anchorage and
    Adak), that is a time inside the window in every one of them; for a number of no known
    zone, or whose zones' windows never meet, the service's zone."""
    start_text, end_text = service.invitations.get("quiet_hours", DEFAULT_QUIET_HOURS)
    window = time.fromisoformat(start_text), time.fromisoformat(end_text)
    zones = [ZoneInfo(name) for name in _time_zones(phone)]
    moment = now
    while zones and moment - now <= _MEETING_SEARCH:
        # The latest of the zones' next openings; once every zone is open, no zone moves it.
        opening = max(_window_opening(moment, zone, window) for zone in zones)
        if opening == moment:
            return moment
        moment = opening
    return _window_opening(now, ZoneInfo(service.timezone), window)


@dataclass(frozen=True)
class InvitationCounts:
    """A service's invitations by status (every one of STATUSES, in its order, then any
    other Twilio reported), and its reminders sent and still owed."""

    service_id: str
    by_status: dict[str, int]
    reminders_sent: int
    reminders_owed: int


# An invitation's statuses in the order it goes through them.
STATUSES = (
    "scheduled",
    "sending",
    "sent",
    "queued",
    "delivered",
    "undelivered",
    "failed",
    "unknown",
    "suppressed",
    "expired",
)


def invitation_counts(db: DbSession, service_ids: Sequence[str] | None) -> list[InvitationCounts]:
    """Every invitation of these services (all, if None) counted by status, by service id."""
    scope = () if service_ids is None else (Invitation.service_id.in_(service_ids),)
    by_status: dict[str, dict[str, int]] = {}
    for service_id, status, count in db.execute(
        select(Invitation.service_id, Invitation.status, func.count())
        .where(*scope)
        .group_by(Invitation.service_id, Invitation.status)
    ):
        by_status.setdefault(service_id, dict.fromkeys(STATUSES, 0))[status] = count
    reminders = db.execute(
        select(
            Invitation.service_id,
            func.count(Invitation.reminded_at),
            func.sum(case((_reminder_owed(), 1), else_=0)),
        )
        .where(*scope)
        .group_by(Invitation.service_id)
    )
    return [
        InvitationCounts(service_id, by_status[service_id], sent, waiting or 0)
        for service_id, sent, waiting in sorted(reminders)
    ]


def _reminder_owed() -> ColumnElement[bool]:
    """The invitations a reminder would still go to: the sweep's predicate for a reminder to
    send (ix_invitations_reminder_pending), and what _claim_reminder checks when it comes: a
    survey still open, in which the person has written nothing, and no STOP under the
    invitation's key. (A STOP under another key, or a thread since moved to another survey,
    takes the number's keyed hash to find: the reminder finds those when it comes.)"""
    open_and_unanswered = exists().where(
        Conversation.id == Invitation.conversation_id,
        Conversation.status == "active",
        Conversation.answered.is_(False),
    )
    replied = exists().where(InboundMessage.conversation_id == Invitation.conversation_id)
    opted_out = exists().where(OptOut.sender_key == Invitation.sender_key)
    return (
        Invitation.phone.is_not(None)
        & Invitation.reminded_at.is_(None)
        & Invitation.reminder_due_at.is_not(None)
        & open_and_unanswered
        & ~replied
        & ~opted_out
    )


def offered_counts(db: DbSession, service_id: str, quarter: FiscalQuarter, timezone: str) -> int:
    """Customers offered the survey by text in a quarter: invitations feedbot sent."""
    start, end = quarter.bounds(timezone)
    return (
        db.scalar(
            select(func.count())
            .select_from(Invitation)
            .where(
                Invitation.service_id == service_id,
                Invitation.status.in_(OFFERED_STATUSES),
                Invitation.sent_at >= start,
                Invitation.sent_at < end,
            )
        )
        or 0
    )


def _opening_text(db: DbSession, invitation: Invitation, service: Service, now: datetime) -> str:
    from channels.sms import render_sms

    inbound = Inbound(
        service=service,
        channel="sms",
        thread_key=invitation.sender_key,
        sender_key=invitation.sender_key,
        reply=Reply(),
        received_at=now,
        language=invitation.language,
        transaction_id=invitation.transaction_id,
    )
    outcome = start_conversation(db, inbound)
    conversation = db.get(Conversation, outcome.conversation_id)
    conversation.invitation_id = invitation.id
    invitation.conversation_id = conversation.id
    return render_sms(outcome, service)


def _send_sms(
    runtime: Runtime, service: Service, phone: str, body: str, *, track: bool = True
) -> Any:
    """Send one text; with `track`, Twilio reports its delivery to /twilio/status (an
    invitation's: a reminder's sid is not kept, so its reports would find nothing). Failures
    come out as feedbot's own exceptions, whose messages hold status and code only: Twilio's
    own text may quote the number, and RQ logs and stores a failed job's exception."""
    settings = runtime.settings
    client = Client(
        settings.twilio_account_sid or "AC" + "0" * 32,
        settings.twilio_auth_token,
        http_client=TwilioHttpClient(timeout=settings.twilio_timeout),
    )
    if settings.twilio_api_base:
        client.api.base_url = settings.twilio_api_base
    sender: dict[str, str] = (
        {"messaging_service_sid": service.messaging_service_sid}
        if service.messaging_service_sid
        else {"from_": service.from_number or service.sms_numbers[0]}
    )
    callback = f"{settings.public_url}/twilio/status" if settings.public_url and track else None
    try:
        return client.messages.create(to=phone, body=body, status_callback=callback, **sender)
    except TwilioRestException as error:
        refusal = _refusal(error.status, error.code, _waiting(settings))
    except _UNUSABLE_URL as error:
        refusal = _unusable_url(error, _waiting(settings))
    except requests.RequestException as error:
        if _never_reached_twilio(error):
            # Nothing was sent: it is tried again (_retry).
            refusal = TwilioNotReached(f"Twilio could not be reached ({type(error).__name__})")
        else:
            # Twilio may have taken the message before the answer was lost; sending again
            # could text the person twice, which is worse than one invitation too few.
            refusal = UnknownOutcome(
                f"no answer from Twilio, may have been sent ({type(error).__name__})"
            )
    raise refusal from None  # not chained: the cause's text may quote the number


def _waiting(settings: Settings) -> str:
    """What becomes of an invitation a configuration error stopped, for the log line."""
    if settings.redis_url is None:
        # Sent inside the API request (development): nothing tries it again.
        return "the invitation stays scheduled, and without REDIS_URL nothing sends it again"
    return "invitations wait and are retried (feedbot queue redrive once fixed)"


def _refusal(status: int, code: int | None, waiting: str) -> Exception:
    """What a Twilio error answer means for feedbot: retry, fix the account, or give up."""
    if status in ACCOUNT_STATUSES or code in ACCOUNT_CODES:
        log.error(
            "Twilio refused feedbot's account (HTTP %s, error %s): check TWILIO_ACCOUNT_SID,"
            " TWILIO_AUTH_TOKEN and the service's sender; %s",
            status,
            code,
            waiting,
        )
        return TwilioAccountError(f"Twilio refused feedbot's account (HTTP {status}, {code})")
    if status == 429 or status >= 500 or code in RETRY_CODES:
        return TwilioNotReached(f"Twilio did not take the message (HTTP {status}, {code})")
    return UndeliverableInvitation(code)


# A URL requests refuses before opening any connection (twilio-python follows no redirect, so
# it reads no URL after sending): a proxy setting requests takes from the environment
# (HTTPS_PROXY, ALL_PROXY) without a host, of a scheme it cannot use, or socks5:// without
# PySocks; TWILIO_API_BASE is checked at start-up. Nothing was sent, nor will be until fixed.
_UNUSABLE_URL = (
    requests.exceptions.InvalidSchema,
    requests.exceptions.MissingSchema,
    requests.exceptions.InvalidURL,
)


def _unusable_url(error: requests.RequestException, waiting: str) -> TwilioNotReached:
    """A Twilio API URL no request can be made to: a configuration error, as a refused account
    is, so the invitations wait for the fix (retried, then redrivable) rather than being lost."""
    log.error(
        "Twilio's API URL cannot be used (%s): check TWILIO_API_BASE and the proxy settings"
        " (HTTPS_PROXY, HTTP_PROXY, ALL_PROXY); nothing was sent, %s",
        type(error).__name__,
        waiting,
    )
    return TwilioMisconfigured(f"Twilio's API URL cannot be used ({type(error).__name__})")


def _never_reached_twilio(error: requests.RequestException) -> bool:
    """True when the request cannot have reached Twilio: it failed while the connection was
    being made (the TCP connection, a proxy's tunnel, the TLS handshake), before a byte of it
    was written. A failure after that (a read timeout, a connection reset, a TLS error on the
    established connection) may come after Twilio took the message."""
    if isinstance(error, requests.ConnectTimeout):
        return True
    reason = getattr(error.args[0], "reason", None) if error.args else None
    if isinstance(error, requests.ConnectionError) and isinstance(
        reason, (NewConnectionError, NameResolutionError)
    ):
        return True
    return _raised_while_connecting(error)


# urllib3 makes the whole connection in its connections' connect() (called before the request
# is written): requests' SSLError and ProxyError do not say whether it was then or later, but
# where the failure was raised does. A urllib3 that connected elsewhere would make no failure
# "while connecting": it would be taken as maybe sent (never a text twice, one too few).
_CONNECTING = {HTTPConnection.connect.__code__, HTTPSConnection.connect.__code__}


def _raised_while_connecting(error: BaseException) -> bool:
    """True if `error`, or one it was raised from or while handling, was raised inside
    urllib3's connect()."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        frame = current.__traceback__
        while frame is not None:
            if frame.tb_frame.f_code in _CONNECTING:
                return True
            frame = frame.tb_next
        pending += [current.__cause__, current.__context__]
    return False


class UndeliverableInvitation(Exception):
    """Twilio refused the message for good (e.g. an invalid or unsubscribed number)."""

    def __init__(self, code: int | None) -> None:
        super().__init__(f"Twilio refused the message ({code})")
        self.code = code


class TwilioNotReached(Exception):
    """Twilio did not take the message (busy, failing, unreachable): the job is retried."""

    # What the invitation says where nothing retries it (no REDIS_URL): it stays scheduled.
    unsent_reason = "Twilio did not take it; no retry without REDIS_URL"


class TwilioAccountError(TwilioNotReached):
    """Twilio refused feedbot's credentials or sender: retried, and redrivable once fixed."""


class TwilioMisconfigured(TwilioNotReached):
    """feedbot's Twilio API URL cannot be used: nothing was sent; retried, and redrivable once
    fixed."""

    # No request was made: Twilio took nothing, and no retry fares better until it is fixed.
    unsent_reason = "not sent: Twilio's API URL or the proxy setting is unusable"


class UnknownOutcome(Exception):
    """Twilio's answer was lost: the message may have been sent, so it is not sent again."""


@dataclass(frozen=True)
class _Claim:
    """A send or reminder claimed in the database, to be made outside any transaction."""

    invitation_id: int
    service: Service
    phone: str
    body: str


def _claim_send(runtime: Runtime, invitation_id: int, now: datetime) -> _Claim | Delivery:
    with runtime.db.transaction() as db:
        invitation = db.get(Invitation, invitation_id, with_for_update=True)
        if invitation is not None and invitation.status == "sending":
            if invitation.sent_at is not None and now - invitation.sent_at < SENDING_LAPSE:
                # A duplicate of a job whose worker may be calling Twilio now: that worker
                # records the outcome (settled as "unknown" by the sweep if it never does).
                # Settled here, a send that then succeeded lost its reminder.
                return Delivery("skipped")
            # Claimed by a worker lost before recording Twilio's answer (killed, or its
            # database connection dropped), and this job is its retry.
            _finish(invitation, "unknown", INTERRUPTED)
            log.warning("invitation %s: %s", invitation.id, INTERRUPTED)
            return Delivery("unknown")
        if invitation is None or invitation.status != "scheduled":
            return Delivery("skipped")
        service = runtime.services.get(invitation.service_id)
        if service is None:
            _finish(invitation, "suppressed", "unknown service")
            return Delivery("suppressed")
        keys = _keys_of(invitation, runtime.settings)
        if invitation.phone is not None and runtime.settings.previous_secret_keys:
            # Made before FEEDBOT_SECRET_KEY was rotated: its survey goes on the thread the
            # person's replies now reach (their keyed hash under the current key).
            invitation.sender_key = sender_key(invitation.phone, runtime.settings.secret_key)
        # Looked for holding their thread's lock and then their own: a STOP being stored
        # meanwhile, to this service or another, is waited for and seen, never answered "You
        # won't get more messages" and then sent the invitation.
        thread = _lock_thread(db, invitation, invitation.sender_key)
        lock_person(db, invitation.sender_key)
        if _opted_out(db, keys):
            _finish(invitation, "suppressed", "opted out")
            return Delivery("suppressed")
        if _survey_in_progress(db, thread, now, runtime.settings.idle_expiry):
            # A second survey on the thread would leave the one they are answering unfinished
            # and read their next answer as the new one's.
            _finish(invitation, "suppressed", IN_PROGRESS)
            return Delivery("suppressed")
        if _expired(service, invitation.send_at, now):
            _finish(invitation, "expired", f"not sent within {_expiry(service):g} h of its time")
            log.warning("invitation %s expired unsent", invitation.id)
            return Delivery("expired")
        # Never before its send_at, whoever calls (development sends during the request).
        due = max(now, invitation.send_at)
        allowed = next_allowed_time(invitation.phone or "", service, due)
        if allowed > now:
            return Delivery("deferred", allowed)
        slot = _rate_slot(runtime, service, "send", invitation.id, now)
        if slot is not None:
            return Delivery("deferred", slot)
        body = _opening_text(db, invitation, service, now)
        invitation.status = "sending"
        invitation.sent_at = now
        return _Claim(invitation.id, service, invitation.phone or "", body)


def _claim_reminder(runtime: Runtime, invitation_id: int, now: datetime) -> _Claim | Delivery:
    from channels.sms import render_prompt, sms_text
    from feedbot import engine
    from feedbot.i18n import _, gettext_for

    with runtime.db.transaction() as db:
        invitation = db.get(Invitation, invitation_id, with_for_update=True)
        if invitation is None or invitation.phone is None or invitation.reminded_at:
            return Delivery("skipped")
        service = runtime.services.get(invitation.service_id)
        keys = _keys_of(invitation, runtime.settings)
        # Looked at holding the lock of the thread their replies reach (under the current
        # FEEDBOT_SECRET_KEY), as their texts take it, and then their own: a reply being stored
        # meanwhile, or a STOP to this service or another, is waited for and seen, never
        # answered "You won't get more messages" and then sent the reminder.
        current = sender_key(invitation.phone, runtime.settings.secret_key)
        thread = _lock_thread(db, invitation, current)
        lock_person(db, current)
        conversation = db.get(Conversation, invitation.conversation_id or 0)
        if (
            service is None
            or conversation is None
            or conversation.status != "active"
            or _replied(db, conversation)
            or _opted_out(db, keys)
            # Their replies now reach another survey: one begun since, or the thread of a key
            # that replaced the survey's (a reply would begin a new survey, and the reminder's
            # question answered there would be read as that survey's).
            or thread != conversation.id
        ):
            invitation.phone = None
            return Delivery("skipped")
        allowed = next_allowed_time(invitation.phone, service, now)
        if allowed > now:
            return Delivery("deferred", allowed)
        # From the same number as the invitations: the rate an agency sets is its sender's.
        slot = _rate_slot(runtime, service, "remind", invitation.id, now)
        if slot is not None:
            return Delivery("deferred", slot)
        session = engine.Session(conversation.flow_id, conversation.language, conversation.question)
        prompt = engine.question_prompt(service.flow, service.context, session)
        language = conversation.language
        gettext = gettext_for(language)
        lead = gettext(_("Reminder from {agency}:")).format(agency=service.agency_in(language))
        # A reminder comes unasked, hours after the invitation: it says again how to stop.
        stop = gettext(_("Reply STOP to opt out."))
        claim = _Claim(
            invitation.id,
            service,
            invitation.phone,
            sms_text([lead, render_prompt(prompt, language), stop], language),
        )
        # The reminder is activity: the survey stays open a whole idle period for its answer.
        conversation.last_activity_at = now
        invitation.reminded_at = now
        invitation.phone = None
        return claim


def _claimed(db: DbSession, claim: _Claim) -> Invitation:
    invitation = db.get(Invitation, claim.invitation_id, with_for_update=True)
    assert invitation is not None  # invitations are never deleted while sending
    return invitation


def _forget_conversation(db: DbSession, invitation: Invitation) -> None:
    """The text never reached the person: drop the survey opened for it, unless the thread
    has been used meanwhile, so no abandoned response is recorded for it.

    Decided holding the lock of the thread pointing at it, as a reply's turn holds it: a reply
    being stored in the survey is waited for and keeps it (deleted under it, the survey broke
    the reply's foreign key: a 500 to Twilio's report), and one after finds no survey there
    and begins its own."""
    conversation_id = invitation.conversation_id or 0
    invitation.conversation_id = None
    run(db, statements(db).lock_threads, {"p_conversation": conversation_id})
    conversation = db.get(Conversation, conversation_id, populate_existing=True)
    if conversation is None or conversation.status != "active" or _replied(db, conversation):
        return
    db.execute(
        update(Contact)
        .where(Contact.conversation_id == conversation.id)
        .values(conversation_id=None)
    )
    db.delete(conversation)


def _replied(db: DbSession, conversation: Conversation) -> bool:
    """Whether the person has written anything in this survey (an answer or not): a reminder
    is for those who never replied, and a survey they used is kept."""
    return conversation.answered or (
        db.scalar(select(InboundMessage.id).filter_by(conversation_id=conversation.id).limit(1))
        is not None
    )


def _record_opt_out(db: DbSession, key: str, now: datetime) -> None:
    if db.get(OptOut, key) is None:
        db.add(OptOut(sender_key=key, opted_out_at=now))


def _sent_with(db: DbSession, message_sid: str) -> Invitation | None:
    return db.scalar(select(Invitation).filter_by(message_sid=message_sid))


def _sending(db: DbSession) -> bool:
    return bool(db.scalar(select(exists().where(Invitation.status == "sending"))))


def _keep_early_report(redis_url: str, message_sid: str, status: str, code: int | None) -> None:
    key = _early_reports_key(message_sid)
    with redis_connection(redis_url).pipeline() as pipeline:
        pipeline.rpush(key, f"{status[:16]}:{'' if code is None else code}")
        pipeline.expire(key, EARLY_REPORT_LIFETIME)
        pipeline.execute()


def _apply_early_reports(runtime: Runtime, invitation_id: int, message_sid: str) -> None:
    """Apply the reports Twilio made on the message before its sid was saved."""
    if runtime.settings.redis_url is None:
        return
    connection = redis_connection(runtime.settings.redis_url)
    key = _early_reports_key(message_sid)
    try:
        reports = [report.decode() for report in connection.lrange(key, 0, -1)]
    except RedisError as error:  # the text went out: that is recorded, whatever Redis does
        log.warning(
            "invitation %s: early reports not read (%s)", invitation_id, type(error).__name__
        )
        return
    if not reports:
        return
    with runtime.db.transaction() as db:
        invitation = db.get_one(Invitation, invitation_id, with_for_update=True)
        for report in reports:
            status, _, code = report.partition(":")
            _apply_status(db, invitation, status, int(code) if code else None)
    connection.delete(key)
    log.info(
        "invitation %s: %d report(s) made before its sid was saved", invitation_id, len(reports)
    )


def _early_reports_key(message_sid: str) -> str:
    return f"feedbot:early-delivery-reports:{message_sid}"


def _apply_status(
    db: DbSession, invitation: Invitation, status: str, error_code: int | None
) -> None:
    # Callbacks can arrive out of order: a late "sent" must not undo "delivered".
    if _STATUS_ORDER.get(status, 0) < _STATUS_ORDER.get(invitation.status, 0):
        return
    invitation.status = status
    invitation.error_code = error_code
    if status in {"undelivered", "failed"}:
        # The text never reached the person: no survey was opened for them, so none is
        # recorded as abandoned.
        _forget_conversation(db, invitation)
    if error_code == UNSUBSCRIBED_CODE:
        # The carrier says this person unsubscribed: treat it as their STOP. Stored after the
        # thread's lock (_forget_conversation), in the order a turn and a claim take theirs:
        # stored first, the uncommitted opt-out could be waited on by a STOP to another
        # service holding the person's lock, that a claim holding this thread waits for.
        _record_opt_out(db, invitation.sender_key, datetime.now(UTC))
    if status in {"undelivered", "failed"} and error_code in UNDELIVERABLE_CODES:
        # The number cannot receive texts: no reminder, and no reason to keep it.
        invitation.phone = None
        invitation.reminder_due_at = None
        invitation.reason = f"undeliverable ({error_code})"


def _retry(
    runtime: Runtime, kind: str, invitation_id: int, error: TwilioNotReached, now: datetime
) -> Delivery:
    """The text Twilio did not take is tried again after the next of
    FEEDBOT_TWILIO_RETRY_INTERVALS: deferred until then, said in one warning. Once they are
    spent (or without REDIS_URL, where nothing retries) the error is raised: RQ logs it and
    keeps the job in its failed registry for a redrive, which starts the count again."""
    if runtime.settings.redis_url is None:
        raise error
    intervals = runtime.settings.twilio_retry_intervals
    connection = redis_connection(runtime.settings.redis_url)
    key = _retries_key(kind, invitation_id)
    with connection.pipeline() as pipeline:
        pipeline.incr(key)
        # Outlives the retries (each interval may be up to a day), then forgets them.
        pipeline.expire(key, timedelta(seconds=sum(intervals), days=1))
        tries, _ = pipeline.execute()
    if tries > len(intervals):
        connection.delete(key)
        raise error
    delay = intervals[tries - 1]
    what = "invitation" if kind == "send" else "reminder for invitation"
    log.warning(
        "%s %s: %s; trying again in %g s (retry %d of %d)",
        what,
        invitation_id,
        error,
        delay,
        tries,
        len(intervals),
    )
    return Delivery("deferred", now + timedelta(seconds=delay))


def _retries_key(kind: str, invitation_id: int) -> str:
    """How many times Twilio failed to take this text; there while it is being retried."""
    return f"feedbot:invitation-retries:{kind}:{invitation_id}"


def _rate_slot(
    runtime: Runtime, service: Service, kind: str, invitation_id: int, now: datetime
) -> datetime | None:
    """None if this text (an invitation's or a reminder's) may go now; else when its slot
    comes, held for it (see _TAKE_SLOT)."""
    if runtime.settings.redis_url is None:
        return None
    rate = service.invitations.get("rate_per_minute", DEFAULT_RATE_PER_MINUTE)
    interval = math.ceil(60_000 / rate)
    take_slot = redis_connection(runtime.settings.redis_url).register_script(_TAKE_SLOT)
    slot = take_slot(
        keys=[
            f"feedbot:invitation-line:{service.id}",
            f"feedbot:invitation-slot:{kind}:{invitation_id}",
            _retries_key(kind, invitation_id),
        ],
        args=[
            _milliseconds(now),
            interval,
            (math.ceil(rate / 60) - 1) * interval,
            _milliseconds(LATE_TOLERANCE),
            _milliseconds(SLOT_KEPT),
        ],
    )
    # Rounded up: RQ's scheduler keeps a job's time in whole seconds, rounded down, and a job
    # run before its slot would only be put back for it.
    return None if slot == 0 else datetime.fromtimestamp(math.ceil(slot / 1000), UTC)


def _milliseconds(value: datetime | timedelta) -> int:
    if isinstance(value, datetime):
        return int(value.timestamp() * 1000)
    return int(value.total_seconds() * 1000)


# A service's texts go one every 60/rate_per_minute seconds (a second's worth at most
# together, as RQ's scheduler releases jobs by the second), wherever in the minute: a
# calendar minute's allowance went out in 3 s, then nothing for 57. A text whose turn is later
# holds its slot, and its job, put back for then, takes it. When a job comes late (RQ's
# scheduler gone for a minute, Twilio slow) the line waited: it is pushed back by the delay
# and goes on at its pace, in its order, rather than sending every passed slot at once.
# A text Twilio failed to take is retried first of the texts waiting, which all took their
# slots after it, and they go one slot later (it went behind them all, to the line's end).
# KEYS: the service's line (a hash: `next`, when its next text is due, `last`, when the last
# that went was due (just before the first text waiting), and `shift`, how far late jobs and
# retries have pushed the line back; times before the shift, in ms since the epoch), the slot
# held for this text and the count of its retries (there while it is retried). ARGV: now,
# the interval between texts, how long before its due time a text may go (the second's
# worth), LATE_TOLERANCE and SLOT_KEPT (all in ms). Returns 0 (send now) or when the slot
# held comes.
_TAKE_SLOT = """
local now, interval, ahead = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local tolerance, kept = tonumber(ARGV[4]), tonumber(ARGV[5])
local line = redis.call('HMGET', KEYS[1], 'next', 'shift', 'last')
local next_due, shift = tonumber(line[1]) or 0, tonumber(line[2]) or 0
local last = tonumber(line[3])
local held = tonumber(redis.call('GET', KEYS[2]))
if held and held + shift > now then
  return held + shift
end
if held then
  redis.call('DEL', KEYS[2])
  if held + shift < now - tolerance then
    shift = now - held
    redis.call('HSET', KEYS[1], 'shift', shift)
    redis.call('PEXPIRE', KEYS[1], math.max(next_due + shift - now, 0) + kept + 60000)
  end
  redis.call('HSET', KEYS[1], 'last', math.max(last or 0, held + ahead))
  return 0
end
if last and next_due + shift > now and redis.call('EXISTS', KEYS[3]) == 1 then
  -- A retry: the texts waiting move one slot back, and it takes the one they leave.
  shift = shift + interval
  if last + shift < now - tolerance then
    shift = now - last
  end
  redis.call('PEXPIRE', KEYS[1], next_due + shift - now + kept + 60000)
  local slot = math.max(last - ahead, now - shift)
  if slot + shift == now then
    redis.call('HSET', KEYS[1], 'shift', shift, 'last', math.max(last, slot))
    return 0
  end
  -- Waiting, it heads the line: a retry meanwhile takes the slot before it.
  redis.call('HSET', KEYS[1], 'shift', shift, 'last', last - interval)
  redis.call('SET', KEYS[2], slot, 'PX', slot + shift - now + kept)
  return slot + shift
end
local due = math.max(next_due, now - shift)
local slot = math.max(due - ahead, now - shift)
redis.call('HSET', KEYS[1], 'next', due + interval, 'shift', shift)
redis.call('PEXPIRE', KEYS[1], due + interval + shift - now + kept + 60000)
if slot + shift == now then
  redis.call('HSET', KEYS[1], 'last', math.max(last or 0, due))
  return 0
end
redis.call('SET', KEYS[2], slot, 'PX', slot + shift - now + kept)
return slot + shift
"""


def _first_status(
    db: DbSession, service: Service, keys: Sequence[str], now: datetime
) -> tuple[str, str | None]:
    if _opted_out(db, keys):
        return "suppressed", "opted out"
    _supersede_unsent(db, service, keys, now)
    if _recently_invited(db, service, keys, now):
        return "suppressed", "invited within the window"
    return "scheduled", None


def _survey_in_progress(
    db: DbSession, conversation_id: int | None, now: datetime, idle_expiry: timedelta
) -> bool:
    """Whether the person is answering a survey of the service by text right now, the one
    their thread points at (`conversation_id`): one they began themselves, answered yet or not
    (the text that began it is stored before the survey is, so it points at none), or an
    earlier invitation's they replied to.

    The caller holds their thread's lock (_lock_thread), which the invitation's survey then
    takes the thread under (_opening_text): a text of theirs being applied meanwhile is waited
    for and seen."""
    conversation = db.get(Conversation, conversation_id or 0, populate_existing=True)
    return (
        conversation is not None
        and conversation.status == "active"
        and not sat_idle(conversation.last_activity_at, now, idle_expiry)
        and (conversation.invitation_id is None or _replied(db, conversation))
    )


def _lock_thread(db: DbSession, invitation: Invitation, key: str) -> int | None:
    """Lock the person's texting thread of the invitation's service keyed `key` as each of
    their texts' turn does first (the contact's upsert, held until commit), and return the
    survey it points at."""
    params = {"p_service": invitation.service_id, "p_channel": "sms", "p_thread": key}
    return run(db, statements(db).lock_contact, params).one().conversation_id


def _opted_out(db: DbSession, keys: Sequence[str]) -> bool:
    return bool(db.scalar(select(exists().where(OptOut.sender_key.in_(keys)))))


def _keys_of(invitation: Invitation, settings: Settings) -> tuple[str, ...]:
    """The keys an invitation's person may have said STOP under: the invitation's own (made
    when it was created, perhaps under a key since replaced) and, while its number is kept,
    the number's under FEEDBOT_SECRET_KEY and the keys it replaced."""
    if invitation.phone is None or not settings.previous_secret_keys:
        return (invitation.sender_key,)
    keys = sender_keys(invitation.phone, settings.secret_key, settings.previous_secret_keys)
    return (invitation.sender_key, *keys)


def _supersede_unsent(db: DbSession, service: Service, keys: Sequence[str], now: datetime) -> None:
    """An earlier request's invitation to this person, still unsent (Twilio down, quiet hours,
    a backlog), gives way to the newer one: left waiting it might expire, and the newer one,
    suppressed by it, would never go either. Invitations of the same request (a batch naming
    the person twice) are left: the later row is suppressed as within the window."""
    for earlier in db.scalars(
        select(Invitation)
        .where(
            Invitation.service_id == service.id,
            Invitation.sender_key.in_(keys),
            Invitation.status == "scheduled",
            Invitation.created_at < now,
        )
        .with_for_update()
    ):
        _finish(earlier, "suppressed", SUPERSEDED)
        log.info("invitation %s superseded by a newer one before it was sent", earlier.id)


def _check_sent_before_expiry(
    service: Service, phone: str, send_at: datetime | None, now: datetime
) -> None:
    """Refuse now, rather than accept and expire unsent, an invitation too old by the first
    time quiet hours let it go out. The service's own quiet night is shorter than its expiry
    (checked at start-up); but a number whose area code spans time zones waits longer, and a
    toll-free one, which may be anywhere from Guam to Newfoundland, up to 22.5 hours with the
    default quiet hours."""
    due = max(send_at or now, now)
    allowed = next_allowed_time(phone, service, due)
    if _expired(service, due, allowed):
        local = allowed.astimezone(ZoneInfo(service.timezone))
        raise InvalidInvitation(
            f"phone is in time zones whose quiet hours let no text go out until"
            f" {local:%Y-%m-%d %H:%M} ({service.timezone}), more than {_expiry(service):g}"
            " hours after it is due (the service's invitations.expire_after_hours): invite it"
            " when they allow"
        )
    if send_at is not None and _expired(service, send_at, allowed):
        raise InvalidInvitation(
            f"send_at is too far back: by the first time quiet hours allow, it is more than"
            f" {_expiry(service):g} hours ago (the service's invitations.expire_after_hours)"
        )


def _expiry(service: Service) -> float:
    return float(service.invitations.get("expire_after_hours", DEFAULT_EXPIRE_AFTER_HOURS))


def _expired(service: Service, send_at: datetime, now: datetime) -> bool:
    return now - send_at > timedelta(hours=_expiry(service))


def _recently_invited(db: DbSession, service: Service, keys: Sequence[str], now: datetime) -> bool:
    window = timedelta(days=service.invitations.get("window_days", DEFAULT_WINDOW_DAYS))
    return (
        db.scalar(
            select(Invitation.id).where(
                Invitation.service_id == service.id,
                Invitation.sender_key.in_(keys),
                Invitation.status.not_in(("suppressed", "failed", "undelivered", "expired")),
                Invitation.created_at > now - window,
            )
        )
        is not None
    )


def _invitation_for_transaction(db: DbSession, request: InvitationRequest) -> Invitation | None:
    if not request.transaction_id:
        return None
    return db.scalar(
        select(Invitation).filter_by(
            service_id=request.service.id, transaction_id=request.transaction_id
        )
    )


def _the_same_persons(existing: Invitation, keys: Sequence[str]) -> Invitation:
    """The transaction's invitation, if it is for the number now given (under any of its
    keys); a transaction_id used again for another number is a mistake in one of them."""
    if existing.sender_key not in keys:
        raise InvalidInvitation(
            f"transaction_id {existing.transaction_id!r} was invited before with another phone"
            " number: a transaction has one person, so one of the two numbers is wrong"
        )
    return existing


def _phone_number(raw: str) -> phonenumbers.PhoneNumber:
    """The one number `raw` names, for texting; InvalidInvitation says, without phonenumbers'
    internal codes, why it is not one. phonenumbers itself keeps what follows a ';' or an
    extension mark aside and would text the first number of a cell naming two, and reads
    letters as a vanity number's keypad digits."""
    if not raw:
        raise InvalidInvitation("phone is missing")
    if _SPREADSHEET_NUMBER.fullmatch(raw):
        raise InvalidInvitation(
            f"phone is not a phone number; a spreadsheet may have turned it into {raw}:"
            " format the column as text"
        )
    if ";" in raw:
        raise InvalidInvitation(
            "phone has a ';' (two numbers, or parameters, in one cell?): give one number"
        )
    try:
        parsed = phonenumbers.parse(raw, "US")
    except phonenumbers.NumberParseException as error:
        said = _PARSE_ERRORS.get(error.error_type, "is not a phone number")
        raise InvalidInvitation(f"phone {said}") from error
    if parsed.extension:
        raise InvalidInvitation(
            "phone has an extension, which a text message cannot reach: give a number without one"
        )
    if any(character.isalpha() for character in raw):
        # A masked or placeholder cell ("202-555-XXXX", "2025550abc") would be texted to the
        # stranger whose number its letters spell on a keypad.
        raise InvalidInvitation(
            "phone has letters in it (a masked or placeholder number?): give the number in digits"
        )
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidInvitation("phone is not a valid number")
    kind = _CANNOT_TEXT.get(phonenumbers.number_type(parsed))
    if kind is not None:
        raise InvalidInvitation(f"phone is {kind}, which cannot receive texts")
    return parsed


# Kinds of number a text cannot reach, or reaches at the sender's cost and no one's use. A
# toll-free number may be text-enabled; a US number is "fixed line or mobile", so passes.
_CANNOT_TEXT = {
    phonenumbers.PhoneNumberType.FIXED_LINE: "a landline",
    phonenumbers.PhoneNumberType.PREMIUM_RATE: "a premium-rate number",
    phonenumbers.PhoneNumberType.SHARED_COST: "a shared-cost number",
    phonenumbers.PhoneNumberType.PAGER: "a pager",
    phonenumbers.PhoneNumberType.UAN: "a company's universal access number",
    phonenumbers.PhoneNumberType.VOICEMAIL: "a voicemail access number",
}


# What a spreadsheet makes of a number stored as one: 2.02556E+09, 2025550181.0.
_SPREADSHEET_NUMBER = re.compile(r"[+-]?\d+(?:\.\d*)?[eE][+-]?\d+|\d{6,}\.\d+")
_PARSE_ERRORS = {
    phonenumbers.NumberParseException.INVALID_COUNTRY_CODE: "has no known country code",
    phonenumbers.NumberParseException.NOT_A_NUMBER: "is not a phone number",
    phonenumbers.NumberParseException.TOO_SHORT_AFTER_IDD: "is too short to be a phone number",
    phonenumbers.NumberParseException.TOO_SHORT_NSN: "is too short to be a phone number",
    phonenumbers.NumberParseException.TOO_LONG: "is too long to be one phone number",
}


def _send_at(value: Any) -> datetime | None:
    if value is None:
        return None
    try:
        send_at = datetime.fromisoformat(str(value))
    except ValueError as error:
        raise InvalidInvitation("send_at must be an ISO 8601 date-time") from error
    if send_at.tzinfo is None:
        raise InvalidInvitation("send_at needs a time zone (e.g. 2026-11-25T14:00:00-05:00)")
    try:
        send_at.astimezone(UTC)
    except OverflowError as error:
        # 9999-12-31T23:00-05:00 is a valid ISO date-time past the last UTC one.
        raise InvalidInvitation("send_at is out of range") from error
    return send_at


# How far ahead to look for a time every one of a number's zones allows: their windows, if
# they ever meet, meet every day.
_MEETING_SEARCH = timedelta(days=2)


def _time_zones(phone: str) -> tuple[str, ...]:
    """The time zones the number may be in; none when phonenumbers does not know."""
    try:
        zones = phone_timezones.time_zones_for_number(phonenumbers.parse(phone))
    except phonenumbers.NumberParseException:
        return ()
    return tuple(zone for zone in zones if zone != "Etc/Unknown")


def _window_opening(moment: datetime, zone: ZoneInfo, window: tuple[time, time]) -> datetime:
    """`moment` if it is inside the day's window in `zone`, else the window's next opening."""
    start, end = window
    local = moment.astimezone(zone)
    if start <= local.time() < end:
        return moment
    day = local.date() if local.time() < start else local.date() + timedelta(days=1)
    return datetime.combine(day, start, zone).astimezone(UTC)


def _finish(invitation: Invitation, status: str, reason: str) -> None:
    invitation.status = status
    invitation.reason = reason
    invitation.phone = None
