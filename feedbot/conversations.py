"""The conversation layer: applies one inbound reply to stored state through the engine.

Channels call `handle_reply`; it serialises replies per thread, drops duplicate
deliveries, honours opt-outs and expiry, runs the engine and stores what it decided.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import Row, bindparam, delete, exists, func, select
from sqlalchemy.orm import Session as DbSession

from feedbot import engine
from feedbot.config import Settings
from feedbot.engine import AnswerGiven, LanguageChosen, Prompt, Reply, Step, SurveyCompleted
from feedbot.flows import END
from feedbot.i18n import _, gettext_for
from feedbot.identity import log_id
from feedbot.keywords import Keyword, asks_to_stop, carrier_keyword
from feedbot.languages import language_for_keyword
from feedbot.metrics import record_closed
from feedbot.models import Answer, InboundMessage, PendingNormalization
from feedbot.services import Service
from feedbot.turn_sql import SAVED, ConversationRow, run, statements

log = logging.getLogger(__name__)

TO_NORMALIZE = "feedbot.to_normalize"
# The thread's contact row as a turn reads it: (id, conversation_id).
ContactRow = Row[tuple[int, int | None]]

# "id_reused": a repeated delivery carrying another answer than its first did, not applied.
Disposition = Literal[
    "prompts", "duplicate", "id_reused", "opted_out", "stopped", "help", "started"
]

# A survey's latest answer: the question it leads to is the one the survey was asking when it
# closed unfinished (closing forgets it).
_LATEST_ANSWER = (
    select(Answer.question_id, Answer.value)
    .where(Answer.conversation_id == bindparam("p_conversation"))
    .order_by(Answer.id.desc())
    .limit(1)
)
# Whether the survey holds its trust rating (question_1), given, skipped or given up on.
_TRUST_GIVEN = select(
    exists().where(
        Answer.conversation_id == bindparam("p_conversation"), Answer.record == "question_1"
    )
)
# When the person last gave an answer (a skip is one; a question they let pass is not): a
# call-back may resume the survey for a while after it.
_LAST_ANSWER_GIVEN = (
    select(Answer.answered_at)
    .where(Answer.conversation_id == bindparam("p_conversation"), Answer.status != "unanswered")
    .order_by(Answer.answered_at.desc())
    .limit(1)
)
# A survey its caller ended on purpose: the thread recorded a delivery "<call>:stop" for it
# (end_thread with asked_to_stop), and no call-back takes it up again.
STOP_DELIVERY = "stop"
_ENDED_BY_STOP = select(
    exists().where(
        InboundMessage.conversation_id == bindparam("p_conversation"),
        InboundMessage.message_id.endswith(f":{STOP_DELIVERY}"),
    )
)
# A transaction-scoped advisory lock (PostgreSQL): lock_person.
_LOCK_PERSON = select(func.pg_advisory_xact_lock(bindparam("p_lock")))
# A response closed again is normalized again: its outbox row, if it still waits, goes first,
# so that closing adds a new one. A drain holding that row makes the DELETE wait until the
# drain commits; the new row then brings the response back for the next drain.
_LEAVE_OUTBOX = delete(PendingNormalization).where(
    PendingNormalization.conversation_id == bindparam("p_conversation")
)
# What a survey holds for one question, and when a delivery first came: what a repeated
# delivery's first one stored (_answers_otherwise).
_ANSWER_TO = select(Answer.status, Answer.value).where(
    Answer.conversation_id == bindparam("p_conversation"),
    Answer.question_id == bindparam("p_question"),
)
_FIRST_DELIVERED_AT = select(InboundMessage.received_at).where(
    InboundMessage.channel == bindparam("p_channel"),
    InboundMessage.message_id == bindparam("p_message"),
)


@dataclass(frozen=True)
class Inbound:
    """One reply as a channel received it, already stripped of anything identifying."""

    service: Service
    channel: str
    thread_key: str
    reply: Reply
    received_at: datetime
    message_id: str | None = None
    sender_key: str | None = None
    # The sender's keyed hashes under the keys FEEDBOT_SECRET_KEY replaced: a STOP filed
    # under one of them still counts.
    former_sender_keys: tuple[str, ...] = ()
    language: str | None = None
    transaction_id: str | None = None
    honours_carrier_keywords: bool = False
    # A call's last answer may arrive after the hang-up closed its survey (Twilio's status
    # callback and the last Gather's answer reach different workers, in either order): for
    # this long after the close, an answer to the question asked then still counts.
    late_answer_grace: timedelta | None = None
    # A keyword the carrier has already recognised in the text (its own opt-out words).
    recognised_keyword: Keyword | None = None
    # A call's answers open no survey: its survey opened as the call began, and a call-back
    # that resumed it took it from the dropped call's thread (resume_survey).
    opens_survey: bool = True
    # The question the reply answers, where the channel says (web chat's widget names the one
    # it showed): a repeated delivery carrying another answer to it is refused (_duplicate).
    question: str | None = None


@dataclass(frozen=True)
class Outcome:
    """What the channel should tell the person, and in which language."""

    disposition: Disposition
    language: str
    prompts: tuple[Prompt, ...] = ()
    conversation_id: int | None = None
    public_id: str | None = None
    finished: bool = False
    notes: tuple[str, ...] = field(default=())
    # A repeated delivery's that names its question (id_reused, or a duplicate): whether its
    # first delivery stored an answer to it, or nothing (not read: asked again, or given up
    # on; or it came once the survey had closed).
    first_stored: bool = False

    @property
    def silent(self) -> bool:
        return not self.prompts and not self.notes


def handle_reply(db: DbSession, inbound: Inbound, idle_expiry: timedelta) -> Outcome:
    """Apply one reply inside the caller's transaction; the caller commits."""
    contact = _lock_contact(db, inbound)
    if inbound.message_id and not _first_delivery(db, inbound, contact):
        log.info("duplicate %s delivery ignored", inbound.channel)
        return _duplicate(db, inbound, contact)
    keyword = _keyword(inbound)
    opted_out, latest = _read_thread(db, contact, inbound)
    if keyword == "stop":
        return _opt_out(db, inbound, opted_out, latest)
    if opted_out and keyword != "start":
        log.info("reply from opted-out sender %s ignored", log_id(inbound.sender_key or ""))
        return Outcome("opted_out", inbound.service.default_language)
    if opted_out:
        _opt_in(db, inbound)
    conversation = _current_conversation(db, latest, inbound, idle_expiry)
    if keyword == "help":
        return _help(inbound, conversation)
    if conversation is None and not inbound.opens_survey:
        return _no_survey(inbound)
    if conversation is None or opted_out:
        return _begin(db, contact, inbound, resumed=opted_out, current=conversation)
    if _takes_up_the_flow(db, conversation, inbound):
        return _repeat(conversation, inbound)
    return _continue(db, conversation, inbound)


def _keyword(inbound: Inbound) -> Keyword | None:
    """The keyword a texted reply is: the one Twilio recognised, one of its default words, or
    STOP asked for in other words ("Stop please", "ALTO")."""
    if not inbound.honours_carrier_keywords:
        return None
    keyword = inbound.recognised_keyword or carrier_keyword(inbound.reply.text)
    if keyword is None and asks_to_stop(inbound.reply.text):
        return "stop"
    return keyword


def _duplicate(db: DbSession, inbound: Inbound, contact: ContactRow) -> Outcome:
    """What a repeated delivery hears: what the thread asks now. One that names its question
    and carries another answer than its first delivery stored (a web chat visitor chose again
    after a reply lost on the way) is refused: applied, it changes nothing, and being told what
    comes next had the widget show the new choice as said."""
    asked = inbound.question
    survey = None if asked is None else _conversation(db, contact.conversation_id)
    first = None if survey is None or asked is None else _first_answer(db, survey, asked)
    if survey is not None and _answers_otherwise(db, inbound, survey, first):
        log.info("duplicate %s delivery with another answer refused", inbound.channel)
        return Outcome(
            "id_reused",
            survey.language,
            conversation_id=survey.id,
            public_id=survey.public_id,
            finished=survey.status != "active",
            first_stored=first is not None,
        )
    # A text may be what began the survey, and its lost answer the notice; a call's or a
    # chat's survey began before any reply (start_conversation), with the notice then.
    outcome = _repeat_for_duplicate(db, inbound, notice=inbound.honours_carrier_keywords)
    return replace(outcome, first_stored=first is not None)


def _answers_otherwise(
    db: DbSession,
    inbound: Inbound,
    conversation: ConversationRow,
    first: tuple[str, object] | None,
) -> bool:
    """Whether a repeated delivery's reply would store something else for its question than
    the first delivery did (`first`), "nothing" included. A first reply not read stored
    nothing for the question (asked again) or, the third time, gave it up (unanswered): a
    readable one now is another answer, as is a different one read. A first delivery that
    came once the survey had closed stored nothing, and nothing said now would be stored
    either; a question the flow no longer has is read no more."""
    asked, service = inbound.question, inbound.service
    if asked is None or asked not in service.flow.questions:
        return False
    if first is None and _came_after_close(db, inbound, conversation):
        return False
    return first != _answer_read(service, conversation, asked, inbound.reply)


def _first_answer(
    db: DbSession, conversation: ConversationRow, asked: str
) -> tuple[str, object] | None:
    """The status and value a survey holds for `asked` (what a repeated delivery's first one
    stored); None when it holds none, or holds it given up on (unanswered): nothing said."""
    params = {"p_conversation": conversation.id, "p_question": asked}
    held = run(db, _ANSWER_TO, params).one_or_none()
    return None if held is None or held.status == "unanswered" else (held.status, held.value)


def _came_after_close(db: DbSession, inbound: Inbound, conversation: ConversationRow) -> bool:
    """Whether the first delivery of the inbound's message came once its survey had closed:
    it was told so, and left the survey as it was (a reply to an open survey, read or not, is
    its latest activity until the next)."""
    params = {"p_channel": inbound.channel, "p_message": inbound.message_id}
    return run(db, _FIRST_DELIVERED_AT, params).scalar_one() > conversation.last_activity_at


def _answer_read(
    service: Service, conversation: ConversationRow, asked: str, reply: Reply
) -> tuple[str, object] | None:
    """The status and value `reply` gives as an answer to `asked`, as they are stored: the
    engine reads it, so "5" and 5 are one choice, and so are choices picked in another order.
    None for a reply it cannot read."""
    session = engine.Session(service.flow.id, conversation.language, asked)
    for event in engine.advance(service.flow, service.context, session, reply).events:
        if isinstance(event, AnswerGiven) and event.status != "unanswered":
            value = list(event.value) if isinstance(event.value, tuple) else event.value
            return event.status, value
    return None


def _repeat_for_duplicate(db: DbSession, inbound: Inbound, *, notice: bool) -> Outcome:
    """A delivery repeats when the sender never got our answer (Twilio retries a webhook that
    timed out or failed), so the answer is what the thread asks now — unless it said STOP.
    With `notice`, the lost answer may have begun the survey."""
    if _texting_opted_out(db, inbound):
        return Outcome("duplicate", inbound.service.default_language)
    # Until something is answered, the lost answer began with the notice (OMB control number,
    # how to stop): it is sent again with the question.
    outcome = replace(
        current_prompts(db, inbound, notice_until_answered=notice), disposition="duplicate"
    )
    if [prompt.kind for prompt in outcome.prompts] == ["already_closed"] and _finished_it(
        db, inbound, outcome.conversation_id
    ):
        # The lost answer was to the survey's last question: it was the thanks.
        service = inbound.service
        closing = engine.closing_prompt(service.flow, service.context, outcome.language)
        outcome = replace(outcome, prompts=(closing,))
    return outcome


def _finished_it(db: DbSession, inbound: Inbound, conversation_id: int | None) -> bool:
    """Whether the repeated delivery's first one finished its survey (answered its last
    question), so the answer lost was the thanks: not when the survey closed idle, before or
    after that delivery, which was then told the survey had closed or asked the next question."""
    conversation = _conversation(db, conversation_id)
    return (
        conversation is not None
        and conversation.status == "complete"
        and not _came_after_close(db, inbound, conversation)
    )


def _texting_opted_out(db: DbSession, inbound: Inbound) -> bool:
    # STOP is about text messages: it silences texting channels, not a call the person made.
    return (
        inbound.honours_carrier_keywords
        and inbound.sender_key is not None
        and (
            bool(run(db, statements(db).opted_out, {"p_sender": inbound.sender_key}).scalar())
            or _opted_out_under_a_former_key(db, inbound)
        )
    )


def _opted_out_under_a_former_key(db: DbSession, inbound: Inbound) -> bool:
    """Whether the sender's STOP is filed under a key FEEDBOT_SECRET_KEY replaced: one more
    query, and only while FEEDBOT_PREVIOUS_SECRET_KEYS is set."""
    if not inbound.former_sender_keys:
        return False
    params = {"p_senders": list(inbound.former_sender_keys)}
    return bool(run(db, statements(db).opted_out_any, params).scalar())


def start_conversation(db: DbSession, inbound: Inbound) -> Outcome:
    """Open a survey on a thread without waiting for the person to write first; a repeated
    delivery of the opening (a call's first webhook retried) opens nothing more."""
    contact = _lock_contact(db, inbound)
    if inbound.message_id and not _first_delivery(db, inbound, contact):
        log.info("duplicate %s opening ignored", inbound.channel)
        return _repeat_for_duplicate(db, inbound, notice=True)
    return _begin(db, contact, inbound, resumed=False, current=None)


def survey_to_resume(db: DbSession, inbound: Inbound, within: timedelta) -> ConversationRow | None:
    """The sender's survey a call-back may offer to go on with (`_resume_point`), or None.
    Nothing changes or is locked: the caller is asked first, and `resume_survey` checks again
    when they say yes."""
    latest = _latest_of_sender(db, inbound)
    if latest is None or _resume_point(db, latest, inbound, within) is None:
        return None
    return latest


def resume_survey(db: DbSession, inbound: Inbound, within: timedelta) -> Outcome | None:
    """Go on with the sender's survey on a new thread: a caller whose call dropped mid-survey
    called the service back and asked to continue it. The survey the dropped call left (see
    `_resume_point`) opens again on the question it was asking, and the new thread takes it
    from the old one, so the person stays one response; None when there is none. A repeated
    delivery of the message that resumed it resumes nothing more.

    The response keeps its id: its record, if the drain wrote it, is rewritten when the survey
    closes again, and its outbox row, if it still waits, goes (`_LEAVE_OUTBOX`)."""
    latest = _latest_of_sender(db, inbound)
    if latest is None or (
        latest.status != "active" and _resume_point(db, latest, inbound, within) is None
    ):
        return None
    contact = _lock_contact(db, inbound)
    if contact.conversation_id is not None:  # the thread's first message delivered again
        return _resumed_before(db, inbound, contact, latest)
    # The dropped call's thread may be taking its last answer: wait for it, then read again.
    run(db, statements(db).lock_threads, {"p_conversation": latest.id})
    conversation = _conversation(db, latest.id)
    if conversation is None or conversation.status == "active":
        # Still open: another call from this number is answering it (a switchboard's shared
        # caller id), or the dropped call's status callback has not come even while the menu
        # played. Either way it stays that call's, and this caller begins a new survey.
        return None
    question = _resume_point(db, conversation, inbound, within)
    if question is None:
        return None
    if inbound.message_id:
        _first_delivery(db, inbound, contact)
    _reopen(db, contact, conversation, question, inbound.received_at)
    return current_prompts(db, inbound)


def decline_resume(db: DbSession, inbound: Inbound) -> None:
    """The caller said stop at the call-back menu: the survey it offered is ended on purpose,
    as one whose caller said stop on the dropped call (`inbound.message_id` ends ":stop"), so
    no later call-back offers it again."""
    latest = _latest_of_sender(db, inbound)
    if latest is None:
        return
    # The call's thread is kept as any call's is: a message of a call with no thread would
    # look, to the start-up check of FEEDBOT_SECRET_KEY (identity.py), hashed under another.
    _lock_contact(db, inbound)
    _record_delivery(db, inbound, latest.id)


def _latest_of_sender(db: DbSession, inbound: Inbound) -> ConversationRow | None:
    if inbound.sender_key is None:
        return None
    params = {
        "p_service": inbound.service.id,
        "p_channel": inbound.channel,
        "p_sender": inbound.sender_key,
    }
    row = run(db, statements(db).latest_of_sender, params).one_or_none()
    return None if row is None else ConversationRow(*row)


def _resume_point(
    db: DbSession, conversation: ConversationRow, inbound: Inbound, within: timedelta
) -> str | None:
    """The question a new thread would resume a survey on; None when it may not: only a
    survey left partial is, on a flow unchanged since. An abandoned one has no answer to keep
    (and its caller may have picked a language by mistake), one its caller ended by saying
    stop was ended on purpose, and a completed one is done with. The window runs from the
    latest answer given, not from the close (the sweep closes a survey whose hang-up was never
    reported a whole idle expiry later) nor from a call-back that answered nothing.

    A survey still active is offered too: the dropped call's status callback may come just
    after the call-back's first webhook (Twilio sends both at about the same moment, to
    different web workers), and has come by the time the caller answers the menu;
    `resume_survey` takes only a survey closed by then."""
    params = {"p_conversation": conversation.id}
    if conversation.status not in ("partial", "active"):
        return None
    if run(db, _ENDED_BY_STOP, params).scalar():
        return None
    given = run(db, _LAST_ANSWER_GIVEN, params).scalar()
    if given is None or inbound.received_at - given > within:
        return None
    return _question_at_close(db, inbound.service, conversation)


def _resumed_before(
    db: DbSession, inbound: Inbound, contact: ContactRow, latest: ConversationRow
) -> Outcome | None:
    """A repeated delivery of the message that resumed the sender's latest survey on this
    thread hears what the thread asks now; None for any other thread that has its survey."""
    params = {"p_channel": inbound.channel, "p_message": inbound.message_id}
    if (
        contact.conversation_id != latest.id
        or not run(db, statements(db).delivered, params).scalar()
    ):
        return None
    log.info("duplicate %s resumption ignored", inbound.channel)
    outcome = current_prompts(db, inbound)
    return replace(outcome, disposition="duplicate")


def _reopen(
    db: DbSession, contact: ContactRow, conversation: ConversationRow, question: str, now: datetime
) -> None:
    """Open a closed survey again on `question`, on the thread of `contact` alone: the thread
    it leaves can neither close it (a status callback delivered again) nor answer it."""
    sql = statements(db)
    run(db, sql.leave_threads, {"p_conversation": conversation.id, "p_contact": contact.id})
    run(db, sql.point_contact, {"p_contact": contact.id, "p_conversation": conversation.id})
    run(db, _LEAVE_OUTBOX, {"p_conversation": conversation.id})
    conversation.status = "active"
    conversation.question = question
    conversation.question_at_close = None
    conversation.strikes = 0
    conversation.completed_at = None
    conversation.last_activity_at = now
    _save(db, conversation)
    log.info(
        "conversation %s resumed on a new %s thread", conversation.public_id, conversation.channel
    )


def current_prompts(
    db: DbSession,
    inbound: Inbound,
    *,
    with_notice: bool = False,
    notice_until_answered: bool = False,
) -> Outcome:
    """The thread's current question again (or its closing), changing nothing; with the
    notice first if asked, or if asked until something is answered and nothing is."""
    service = inbound.service
    contact = _lock_contact(db, inbound)
    conversation = _conversation(db, contact.conversation_id)
    if conversation is None:
        return Outcome("prompts", inbound.language or service.default_language)
    session = _session(conversation)
    if session.done or _question_gone(service, conversation):
        # A question gone from the flow: the next reply closes the survey (_current_conversation).
        session = replace(session, question=None)
        prompts = engine.advance(service.flow, service.context, session, "").prompts
    else:
        prompts = (engine.question_prompt(service.flow, service.context, session),)
        if with_notice or (notice_until_answered and not conversation.answered):
            notice = engine.notice_prompt(service.flow, service.context, session.language)
            prompts = (notice, *prompts)
    return _outcome(conversation, Step(session, prompts))


def end_thread(
    db: DbSession, inbound: Inbound, *, asked_to_stop: bool = False
) -> ConversationRow | None:
    """The thread ended (a caller hung up): close its open survey as partial or abandoned.
    One the person `asked_to_stop` ("stop" said on a call) records the delivery
    `inbound.message_id`, which ends ":stop" (STOP_DELIVERY), so that no call-back resumes it."""
    contact = _lock_contact(db, inbound)
    conversation = _conversation(db, contact.conversation_id)
    if conversation is not None and asked_to_stop:
        _first_delivery(db, inbound, contact)
    if conversation is None or conversation.status != "active":
        return conversation
    status = "partial" if conversation.answered else "abandoned"
    close_conversation(db, conversation, inbound.received_at, status)
    _save(db, conversation)
    return conversation


def _late_answer(db: DbSession, conversation: ConversationRow, inbound: Inbound) -> Outcome | None:
    """Apply an answer that arrived just after its thread ended (see Inbound.late_answer_grace);
    None for any other reply to a closed survey, which `_continue` answers as usual.

    The answer still counts if it is to the question the survey was asking when it closed.
    The survey then closes again as it should (complete after the last question, else
    partial) and is normalized again. A repeated delivery never gets here (handle_reply)."""
    session = _open_at_close(db, inbound, conversation)
    if session is None or inbound.reply.give_up:
        return None
    service = inbound.service
    step = engine.advance(service.flow, service.context, session, inbound.reply)
    if not any(isinstance(event, AnswerGiven) for event in step.events):
        return None  # unreadable: no one is left to ask again
    log.info("conversation %s took an answer sent before its thread ended", conversation.public_id)
    run(db, _LEAVE_OUTBOX, {"p_conversation": conversation.id})
    closed_at = conversation.completed_at or inbound.received_at
    _apply(db, conversation, step, inbound.received_at)  # closes it, if that was the last
    if step.session.done:
        return _outcome(conversation, step)
    close_conversation(
        db, conversation, closed_at, "partial" if conversation.answered else "abandoned"
    )
    _save(db, conversation)
    return current_prompts(db, inbound)


def question_left_open(db: DbSession, inbound: Inbound) -> Prompt | None:
    """The question the thread's survey was asking when the thread ended, if it ended
    unfinished within the inbound's late_answer_grace: the one an answer sent before the end
    may still answer."""
    contact = _lock_contact(db, inbound)
    conversation = _conversation(db, contact.conversation_id)
    session = None if conversation is None else _open_at_close(db, inbound, conversation)
    if session is None:
        return None
    return engine.question_prompt(inbound.service.flow, inbound.service.context, session)


def _open_at_close(
    db: DbSession, inbound: Inbound, conversation: ConversationRow
) -> engine.Session | None:
    """The session a survey closed unfinished within the inbound's late_answer_grace had,
    on the question it was asking then."""
    if (
        inbound.late_answer_grace is None
        or conversation.status not in {"partial", "abandoned"}
        or conversation.completed_at is None
        or inbound.received_at - conversation.completed_at > inbound.late_answer_grace
    ):
        return None
    question = _question_at_close(db, inbound.service, conversation)
    if question is None:
        return None
    return replace(_session(conversation), question=question)


def _question_at_close(
    db: DbSession, service: Service, conversation: ConversationRow
) -> str | None:
    """The question an unfinished survey was on when it closed, as it was stored then. None
    when the flow (or its version) has changed since: an answer would be read under choices
    and routing the caller never heard (a key pressed for a question since removed was stored
    as the first rating of the flow's new start)."""
    flow = service.flow
    if (conversation.flow_id, conversation.flow_version) != (flow.id, flow.version):
        return None
    if conversation.question_at_close is not None:
        asked = conversation.question_at_close
        return asked if asked in flow.questions else None
    # Closed by a release before migration 0011, which kept no question: the one its latest
    # answer (skipped and unanswered ones included) leads to, or the first with none.
    latest = run(db, _LATEST_ANSWER, {"p_conversation": conversation.id}).one_or_none()
    if latest is None:
        return flow.start
    question = flow.questions.get(latest.question_id)
    if question is None:
        return None
    # Stored as JSON, a list of drivers reads back as a list; the engine routes on tuples.
    value = tuple(latest.value) if isinstance(latest.value, list) else latest.value
    following = question.next_after(value)
    return None if following == END else following


def expire_idle_conversations(db: DbSession, now: datetime, idle_expiry: timedelta) -> list[int]:
    """Close every active conversation idle for longer than `idle_expiry`; return their ids."""
    rows = run(db, statements(db).stale, {"p_before": now - idle_expiry}).all()
    stale = [ConversationRow(*row) for row in rows]
    for conversation in stale:
        _close_idle(db, conversation, now, idle_expiry)
        _save(db, conversation)
    return [conversation.id for conversation in stale]


def close_conversation(
    db: DbSession,
    conversation: ConversationRow,
    now: datetime,
    status: str,
    closed_at: datetime | None = None,
) -> None:
    """Mark a response finished (complete, partial or abandoned) as of `closed_at` (else
    `now`) and queue its normalization; the caller saves the row.

    The outbox row commits with the status, so the response is normalized even if the queue
    is down now; `feedbot.queue` dispatches it once this transaction commits.
    """
    conversation.status = status
    conversation.completed_at = closed_at or now
    if status != "complete":
        conversation.question_at_close = conversation.question
        conversation.question = None
    run(db, statements(db).add_to_outbox, {"p_conversation": conversation.id, "p_at": now})
    db.info.setdefault(TO_NORMALIZE, []).append(conversation.id)
    record_closed(db, conversation.channel, status)
    log.info("conversation %s closed as %s", conversation.public_id, status)


def _close_idle(
    db: DbSession, conversation: ConversationRow, now: datetime, idle_expiry: timedelta
) -> None:
    """Close a survey left idle past the expiry as of when it expired, whether the sweep
    closes it then or a late reply days later: the polite "this survey has closed" time
    after it (_current_conversation) runs from there too."""
    status = "partial" if conversation.answered else "abandoned"
    expired_at = conversation.last_activity_at + idle_expiry
    close_conversation(db, conversation, now, status, closed_at=min(expired_at, now))


def new_public_id() -> str:
    """A response's unguessable id, exported as its `external_id`: never starting with "-",
    which a spreadsheet opening the CSV would read as a formula."""
    token = secrets.token_urlsafe(24)
    return "_" + token[1:] if token.startswith("-") else token


def _lock_contact(db: DbSession, inbound: Inbound) -> ContactRow:
    """Upsert the thread's contact row (id, conversation_id) in one round trip; the upsert's
    row lock is held until commit, so a second reply from the same thread waits here for the
    first to finish."""
    params = {
        "p_service": inbound.service.id,
        "p_channel": inbound.channel,
        "p_thread": inbound.thread_key,
    }
    return run(db, statements(db).lock_contact, params).one()


def _first_delivery(db: DbSession, inbound: Inbound, contact: ContactRow) -> bool:
    """Record the message id; False when it was already recorded (a repeated delivery)."""
    return _record_delivery(db, inbound, contact.conversation_id)


def _record_delivery(db: DbSession, inbound: Inbound, conversation_id: int | None) -> bool:
    """Record the message id as one of `conversation_id`'s; False when it was already
    recorded."""
    params = {
        "p_channel": inbound.channel,
        "p_message": inbound.message_id,
        "p_conversation": conversation_id,
        "p_received": inbound.received_at,
    }
    return run(db, statements(db).first_delivery, params).scalar() is not None


def _read_thread(
    db: DbSession, contact: ContactRow, inbound: Inbound
) -> tuple[bool, ConversationRow | None]:
    """Whether the sender said STOP to texts, and the thread's latest conversation: read in
    one round trip after the contact's lock, so a STOP committed meanwhile is seen."""
    checks_opt_out = inbound.honours_carrier_keywords and inbound.sender_key is not None
    if contact.conversation_id is None or not checks_opt_out:
        return _texting_opted_out(db, inbound), _conversation(db, contact.conversation_id)
    params = {"p_conversation": contact.conversation_id, "p_sender": inbound.sender_key}
    row = run(db, statements(db).conversation_and_opt_out, params).one_or_none()
    if row is None:  # no such conversation row: only the opt-out is left to read
        return _texting_opted_out(db, inbound), None
    opted_out = bool(row[-1]) or _opted_out_under_a_former_key(db, inbound)
    return opted_out, ConversationRow(*row[:-1])


def _conversation(db: DbSession, conversation_id: int | None) -> ConversationRow | None:
    if conversation_id is None:
        return None
    row = run(db, statements(db).conversation, {"p_conversation": conversation_id}).one_or_none()
    return None if row is None else ConversationRow(*row)


def _save(db: DbSession, conversation: ConversationRow) -> None:
    """Write back what a turn may change, in one UPDATE."""
    params = {f"p_{column}": getattr(conversation, column) for column in SAVED}
    params["p_conversation"] = conversation.id
    run(db, statements(db).save, params)


def _opt_out(
    db: DbSession, inbound: Inbound, already: bool, latest: ConversationRow | None
) -> Outcome:
    if not inbound.sender_key or already:
        return Outcome("stopped", inbound.service.default_language)
    lock_person(db, inbound.sender_key)
    params = {"p_sender": inbound.sender_key, "p_at": inbound.received_at}
    run(db, statements(db).opt_out, params)
    log.info("sender %s opted out", log_id(inbound.sender_key))
    if _twilio_stopped(inbound):
        # Twilio answers its STOP with the carrier's own confirmation; a reply of ours would
        # be a second message to someone who just asked for none.
        return Outcome("stopped", inbound.service.default_language)
    return _opt_out_confirmed(inbound, latest)


def _opt_in(db: DbSession, inbound: Inbound) -> None:
    """START from an opted-out sender: their STOP goes, under every key it may be filed under."""
    key = inbound.sender_key
    assert key is not None  # only a sender known by their key is found opted out
    lock_person(db, key)
    run(db, statements(db).opt_in, {"p_senders": [key, *inbound.former_sender_keys]})
    log.info("sender %s opted back in", log_id(key))


def lock_person(db: DbSession, key: str) -> None:
    """Hold until commit the lock of the person whose keyed hash (under FEEDBOT_SECRET_KEY) is
    `key`, whichever service they text: a STOP or START being stored holds it, and an
    invitation or reminder job takes it before it looks for their STOP, so a STOP texted to any
    service's number meanwhile is waited for and seen.

    Always taken after the contact row of the thread (a turn's first lock, a job's second,
    after its invitation's row), and nothing holding it waits for a contact or an invitation:
    no order of the two can deadlock. Replies other than STOP and START change no opt-out and
    do not take it. (SQLite's BEGIN IMMEDIATE already runs writers one at a time.)"""
    if db.get_bind().dialect.name != "postgresql":
        return
    digest = hashlib.sha256(f"feedbot-person:{key}".encode()).digest()
    run(db, _LOCK_PERSON, {"p_lock": int.from_bytes(digest[:8], signed=True)})


def _twilio_stopped(inbound: Inbound) -> bool:
    """Whether Twilio itself took the reply as STOP: it named it so (OptOutType), or the reply
    is one of its default opt-out words alone."""
    return inbound.recognised_keyword == "stop" or carrier_keyword(inbound.reply.text) == "stop"


def _opt_out_confirmed(inbound: Inbound, latest: ConversationRow | None) -> Outcome:
    """The one answer to STOP asked in words Twilio does not know ("Stop please", "ALTO"):
    Twilio sent no confirmation and would go on delivering, so the person is told, in the
    survey's language, that no more messages will come. Anything after it is met with silence
    (the opt-out is recorded)."""
    conversation = latest
    language = conversation.language if conversation else inbound.service.default_language
    text = gettext_for(language)(
        _("You won't get more messages from {agency}. Reply START to get them again.")
    ).format(agency=inbound.service.agency_in(language))
    return Outcome("stopped", language, notes=(text,), public_id=_public(conversation))


def _no_survey(inbound: Inbound) -> Outcome:
    """What a thread that has no survey and may open none hears: the survey has closed."""
    service = inbound.service
    language = inbound.language or service.default_language
    done = engine.Session(flow_id=service.flow.id, language=language, question=None)
    step = engine.advance(service.flow, service.context, done, inbound.reply)
    return Outcome("prompts", language, step.prompts)


def _help(inbound: Inbound, conversation: ConversationRow | None) -> Outcome:
    language = conversation.language if conversation else inbound.service.default_language
    text = gettext_for(language)(
        _(
            "{agency} survey about {service}. Answer by replying; reply SKIP to skip a "
            "question you may skip. Reply STOP to stop all messages."
        )
    ).format(agency=inbound.service.agency_in(language), service=inbound.service.name_in(language))
    return Outcome("help", language, notes=(text,), public_id=_public(conversation))


def _current_conversation(
    db: DbSession, conversation: ConversationRow | None, inbound: Inbound, idle_expiry: timedelta
) -> ConversationRow | None:
    """The thread's latest conversation if it still answers, closed first if it sat idle too
    long. (No row lock: the contact's lock already serialises this thread.)"""
    if conversation is None:
        return None
    idle = sat_idle(conversation.last_activity_at, inbound.received_at, idle_expiry)
    gone = _question_gone(inbound.service, conversation)
    if conversation.status == "active" and idle:
        _close_idle(db, conversation, inbound.received_at, idle_expiry)
        _save(db, conversation)
    elif conversation.status == "active" and gone:
        status = "partial" if conversation.answered else "abandoned"
        log.warning(
            "conversation %s was on question %r, which flow %r no longer has: closed as %s",
            conversation.public_id,
            conversation.question,
            inbound.service.flow.id,
            status,
        )
        close_conversation(db, conversation, inbound.received_at, status)
        _save(db, conversation)
    # For a while after it closes, a survey answers replies politely; after that, a new
    # message from the same thread starts a new survey.
    closed_at = conversation.completed_at or conversation.last_activity_at
    if conversation.status != "active" and inbound.received_at - closed_at > idle_expiry:
        return None
    return conversation


def sat_idle(last_activity_at: datetime, now: datetime, idle_expiry: timedelta) -> bool:
    """Whether a survey last active at `last_activity_at` has sat idle past the expiry by
    `now`: its next reply closes it, if the sweep has not yet."""
    return now - last_activity_at > idle_expiry


def _question_gone(service: Service, conversation: ConversationRow) -> bool:
    """Whether the survey waits on a question its service's flow no longer has: the flow was
    edited, or the service moved to another flow, while the survey was open. What would come
    next is unknown, so it ends there, with what was answered before."""
    return conversation.question is not None and conversation.question not in service.flow.questions


def _takes_up_the_flow(db: DbSession, conversation: ConversationRow, inbound: Inbound) -> bool:
    """An open survey whose service's flow is not the one it runs in (the flow was edited, or
    the service moved to another) goes on in the service's flow (README). Until its trust
    rating is given, it takes that flow as its own, with its form of the trust question: the
    response is then given under it. Once the rating is given, the response stays with the
    flow and the form it was given in, and is exported so.

    True when the survey waits on its trust question and the flow now asks it in another form:
    the reply answers the choices shown before (1 was Strongly disagree, not thumbs up), so it
    is not read, and the question is asked again as the flow now asks it."""
    flow = inbound.service.flow
    if conversation.status != "active" or (
        conversation.flow_id,
        conversation.flow_version,
        conversation.trust_form,
    ) == (flow.id, flow.version, flow.trust_form):
        return False
    if run(db, _TRUST_GIVEN, {"p_conversation": conversation.id}).scalar():
        return False
    asked_in = conversation.trust_form
    conversation.flow_id = flow.id
    conversation.flow_version = flow.version
    conversation.trust_form = flow.trust_form
    conversation.last_activity_at = inbound.received_at
    _save(db, conversation)
    log.info(
        "conversation %s goes on in flow %r version %s",
        conversation.public_id,
        flow.id,
        flow.version,
    )
    # A survey begun by a release before migration 0011 did not keep its form: read as before.
    on_trust = conversation.question is not None and (
        flow.question(conversation.question).record == "question_1"
    )
    return on_trust and asked_in not in (None, flow.trust_form)


def _begin(
    db: DbSession,
    contact: ContactRow,
    inbound: Inbound,
    *,
    resumed: bool,
    current: ConversationRow | None,
) -> Outcome:
    service = inbound.service
    # Back after START: Twilio, which took the START (its own word, or OptOutType), has sent
    # the carrier's re-subscribe confirmation; a line of ours would be a second one.
    if resumed and current is not None and current.status == "active":
        return _repeat(current, inbound)
    language = inbound.language or _language_of_first_message(inbound) or service.default_language
    step = engine.start(service.flow, service.context, language)
    now = inbound.received_at
    position = step.session
    conversation = ConversationRow(
        id=0,
        public_id=new_public_id(),
        channel=inbound.channel,
        flow_id=service.flow.id,
        language=position.language,
        question=position.question,
        strikes=position.strikes,
        answered=position.answered,
        status="active",
        last_activity_at=now,
        completed_at=None,
        flow_version=service.flow.version,
        trust_form=service.flow.trust_form,
        question_at_close=None,
    )
    sql = statements(db)
    params = {
        "p_public_id": conversation.public_id,
        "p_service_id": service.id,
        "p_channel": inbound.channel,
        "p_sender_key": inbound.sender_key,
        "p_flow_id": service.flow.id,
        "p_flow_version": service.flow.version,
        "p_trust_form": service.flow.trust_form,
        "p_language": position.language,
        "p_question": position.question,
        "p_strikes": position.strikes,
        "p_answered": position.answered,
        "p_status": "active",
        "p_started_at": now,
        "p_last_activity_at": now,
        "p_transaction_id": inbound.transaction_id,
    }
    conversation.id = run(db, sql.new_conversation, params).scalar_one()
    run(db, sql.point_contact, {"p_contact": contact.id, "p_conversation": conversation.id})
    if step.events:
        _apply(db, conversation, step, now)
    log.info(
        "conversation %s started on %s for service %s",
        conversation.public_id,
        inbound.channel,
        service.id,
    )
    return _outcome(conversation, step)


def _continue(db: DbSession, conversation: ConversationRow, inbound: Inbound) -> Outcome:
    service = inbound.service
    session = _session(conversation)
    if session.done and inbound.late_answer_grace is not None:
        late = _late_answer(db, conversation, inbound)
        if late is not None:
            return late
    step = engine.advance(service.flow, service.context, session, inbound.reply)
    if not session.done:
        _apply(db, conversation, step, inbound.received_at)
    return _outcome(conversation, step)


def _repeat(conversation: ConversationRow, inbound: Inbound) -> Outcome:
    service = inbound.service
    session = _session(conversation)
    prompt = engine.question_prompt(service.flow, service.context, session)
    return Outcome(
        "prompts", conversation.language, (prompt,), conversation.id, conversation.public_id
    )


def _language_of_first_message(inbound: Inbound) -> str | None:
    chosen = language_for_keyword(inbound.reply.text, inbound.service.languages)
    return chosen.code if chosen else None


def _apply(db: DbSession, conversation: ConversationRow, step: Step, now: datetime) -> None:
    """Store what the engine decided: every event, then the new position."""
    conversation.question = step.session.question
    conversation.strikes = step.session.strikes
    conversation.answered = step.session.answered
    conversation.language = step.session.language
    conversation.last_activity_at = now
    answers = [
        {
            "p_conversation_id": conversation.id,
            "p_question_id": event.question_id,
            "p_record": event.record,
            "p_status": event.status,
            "p_value": list(event.value) if isinstance(event.value, tuple) else event.value,
            "p_raw_text": event.text or None,
            "p_answered_at": now,
        }
        for event in step.events
        if isinstance(event, AnswerGiven)
    ]
    if answers:
        run(db, statements(db).add_answer, answers)
    for event in step.events:
        if isinstance(event, LanguageChosen):
            log.info("conversation %s switched to %s", conversation.public_id, event.language)
        elif isinstance(event, SurveyCompleted):
            # Reaching the end with every question given up on is no response.
            status = "complete" if conversation.answered else "abandoned"
            close_conversation(db, conversation, now, status)
    _save(db, conversation)


def _session(conversation: ConversationRow) -> engine.Session:
    return engine.Session(
        flow_id=conversation.flow_id,
        language=conversation.language,
        question=conversation.question,
        strikes=conversation.strikes,
        answered=conversation.answered,
    )


def _outcome(conversation: ConversationRow, step: Step) -> Outcome:
    return Outcome(
        "prompts",
        conversation.language,
        step.prompts,
        conversation.id,
        conversation.public_id,
        finished=conversation.status != "active",
    )


def _public(conversation: ConversationRow | None) -> str | None:
    return conversation.public_id if conversation else None


def clean_transaction_id(value: object) -> str | None:
    """An agency's transaction reference as stored: its text, cut to 128 characters.

    ValueError when it holds control characters or lone surrogates: PostgreSQL takes no NUL,
    no database takes a surrogate, and no reference needs either.
    """
    if not value:
        return None
    text = str(value)[:128]
    if not text.isprintable():
        raise ValueError("transaction_id must be printable text")
    return text


def clean_reply_text(text: str, settings: Settings) -> str:
    """A reply fit to store: no control characters or noncharacters, no longer than the
    free-text cap, and empty when nothing of it shows. Noncharacters (U+FFFE, U+FDD0…) are
    never text; U+FFFE and U+FFFF in one answer made the quarter's XLSX export unreadable.
    A reply of zero-width spaces, byte-order marks or direction marks alone was stored as a
    comment, which staff saw as an empty cell that counted as a comment; it is no reply, as
    spaces alone are. Around visible text they stay: a joiner holds an emoji together, and a
    direction mark places an Arabic comment's punctuation."""
    printable = "".join(ch for ch in text if ch in "\n\t" or not _unstorable(ch))
    if all(ch.isspace() or _invisible(ch) for ch in printable):
        return ""
    return printable.strip()[: settings.max_text_length]


# Unicode's default-ignorable code points that are not format characters (Cf): the
# combining grapheme joiner, Hangul fillers, Khmer and Mongolian marks that show nothing,
# variation selectors, and ranges reserved for more of them.
_IGNORABLE_RANGES = (
    (0x034F, 0x034F),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x2065, 0x2065),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFF8),
    (0xE0000, 0xE0FFF),
)


def _invisible(ch: str) -> bool:
    """A character that shows nothing on its own: a format character (zero-width space and
    joiners, byte-order mark, direction marks, soft hyphen) or another default-ignorable one."""
    code = ord(ch)
    return unicodedata.category(ch) == "Cf" or any(
        low <= code <= high for low, high in _IGNORABLE_RANGES
    )


def _unstorable(ch: str) -> bool:
    """A control character, a lone surrogate, or one of Unicode's 66 noncharacters."""
    code = ord(ch)
    return (
        unicodedata.category(ch) in {"Cc", "Cs"}
        or 0xFDD0 <= code <= 0xFDEF
        or code & 0xFFFE == 0xFFFE
    )
