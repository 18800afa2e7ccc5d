"""Voice channel: Twilio Voice webhooks in, spoken menus (TwiML `Say`/`Gather`) out.

A call is a chain of requests: each TwiML answer names, in its `action` and `Redirect` URLs,
the next step. The step number in those URLs makes every delivery of a step idempotent.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import phonenumbers
from flask import Blueprint, Response, abort, request
from sqlalchemy.orm import Session as DbSession
from twilio.twiml.voice_response import Gather, VoiceResponse
from werkzeug.exceptions import NotFound

from channels.twilio_request import (
    caller_key,
    service_called,
    small_number,
    twilio_sid,
    twilio_signed,
    webhook_url,
)
from feedbot.conversations import (
    STOP_DELIVERY,
    Inbound,
    Outcome,
    clean_reply_text,
    current_prompts,
    decline_resume,
    end_thread,
    handle_reply,
    question_left_open,
    resume_survey,
    start_conversation,
    survey_to_resume,
)
from feedbot.engine import ChoiceView, Prompt, Reply, parse_answer
from feedbot.errors import CALLER_APOLOGY
from feedbot.i18n import _, gettext_for
from feedbot.identity import keyed_hash
from feedbot.languages import (
    LANGUAGES,
    RATING_WORDS,
    REPEAT_WORDS,
    STOP_WORDS,
    fold,
    fold_words,
    language_said,
    number_word,
)
from feedbot.runtime import current_runtime
from feedbot.services import Service

log = logging.getLogger(__name__)
blueprint = Blueprint("voice", __name__)

GATHER_TIMEOUT_SECONDS = 6
ENDED_CALL_STATUSES = {"completed", "busy", "failed", "no-answer", "canceled"}
# How long after a call ended its last answer may still arrive: Twilio's status callback and
# the last Gather's answer reach different workers, in either order, seconds apart.
LATE_ANSWER_GRACE = timedelta(minutes=5)
# How long after the last answer of a call that dropped mid-survey a call-back from the same
# number to the same service is offered to go on with that survey (as one response) rather
# than begin another. A dropped call is redialled within minutes; a call hours later is more
# likely about another visit, and its caller would not remember where the survey stopped.
# Never longer than the idle expiry, after which a texter's survey is over too.
CALLBACK_WINDOW = timedelta(minutes=30)
# What a caller says to the call-back menu instead of pressing 1 (go on with the unfinished
# survey) or 2 (a new one), in the service's languages. Folded, punctuation removed; "one" and
# "two" said count as the keys.
CONTINUE_WORDS = frozenset(
    fold(word)
    for word in (
        *("continue", "continue it", "continue the survey", "resume", "go on", "continuar"),
        *("seguir", "continue la encuesta", "continuer", "continuez", "reprendre", "kontinye"),
        *("ituloy", "magpatuloy", "tuloy", "tiếp tục", "продолжить", "продолжай"),
        *("продолжайте", "متابعة", "استمرار", "أكمل", "계속", "계속하기", "继续", "繼續"),
    )
)
NEW_WORDS = frozenset(
    fold(word)
    for word in (
        *("new", "new one", "a new one", "new survey", "start new", "start over", "nueva"),
        *("nuevo", "nueva encuesta", "empezar de nuevo", "nouveau", "nouvelle"),
        *("nouvelle enquête", "recommencer", "nova", "novo", "nova pesquisa", "recomeçar"),
        *("nouvo", "nouvo sondaj", "rekòmanse", "bago", "bagong survey", "mới", "khảo sát mới"),
        *("bắt đầu lại", "новый", "новая", "новый опрос", "заново", "начать заново", "جديد"),
        *("استطلاع جديد", "새로", "새 설문", "처음부터", "新的", "新", "重新开始", "重新開始"),
    )
)
# A rating heard with a confidence under this is said back before it is stored. Twilio's
# Confidence is optional and "not guaranteed to be accurate, or even set"; Google's recognisers
# send 0.0 for "not set", and Twilio may answer one call with Google and the next with Deepgram.
# So only a low score that is given is read, and only as a reason to ask once, never to refuse.
LOW_CONFIDENCE = 0.5


@dataclass(frozen=True)
class Voice:
    """How one language is spoken (`Say`) and heard (`Gather` speech recognition)."""

    say_language: str
    say_voice: str
    speech_language: str


# One table for every language: Twilio's <Say> voice and language, and the speech-recognition
# language of <Gather>. Twilio has no voice or recogniser for Haitian Creole: its calls are
# spoken by a French voice and answered by keypad (see the README's voice section).
VOICES: dict[str, Voice] = {
    "en": Voice("en-US", "Polly.Joanna-Neural", "en-US"),
    "es": Voice("es-US", "Polly.Lupe-Neural", "es-US"),
    "zh_Hans": Voice("cmn-CN", "Google.cmn-CN-Standard-A", "zh"),
    "zh_Hant": Voice("cmn-TW", "Google.cmn-TW-Standard-A", "zh-TW"),
    "vi": Voice("vi-VN", "Google.vi-VN-Standard-A", "vi-VN"),
    "ko": Voice("ko-KR", "Polly.Seoyeon-Neural", "ko-KR"),
    "tl": Voice("fil-PH", "Google.fil-PH-Standard-A", "fil-PH"),
    "ru": Voice("ru-RU", "Polly.Tatyana", "ru-RU"),
    "ar": Voice("arb", "Polly.Zeina", "ar-SA"),
    "ht": Voice("fr-FR", "Polly.Lea-Neural", "fr-FR"),
    "fr": Voice("fr-FR", "Polly.Lea-Neural", "fr-FR"),
    "pt": Voice("pt-BR", "Polly.Camila-Neural", "pt-BR"),
}


@blueprint.post("/twilio/voice")
@twilio_signed
def incoming_call() -> Response:
    """Answer a call: the language menu when the service offers several, else the survey."""
    service = _service()
    _call_sid()  # refused now, not after the caller has picked a language
    offer = _resume_offer(service)
    if offer is not None:
        return offer
    return _new_survey(service)


@blueprint.post("/twilio/voice/resume")
@twilio_signed
def resume_chosen() -> Response:
    """The call-back menu's answer: 1 or "continue" goes on with the unfinished survey; star
    or "repeat" hears the menu again, "stop" ends the call; 2, "new", silence or anything else
    begins a new survey, and the unfinished one stays closed as it was: the caller may be
    someone else on the same phone, who must not answer another's survey."""
    service = _service()
    _call_sid()
    language = request.args.get("language", "")
    language = language if language in VOICES else service.default_language
    speech = request.form.get("SpeechResult", "")
    digits = request.form.get("Digits", "")
    said = fold_words(speech)
    if "*" in digits or said in REPEAT_WORDS:
        return _twiml(resume_menu(language))
    if not digits and said in STOP_WORDS:
        with current_runtime().db.transaction() as db:
            decline_resume(db, _inbound(service, Reply(), STOP_DELIVERY))
        return _twiml(_goodbye(language))
    number = _number_said(speech, (language, *service.languages))
    if digits == "1" or (not digits and (said in CONTINUE_WORDS or number == 1)):
        with current_runtime().db.transaction() as db:
            inbound = _inbound(service, Reply(), "resume")
            outcome = resume_survey(db, inbound, _callback_window())
        if outcome is not None:
            return _twiml(render_voice(outcome, service, 1))
    return _new_survey(service)


@blueprint.post("/twilio/voice/language")
@twilio_signed
def language_chosen() -> Response:
    """The language menu's answer: a key, a language's name said ("Español", "Spanish,
    please") or a key's number said ("two", "dos"); star or "repeat" hears the menu again,
    "stop" ends the call before any survey begins; anything else is the default language."""
    service = _service()
    _call_sid()
    speech = request.form.get("SpeechResult", "")
    digits = request.form.get("Digits", "")
    if "*" in digits or fold_words(speech) in REPEAT_WORDS:
        return _twiml(language_menu(service))
    if not digits and fold_words(speech) in STOP_WORDS:
        return _twiml(_goodbye(service.default_language))
    number = small_number(digits, 2)
    index = number - 1 if number is not None else -1
    if 0 <= index < len(service.languages):
        return _start(service, service.languages[index])
    spoken = language_said(speech, service.languages)
    if spoken is not None:
        return _start(service, spoken.code)
    number = _number_said(speech, service.languages)
    if number is not None and 1 <= number <= len(service.languages):
        return _start(service, service.languages[number - 1])
    return _start(service, service.default_language)


@blueprint.post("/twilio/voice/answer")
@twilio_signed
def answer() -> Response:
    """One keypress or spoken answer (or silence) for the current question."""
    service = _service()
    step = _int_arg("step")
    silences = _int_arg("silence")
    digits = request.form.get("Digits", "").strip()
    speech = request.form.get("SpeechResult", "").strip()
    runtime = current_runtime()
    inbound = _inbound(service, Reply(), step)
    with runtime.db.transaction() as db:
        keys = request.args.get("keys")
        separator = request.args.get("separator", "")
        if keys is None and (digits or speech):  # asked before the keys were named in the URL
            question = _current_question(db, inbound)
            keys, separator = _choice_keys(question), _separator(question)
        if separator and any(key.isdigit() for key in digits):
            digits = " ".join(digits.replace(separator, " ").split())  # "1*12" picks 1 and 12
        command = None if digits else _spoken_command(speech, keys or "", service)
        if command == "stop" and not keys and _stop_skips(_current_question(db, inbound)):
            command = "skip"
        if command == "stop":
            stop = _inbound(service, Reply(), STOP_DELIVERY)
            conversation = end_thread(db, stop, asked_to_stop=True)
            language = conversation.language if conversation else service.default_language
            return _twiml(_goodbye(language))
        if command == "skip":
            digits = "0"
        notice_again = (digits == "9" and "9" not in (keys or "")) or (
            "*" in digits and request.args.get("notice") == "*"
        )
        if "*" in digits or command == "repeat" or notice_again:
            outcome = current_prompts(db, inbound, with_notice=notice_again)
            return _twiml(render_voice(outcome, service, step + 1))
        if not digits and not speech and silences == 0:
            outcome = current_prompts(db, inbound)
            notice = gettext_for(outcome.language)(_("Sorry, I did not hear anything."))
            return _twiml(render_voice(outcome, service, step + 1, silences=1, preface=notice))
        reply = _reply(digits, speech, keys or "", runtime.settings)
        if not digits and not request.args.get("said_back") and _unsure():
            heard = _rating_heard(db, inbound, reply)
            if heard is not None:
                return _twiml(_say_back(*heard, step + 1))
        # A repeated delivery (Twilio retrying an answer whose reply was lost) is told what
        # the call asks now: the next question, or the thanks after the last answer.
        outcome = handle_reply(db, _inbound(service, reply, step), runtime.settings.idle_expiry)
    return _twiml(render_voice(outcome, service, step + 1))


@blueprint.post("/twilio/voice/status")
@twilio_signed
def call_status() -> Response:
    """Call status callback: a caller who hung up mid-survey leaves a partial response."""
    service = _service()
    status = request.form.get("CallStatus", "")
    if status in ENDED_CALL_STATUSES:
        with current_runtime().db.transaction() as db:
            end_thread(db, _inbound(service, Reply(), 0))
    return Response(status=204)


def language_menu(service: Service) -> VoiceResponse:
    """Each offered language read out in that language: "Para español, oprima 2"."""
    response = VoiceResponse()
    # Ten languages or more take two keys: the caller's key is taken after a pause or #.
    keys = 1 if len(service.languages) < 10 else None
    # The menu is heard by the default language's recogniser: the names help it.
    names = dict.fromkeys(name for code in service.languages for name in _language_names(code))
    gather = _gather(
        response,
        webhook_url("/twilio/voice/language"),
        VOICES[service.default_language],
        num_digits=keys,
        hints=", ".join(names),
    )
    for digit, code in enumerate(service.languages, start=1):
        text = gettext_for(code)(_("For {language}, press {digit}.")).format(
            language=LANGUAGES[code].native_name, digit=digit
        )
        _say(gather, text, code)
    response.redirect(webhook_url("/twilio/voice/language"), method="POST")
    return response


def resume_menu(language: str) -> VoiceResponse:
    """The call-back menu, in the unfinished survey's language: go on with it, or begin a new
    one. Silence begins a new one (the Redirect)."""
    response = VoiceResponse()
    gather = _gather(response, _resume_url(language), VOICES[language])
    offer = gettext_for(language)(
        _(
            "A survey started from this phone number earlier was not finished. To continue it "
            "where it stopped, press 1. To start a new survey, press 2."
        )
    )
    _say(gather, offer, language)
    response.redirect(_resume_url(language), method="POST")
    return response


def _resume_url(language: str) -> str:
    return webhook_url(f"/twilio/voice/resume?{urlencode({'language': language})}")


def render_voice(
    outcome: Outcome, service: Service, step: int, *, silences: int = 0, preface: str = ""
) -> VoiceResponse:
    """The prompts of an outcome read aloud; a question becomes a Gather for its answer."""
    language = outcome.language
    gettext = gettext_for(language)
    response = VoiceResponse()
    for text in (preface, *outcome.notes):
        if text:
            _say(response, text, language)
    notice_key = ""
    for prompt in outcome.prompts:
        if prompt.kind in {"question", "retry"}:
            _ask(response, prompt, language, step, silences, notice_key)
            return response
        _say(response, prompt.text, language)
        if prompt.kind == "notice":
            notice_key = _notice_key(outcome.prompts)
            if notice_key == "9":
                _say(response, gettext(_("To hear this again, press 9.")), language)
            else:
                _say(response, gettext(_("To hear this again, press star.")), language)
    response.hangup()
    return response


def _notice_key(prompts: tuple[Prompt, ...]) -> str:
    """The key that reads the notice again: 9, or star where 9 picks a choice of the question
    read after it (a scale of 0 to 10); star then reads the notice and the question."""
    question = next((p for p in prompts if p.kind in {"question", "retry"}), None)
    return "*" if "9" in _choice_keys(question) else "9"


def _ask(
    response: VoiceResponse,
    prompt: Prompt,
    language: str,
    step: int,
    silences: int,
    notice_key: str = "",
) -> None:
    gettext = gettext_for(language)
    # Star reads the notice too only where it was just read and 9 is a choice.
    notice = {"notice": "*"} if notice_key == "*" else {}
    gather = _answer_gather(response, prompt, language, step, silences, **notice)
    if prompt.kind == "retry":
        if prompt.reason == "required":
            reason = gettext(_("This question needs an answer."))
        else:
            reason = gettext(_("Sorry, I did not understand."))
        _say(gather, reason, language)
    _say(gather, prompt.text, language)
    for line in _instructions(prompt, gettext):
        _say(gather, line, language)


def _say_back(prompt: Prompt, choice: ChoiceView, language: str, step: int) -> VoiceResponse:
    """A rating heard with low confidence, said back before anything is stored: the caller
    presses its key, or answers again, and that answer is taken as given (`said_back`), so a
    caller the recogniser hears poorly is asked once, never struck or kept in a loop."""
    gettext = gettext_for(language)
    response = VoiceResponse()
    gather = _answer_gather(response, prompt, language, step, 0, said_back=1)
    heard = gettext(
        _("I heard: {label}. If that is right, press {digit}. If not, please answer again.")
    )
    _say(gather, heard.format(label=choice.label, digit=choice.value), language)
    _say(gather, gettext(_("To hear the question again, press star.")), language)
    return response


def _answer_gather(
    response: VoiceResponse,
    prompt: Prompt,
    language: str,
    step: int,
    silences: int,
    **query: int | str,
) -> Gather:
    """The Gather that takes the answer to `prompt`, and after it the Redirect Twilio follows
    when the caller says and presses nothing before it times out."""
    # What the keys mean travels with the question the caller heard (the URL is signed).
    keys = {"step": step, "keys": _choice_keys(prompt)}
    if separator := _separator(prompt):
        keys["separator"] = separator
    answer = urlencode({**keys, **query})
    gather = _gather(
        response, webhook_url(f"/twilio/voice/answer?{answer}"), VOICES[language], prompt
    )
    silence = urlencode({"step": step, "silence": silences})
    response.redirect(webhook_url(f"/twilio/voice/answer?{silence}"), method="POST")
    return gather


def _instructions(prompt: Prompt, gettext) -> list[str]:  # type: ignore[no-untyped-def]
    lines = []
    if prompt.question_type == "scale":
        lines += [
            gettext(_("Press {digit} for {label}.")).format(digit=c.value, label=c.label)
            for c in prompt.choices
        ]
    elif prompt.question_type == "multi":
        how = (
            _(
                "Press the numbers of all that apply, with the star key between numbers, "
                "then the pound key."
            )
            if _separator(prompt)
            else _("Press the numbers of all that apply, then the pound key.")
        )
        lines.append(gettext(how))
        lines += [f"{c.position}: {c.label}." for c in prompt.choices]
    else:
        lines.append(gettext(_("Please say your answer now.")))
    if prompt.optional and "0" in _choice_keys(prompt):
        lines.append(gettext(_("To skip, press the pound key.")))
    elif prompt.optional:
        lines.append(gettext(_("To skip, press 0.")))
    lines.append(gettext(_("To hear the question again, press star.")))
    return lines


def _gather(
    parent: VoiceResponse,
    action: str,
    voice: Voice,
    prompt: Prompt | None = None,
    num_digits: int | None = 1,
    hints: str = "",
) -> Gather:
    attributes = {
        "input": "dtmf speech",
        "action": action,
        "method": "POST",
        "timeout": GATHER_TIMEOUT_SECONDS,
        "language": voice.speech_language,
    }
    if prompt is None and num_digits is not None:
        attributes["num_digits"] = num_digits
    if prompt is not None and prompt.question_type == "scale":
        # A scale past 9 takes two keys: "10" at once, "1" after a pause or #.
        attributes["num_digits"] = len(str(max(choice.value for choice in prompt.choices)))
        if prompt.optional and "0" in _choice_keys(prompt):
            attributes["finish_on_key"] = ""  # # is the skip key there: a key like any other
    if prompt is not None and prompt.question_type == "multi":
        attributes["finish_on_key"] = "#"
    if prompt is not None and prompt.question_type == "text":
        attributes["speech_timeout"] = "auto"
        attributes["num_digits"] = 1
    if prompt is not None and prompt.choices:
        hints = ", ".join(choice.label for choice in prompt.choices)
    if hints:
        attributes["hints"] = hints
    return parent.gather(**attributes)


def _say(parent: VoiceResponse | Gather, text: str, language: str) -> None:
    voice = VOICES[language]
    parent.say(text, voice=voice.say_voice, language=voice.say_language)


def _start(service: Service, language: str) -> Response:
    runtime = current_runtime()
    # The opening has a delivery id of its own (not a step's): a retried opening opens nothing.
    inbound = _inbound(service, Reply(), "start", language=language)
    with runtime.db.transaction() as db:
        outcome = start_conversation(db, inbound)
    return _twiml(render_voice(outcome, service, 1))


def _new_survey(service: Service) -> Response:
    """A call's survey from the start: the language menu when the service offers several."""
    if len(service.languages) > 1:
        return _twiml(language_menu(service))
    return _start(service, service.default_language)


def _resume_offer(service: Service) -> Response | None:
    """A call-back soon after a call that dropped mid-survey is asked whether to go on with
    that survey (`resume_menu`); None when there is none to offer."""
    if not _caller_identified():
        return None
    with current_runtime().db.transaction() as db:
        survey = survey_to_resume(db, _inbound(service, Reply(), "resume"), _callback_window())
    if survey is None:
        return None
    language = survey.language if survey.language in VOICES else service.default_language
    return _twiml(resume_menu(language))


def _callback_window() -> timedelta:
    return min(CALLBACK_WINDOW, current_runtime().settings.idle_expiry)


def _caller_identified() -> bool:
    """Whether the caller's number is a phone number: Twilio writes every withheld caller ID
    alike ("+266696687" for an anonymous caller, "Restricted"…), so callers who withhold it
    cannot be told apart, and none resumes another's survey."""
    try:
        number = phonenumbers.parse(request.form.get("From", ""), None)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_valid_number(number)


def _reply(digits: str, speech: str, keys: str, settings) -> Reply:  # type: ignore[no-untyped-def]
    """The caller's answer: 0 skips unless a choice is 0 (thumbs down, a scale of 0 to 10),
    where # does; on a question answered by voice (no choice keys) what was said is the
    answer, and a key alone is no answer: the question is asked again."""
    if digits == "0" and "0" not in keys:
        return Reply(skip=True)
    if digits and not digits.strip("#") and "0" in keys:
        return Reply(skip=True)
    if digits and not keys:
        return Reply(text=clean_reply_text(speech, settings))
    if digits:
        return Reply(text=clean_reply_text(digits.rstrip("#"), settings))
    if speech:
        return Reply(text=clean_reply_text(speech, settings))
    return Reply(give_up=True)


def _unsure() -> bool:
    """Whether Twilio scored what it heard low: a Confidence given, above 0 (Google's "not
    set") and under LOW_CONFIDENCE. One missing or unreadable says nothing."""
    try:
        confidence = float(request.form.get("Confidence", ""))
    except ValueError:
        return False
    return 0 < confidence < LOW_CONFIDENCE


def _rating_heard(
    db: DbSession, inbound: Inbound, reply: Reply
) -> tuple[Prompt, ChoiceView, str] | None:
    """The rating question the call asks now, the choice a spoken reply reads as, and the
    call's language; None when the call asks no rating (nor any question: after the hang-up
    no one is left to confirm), or the reply reads as none of its choices."""
    outcome = current_prompts(db, inbound)
    prompt = outcome.prompts[0] if outcome.prompts else None
    if prompt is None or prompt.kind != "question" or prompt.question_type != "scale":
        return None
    service = inbound.service
    question = service.flow.question(prompt.question_id)
    languages = (outcome.language, *service.context.languages)
    value = parse_answer(question, reply, gettext_for(outcome.language), languages)
    choice = next((c for c in prompt.choices if c.value == value), None)
    return None if choice is None else (prompt, choice, outcome.language)


def _spoken_command(speech: str, keys: str, service: Service) -> str | None:
    """What a caller said in place of a key: "repeat" or "help" (star), "stop" (end the
    call; see `_stop_skips`), or "zero" where 0 skips. Only a whole reply is a command
    ("Repeat.", "Para."), in any of the service's languages: Twilio transcribes what it
    heard, punctuated."""
    said = fold_words(speech)
    if said in REPEAT_WORDS:
        return "repeat"
    if said in STOP_WORDS:
        return "stop"
    if "0" not in keys and _number_said(speech, service.languages) == 0:
        return "skip"
    return None


def _stop_skips(question: Prompt | None) -> bool:
    """Whether "stop" said skips the question rather than ending the call: on an optional
    question answered in words ("Anything else…?") "Goodbye." or "End." says the caller has
    nothing to add, and the survey goes on or completes as a skip would. On a question of
    choices, or one that needs an answer, it ends the call."""
    return question is not None and question.question_type == "text" and question.optional


def _number_said(speech: str, languages: tuple[str, ...]) -> int | None:
    """The number a whole spoken reply is ("2.", "Two.", "Dos", "Năm", "Number two."), if it
    is one."""
    words = "".join(ch if ch.isalnum() else " " for ch in speech).split()
    if len(words) == 2 and fold(words[0]) in RATING_WORDS:
        words = words[1:]  # "Number two.", "Option 3", "Número dos"
    if len(words) != 1:
        return None
    if words[0].isdecimal():
        return int(words[0]) if len(words[0]) <= 2 else None
    named = number_word(words[0], languages)
    return named.value if named is not None else None


def _goodbye(language: str) -> VoiceResponse:
    """The call's end when the caller asked to stop: the survey is closed (partial, or
    abandoned if nothing was answered) and the caller hears so."""
    closed = gettext_for(language)(_("This survey has closed. Thank you for your time."))
    response = VoiceResponse()
    _say(response, closed, language)
    response.hangup()
    return response


def _language_names(code: str) -> tuple[str, ...]:
    language = LANGUAGES[code]
    return (language.native_name, language.english_name)


def _choice_keys(question: Prompt | None) -> str:
    """The keys that each pick one choice of a question ("" for a spoken answer), so that 0
    and 9 are commands only where no choice takes them."""
    if question is None or question.question_type == "text":
        return ""
    numbers = (
        c.value if question.question_type == "scale" else c.position for c in question.choices
    )
    return "".join(sorted({str(n) for n in numbers if isinstance(n, int) and 0 <= n <= 9}))


def _separator(question: Prompt | None) -> str:
    """The key pressed between the numbers of a list of ten choices or more ("1*12"), where
    "112" could be 1 and 12 or 11 and 2; "" for a shorter list, pressed digit by digit."""
    if question is None or question.question_type != "multi" or len(question.choices) < 10:
        return ""
    return "*"


def _current_question(db, inbound: Inbound) -> Prompt | None:  # type: ignore[no-untyped-def]
    """The question the call asks now or, just after the caller hung up, the one it was
    asking then (its answer may come after the hang-up's status callback)."""
    outcome = current_prompts(db, inbound)
    prompt = outcome.prompts[0] if outcome.prompts else None
    if prompt is not None and prompt.kind == "question":
        return prompt
    return question_left_open(db, inbound)


def _inbound(
    service: Service, reply: Reply, step: int | str, language: str | None = None
) -> Inbound:
    settings = current_runtime().settings
    call_sid = _call_sid()
    return Inbound(
        service=service,
        channel="voice",
        thread_key=keyed_hash(f"call:{call_sid}", settings.secret_key),
        sender_key=caller_key("From"),
        reply=reply,
        received_at=datetime.now(UTC),
        message_id=f"{call_sid}:{step}",
        language=language,
        late_answer_grace=LATE_ANSWER_GRACE,
        opens_survey=False,
    )


def _call_sid() -> str:
    call_sid = twilio_sid("CallSid")
    if call_sid is None:
        abort(400, "CallSid is required")
    return call_sid


def _service() -> Service:
    """The service the call is to. A number no service owns is logged (service_called) and
    the caller hears an apology: for any answer but a 200 with TwiML, Twilio plays its own
    "application error" to the caller."""
    try:
        return service_called("voice")
    except NotFound:
        response = VoiceResponse()
        response.say(CALLER_APOLOGY)
        response.hangup()
        abort(_twiml(response))


def _int_arg(name: str) -> int:
    return small_number(request.args.get(name, "0"), 9) or 0


def _twiml(response: VoiceResponse) -> Response:
    return Response(str(response), mimetype="text/xml")
