"""SMS channel: Twilio Messaging webhooks in, TwiML replies out."""

from __future__ import annotations

import logging
import re
import unicodedata
from datetime import UTC, datetime

from flask import Blueprint, Response, abort, request
from twilio.twiml.messaging_response import MessagingResponse

from channels.twilio_request import (
    caller_keys,
    service_called,
    small_number,
    twilio_sid,
    twilio_signed,
)
from feedbot.conversations import Inbound, Outcome, clean_reply_text, handle_reply
from feedbot.engine import Prompt, Reply
from feedbot.i18n import _, gettext_for
from feedbot.keywords import keyword_named
from feedbot.languages import LANGUAGES
from feedbot.runtime import current_runtime
from feedbot.segments import fold_to_gsm7
from feedbot.services import Service

log = logging.getLogger(__name__)
blueprint = Blueprint("sms", __name__)
RIGHT_TO_LEFT_MARK = "\u200f"
# Twilio writes a phone's number in E.164 ("+12025550143"). A short code ("729725") or a sender
# name ("USPS") is a business's automated system: no person would answer a survey opened for
# it, and its automatic replies would answer ours.
_PERSON_SENDER = re.compile(r"\+[1-9][0-9]{6,14}")


@blueprint.post("/twilio/sms")
@twilio_signed
def inbound_sms() -> Response:
    """Apply one text message to the sender's survey and answer with the next prompt."""
    runtime = current_runtime()
    service = service_called("sms")
    keys = caller_keys("From")
    if keys is None:
        abort(400, "From is required")
    if not _PERSON_SENDER.fullmatch(request.form.get("From", "").strip()):
        log.info("sms to service %s from a short code or sender name: no survey", service.id)
        return twiml_reply("")
    key, *former_keys = keys
    inbound = Inbound(
        service=service,
        channel="sms",
        thread_key=key,
        sender_key=key,
        former_sender_keys=tuple(former_keys),
        reply=Reply(text=clean_reply_text(request.form.get("Body", ""), runtime.settings)),
        received_at=datetime.now(UTC),
        message_id=twilio_sid("MessageSid"),
        honours_carrier_keywords=True,
        recognised_keyword=keyword_named(request.form.get("OptOutType", "")),
    )
    with runtime.db.transaction() as db:
        outcome = handle_reply(db, inbound, runtime.settings.idle_expiry)
    return twiml_reply(render_sms(outcome, service))


@blueprint.post("/twilio/status")
@twilio_signed
def message_status() -> Response:
    """Delivery status callbacks for invitations: queued, sent, delivered, undelivered, failed."""
    from feedbot.invitations import record_status

    runtime = current_runtime()
    with runtime.db.transaction() as db:
        known = record_status(
            db,
            twilio_sid("MessageSid") or "",
            request.form.get("MessageStatus", ""),
            # Twilio's error codes have five digits; nine fit any integer column.
            small_number(request.form.get("ErrorCode", ""), 9),
            runtime.settings.redis_url,
        )
    if not known:
        abort(404, "no invitation was sent with this MessageSid")
    return Response(status=204)


def twiml_reply(text: str) -> Response:
    response = MessagingResponse()
    if text:
        response.message(text)
    return Response(str(response), mimetype="text/xml")


def render_sms(outcome: Outcome, service: Service) -> str:
    """The whole reply as one text message (one message keeps the parts in order)."""
    own = _right_to_left if LANGUAGES[outcome.language].rtl else str
    parts = [own(note) for note in outcome.notes]
    for prompt in outcome.prompts:
        if prompt.kind == "notice":
            stop = gettext_for(outcome.language)(_("Reply STOP to opt out."))
            parts.append(own(f"{prompt.text} {stop}"))
            # Each offer is in its own language, and laid out as its words say.
            parts.extend(_language_offers(service, outcome.language))
        else:
            parts.append(own(render_prompt(prompt, outcome.language)))
    return _folded("\n".join(part for part in parts if part), outcome.language)


def sms_text(parts: list[str], language: str) -> str:
    """Parts of one text message in `language` (a reminder's), laid out as render_sms lays
    out a reply's: right to left where the language is written so, and folded to GSM-7 where
    that keeps the message shorter."""
    own = _right_to_left if LANGUAGES[language].rtl else str
    return _folded("\n".join(own(part) for part in parts if part), language)


def _folded(text: str, language: str) -> str:
    return fold_to_gsm7(text) if LANGUAGES[language].sms_folds_accents else text


def render_prompt(prompt: Prompt, language: str) -> str:
    """One prompt as text: the question, its numbered choices and how to answer."""
    gettext = gettext_for(language)
    if prompt.kind not in {"question", "retry"}:
        return prompt.text
    lines = [] if prompt.kind == "question" else [_retry_reason(prompt, language)]
    lines.append(prompt.text)
    if prompt.question_type == "scale":
        lines.extend(f"{choice.value} {choice.label}" for choice in prompt.choices)
    elif prompt.question_type == "multi":
        lines.extend(f"{choice.position} {choice.label}" for choice in prompt.choices)
        lines.append(gettext(_("Reply with all numbers that apply (e.g. 1 3) or SKIP.")))
    if prompt.optional and prompt.question_type != "multi":  # a flow's own optional scale too
        lines.append(gettext(_("Or reply SKIP.")))
    return "\n".join(lines)


def _retry_reason(prompt: Prompt, language: str) -> str:
    gettext = gettext_for(language)
    if prompt.reason == "required":
        return gettext(_("This question needs an answer."))
    if prompt.question_type == "scale":
        values = [choice.value for choice in prompt.choices]
        if len(values) == 2:
            # Thumbs up or down: "a number from 0 to 1" reads as if 0.5 were an answer.
            first, second = values
            return gettext(_("Sorry, please reply {first} or {second}.")).format(
                first=first, second=second
            )
        return gettext(_("Sorry, please reply with a number from {low} to {high}.")).format(
            low=min(values), high=max(values)
        )
    if prompt.question_type == "multi":
        return gettext(_("Sorry, please reply with numbers from the list."))
    return gettext(_("Sorry, please reply with a few words."))


def _right_to_left(text: str) -> str:
    """Each line of a right-to-left language's text that begins with a left-to-right word
    (the agency's name, "OMB") marked right-to-left: a phone lays a line out in the
    direction of its first letter, and the Arabic notice read in the wrong order."""
    return "\n".join(
        RIGHT_TO_LEFT_MARK + line if _first_strong_direction(line) == "L" else line
        for line in text.split("\n")
    )


def _first_strong_direction(line: str) -> str | None:
    """The direction of the line's first letter that has one, "L" or "R" (bidi rule P2)."""
    for char in line:
        direction = unicodedata.bidirectional(char)
        if direction == "L":
            return "L"
        if direction in {"R", "AL"}:
            return "R"
    return None


def _language_offers(service: Service, current: str) -> list[str]:
    # Each offer is written in the language it offers, so a reader finds their own.
    return [
        gettext_for(code)(_("Reply {keyword} for {language}.")).format(
            keyword=LANGUAGES[code].sms_keyword, language=LANGUAGES[code].native_name
        )
        for code in service.languages
        if code != current
    ]
