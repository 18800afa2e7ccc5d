"""Post-transaction invitations: who may be texted, when, and the sending itself.

Creating an invitation never sends: it stores the request and an RQ job sends it later,
respecting opt-outs, quiet hours, the per-service rate and the over-surveying window.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import phonenumbers
import requests
from phonenumbers import timezone as phone_timezones
from redis import Redis
from sqlalchemy import func, select
from sqlalchemy.orm import Session as DbSession
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client
from urllib3.exceptions import NameResolutionError, NewConnectionError

from feedbot.conversations import Inbound, clean_transaction_id, start_conversation
from feedbot.engine import Reply
from feedbot.fiscal import FiscalQuarter
from feedbot.identity import sender_key
from feedbot.models import Conversation, Invitation, OptOut
from feedbot.runtime import Runtime
from feedbot.services import Service

log = logging.getLogger(__name__)

DEFAULT_WINDOW_DAYS = 30
DEFAULT_QUIET_HOURS = ("08:00", "21:00")
DEFAULT_RATE_PER_MINUTE = 60
# Twilio error codes for numbers that can never receive this message: retrying is pointless.
UNDELIVERABLE_CODES = {21211, 21610, 21612, 21614, 30003, 30005, 30006}
UNSUBSCRIBED_CODE = 21610
_STATUS_ORDER = {"queued": 1, "sent": 2, "delivered": 3, "undelivered": 3, "failed": 3}
OFFERED_STATUSES = ("sent", "delivered", "undelivered", "queued")


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


def parse_request(service: Service, body: dict[str, Any]) -> InvitationRequest:
    """Validate one JSON invitation; InvalidInvitation names the field that is wrong."""
    raw_phone = str(body.get("phone") or "")
    try:
        parsed = phonenumbers.parse(raw_phone, "US")
    except phonenumbers.NumberParseException as error:
        raise InvalidInvitation(f"phone is not a phone number ({error})") from error
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidInvitation("phone is not a valid number")
    language = body.get("language")
    if language is not None and language not in service.languages:
        raise InvalidInvitation(f"language must be one of {', '.join(service.languages)}")
    try:
        transaction_id = clean_transaction_id(body.get("transaction_id"))
    except ValueError as error:
        raise InvalidInvitation(str(error)) from error
    return InvitationRequest(
        service=service,
        phone=phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164),
        language=language,
        transaction_id=transaction_id,
        send_at=_send_at(body.get("send_at")),
    )


def create_invitation(
    db: DbSession, request: InvitationRequest, secret: str, now: datetime
) -> tuple[Invitation, bool]:
    """Store an invitation, or say why none will be sent (suppressed, recent); return it and
    whether it is new (False: the transaction's invitation already existed, left as it was)."""
    service = request.service
    key = sender_key(request.phone, secret)
    if request.transaction_id:
        existing = db.scalar(
            select(Invitation).filter_by(
                service_id=service.id, transaction_id=request.transaction_id
            )
        )
        if existing is not None:
            return existing, False
    status, reason = "scheduled", None
    if db.get(OptOut, key) is not None:
        status, reason = "suppressed", "opted out"
    elif _recently_invited(db, service, key, now):
        status, reason = "suppressed", "invited within the window"
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
    return invitation, True


def deliver(runtime: Runtime, invitation_id: int, now: datetime) -> Delivery:
    """Try to send one invitation now: sent, or deferred until a time it may be sent."""
    with runtime.db.transaction() as db:
        invitation = db.get(Invitation, invitation_id, with_for_update=True)
        if invitation is None or invitation.status != "scheduled":
            return Delivery("skipped")
        service = runtime.services.get(invitation.service_id)
        if service is None or db.get(OptOut, invitation.sender_key) is not None:
            _finish(invitation, "suppressed", "opted out" if service else "unknown service")
            return Delivery("suppressed")
        allowed = next_allowed_time(invitation.phone or "", service, now)
        if allowed > now:
            return Delivery("deferred", allowed)
        if not _take_rate_slot(runtime, service, now):
            return Delivery("deferred", now + timedelta(seconds=60))
        try:
            with db.begin_nested():
                body = _opening_text(db, invitation, service, now)
                message = _send_sms(runtime, service, invitation.phone or "", body)
        except UndeliverableInvitation as error:
            invitation.error_code = error.code
            _finish(invitation, "failed", str(error)[:64])
            log.warning("invitation %s refused by Twilio (%s)", invitation.id, error.code)
            return Delivery("failed")
        invitation.status = "sent"
        invitation.message_sid = message.sid
        invitation.sent_at = now
        hours = service.invitations.get("reminder_after_hours")
        if hours:
            invitation.reminder_due_at = now + timedelta(hours=hours)
        else:
            invitation.phone = None
        log.info("invitation %s sent for service %s", invitation.id, service.id)
        return Delivery("sent")


def remind(runtime: Runtime, invitation_id: int, now: datetime) -> Delivery:
    """The one optional reminder, unless the person answered or said STOP; then drop the number."""
    from channels.sms import render_prompt
    from feedbot import engine
    from feedbot.i18n import _, gettext_for

    with runtime.db.transaction() as db:
        invitation = db.get(Invitation, invitation_id, with_for_update=True)
        if invitation is None or invitation.phone is None or invitation.reminded_at:
            return Delivery("skipped")
        service = runtime.services.get(invitation.service_id)
        conversation = db.get(Conversation, invitation.conversation_id or 0)
        if (
            service is None
            or conversation is None
            or conversation.answered
            or conversation.status != "active"
            or db.get(OptOut, invitation.sender_key) is not None
        ):
            invitation.phone = None
            return Delivery("skipped")
        allowed = next_allowed_time(invitation.phone, service, now)
        if allowed > now:
            return Delivery("deferred", allowed)
        session = engine.Session(conversation.flow_id, conversation.language, conversation.question)
        prompt = engine.question_prompt(service.flow, service.context, session)
        lead = gettext_for(conversation.language)(_("Reminder from {agency}:")).format(
            agency=service.agency
        )
        text = f"{lead}\n{render_prompt(prompt, conversation.language)}"
        _send_sms(runtime, service, invitation.phone, text)
        invitation.reminded_at = now
        invitation.phone = None
        return Delivery("sent")


def record_status(db: DbSession, message_sid: str, status: str, error_code: int | None) -> bool:
    """A Twilio status callback for an invitation's message; False if the sid is unknown."""
    invitation = db.scalar(select(Invitation).filter_by(message_sid=message_sid))
    if invitation is None:
        return False
    # Callbacks can arrive out of order: a late "sent" must not undo "delivered".
    if _STATUS_ORDER.get(status, 0) < _STATUS_ORDER.get(invitation.status, 0):
        return True
    invitation.status = status
    invitation.error_code = error_code
    if error_code == UNSUBSCRIBED_CODE and db.get(OptOut, invitation.sender_key) is None:
        # The carrier says this person unsubscribed: treat it as their STOP.
        db.add(OptOut(sender_key=invitation.sender_key, opted_out_at=datetime.now(UTC)))
    if status in {"undelivered", "failed"} and error_code in UNDELIVERABLE_CODES:
        # The number cannot receive texts: no reminder, and no reason to keep it.
        invitation.phone = None
        invitation.reminder_due_at = None
        invitation.reason = f"undeliverable ({error_code})"
    return True


def next_allowed_time(phone: str, service: Service, now: datetime) -> datetime:
    """`now` if it is inside quiet-hours' allowed window where the person is, else the next
    opening of that window (in the number's time zone when it has one, else the service's)."""
    zone = ZoneInfo(_time_zone(phone, service))
    start_text, end_text = service.invitations.get("quiet_hours", DEFAULT_QUIET_HOURS)
    start, end = time.fromisoformat(start_text), time.fromisoformat(end_text)
    local = now.astimezone(zone)
    if start <= local.time() < end:
        return now
    day = local.date() if local.time() < start else local.date() + timedelta(days=1)
    return datetime.combine(day, start, zone).astimezone(UTC)


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


def _send_sms(runtime: Runtime, service: Service, phone: str, body: str) -> Any:
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
    callback = f"{settings.public_url}/twilio/status" if settings.public_url else None
    try:
        return client.messages.create(to=phone, body=body, status_callback=callback, **sender)
    except TwilioRestException as error:
        if error.status == 429 or error.status >= 500:
            raise  # RQ retries the job with backoff
        raise UndeliverableInvitation(error.code, error.msg) from error
    except requests.RequestException as error:
        if _never_reached_twilio(error):
            raise  # nothing was sent: RQ retries the job with backoff
        # Twilio may have taken the message before the answer was lost; sending again could
        # text the person twice, which is worse than one invitation too few.
        unknown = f"no answer from Twilio, may have been sent ({type(error).__name__})"
        raise UndeliverableInvitation(None, unknown) from error


def _never_reached_twilio(error: requests.RequestException) -> bool:
    """True when the request cannot have reached Twilio: no connection was ever made."""
    if isinstance(error, requests.ConnectTimeout):
        return True
    reason = getattr(error.args[0], "reason", None) if error.args else None
    return isinstance(error, requests.ConnectionError) and isinstance(
        reason, (NewConnectionError, NameResolutionError)
    )


class UndeliverableInvitation(Exception):
    """Twilio refused the message for good (e.g. an invalid or unsubscribed number)."""

    def __init__(self, code: int | None, message: str) -> None:
        super().__init__(f"Twilio refused the message ({code}): {message}" if code else message)
        self.code = code


def _take_rate_slot(runtime: Runtime, service: Service, now: datetime) -> bool:
    if runtime.settings.redis_url is None:
        return True
    limit = service.invitations.get("rate_per_minute", DEFAULT_RATE_PER_MINUTE)
    key = f"feedbot:invite-rate:{service.id}:{now:%Y%m%d%H%M}"
    redis = Redis.from_url(runtime.settings.redis_url)
    used = redis.incr(key)
    redis.expire(key, 120)
    return used <= limit


def _recently_invited(db: DbSession, service: Service, key: str, now: datetime) -> bool:
    window = timedelta(days=service.invitations.get("window_days", DEFAULT_WINDOW_DAYS))
    return (
        db.scalar(
            select(Invitation.id).where(
                Invitation.service_id == service.id,
                Invitation.sender_key == key,
                Invitation.status.not_in(("suppressed", "failed", "undelivered")),
                Invitation.created_at > now - window,
            )
        )
        is not None
    )


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


def _time_zone(phone: str, service: Service) -> str:
    try:
        zones = phone_timezones.time_zones_for_number(phonenumbers.parse(phone))
    except phonenumbers.NumberParseException:
        zones = ()
    return zones[0] if len(zones) == 1 and zones[0] != "Etc/Unknown" else service.timezone


def _finish(invitation: Invitation, status: str, reason: str) -> None:
    invitation.status = status
    invitation.reason = reason
    invitation.phone = None
