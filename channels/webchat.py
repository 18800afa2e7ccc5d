"""Web chat channel: a JSON API for the embeddable widget, and a standalone survey page."""

from __future__ import annotations

import json
import logging
import re
import secrets
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, Literal

from babel import Locale, UnknownLocaleError, negotiate_locale
from flask import Blueprint, Response, abort, jsonify, render_template, request
from flask.json.provider import DefaultJSONProvider
from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from feedbot import engine
from feedbot.conversations import (
    Inbound,
    Outcome,
    clean_reply_text,
    clean_transaction_id,
    handle_reply,
    sat_idle,
    start_conversation,
)
from feedbot.engine import Prompt, Reply
from feedbot.flows import END, Flow
from feedbot.i18n import _, format_local_date, gettext_for
from feedbot.identity import keyed_hash
from feedbot.languages import LANGUAGES
from feedbot.models import Contact, Conversation, InboundMessage
from feedbot.rate_limits import limiter
from feedbot.runtime import current_runtime
from feedbot.services import Service
from feedbot.web_security import chat_page_policy

log = logging.getLogger(__name__)
blueprint = Blueprint(
    "webchat",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)

MAX_TEXT = 2_000
# The widget's answer ids are hex; any client's must at least be plain ASCII to be hashed.
_ANSWER_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
CHANNEL = "webchat"
# The catalogs name Chinese by script, and Babel's likely subtags give a browser's zh-TW or
# zh-Hant-HK its script; a bare "zh" means Simplified. Chrome calls Tagalog "fil" (Filipino).
_LOCALE_ALIASES = {"zh": "zh_Hans", "fil": "tl"}
# What joins the choices a visitor picked, where a language writes a list with something other
# than ", " (CLDR's own list patterns put "and" in Arabic's: "{0} و{1}").
_LIST_SEPARATORS = {"zh_Hans": "、", "zh_Hant": "、", "ar": "، "}
# Why an answer that names its question is refused with a 409: the survey left it
# (_moved_on), or its answer_id came before with another answer (handle_reply's "id_reused"),
# which the first delivery stored or, not read, did not (the 409's first_stored), or the
# survey closed before it ended (_closed_before: idle, say), where the answer, or its first
# delivery, stored something only if it came before the close.
Refusal = Literal["moved_on", "answer_id_reused", "closed"]
_REFUSALS: dict[Refusal, str] = {
    "moved_on": "the survey has moved on: this question was answered in another window",
    "answer_id_reused": "this answer_id came before with another answer: this one was not applied",
    "closed": "the survey has closed: this answer was not applied",
}


class HtmlSafeJSONProvider(DefaultJSONProvider):
    """The app's JSON: strings that cannot be mistaken for markup if a page ever injects them,
    and request bodies nested too deeply to parse refused as invalid JSON."""

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        text = super().dumps(obj, **kwargs)
        return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            return super().loads(s, **kwargs)
        except RecursionError as error:
            # 100,000 "[" fit in a request body; request.get_json() treats ValueError as
            # invalid JSON, where a RecursionError would be a 500.
            raise ValueError("JSON nested too deeply") from error


@blueprint.post("/api/chat/sessions")
@limiter.limit(lambda: current_runtime().settings.chat_start_limit)
def start_session() -> Response:
    """Start a survey: {service, language?, transaction_id?} → {session, messages, done}."""
    body = _json_body()
    service = _service_or_404(str(body.get("service", "")))
    _require_allowed_origin(service)
    language = _language(service, body.get("language"))
    token = secrets.token_urlsafe(32)
    inbound = replace(
        _inbound(service, token, Reply(), language=language),
        transaction_id=_transaction_id(body),
    )
    with current_runtime().db.transaction() as db:
        outcome = start_conversation(db, inbound)
    log.info("web chat session started for service %s", service.id)
    return _cors(service, jsonify(_payload(token, outcome)), status=201)


@blueprint.post("/api/chat/messages")
@limiter.limit(
    lambda: current_runtime().settings.chat_session_limit,
    key_func=lambda: "chat-session:" + _session_key(_bearer_token() or ""),
    # No session, no per-session count: the view's clean 401. A key function that refused
    # it failed the limiter's whole check, which logged an ERROR with its traceback, fell
    # back to in-memory counts as if Redis were down, and skipped the per-address limit.
    exempt_when=lambda: _bearer_token() is None,
)
@limiter.limit(lambda: current_runtime().settings.chat_address_limit)
def send_message() -> Response:
    """One answer: {text} or {value} (a list of values for choose-all questions), or
    {language} to change the survey's language before the first answer. An answer may carry
    an `answer_id`, sent again when the widget retries it, and the `question` it answers. One
    the survey has moved on from (another window answered it), or whose `answer_id` was
    applied before to another answer, is not applied but refused with a 409 that holds the
    transcript and says which (`reason`).

    The session token travels in `Authorization: Bearer`, never in the URL, so no access log
    of a proxy or platform router records it.
    """
    session = _session_token()
    body = _json_body()
    runtime = current_runtime()
    # One transaction for the session's lookup and the turn: one pool checkout and commit.
    with runtime.db.transaction() as db:
        # Locked first, so the question an answer is checked against is the one the turn
        # applies it to: another window's answer to it commits before, or waits.
        service, contact = _session_or_404(db, session, lock=True)
        _require_allowed_origin(service)
        if "language" in body:
            conversation = db.get(Conversation, contact.conversation_id)
            inbound = _inbound(service, session, _language_switch(service, conversation, body))
        else:
            reply, message_id, asked = _reply(body), _answer_id(session, body), _asked(body)
            moved_on = _moved_on(db, service, contact, asked, message_id)
            if moved_on is not None:
                return _refused(service, session, "moved_on", moved_on)
            _check_values(service, asked, reply)
            # The session's survey began with it (start_session): an answer to one of its
            # questions never begins another, which would drop it unsaid.
            inbound = replace(
                _inbound(service, session, reply),
                message_id=message_id,
                question=asked,
                opens_survey=asked is None,
            )
        outcome = handle_reply(db, inbound, runtime.settings.idle_expiry)
        if outcome.disposition == "id_reused":
            conversation = db.get_one(Conversation, outcome.conversation_id)
            return _refused(
                service, session, "answer_id_reused", conversation, outcome.first_stored
            )
        # Only a turn that left no open survey behind may have met one closed.
        ended = outcome.finished or outcome.conversation_id is None
        if inbound.question is not None and ended:
            closed = _closed_before(db, service, contact)
            if closed is not None:
                return _refused(service, session, "closed", closed, outcome.first_stored)
    return _cors(service, jsonify(_payload(session, outcome)))


@blueprint.get("/api/chat/transcript")
@limiter.limit(lambda: current_runtime().settings.chat_address_limit)
def transcript() -> Response:
    """Everything said so far, so a reload resumes where the visitor left off."""
    session = _session_token()
    with current_runtime().db.transaction() as db:
        service, contact = _session_or_404(db, session)
        _require_allowed_origin(service)
        conversation = db.get(Conversation, contact.conversation_id)
        if conversation is None:
            # Its row removed by hand: lost like a session the database never had.
            abort(404, "no such chat session")
        payload = _transcript_payload(service, session, conversation)
    return _cors(service, jsonify(payload))


@blueprint.get("/api/chat/config/<service_id>")
def widget_config(service_id: str) -> Response:
    """What the widget shows before a survey starts: its labels, languages and colours."""
    service = _service_or_404(service_id)
    _require_allowed_origin(service)
    language = _language(service, request.args.get("language"))
    return _cors(service, jsonify(widget_settings(service, language)))


@blueprint.before_request
def preflight() -> Response | None:
    """CORS preflight: answered for the origins some service lists, refused otherwise."""
    if request.method != "OPTIONS":
        return None
    origin = request.headers.get("Origin", "")
    if not _listed_origin(origin):
        return _error(403, "origin not allowed")
    response = Response(status=204)
    response.headers["Access-Control-Allow-Origin"] = origin
    response.headers["Access-Control-Allow-Methods"] = "GET, POST"
    response.headers["Access-Control-Allow-Headers"] = "Authorization, Content-Type"
    response.headers["Access-Control-Max-Age"] = "600"
    response.headers["Vary"] = "Origin"
    return response


@blueprint.after_request
def let_listed_origins_read_refusals(response: Response) -> Response:
    """A refusal (404 lost session, 429, 503) carries CORS too: the browser hides a response
    without it, and the widget on an agency's page would take a lost session or a rate
    limit for a network failure, and say only "Something went wrong" at each retry.

    The settings' refusal is readable from any origin: a page no service lists (not added
    yet) learns "origin not allowed" at once and its widget stops asking, where a hidden 403
    looked like a network failure and was asked again. Its body is that one fixed error."""
    origin = request.headers.get("Origin", "")
    if (
        request.path.startswith("/api/chat/")
        and "Access-Control-Allow-Origin" not in response.headers
        and origin
        and (_listed_origin(origin) or request.path.startswith("/api/chat/config/"))
    ):
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Vary"] = "Origin"
    return response


@blueprint.get("/chat/<service_id>")
def standalone_page(service_id: str) -> Response:
    """The survey full-page, for links in e-mails and receipts, with the PRA notice shown."""
    service = _service_or_404(service_id)
    language = _language(service, request.args.get("language"))
    page = render_template(
        "chat_page.html",
        service=service,
        settings=widget_settings(service, language),
        language=language,
    )
    response = Response(page, mimetype="text/html")
    response.headers["Content-Security-Policy"] = chat_page_policy(service.webchat_origins)
    return response


def widget_settings(service: Service, language: str) -> dict[str, Any]:
    gettext = gettext_for(language)
    return {
        "service": service.id,
        "language": language,
        "dir": _direction(language),
        "languages": [
            {"code": code, "name": LANGUAGES[code].native_name} for code in service.languages
        ],
        "accent_color": service.accent_color or "#005ea2",
        "omb": gettext(_("OMB Control No. {number} · Expires {date}")).format(
            number=service.omb_control_number,
            date=format_local_date(service.omb_expiration, language),
        ),
        "strings": {
            "launcher": gettext(_("Give feedback")),
            "title": gettext(_("{agency} feedback")).format(agency=service.agency_in(language)),
            "service_name": service.name_in(language),
            "close": gettext(_("Close feedback")),
            "send": gettext(_("Send")),
            "answer_label": gettext(_("Your answer")),
            "characters_left": gettext(_("Characters left: {count}")),
            "skip": gettext(_("Skip")),
            "submit_choices": gettext(_("Submit choices")),
            "language": gettext(_("Language")),
            "language_fixed": gettext(
                _("The language can be changed only before the first answer.")
            ),
            "you": gettext(_("You")),
            "error": gettext(_("Something went wrong. Please try again.")),
            "not_sent": gettext(
                _("Your answer was not sent. Check your connection and try again.")
            ),
            "too_many": gettext(
                _("Too many messages at once. Please wait a minute, then try again.")
            ),
            "sending": gettext(_("Sending…")),
            "conversation": gettext(_("Conversation")),
            "choose_first": gettext(_("Choose at least one answer first.")),
            "choose_one": gettext(_("Choose an answer first.")),
            "type_first": gettext(_("Type your answer first.")),
            "choose_all": gettext(_("Choose all that apply.")),
            "list_separator": _list_separator(language),
            "limit_reached": gettext(_("You have reached the limit of {count} characters.")),
            "text_cut": gettext(
                _("Answers can have up to {count} characters: the rest was left out.")
            ),
            "retry": gettext(_("Try again")),
            "start_new": gettext(_("Start a new survey")),
            "moved_on": gettext(
                _("This survey moved on in another window, so this answer was not saved.")
            ),
            "first_kept": gettext(_("Your first answer was saved after all, so it was kept.")),
            "first_unused": gettext(
                _(
                    "Your first answer reached us after all but could not be used, so neither "
                    "answer was saved."
                )
            ),
            "closed": gettext(
                _("This answer came after the survey had closed, so it was not saved.")
            ),
            "closed_kept": gettext(
                _(
                    "This answer came after the survey had closed, so it was not saved. Your "
                    "earlier answers were kept."
                )
            ),
            "closed_saved": gettext(_("This answer was saved before the survey closed.")),
            "lost": gettext(
                _("Your earlier answers could not be found, so the survey has started again.")
            ),
        },
        "max_length": MAX_TEXT,
    }


def _payload(session: str, outcome: Outcome) -> dict[str, Any]:
    return {
        "session": session,
        "language": outcome.language,
        "dir": _direction(outcome.language),
        "messages": [_note(text) for text in outcome.notes]
        + [_message(prompt, outcome.language) for prompt in outcome.prompts],
        "done": outcome.finished,
    }


def _message(prompt: Prompt, language: str) -> dict[str, Any]:
    text = prompt.text
    if prompt.kind == "retry":
        gettext = gettext_for(language)
        reason = (
            gettext(_("This question needs an answer."))
            if prompt.reason == "required"
            else gettext(_("Sorry, please choose from the options or write a short answer."))
        )
        text = f"{reason} {text}"
    message: dict[str, Any] = {"role": "bot", "kind": prompt.kind, "text": text}
    if prompt.question_id:
        message.update(
            question=prompt.question_id,
            input="text" if prompt.question_type == "text" else "choice",
            multiple=prompt.question_type == "multi",
            optional=prompt.optional,
            choices=[{"value": c.value, "label": c.label} for c in prompt.choices],
        )
    return message


def _note(text: str) -> dict[str, Any]:
    return {"role": "bot", "kind": "note", "text": text}


def _transcript_payload(
    service: Service, session: str, conversation: Conversation
) -> dict[str, Any]:
    return {
        "session": session,
        "language": conversation.language,
        "dir": _direction(conversation.language),
        "messages": _transcript(service, conversation),
        "done": not _goes_on(service, conversation),
    }


def _transcript(service: Service, conversation: Conversation) -> list[dict[str, Any]]:
    """Rebuilt from the stored answers: nothing but the answers themselves is kept.

    The flow may have changed since the visitor answered (a question removed or renamed, a
    choice dropped): what it no longer has is left out, so the rest can still be shown. A
    500 here was the widget's "Something went wrong" at every reload, for ever."""
    language = conversation.language
    gettext = gettext_for(language)
    flow, context = service.flow, service.context
    messages = [_message(engine.notice_prompt(flow, context, language), language)]
    for answer in conversation.answers:
        question = flow.questions.get(answer.question_id)
        if question is None:
            # Its question's words are gone with it; an answer alone would make no sense.
            continue
        asked = engine.Session(flow.id, language, question.id)
        messages.append(_message(engine.question_prompt(flow, context, asked), language))
        if answer.status == "unanswered":
            # Given up on after three replies it could not read, none of them kept: the
            # visitor did not skip it.
            messages.append(_message(engine.moving_on_prompt(language), language))
        else:
            said = _said(question, answer, gettext, _list_separator(language))
            messages.append({"role": "visitor", "text": said})
    if _goes_on(service, conversation):
        session = engine.Session(flow.id, language, conversation.question, answered=True)
        messages.append(_message(engine.question_prompt(flow, context, session), language))
    elif _reached_the_end(flow, conversation):
        # Complete, or abandoned with every question skipped: the visitor saw the thanks.
        messages.append(_message(engine.closing_prompt(flow, context, language), language))
    else:
        # Closed while idle, or on a question the flow no longer has (it cannot go on): what
        # a reply to it would be told.
        closed = engine.Session(flow.id, language, None)
        prompts = engine.advance(flow, context, closed, Reply()).prompts
        messages.extend(_message(prompt, language) for prompt in prompts)
    return messages


def _goes_on(service: Service, conversation: Conversation) -> bool:
    """Whether the survey waits for an answer: open, on a question its flow still has, and
    not idle past the expiry (the sweep that closes it may not have run yet; the next answer
    would be told it has closed)."""
    idle_expiry = current_runtime().settings.idle_expiry
    return (
        conversation.status == "active"
        and conversation.question in service.flow.questions
        and not sat_idle(conversation.last_activity_at, datetime.now(UTC), idle_expiry)
    )


def _reached_the_end(flow: Flow, conversation: Conversation) -> bool:
    """Whether the last answer led out of the flow (a survey closed idle stopped before)."""
    if not conversation.answers:
        return False
    last = conversation.answers[-1]
    question = flow.questions.get(last.question_id)
    if question is None:
        # Its question gone from the flow: where it led is not known any more.
        return conversation.status == "complete"
    value = tuple(last.value) if isinstance(last.value, list) else last.value
    return question.next_after(value) == END


def _said(question, answer, gettext, separator: str) -> str:  # type: ignore[no-untyped-def]
    if answer.status == "skipped":
        return gettext(_("Skip"))
    if question.type == "text":
        return str(answer.value if answer.value is not None else answer.raw_text or "")
    values = answer.value if isinstance(answer.value, list) else [answer.value]
    return separator.join(_label(question, value, gettext) for value in values)


def _list_separator(language: str) -> str:
    return _LIST_SEPARATORS.get(language, ", ")


def _label(question, value, gettext) -> str:  # type: ignore[no-untyped-def]
    """A choice's words; a choice the flow no longer offers is shown as it was stored."""
    # A multi's answer holds its values as text: choice 3 is stored as "3".
    choice = next((c for c in question.choices if str(c.value) == str(value)), None)
    return gettext(choice.label) if choice else str(value)


def _reply(body: dict[str, Any]) -> Reply:
    if body.get("skip") is True:
        return Reply(skip=True)
    if "value" in body:
        value = body["value"]
        values = value if isinstance(value, list) else [value]
        if not values or not all(isinstance(v, int | str) for v in values):
            abort(400, "value must be a choice value or a list of them")
        return Reply(values=tuple(values))
    text = body.get("text")
    if not isinstance(text, str):
        abort(400, "send {text} or {value}")
    if len(text) > MAX_TEXT:
        abort(413, f"answers are limited to {MAX_TEXT} characters")
    # As a text or a call's is: control characters dropped, and nothing else. A no-break or
    # ideographic space and an emoji's joiner are what the visitor wrote.
    return Reply(text=clean_reply_text(text, current_runtime().settings))


def _check_values(service: Service, asked: str | None, reply: Reply) -> None:
    """A 400 for `value`s the question the answer names does not offer: a client's mistake,
    which would otherwise count as a visitor's unreadable reply (three, and the question is
    given up as unanswered). Raised inside the turn's transaction, so nothing of it is kept,
    not even its answer_id. (An answer naming no question, from an earlier widget, may be one
    to a question its window no longer shows: it is asked again with the current question's
    choices, as before, where a 400 would leave it resending.)"""
    question = service.flow.questions.get(asked) if asked is not None else None
    if reply.values is None or question is None:
        return
    refused = engine.values_refused(question, reply.values)
    if refused is not None:
        abort(400, refused)


def _answer_id(session: str, body: dict[str, Any]) -> str | None:
    """The answer's delivery id, keyed to its session: a retry of an answer already applied
    (its reply lost on the way) changes nothing and is told what the survey asks now."""
    answer_id = body.get("answer_id")
    if answer_id is None:
        return None
    if not isinstance(answer_id, str) or not _ANSWER_ID.fullmatch(answer_id):
        abort(400, "answer_id must be 1 to 64 letters, digits, '-' or '_'")
    return keyed_hash(f"chat-answer:{session}:{answer_id}", current_runtime().settings.secret_key)


def _asked(body: dict[str, Any]) -> str | None:
    """The id of the question the visitor's window showed, if the client says (an earlier
    widget does not: its answer is taken for one to the current question)."""
    asked = body.get("question")
    if asked is not None and not isinstance(asked, str):
        abort(400, "question must be the id of the question answered")
    return asked


def _moved_on(
    db: DbSession,
    service: Service,
    contact: Contact,
    asked: str | None,
    message_id: str | None,
) -> Conversation | None:
    """The session's survey, if it has left `asked`: a second window of the same session (a
    duplicated tab shares it) answered it meanwhile. Applied, the answer was read as one to a
    question that window never showed, or refused with a strike against it. A survey closed
    while idle has not moved on: it answers as it always has. Nor has it for a retry of an
    answer already delivered, which moved it on itself: the conversation layer tells it what
    the survey asks now, or refuses it if it carries another answer (answer_id_reused)."""
    if asked is None or (message_id is not None and _delivered(db, message_id)):
        return None
    conversation = db.get(Conversation, contact.conversation_id)
    if conversation is None:
        return None
    if conversation.status == "active":
        moved_on = conversation.question != asked
    else:
        moved_on = _reached_the_end(service.flow, conversation)
    return conversation if moved_on else None


def _closed_before(db: DbSession, service: Service, contact: Contact) -> Conversation | None:
    """The session's survey, if it closed before its end (idle past the expiry, or on a
    question its flow no longer has), read again after the turn, which may have closed it.
    An answer to it is not applied: answered with a 200 ("This survey has closed", or, sent
    again, a finished survey's thanks), the widget showed it as said, as if it had counted."""
    conversation = db.get(Conversation, contact.conversation_id, populate_existing=True)
    if conversation is None or conversation.status == "active":
        return None
    return None if _reached_the_end(service.flow, conversation) else conversation


def _delivered(db: DbSession, message_id: str) -> bool:
    delivery = select(InboundMessage.id).filter_by(channel=CHANNEL, message_id=message_id)
    return db.scalar(delivery) is not None


def _refused(
    service: Service,
    session: str,
    reason: Refusal,
    conversation: Conversation,
    first_stored: bool = False,
) -> Response:
    """The 409 refusing an answer not applied, with the transcript: the widget shows the
    survey where it stands, and says why. `first_stored`: whether the answer first sent with
    this answer_id was stored, so the widget says "saved after all" only when it was."""
    log.info("web chat answer not applied: %s", reason)
    payload = {
        "error": _REFUSALS[reason],
        "reason": reason,
        "first_stored": first_stored,
        **_transcript_payload(service, session, conversation),
    }
    return _cors(service, jsonify(payload), 409)


def _language_switch(
    service: Service, conversation: Conversation | None, body: dict[str, Any]
) -> Reply:
    """The same session in another language, so one visitor stays one response whatever they
    pick. Checked here for a clear 400; the engine checks again under the thread's lock."""
    language = body["language"]
    if not isinstance(language, str) or language not in service.languages:
        abort(400, f"language must be one of {', '.join(service.languages)}")
    # A closed survey has no current question, so it is never on the first one.
    before_first_answer = conversation is not None and engine.may_change_language(
        service.flow,
        engine.Session(
            conversation.flow_id,
            conversation.language,
            conversation.question,
            answered=conversation.answered,
        ),
    )
    if not before_first_answer:
        abort(400, "the language can only change before the first answer")
    return Reply(language=language)


def _inbound(service: Service, session: str, reply: Reply, language: str | None = None) -> Inbound:
    return Inbound(
        service=service,
        channel=CHANNEL,
        thread_key=_session_key(session),
        reply=reply,
        received_at=datetime.now(UTC),
        language=language,
    )


def _session_key(session: str) -> str:
    """The session's keyed hash: what is stored, and what rate limits (which log) key on."""
    return keyed_hash(f"chat:{session}", current_runtime().settings.secret_key)


def _session_token() -> str:
    """The chat session token from `Authorization: Bearer <token>`; 401 without one."""
    token = _bearer_token()
    if token is None:
        abort(401, "send the session token as Authorization: Bearer <session>")
    return token


def _bearer_token() -> str | None:
    """The token of `Authorization: Bearer <token>`; None when there is none, or no such
    header, or another scheme."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _session_or_404(db: DbSession, session: str, lock: bool = False) -> tuple[Service, Contact]:
    """The session's service and contact; with `lock`, the contact's row lock is taken (the
    one a turn takes), so nothing else answers in this session until the caller commits."""
    key = _session_key(session)
    query = select(Contact).filter_by(channel=CHANNEL, thread_key=key)
    contact = db.scalar(query.with_for_update() if lock else query)
    service = current_runtime().services.get(contact.service_id) if contact else None
    if contact is None or service is None or contact.conversation_id is None:
        abort(404, "no such chat session")
    return service, contact


def _service_or_404(service_id: str) -> Service:
    """The service a chat is asked for. One the agency has not put on web chat (it lists no
    webchat_origins: an SMS or voice service) has no chat here, not even at its own page."""
    service = current_runtime().services.get(service_id)
    if service is None:
        abort(404, f"no service {service_id!r}")
    if not service.offers_web_chat:
        abort(404, f"service {service_id!r} has no web chat")
    return service


def _require_allowed_origin(service: Service) -> None:
    origin = request.headers.get("Origin")
    own = request.host_url.rstrip("/")
    if origin and origin != own and origin not in service.webchat_origins:
        log.warning("web chat request from an origin %s does not list: %s", service.id, origin)
        abort(403, "origin not allowed")


def _listed_origin(origin: str) -> bool:
    """Whether some service lists the origin: the preflight's test, and a refusal's, which
    may come before the service is known."""
    services = current_runtime().services.services.values()
    return any(origin in service.webchat_origins for service in services)


def _cors(service: Service, response: Response, status: int | None = None) -> Response:
    origin = request.headers.get("Origin")
    if origin and origin in service.webchat_origins:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Vary"] = "Origin"
    if status:
        response.status_code = status
    return response


def _language(service: Service, asked: Any) -> str:
    """The language asked for if the service offers it, else the visitor's Accept-Language
    negotiated by Babel, else the service's default."""
    if isinstance(asked, str) and asked in service.languages:
        return asked
    preferred = [
        candidate for tag in request.accept_languages.values() for candidate in _candidates(tag)
    ]
    chosen = negotiate_locale(preferred, service.languages, sep="_", aliases=_LOCALE_ALIASES)
    offered = {code.lower(): code for code in service.languages}
    return offered[chosen.lower()] if chosen else service.default_language


def _candidates(tag: str) -> list[str]:
    """A browser's language tag, then the same language with its script, then the language
    alone: each is tried before the visitor's next choice, so zh-Hant-HK finds zh_Hant
    where Babel, cutting it to zh, would find Simplified."""
    raw = tag.replace("-", "_")
    try:
        locale = Locale.parse(tag, sep="-")
    except (ValueError, UnknownLocaleError):
        return [raw]
    scripted = f"{locale.language}_{locale.script}" if locale.script else locale.language
    return list(dict.fromkeys([raw, str(locale), scripted, locale.language]))


def _direction(language: str) -> str:
    return "rtl" if LANGUAGES[language].rtl else "ltr"


def _transaction_id(body: dict[str, Any]) -> str | None:
    try:
        return clean_transaction_id(body.get("transaction_id"))
    except ValueError as error:
        abort(400, str(error))


def _json_body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(400, "send a JSON object")
    return body


def _error(status: int, message: str) -> Response:
    response = Response(json.dumps({"error": message}), status=status, mimetype="application/json")
    return response
