"""The SMS webhook end to end: signed Twilio requests in, TwiML out, answers stored."""

from __future__ import annotations

import logging
import re
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, event, func, select

from feedbot.models import (
    Answer,
    Conversation,
    InboundMessage,
    Invitation,
    OptOut,
    ResponseRecord,
)
from tests.conftest import make_app, runtime_of
from tests.support.flow_edits import deployed, shipped_flow
from tests.support.flows import (
    HOW_CONTACTED,
    PREFERRED_LANGUAGE,
    WHICH_OFFICE,
    first_asking,
    flows_with_a11_changed,
)
from tests.support.records import add_sent_invitation
from tests.support.texting import Texter, new_message_sid, sign

PHONE = "+12025550143"


def stored(app):
    """Every conversation with its answers, as {question: (status, value)}."""
    with runtime_of(app).db.transaction() as db:
        return [
            (
                c.status,
                c.language,
                {a.question_id: (a.status, a.value) for a in c.answers},
            )
            for c in db.scalars(select(Conversation).order_by(Conversation.id))
        ]


def count(app, model):
    with runtime_of(app).db.transaction() as db:
        return db.scalar(select(func.count()).select_from(model))


def test_positive_path_in_english(app, texter_factory):
    texter = texter_factory()
    first = texter.send("Hi")
    assert "U.S. Passport Office: 3 quick questions about passport renewal" in first
    assert "OMB 1405-0001 exp. Jun 30, 2027." in first
    assert "Responda ES para Español." in first
    assert "This interaction increased my trust in U.S. Passport Office." in first
    assert "5 Strongly agree" in first
    assert "What about this interaction made the difference?" in texter.send("5")
    assert "What else made the difference?" in texter.send("1, 6 and 7")
    assert "Anything else" in texter.send("Quick appointment")
    assert texter.send("Great service") == (
        "Thank you for your feedback. It helps U.S. Passport Office serve you better."
    )
    assert stored(app) == [
        (
            "complete",
            "en",
            {
                "trust": ("answered", 5),
                "made_the_difference": ("answered", ["effectiveness", "employee", "other"]),
                "positive_other": ("answered", "Quick appointment"),
                "anything_else": ("answered", "Great service"),
            },
        )
    ]


def test_negative_path_in_english(app, texter_factory):
    texter = texter_factory()
    texter.send("hello")
    assert "What could have been better?" in texter.send("disagree")
    assert "Anything else" in texter.send("3")
    texter.send("SKIP")
    assert stored(app) == [
        (
            "complete",
            "en",
            {
                "trust": ("answered", 2),
                "could_be_better": ("answered", ["efficiency"]),
                "anything_else": ("skipped", None),
            },
        )
    ]


def test_a_text_mid_survey_costs_five_statements(app, texter_factory):
    """Each statement is a round trip, a network hop to a managed database: a turn's are
    counted, so an ORM lazy load or a per-request read of something cached shows up here."""
    texter = texter_factory()
    texter.send("Hi")
    engine = runtime_of(app).db.engine
    statements: list[str] = []

    def record(_connection, _cursor, statement, *_):  # type: ignore[no-untyped-def]
        statements.append(" ".join(statement.split()[:3]))

    event.listen(engine, "before_cursor_execute", record)
    try:
        texter.send("5")
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert [s for s in statements if s != "BEGIN IMMEDIATE"] == [  # SQLite's write lock
        "INSERT INTO contacts",  # the thread's row lock
        "INSERT INTO inbound_messages",  # the delivery id, once
        "SELECT conversations.id, conversations.public_id,",  # the survey and the opt-out
        "INSERT INTO answers",
        "UPDATE conversations SET",
    ]
    assert stored(app)[0][2] == {"trust": ("answered", 5)}


def test_spanish_chosen_with_es_continues_in_spanish(app, texter_factory):
    texter = texter_factory()
    texter.send("Hi")
    switched = texter.send("ES")
    assert "Esta interaccion aumento mi confianza en U.S. Passport Office." in switched
    assert "Reply EN for English." in switched
    assert "¿Qué" in texter.send("totalmente de acuerdo")
    assert "¿Algo mas" in texter.send("2")
    assert "Gracias" in texter.send("Todo bien")
    status, language, answers = stored(app)[0]
    assert (status, language) == ("complete", "es")
    assert answers["trust"] == ("answered", 5)
    assert answers["made_the_difference"] == ("answered", ["ease"])


def test_service_whose_default_is_spanish(app, texter_factory):
    texter = texter_factory(to="+12025550101")
    first = texter.send("Hola")
    assert "Administracion de Beneficios" in first and "Esta interaccion" in first
    assert "¿Qué podria haber sido mejor?" in texter.send("1")
    texter.send("2 4")
    texter.send("SALTAR")
    assert stored(app)[0][2] == {
        "trust": ("answered", 1),
        "could_be_better": ("answered", ["ease", "transparency"]),
        "anything_else": ("skipped", None),
    }


# Spanish words that SMS, dropping accents for GSM-7, turns into other words: "Tomó
# demasiado tiempo" (it took too long) arrived as "Tomo…" (I take too much time).
CHANGED_BY_FOLDING = {"Tomo", "Llevo", "Tardo", "Demoro", "Duro"}


def test_the_spanish_drivers_by_sms_say_the_same_without_accents(app, texter_factory):
    positive = texter_factory(to="+12025550101")
    positive.send("Hola")
    negative = texter_factory(phone="+12025550144", to="+12025550101")
    negative.send("Hola")
    for drivers, efficiency in (
        (positive.send("5"), "3 El tiempo fue razonable"),
        (negative.send("1"), "3 El tiempo fue demasiado largo"),
    ):
        assert efficiency in drivers
        assert set(re.findall(r"\w+", drivers)) & CHANGED_BY_FOLDING == set()


@pytest.mark.parametrize(
    ("trust", "question", "reply"),
    [
        ("5", "made_the_difference", "El tiempo fue razonable"),
        ("5", "made_the_difference", "Tomó un tiempo razonable"),  # the earlier label
        ("5", "made_the_difference", "Tomo un tiempo razonable"),  # as SMS showed it
        ("1", "could_be_better", "El tiempo fue demasiado largo"),
        ("1", "could_be_better", "Tomó demasiado tiempo"),
        ("1", "could_be_better", "Tomo demasiado tiempo"),
    ],
)
def test_the_spanish_efficiency_driver_is_read_in_its_words_old_and_new(
    app, texter_factory, trust, question, reply
):
    texter = texter_factory(to="+12025550101")
    texter.send("Hola")
    texter.send(trust)
    texter.send(reply)
    assert stored(app)[0][2][question] == ("answered", ["efficiency"])


def test_the_agency_and_service_are_named_in_the_survey_language(app, texter_factory):
    """The notice said "preguntas breves sobre benefits claim": the names were the same in
    every language. A service may translate either; one it leaves untranslated is as given."""
    texter = texter_factory(to="+12025550101")
    assert "preguntas breves sobre solicitud de beneficios" in texter.send("Hola")
    assert "Administracion de Beneficios sobre solicitud de beneficios" in texter.send("HELP")
    english = texter.send("EN")
    assert "increased my trust in Benefits Administration." in english
    assert "Benefits Administration survey about benefits claim." in texter.send("HELP")


def test_first_message_es_starts_in_spanish(app, texter_factory):
    assert "Esta interaccion" in texter_factory().send("ESPAÑOL")


def test_reprompt_then_three_strikes(app, texter_factory):
    texter = texter_factory()
    texter.send("Hi")
    assert texter.send("maybe").startswith("Sorry, please reply with a number from 1 to 5.")
    assert texter.send("9").startswith("Sorry")
    moved_on = texter.send("no idea")
    assert moved_on.startswith("Let's move on.")
    assert "Anything else" in moved_on
    texter.send("skip")
    assert stored(app)[0][2] == {
        "trust": ("unanswered", None),
        "anything_else": ("skipped", None),
    }


def test_idle_expiry_closes_survey_politely(app, texter_factory):
    texter = texter_factory()
    texter.send("Hi")
    texter.send("4")
    with runtime_of(app).db.transaction() as db:
        conversation = db.scalars(select(Conversation)).one()
        conversation.last_activity_at = datetime.now(UTC) - timedelta(hours=25)
    assert texter.send("1") == "This survey has closed. Thank you for your time."
    assert stored(app)[0][0] == "partial"
    assert stored(app)[0][2] == {"trust": ("answered", 4)}


def test_a_survey_left_a_week_closes_as_of_its_expiry_and_a_new_text_then_starts_anew(
    app, texter_factory
):
    """Closed by a late reply (no sweep ran), a survey was dated at that reply, and the day
    of "This survey has closed" ran from it: a person back after a week was refused for
    another day. It closes as of its expiry, as the sweep would have closed it."""
    texter = texter_factory()
    texter.send("Hi")
    texter.send("4")
    last_active = datetime.now(UTC) - timedelta(days=7)
    with runtime_of(app).db.transaction() as db:
        conversation = db.scalars(select(Conversation)).one()
        conversation.last_activity_at = last_active
    assert texter.send("1").startswith("U.S. Passport Office")  # a new survey's notice
    with runtime_of(app).db.transaction() as db:
        old, new = db.scalars(select(Conversation).order_by(Conversation.id)).all()
        assert (old.status, new.status) == ("partial", "active")
        assert abs(old.completed_at - (last_active + timedelta(hours=24))) < timedelta(seconds=1)


def test_a_survey_on_a_question_an_edited_flow_took_out_closes_with_what_it_has(
    app, database_url, tmp_path, caplog
):
    """A flow edited (or a service moved to another flow) while a survey waits on a question
    the new one lacks: the next reply closes it as partial, keeping the answers before, and the
    person is told it has closed; a 500 per reply would leave them unanswered."""
    import shutil

    texter = Texter(app.test_client(), phone=PHONE, to="+12025550100")
    texter.send("Hi")
    assert "made the difference" in texter.send("4")
    flows = tmp_path / "flows"
    shutil.copytree(runtime_of(app).settings.flows_dir, flows)
    edited = flows / "a11.yaml"
    edited.write_text(edited.read_text().replace("made_the_difference", "what_helped"))
    redeployed = make_app(database_url, flows_dir=flows)
    again = Texter(redeployed.test_client(), phone=PHONE, to="+12025550100")
    with caplog.at_level(logging.WARNING, logger="feedbot.conversations"):
        assert again.send("1") == "This survey has closed. Thank you for your time."
    assert stored(redeployed) == [("partial", "en", {"trust": ("answered", 4)})]
    assert "which flow 'a11' no longer has: closed as partial" in caplog.text
    assert PHONE not in caplog.text
    assert again.send("1") == "This survey has closed. Thank you for your time."


def records_of(app):
    with runtime_of(app).db.transaction() as db:
        return [
            (r.trust_form, r.question_1, r.flow_id, r.flow_version, r.status)
            for r in db.scalars(select(ResponseRecord).order_by(ResponseRecord.id))
        ]


def test_a_rating_shown_1_to_5_is_not_read_as_a_thumb_after_the_service_moves_to_thumbs(
    database_url, tmp_path
):
    """The texter saw the 1-5 scale; the service moved to the thumbs flow before they replied
    1 (Strongly disagree). Read under the thumbs flow it was a thumbs up, and the record,
    kept under the 1-5 flow, counted it as a Strongly disagree never given. The reply is not
    read: the question comes again as the flow now asks it, and the response is given under
    that flow, in its form."""
    both = [shipped_flow("a11"), shipped_flow("a11_thumbs")]
    before = deployed(database_url, tmp_path / "v1", both, "a11")
    texter = Texter(before.test_client(), phone=PHONE, to="+12025550100")
    assert "5 Strongly agree" in texter.send("Hi")
    after = deployed(database_url, tmp_path / "v2", both, "a11_thumbs")
    texter.client = after.test_client()
    again = texter.send("1")
    assert "Thumbs up" in again and "Strongly" not in again and "Sorry" not in again
    assert stored(after) == [("active", "en", {})]
    assert "What about this interaction made the difference?" in texter.send("1")
    texter.send("1")
    assert "Thank you for your feedback" in texter.send("SKIP")
    assert records_of(after) == [("thumbs", 1, "a11_thumbs", 1, "complete")]


def test_a_rating_given_before_its_flow_was_edited_to_thumbs_keeps_its_form(database_url, tmp_path):
    """A Strongly disagree (1) given under version 1 of a flow edited in place to the thumbs
    form (version 2) was exported as a thumbs up: the record took the form of the flow loaded
    when it was normalized. It keeps the form it was given in, however late it is normalized
    (a queue backlog during the deploy)."""
    from feedbot.normalize import normalize_response

    ours = shipped_flow("a11", id="ours")
    before = deployed(database_url, tmp_path / "v1", [ours], "ours")
    texter = Texter(before.test_client(), phone=PHONE, to="+12025550100")
    texter.send("Hi")
    assert "What could have been better?" in texter.send("1")
    edited = shipped_flow("a11_thumbs", id="ours", version=2)
    after = deployed(database_url, tmp_path / "v2", [edited], "ours")
    texter.client = after.test_client()
    texter.send("3")
    assert "Thank you for your feedback" in texter.send("SKIP")
    assert records_of(after) == [("likert", 1, "ours", 1, "complete")]
    closed_before_the_edit = Texter(before.test_client(), phone="+12025550144", to="+12025550100")
    closed_before_the_edit.send("Hi")
    closed_before_the_edit.send("2")
    closed_before_the_edit.send("SKIP")
    closed_before_the_edit.send("SKIP")
    with runtime_of(after).db.transaction() as db:
        late = db.scalars(select(Conversation).order_by(Conversation.id.desc())).first()
        assert late.status == "complete"
        db.execute(delete(ResponseRecord).filter_by(conversation_id=late.id))
        record = normalize_response(db, runtime_of(after).services, late.id)
        assert (record.trust_form, record.question_1) == ("likert", 2)


@pytest.mark.parametrize("body", ["3", "In person"])
def test_a_numbered_choice_of_an_agency_s_own_question_takes_its_route(
    database_url, tmp_path, body
):
    """A multi question with number values (`value: 3`) never went where `when: [3]` said:
    its answer is held as text ("3"), and "In person" went straight to the trust question."""
    flows = flows_with_a11_changed(
        tmp_path, first_asking(("how_filed", HOW_CONTACTED), ("which_office", WHICH_OFFICE))
    )
    app = make_app(database_url, flows_dir=flows)
    texter = Texter(app.test_client(), phone=PHONE, to="+12025550100")
    assert "How did you contact us today?" in texter.send("Hi")
    assert "Which office did you visit?" in texter.send(body)
    assert "increased my trust" in texter.send("Main Street")
    assert "What could have been better?" in texter.send("2")
    assert stored(app)[0][2] == {
        "how_filed": ("answered", ["3"]),
        "which_office": ("answered", "Main Street"),
        "trust": ("answered", 2),
    }


def test_a_first_question_whose_choices_name_languages_is_answered_once_in_that_language(
    database_url, tmp_path
):
    """A reply of "Spanish", a choice and a language the service offers, sent the notice and
    question again in Spanish at each reply, a long message each time, and never stored an
    answer."""
    flows = flows_with_a11_changed(tmp_path, first_asking(("language", PREFERRED_LANGUAGE)))
    app = make_app(database_url, flows_dir=flows)
    texter = Texter(app.test_client(), phone=PHONE, to="+12025550100")
    assert "Which language do you prefer" in texter.send("Hi")
    assert "OMB 1405-0001" in texter.send("Spanish")
    switched_again = texter.send("Spanish")
    assert "OMB" not in switched_again
    assert "Esta interaccion aumento mi confianza" in switched_again
    assert stored(app) == [("active", "es", {"language": ("answered", ["spanish"])})]


def test_duplicate_message_sid_changes_nothing_and_repeats_the_current_question(
    app, texter_factory
):
    texter = texter_factory()
    texter.send("Hi")
    sid = new_message_sid()
    first = texter.send("5", message_sid=sid)
    # Twilio delivers again only when our answer never reached it: the texter gets it now.
    assert texter.send("2", message_sid=sid) == first
    assert stored(app)[0][2] == {"trust": ("answered", 5)}
    assert count(app, InboundMessage) == 2


def test_a_repeated_first_message_gets_the_notice_again(app, texter_factory):
    # The lost answer began with the OMB notice and how to stop: it is what the texter gets.
    texter = texter_factory()
    sid = new_message_sid()
    first = texter.send("Hi", message_sid=sid)
    assert "OMB" in first and "Reply STOP to opt out." in first
    assert texter.send("Hi", message_sid=sid) == first
    assert count(app, Conversation) == 1


def test_a_repeated_last_answer_gets_the_thanks_again(app, texter_factory):
    texter = texter_factory()
    for body in ("Hi", "5", "1"):
        texter.send(body)
    sid = new_message_sid()
    thanks = texter.send("Quick and kind", message_sid=sid)
    assert thanks.startswith("Thank you")
    assert texter.send("Quick and kind", message_sid=sid) == thanks


def _idle_for_a_day(app):
    """The periodic sweep, run a day and an hour from now: idle surveys close."""
    from feedbot.conversations import expire_idle_conversations

    runtime = runtime_of(app)
    with runtime.db.transaction() as db:
        later = datetime.now(UTC) + timedelta(hours=25)
        expire_idle_conversations(db, later, runtime.settings.idle_expiry)


def test_a_repeated_text_to_a_survey_closed_idle_is_told_it_closed_again(app, texter_factory):
    """Twilio's retry of a text whose answer was lost got the survey's thanks ("Thank you for
    your feedback…"), as if that text had finished the survey, where its first delivery was
    told the survey had closed; and so did the retry of an answer given before the survey
    closed idle."""
    texter = texter_factory()
    texter.send("Hi")
    answered_before = new_message_sid()
    texter.send("5", message_sid=answered_before)
    _idle_for_a_day(app)
    after = new_message_sid()
    closed = texter.send("1", message_sid=after)
    assert closed.startswith("This survey has closed")
    assert texter.send("1", message_sid=after) == closed
    assert texter.send("5", message_sid=answered_before) == closed
    assert stored(app)[0][2] == {"trust": ("answered", 5)}


def test_a_repeated_stop_stays_silent(app, texter_factory):
    texter = texter_factory()
    texter.send("Hi")
    sid = new_message_sid()
    assert texter.send("STOP", message_sid=sid) == ""
    assert texter.send("STOP", message_sid=sid) == ""


def test_stop_then_silence_then_start(app, texter_factory):
    texter = texter_factory()
    texter.send("Hi")
    assert texter.send("STOP") == ""
    assert count(app, OptOut) == 1
    assert texter.send("5") == ""
    assert texter.send("help") == ""
    assert stored(app)[0][2] == {}
    # Twilio answers START with the carrier's re-subscribe confirmation: feedbot asks again.
    assert texter.send("START").startswith("This interaction increased my trust")
    assert "What about this interaction" in texter.send("5")
    assert count(app, OptOut) == 0


@pytest.mark.parametrize("word", ["START", "unstop", "Yes"])
def test_start_gets_twilios_confirmation_alone_then_the_question_in_its_language(
    app, texter_factory, word
):
    """feedbot added "Volverá a recibir nuestros mensajes." to the carrier's own
    confirmation, which Twilio sends for each of its opt-in words: two confirmations."""
    texter = texter_factory()
    texter.send("Hi")
    texter.send("ES")
    texter.send("STOP")
    assert texter.send(word).startswith("Esta interaccion")  # folded to GSM-7


@pytest.mark.parametrize(
    "word", ["stopall", "Unsubscribe", "cancel", "END", "quit.", "Stop", "revoke", "OPTOUT"]
)
def test_every_stop_word_opts_out(app, texter_factory, word):
    # Twilio's default opt-out words for long codes: it blocks our messages after each of them,
    # so each must also stop the survey and every invitation.
    texter = texter_factory()
    texter.send("Hi")
    assert texter.send(word) == ""
    assert count(app, OptOut) == 1
    assert texter.send("5") == ""


def test_a_keyword_twilio_recognised_is_honoured_whatever_the_words(app, texter_factory):
    # With Advanced Opt-Out, an agency sets its own words (here Spanish) and Twilio names what
    # it matched in OptOutType.
    texter = texter_factory()
    texter.send("Hi")
    assert texter.send("ALTO", OptOutType="STOP") == ""
    assert count(app, OptOut) == 1
    # Twilio confirms the START it matched, as it does its own words.
    assert texter.send("REANUDAR", OptOutType="START").startswith("This interaction increased")
    assert count(app, OptOut) == 0
    assert "Reply STOP" in texter.send("AYUDA", OptOutType="HELP")
    assert "What about" in texter.send("5", OptOutType="")


OPTED_OUT = "You won't get more messages from U.S. Passport Office. Reply START to get them again."


@pytest.mark.parametrize(
    "body",
    [
        "Stop please",
        "Please stop texting me",
        "STOP STOP",
        "stop 🙏",
        "opt out",
        "Opt-out",
        "Remove me from your list",
        "Take me off your list please",
        "Please don't text me again",
        "No more texts",
        "No me envíen más mensajes",
        "\u200bSTOP",
        "ALTO",
        "Parar, por favor",
        "ARRÊT",
        "СТОП",
        "停止",
        "중지해 주세요",
        "DỪNG",
        "TIGIL",
        "قف",
        "SISPANN",
        "pare",
        "PARE",
        "Pare, por favor",
        "Pare, obrigado",
        # With a courtesy of another language too: only thanks make "pare" a buddy.
        "PARE SMS",
        "Pare please",
        "PARE NOW",
        "pare msg",
        "Pare de",
        "Pare, merci",
    ],
)
def test_stop_in_words_twilio_does_not_know_opts_out_with_one_confirmation(
    app, texter_factory, body
):
    # Twilio neither confirms nor blocks these: feedbot says once that it worked, then nothing.
    texter = texter_factory()
    texter.send("Hi")
    assert texter.send(body) == OPTED_OUT
    assert count(app, OptOut) == 1
    assert texter.send("5") == ""
    assert texter.send(body) == ""
    assert stored(app)[0][2] == {}


def test_an_opt_out_is_confirmed_in_the_survey_language_and_start_undoes_it(app, texter_factory):
    texter = texter_factory()
    texter.send("Hi")
    texter.send("ES")
    assert texter.send("Parar, por favor") == (
        "No recibira mas mensajes de U.S. Passport Office. "  # folded to GSM-7
        "Responda START para volver a recibirlos."
    )
    assert texter.send("START").startswith("Esta interaccion")  # Twilio's confirmation alone
    assert count(app, OptOut) == 0


def test_words_twilio_took_as_stop_get_its_confirmation_only(app, texter_factory):
    # With Advanced Opt-Out, Twilio matched the agency's "Alto por favor" and answered it.
    recognised = texter_factory(phone="+12025550144")
    recognised.send("Hi")
    assert recognised.send("Alto por favor", OptOutType="STOP") == ""
    unrecognised = texter_factory(phone="+12025550145")
    unrecognised.send("Hi")
    assert unrecognised.send("Alto por favor") == OPTED_OUT
    assert count(app, OptOut) == 2


@pytest.mark.parametrize(
    "comment",
    [
        "stop wasting my time",
        "The wait would not stop",
        "No more waiting on hold please",
        "Remove the fees",
        "Take me off hold next time",
        "Don't stop",
        "bus stop was far",
        "Thank you",
        "dung",  # "đúng" (right) typed without its accents, not "dừng"
        "Salamat po",
        # Tagalog "pare" (buddy) is Spanish and Portuguese "stop": a thanks, not an opt-out.
        "Salamat pare",
        "Thanks pare",
        "pare salamat po",
    ],
)
def test_a_comment_that_says_more_than_stop_is_kept_as_the_comment(app, texter_factory, comment):
    texter = texter_factory()
    texter.send("Hi")
    texter.send("5")
    texter.send("1")
    assert texter.send(comment).startswith("Thank you for your feedback.")
    assert stored(app)[0][2]["anything_else"] == ("answered", comment)
    assert count(app, OptOut) == 0
    assert texter.send("Stop, thank you") == OPTED_OUT


def test_a_spanish_answer_about_stopping_is_asked_again_not_an_opt_out(app, texter_factory):
    texter = texter_factory()
    texter.send("Hi")
    texter.send("ES")
    assert texter.send("no quiero parar").startswith("Disculpe, responda con un numero del 1 al 5.")
    assert count(app, OptOut) == 0
    assert texter.send("PARAR").startswith("No recibira mas mensajes")
    assert count(app, OptOut) == 1


def test_a_second_hi_gets_the_question_again_not_a_sorry(app, texter_factory):
    texter = texter_factory()
    opening = texter.send("Hi")
    again = texter.send("Hello")
    # The question and its choices again, with no "Sorry": no try is counted.
    assert again.startswith("This interaction increased my trust") and opening.endswith(again)
    assert texter.send("4").startswith("What about")


@pytest.mark.parametrize("sender", ["729725", "USPS", "GOV-ALERT"])
def test_a_short_code_or_sender_name_gets_no_survey(app, texter_factory, sender):
    """A business's automated text (a short code, a sender name) opened a survey that no one
    would answer, and its automatic replies answered ours."""
    robot = texter_factory(phone=sender)
    assert robot.send("Your code is 1234. Reply HELP for help.") == ""
    assert robot.send("5") == ""
    assert count(app, Conversation) == 0
    assert texter_factory().send("Hi").startswith("U.S. Passport Office")


def test_help_names_agency_service_and_stop(app, texter_factory):
    texter = texter_factory()
    texter.send("Hi")
    help_text = texter.send("HELP")
    assert "U.S. Passport Office survey about passport renewal" in help_text
    assert "Reply STOP" in help_text
    assert "What about" in texter.send("5")


def test_bad_signature_is_refused_and_changes_nothing(app):
    client = app.test_client()
    params = {"MessageSid": new_message_sid(), "From": PHONE, "To": "+12025550100", "Body": "5"}
    wrong = sign("http://localhost/twilio/sms", params, "some-other-token")
    assert (
        client.post("/twilio/sms", data=params, headers={"X-Twilio-Signature": wrong}).status_code
        == 403
    )
    assert client.post("/twilio/sms", data=params).status_code == 403
    tampered = dict(params, Body="1")
    right = sign("http://localhost/twilio/sms", params)
    assert (
        client.post("/twilio/sms", data=tampered, headers={"X-Twilio-Signature": right}).status_code
        == 403
    )
    assert count(app, Conversation) == 0 and count(app, InboundMessage) == 0


def test_public_url_is_the_signed_base(database_url):
    app = make_app(database_url, public_url="https://feedbot.agency.example.gov")
    texter = Texter(app.test_client(), phone=PHONE, to="+12025550100")
    params = {"MessageSid": new_message_sid(), "From": PHONE, "To": "+12025550100", "Body": "Hi"}
    signature = sign("https://feedbot.agency.example.gov/twilio/sms", params)
    response = texter.client.post(
        "/twilio/sms", data=params, headers={"X-Twilio-Signature": signature}
    )
    assert response.status_code == 200
    local = sign("http://localhost/twilio/sms", params)
    response = texter.client.post("/twilio/sms", data=params, headers={"X-Twilio-Signature": local})
    assert response.status_code == 403
    runtime_of(app).db.dispose()


def test_a_webhook_url_with_percent_escapes_is_checked_as_twilio_signed_it(app):
    # An agency's webhook URL may carry a query. Twilio signs it as written: with its escapes
    # (Werkzeug's request.url decodes them), or unescaped if it was written so.
    path = "/twilio/sms?campaign=spring%20renewal&ref=%7Eflyer"
    client = app.test_client()
    for signed in (path, "/twilio/sms?campaign=spring renewal&ref=~flyer"):
        params = {"MessageSid": new_message_sid(), "From": PHONE, "To": "+12025550100"}
        signature = sign("http://localhost" + signed, {**params, "Body": "Hi"})
        response = client.post(
            path, data={**params, "Body": "Hi"}, headers={"X-Twilio-Signature": signature}
        )
        assert response.status_code == 200, signed
    params = {"MessageSid": new_message_sid(), "From": PHONE, "To": "+12025550100", "Body": "Hi"}
    other = sign("http://localhost/twilio/sms?campaign=autumn%20renewal&ref=%7Eflyer", params)
    response = client.post(path, data=params, headers={"X-Twilio-Signature": other})
    assert response.status_code == 403


def test_unknown_to_number_is_404_and_logged(app, caplog):
    client = app.test_client()
    params = {"MessageSid": new_message_sid(), "From": PHONE, "To": "+19995550199", "Body": "Hi"}
    signature = sign("http://localhost/twilio/sms", params)
    with caplog.at_level(logging.WARNING):
        response = client.post(
            "/twilio/sms", data=params, headers={"X-Twilio-Signature": signature}
        )
    assert response.status_code == 404
    assert "+19995550199" in caplog.text


@pytest.mark.parametrize(
    ("to", "error"),
    [
        (
            "+19995550199",
            "the number ending in 0199 is not configured for any service: add it to its"
            " service's sms_numbers in the services file (FEEDBOT_SERVICES_FILE)",
        ),
        ("' OR '1'='1", "To is not a phone number, so no service could be found for it"),
        ("", "To is missing, so no service could be found for it"),
    ],
    ids=["number", "text", "none"],
)
def test_a_text_to_a_number_no_service_owns_is_told_so_in_the_404(app, to, error):
    """Its body was Flask's "The requested URL was not found on the server. If you entered
    the URL manually please check your spelling", which Twilio's debugger shows, sending the
    operator to the webhook URL rather than to sms_numbers. The number is masked to its last
    digits, enough to tell which; Twilio's debugger shows the request's To beside it."""
    params = {"MessageSid": new_message_sid(), "From": PHONE, "To": to, "Body": "Hi"}
    signature = sign("http://localhost/twilio/sms", params)
    response = app.test_client().post(
        "/twilio/sms", data=params, headers={"X-Twilio-Signature": signature}
    )
    assert response.status_code == 404 and response.json == {"error": error}
    assert b"9995550199" not in response.data


@pytest.mark.parametrize(
    "body",
    [
        "x" * 10_000,
        "I waited 😡😡😡 three hours 👎🏽 for nothing 🤷‍♀️",
        "\x00\x01\x1b[31mred\x07",
        "",
        "   ",
        "\u202eevil bidi\u202c",
    ],
)
def test_odd_bodies_get_a_sensible_reply(app, texter_factory, body):
    texter = texter_factory()
    texter.send("Hi")
    texter.send("2")
    texter.send("SKIP")
    reply = texter.send(body)
    assert reply
    status, _, answers = stored(app)[0]
    if body.strip() and any(ch.isprintable() and not ch.isspace() for ch in body):
        assert status == "complete"
        assert len(answers["anything_else"][1]) <= 10_000
        assert "\x00" not in answers["anything_else"][1]
    else:
        assert reply.startswith("Sorry, please reply with a few words.")


def test_noncharacters_are_dropped_from_a_comment(app, texter_factory):
    """U+FFFE and U+FFFF in one text made the quarter's XLSX export unreadable (XML cannot
    hold them); no noncharacter is text, so none is kept."""
    texter = texter_factory()
    for body in ("Hi", "5", "SKIP"):
        texter.send(body)
    texter.send("fine \ufffe\uffff\ufdd0 end \U0010fffe\U0001ffff😀")
    assert stored(app)[0][2]["anything_else"] == ("answered", "fine  end 😀")


def test_an_arabic_line_that_begins_in_latin_letters_is_marked_right_to_left(app):
    """The Arabic notice begins with the agency's name: a phone lays a line out in the
    direction of its first letter, so the notice read left to right, its sentences out of
    order. The offers in other languages stay as they are."""
    from dataclasses import replace

    from channels.sms import render_sms
    from feedbot import engine
    from feedbot.conversations import Outcome

    service = replace(runtime_of(app).services.services["passport"], languages=("ar", "en"))
    first = engine.start(service.flow, service.context, "ar")
    lines = render_sms(Outcome("prompts", "ar", first.prompts), service).split("\n")
    assert lines[0].startswith("\u200fU.S. Passport Office:")
    assert lines[1] == "Reply EN for English."
    assert [line[0] for line in lines[2:]] == ["ز", "1", "2", "3", "4", "5"]
    english = replace(service, languages=("en", "ar"))
    opening = engine.start(english.flow, english.context, "en")
    assert "\u200f" not in render_sms(Outcome("prompts", "en", opening.prompts), english)


def test_invalid_utf8_body_gets_a_reply(app, texter_factory):
    texter = texter_factory()
    texter.send("Hi")
    # Werkzeug keeps undecodable escapes as the literal text, and that is what gets signed.
    raw = b"MessageSid=SMbad&From=%2B12025550143&To=%2B12025550100&Body=caf%E9+%FF%FE"
    params = {"MessageSid": "SMbad", "From": PHONE, "To": "+12025550100", "Body": "caf%E9 %FF%FE"}
    response = texter.client.post(
        "/twilio/sms",
        data=raw,
        content_type="application/x-www-form-urlencoded",
        headers={"X-Twilio-Signature": sign("http://localhost/twilio/sms", params)},
    )
    assert response.status_code == 200
    assert b"Sorry, please reply with a number from 1 to 5." in response.data


def test_two_messages_at_once_from_one_sender_are_both_applied(database_url):
    """Replies racing in on separate threads and connections are applied one after the other."""
    app = make_app(database_url)
    first = Texter(app.test_client(), phone=PHONE, to="+12025550100")
    first.send("Hi")
    first.send("2")
    barrier = threading.Barrier(2)
    results: list[str] = []

    def send(body):
        texter = Texter(app.test_client(), phone=PHONE, to="+12025550100")
        barrier.wait()
        results.append(texter.send(body))

    threads = [threading.Thread(target=send, args=(body,)) for body in ("3", "1")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    answers = stored(app)[0][2]
    assert answers["trust"] == ("answered", 2)
    # Whichever came first answered the drivers question; the other answered the next one.
    drivers = answers["could_be_better"]
    assert drivers in [("answered", ["efficiency"]), ("answered", ["effectiveness"])]
    other = "1" if drivers[1] == ["efficiency"] else "3"
    assert answers["anything_else"] == ("answered", other)
    assert len(results) == 2 and all(results)
    runtime_of(app).db.dispose()


def test_phone_numbers_never_stored_in_clear(app, texter_factory):
    texter = texter_factory(phone="+12025550177")
    texter.send("Hi")
    texter.send("5")
    with runtime_of(app).db.transaction() as db:
        conversation = db.scalars(select(Conversation)).one()
        assert conversation.sender_key and "5550177" not in conversation.sender_key
        assert len(conversation.sender_key) == 64
        answers = db.scalars(select(Answer)).all()
        assert all("5550177" not in (a.raw_text or "") for a in answers)


def test_log_guard_catches_a_number_in_clear():
    """The autouse log check would fail a test that logged a test number."""
    from tests.conftest import _PHONE_IN_LOGS

    assert _PHONE_IN_LOGS.search("sender +12025550143 said hi")
    assert _PHONE_IN_LOGS.search("call (202) 555-0143")
    assert not _PHONE_IN_LOGS.search("sender 3f2a9c1b44d0 said hi")


def test_signed_but_malformed_webhook_is_a_clear_400(app):
    client = app.test_client()
    params = {"MessageSid": new_message_sid(), "To": "+12025550100", "Body": "5"}
    signature = sign("http://localhost/twilio/sms", params)
    response = client.post("/twilio/sms", data=params, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 400 and b"From is required" in response.data
    assert count(app, Conversation) == 0


@pytest.mark.parametrize("sid", ["SM\x00" + "0" * 31, "SM" + "0" * 100, "SM'; --"])
def test_message_sid_that_no_twilio_sid_looks_like_is_a_clear_400(app, sid):
    """A NUL or an over-long SID used to reach the database: a 500 on PostgreSQL."""
    params = {"MessageSid": sid, "From": PHONE, "To": "+12025550100", "Body": "Hi"}
    signature = sign("http://localhost/twilio/sms", params)
    response = app.test_client().post(
        "/twilio/sms", data=params, headers={"X-Twilio-Signature": signature}
    )
    assert response.status_code == 400
    assert response.json["error"] == "MessageSid is not a Twilio SID (letters and digits)"
    assert count(app, Conversation) == 0 and count(app, InboundMessage) == 0


def _status_callback(app, **params):
    signature = sign("http://localhost/twilio/status", params)
    return app.test_client().post(
        "/twilio/status", data=params, headers={"X-Twilio-Signature": signature}
    )


def test_status_callback_for_an_unknown_message_is_a_json_404(app):
    """It used to be a 404 with an empty body."""
    response = _status_callback(app, MessageSid="SM" + "0" * 32, MessageStatus="delivered")
    assert response.status_code == 404
    assert response.json["error"] == "no invitation was sent with this MessageSid"


@pytest.mark.parametrize("code", ["²", "9" * 5000, "99999999999"])
def test_status_callback_error_code_that_is_no_number_is_ignored(app, code):
    """ "²" passed str.isdigit() and then failed int(): a 500; a huge code overflowed the column."""
    sid = "SM" + "a" * 32
    with runtime_of(app).db.transaction() as db:
        add_sent_invitation(db, sid)
    response = _status_callback(app, MessageSid=sid, MessageStatus="failed", ErrorCode=code)
    assert response.status_code == 204
    with runtime_of(app).db.transaction() as db:
        invitation = db.scalars(select(Invitation)).one()
        assert (invitation.status, invitation.error_code) == ("failed", None)


def test_multipart_part_with_an_unreadable_name_is_refused_as_unsigned(app):
    """Werkzeug names such a part None; sorting it with the other names in RequestValidator
    raised TypeError: a 500 for anyone who sent any X-Twilio-Signature."""
    body = (
        b"--xyz\r\n"
        b'Content-Disposition: form-data; name="From"\r\n\r\n+12025550143\r\n'
        b"--xyz\r\n"
        b'Content-Disposition: form-data; name="\r>"\r\n\r\nx\r\n'
        b"--xyz--\r\n"
    )
    response = app.test_client().post(
        "/twilio/sms",
        data=body,
        content_type="multipart/form-data; boundary=xyz",
        headers={"X-Twilio-Signature": "anything"},
    )
    assert response.status_code == 403 and response.json["error"]
    assert count(app, Conversation) == 0


@pytest.mark.parametrize(
    ("to", "shown"),
    [
        ("+19995550199", "+19995550199"),
        ("' OR '1'='1", "(not a phone number)"),
        ("+1999" + "9" * 50_000, "(not a phone number)"),
        ("", "(none)"),
    ],
    ids=["number", "text", "too long", "none"],
)
def test_an_unknown_to_field_is_logged_only_as_a_number(app, caplog, to, shown):
    """A signed `To` of anything else ("' OR '1'='1", sent by the hostile-input suite) was
    echoed into the log line; 50,000 digits are no number either."""
    params = {"MessageSid": new_message_sid(), "From": PHONE, "To": to}
    signature = sign("http://localhost/twilio/sms", params)
    with caplog.at_level(logging.WARNING):
        response = app.test_client().post(
            "/twilio/sms", data=params, headers={"X-Twilio-Signature": signature}
        )
    assert response.status_code == 404
    (line,) = [r.getMessage() for r in caplog.records if "no service owns" in r.getMessage()]
    assert line == f"sms webhook to a number no service owns: {shown}"


@pytest.mark.parametrize(
    ("body", "trust"),
    [
        ("Five", 5),
        ("4/5", 4),
        ("4 out of 5", 4),
        ("⭐⭐⭐⭐", 4),
        ("5 stars", 5),
        ("٤", 4),
        ("４", 4),
        ("cinco", 5),  # the service's Spanish, before switching to it
    ],
)
def test_ratings_as_texters_write_them(app, texter_factory, body, trust):
    texter = texter_factory()
    texter.send("Hi")
    assert "What about this interaction made the difference?" in texter.send(body)
    assert stored(app)[0][2] == {"trust": ("answered", trust)}


@pytest.mark.parametrize("body", ["10/10", "8 out of 10", "not 5", "👍", "   "])
def test_a_rating_on_another_scale_negated_or_empty_is_asked_again(app, texter_factory, body):
    texter = texter_factory()
    texter.send("Hi")
    assert texter.send(body).startswith("Sorry, please reply with a number from 1 to 5.")
    assert stored(app)[0][2] == {}


@pytest.mark.parametrize(
    "body", ["👍🏽", "👍👍", "👍 thanks!", "👍 no problems", "No problems 👍", "Two thumbs up!"]
)
def test_a_thumb_with_a_skin_tone_or_words_is_up(app, texter_factory, body):
    """A skin-toned 👍 (as many phones send it) was "Sorry, please reply…"; the keyword "no"
    beat 👍, so "👍 no problems" was stored as thumbs down."""
    texter = texter_factory(to="+12025550102")
    texter.send("Hi")
    assert "What about this interaction made the difference?" in texter.send(body)
    assert stored(app)[0][2] == {"trust": ("answered", 1)}


def test_a_thumbs_question_asked_again_names_its_two_answers(app, texter_factory):
    """It said "reply with a number from 0 to 1", as if 0.5 were an answer."""
    texter = texter_factory(to="+12025550102")
    texter.send("Hi")
    assert texter.send("maybe").startswith("Sorry, please reply 1 or 0.\n")
    assert stored(app)[0][2] == {}


def test_a_range_of_drivers_is_every_driver_in_it(app, texter_factory):
    texter = texter_factory()
    texter.send("Hi")
    texter.send("5")
    assert "Anything else" in texter.send("1-3")
    texter.send("Skip.")
    assert stored(app)[0][2] == {
        "trust": ("answered", 5),
        "made_the_difference": ("answered", ["effectiveness", "ease", "efficiency"]),
        "anything_else": ("skipped", None),
    }


@pytest.mark.parametrize(
    ("body", "trust"),
    [("No complaints 5", 5), ("not bad 4", 4), ("Strongly agree, took two minutes", 5)],
)
def test_a_negation_or_number_word_about_something_else_leaves_the_rating(
    app, texter_factory, body, trust
):
    """A "no" earlier in the sentence cancelled the 5, and "two minutes" was a second
    rating: each was "Sorry, please reply…", three times and the trust answer was lost."""
    texter = texter_factory()
    texter.send("Hi")
    assert "What about this interaction made the difference?" in texter.send(body)
    assert stored(app)[0][2] == {"trust": ("answered", trust)}


def test_a_number_word_in_a_story_is_asked_again(app, texter_factory):
    texter = texter_factory()
    texter.send("Hi")
    reply = texter.send("It took two hours to get through")
    assert reply.startswith("Sorry, please reply with a number from 1 to 5.")
    assert stored(app)[0][2] == {}


def test_an_optional_scale_question_of_a_flow_says_skip_may_be_replied():
    """A flow's own optional scale ("How did you file?") listed its choices and no SKIP, and
    a comment sent there was asked again three times."""
    from channels.sms import render_prompt
    from feedbot.engine import ChoiceView, Prompt

    choices = tuple(
        ChoiceView(value, label, value) for value, label in ((1, "Online"), (2, "By phone"))
    )
    prompt = Prompt("question", "How did you file?", "how", "scale", choices, optional=True)
    assert render_prompt(prompt, "en").splitlines() == [
        "How did you file?",
        "1 Online",
        "2 By phone",
        "Or reply SKIP.",
    ]
    required = Prompt("question", "How did you file?", "how", "scale", choices)
    assert not render_prompt(required, "en").endswith("SKIP.")
