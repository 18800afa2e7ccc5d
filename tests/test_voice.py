"""The voice channel end to end: a caller follows each TwiML answer's URLs, as Twilio does."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urljoin

import pytest
import yaml
from sqlalchemy import func, select

from feedbot.errors import CALLER_APOLOGY
from feedbot.models import Conversation, PendingNormalization, ResponseRecord
from feedbot.normalize import record_as_dict
from tests.conftest import make_app, runtime_of
from tests.support.calling import Caller, Turn, assert_documented_twiml
from tests.support.flow_edits import SHIPPED_FLOWS, deployed, shipped_flow, with_office_question
from tests.support.texting import Texter, sign


def stored(app):
    with runtime_of(app).db.transaction() as db:
        return [
            (c.status, c.language, {a.question_id: (a.status, a.value) for a in c.answers})
            for c in db.scalars(select(Conversation).order_by(Conversation.id))
        ]


def answer_in_english(app):
    caller = Caller(app.test_client())
    menu = caller.dial()
    assert "For English, press 1." in menu.spoken
    assert "Para Español, oprima 2." in menu.spoken
    return caller, caller.press("1")


def test_language_menu_speaks_each_language_in_its_own_voice(app):
    menu = Caller(app.test_client()).dial()
    says = {say.text: (say.get("language"), say.get("voice")) for say in menu.xml.iter("Say")}
    assert says["For English, press 1."][0] == "en-US"
    assert says["Para Español, oprima 2."] == ("es-US", "Polly.Lupe-Neural")
    assert menu.gather.get("numDigits") == "1"


def test_keypad_only_positive_path(app):
    caller, first = answer_in_english(app)
    assert "U.S. Passport Office: 3 quick questions about passport renewal" in first.spoken
    assert "To hear this again, press 9." in first.spoken
    assert "Press 1 for Strongly disagree." in first.spoken
    assert "Press 5 for Strongly agree." in first.spoken
    assert first.gather.get("input") == "dtmf speech"
    assert "Strongly agree" in first.gather.get("hints")
    drivers = caller.press("5")
    assert "What about this interaction made the difference?" in drivers.spoken
    assert "then the pound key" in drivers.spoken and drivers.gather.get("finishOnKey") == "#"
    anything = caller.press("26")
    assert "Anything else" in anything.spoken and "To skip, press 0." in anything.spoken
    assert anything.gather.get("speechTimeout") == "auto"
    done = caller.press("0")
    assert "Thank you for your feedback" in done.spoken and done.hung_up
    assert stored(app) == [
        (
            "complete",
            "en",
            {
                "trust": ("answered", 5),
                "made_the_difference": ("answered", ["ease", "employee"]),
                "anything_else": ("skipped", None),
            },
        )
    ]


def test_keypad_only_negative_path(app):
    caller, _ = answer_in_english(app)
    assert "What could have been better?" in caller.press("2").spoken
    assert "What else could have been better?" in caller.press("37").spoken
    caller.press("0")
    assert caller.press("0").hung_up
    assert stored(app)[0][2] == {
        "trust": ("answered", 2),
        "could_be_better": ("answered", ["efficiency", "other"]),
        "negative_other": ("skipped", None),
        "anything_else": ("skipped", None),
    }


def test_speech_answers(app):
    caller, _ = answer_in_english(app)
    assert "What could have been better?" in caller.say("disagree").spoken
    assert "Anything else" in caller.say("it took too long").spoken
    assert caller.say("The hold music was very loud").hung_up
    assert stored(app)[0][2] == {
        "trust": ("answered", 2),
        "could_be_better": ("answered", ["efficiency"]),
        "anything_else": ("answered", "The hold music was very loud"),
    }
    caller2, _ = answer_in_english(app)
    assert "made the difference" in caller2.say("Strongly agree.").spoken


def test_spanish_call_from_the_language_menu(app):
    caller = Caller(app.test_client())
    caller.dial()
    first = caller.press("2")
    assert "Esta interacción aumentó mi confianza en U.S. Passport Office." in first.spoken
    assert {say.get("language") for say in first.xml.iter("Say")} == {"es-US"}
    assert first.gather.get("language") == "es-US"
    assert "¿Qué hizo la diferencia" in caller.say("totalmente de acuerdo").spoken
    caller.press("1")
    assert "Gracias" in caller.say("Todo muy bien").spoken
    status, language, answers = stored(app)[0]
    assert (status, language) == ("complete", "es")
    assert answers["anything_else"] == ("answered", "Todo muy bien")


def test_star_repeats_and_nine_replays_the_notice(app):
    caller, _ = answer_in_english(app)
    again = caller.press("*")
    assert "This interaction increased my trust" in again.spoken
    assert "3 quick questions about passport renewal" not in again.spoken
    notice = caller.press("9")
    assert "3 quick questions about passport renewal" in notice.spoken
    assert "This interaction increased my trust" in notice.spoken
    assert stored(app)[0][2] == {}
    assert "made the difference" in caller.press("4").spoken


def test_no_input_repeats_once_then_moves_on(app):
    caller, _ = answer_in_english(app)
    once = caller.stay_silent()
    assert once.spoken.startswith("Sorry, I did not hear anything.")
    assert "This interaction increased my trust" in once.spoken
    moved = caller.stay_silent()
    assert "Anything else" in moved.spoken
    assert stored(app)[0][2] == {"trust": ("unanswered", None)}


def test_invalid_key_reprompts(app):
    caller, _ = answer_in_english(app)
    retry = caller.press("7")
    assert retry.spoken.startswith("Sorry, I did not understand.")
    assert stored(app)[0][2] == {}


def test_hang_up_mid_survey_leaves_a_normalized_partial_response(app):
    caller, _ = answer_in_english(app)
    caller.press("4")
    assert caller.hang_up() == 204
    assert stored(app)[0][0] == "partial"
    with runtime_of(app).db.transaction() as db:
        record = db.scalars(select(ResponseRecord)).one()
        assert (record.status, record.channel, record.question_1) == (
            "partial",
            "automated_phone",
            4,
        )


def test_hang_up_before_answering_is_abandoned(app):
    caller, _ = answer_in_english(app)
    caller.hang_up()
    assert stored(app)[0][0] == "abandoned"


def test_a_caller_who_answered_nothing_leaves_an_abandoned_survey(app):
    caller, _ = answer_in_english(app)
    caller.stay_silent()
    caller.stay_silent()  # the trust question is given up on: no answer
    caller.hang_up()
    assert stored(app) == [("abandoned", "en", {"trust": ("unanswered", None)})]


def test_a_caller_who_only_skipped_leaves_an_abandoned_survey(app):
    caller, _ = answer_in_english(app)
    caller.stay_silent()
    question = caller.stay_silent()  # the trust question given up on
    while not question.hung_up:
        question = caller.press("0")  # and every question after it skipped
    assert stored(app)[0][0] == "abandoned"


def test_a_caller_silent_to_the_end_leaves_an_abandoned_survey(app):
    caller, _ = answer_in_english(app)
    while not caller.turns[-1].hung_up:
        caller.stay_silent()
    (status, _, answers) = stored(app)[0]
    assert status == "abandoned"
    assert {state for state, _ in answers.values()} == {"unanswered"}


def test_duplicate_step_delivery_gives_one_answer(app):
    caller, _ = answer_in_english(app)
    first = caller.press("5")
    again = caller.resend_last()
    assert again.spoken == first.spoken
    assert stored(app)[0][2] == {"trust": ("answered", 5)}
    caller.press("1")
    assert stored(app)[0][2]["made_the_difference"] == ("answered", ["effectiveness"])


def test_a_repeated_last_answer_hears_the_thanks_again(app):
    """Twilio retrying the call's last answer (its reply lost) heard "This survey has closed"
    instead of the thanks it never got, where a text in the same place is thanked again."""
    caller, _ = answer_in_english(app)
    caller.press("5")
    caller.press("1")
    done = caller.press("0")
    again = caller.resend_last()
    assert again.spoken == done.spoken
    assert "Thank you for your feedback" in again.spoken and again.hung_up
    assert [status for status, _, _ in stored(app)] == ["complete"]


def test_a_repeated_unreadable_first_answer_does_not_read_the_notice_again(app):
    """The call read the notice as it began; a retried reply to a first key it could not read
    played the whole notice again before the question."""
    caller, _ = answer_in_english(app)
    live = caller.press("7")
    again = caller.resend_last()
    assert "Passport Office: 3 quick questions" not in again.spoken
    assert "Press 5 for Strongly agree." in again.spoken
    assert "Passport Office: 3 quick questions" not in live.spoken


def test_a_repeated_language_step_opens_one_survey(app):
    caller, first = answer_in_english(app)
    again = caller.resend_last()  # Twilio retrying the step whose answer it never got
    assert again.spoken == first.spoken  # the notice included
    caller.press("5")
    caller.hang_up()
    assert [status for status, _, _ in stored(app)] == ["partial"]


def test_unsigned_call_is_refused(app):
    response = app.test_client().post(
        "/twilio/voice", data={"CallSid": "CA1", "To": "+12025550100", "From": "+12025550143"}
    )
    assert response.status_code == 403


def test_same_answers_by_sms_and_voice_give_the_same_record(app):
    texter = Texter(app.test_client(), phone="+12025550181", to="+12025550100")
    for body in ("Hi", "2", "3 7", "Nobody called back", "It was slow"):
        texter.send(body)
    caller, _ = answer_in_english(app)
    caller.press("2")
    caller.press("37")
    caller.say("Nobody called back")
    caller.say("It was slow")
    with runtime_of(app).db.transaction() as db:
        records = db.scalars(select(ResponseRecord).order_by(ResponseRecord.conversation_id))
        sms, voice = (record_as_dict(r) for r in records)
    differs = {"external_id", "channel", "started_at", "completed_at"}
    assert {k: v for k, v in sms.items() if k not in differs} == {
        k: v for k, v in voice.items() if k not in differs
    }
    assert (sms["channel"], voice["channel"]) == ("sms_text_messages", "automated_phone")


def test_chat_plays_the_call_in_the_terminal(app):
    result = app.test_cli_runner().invoke(
        args=["chat", "--channel", "voice", "--service", "passport"], input="1\n5\n0\n0\n"
    )
    assert result.exit_code == 0, result.output
    assert "For English, press 1." in result.output
    assert "Press 5 for Strongly agree." in result.output
    assert "Thank you for your feedback" in result.output
    assert stored(app)[0][2]["trust"] == ("answered", 5)


def passport_offering(languages, sqlite_url, tmp_path):
    """An app whose passport service offers `languages`."""
    import yaml

    from tests.conftest import TEST_SERVICES, make_app

    document = yaml.safe_load(TEST_SERVICES.read_text())
    document["services"][0]["languages"] = list(languages)
    services = tmp_path / "services.yaml"
    services.write_text(yaml.safe_dump(document, allow_unicode=True))
    return make_app(sqlite_url, services_file=services)


def test_french_call_from_a_three_language_menu(sqlite_url, tmp_path):
    app = passport_offering(["en", "es", "fr"], sqlite_url, tmp_path)
    caller = Caller(app.test_client())
    menu = caller.dial()
    assert "Pour le Français, appuyez sur 3." in menu.spoken
    first = caller.press("3")
    assert "Cette démarche a renforcé ma confiance envers U.S. Passport Office." in first.spoken
    assert {say.get("language") for say in first.xml.iter("Say")} == {"fr-FR"}
    assert "Qu’est-ce qui aurait pu être mieux ?" in caller.say("pas du tout d'accord").spoken
    caller.press("3")
    assert "Merci pour votre avis" in caller.press("0").spoken
    assert stored(app)[0][:2] == ("complete", "fr")
    runtime_of(app).db.dispose()


def test_twelve_languages_take_two_keys_and_a_name_said_aloud(sqlite_url, tmp_path):
    from feedbot.languages import LANGUAGES

    app = passport_offering(LANGUAGES, sqlite_url, tmp_path)
    caller = Caller(app.test_client())
    menu = caller.dial()
    assert "Para Português, pressione 12." in menu.spoken
    assert menu.gather.get("numDigits") is None  # taken after a pause or #
    assert "3 perguntas rápidas" in caller.press("12").spoken
    spoken = Caller(app.test_client())
    spoken.dial()
    assert "preguntas" in spoken.say("Español.").spoken
    assert [language for _, language, _ in stored(app)] == ["pt", "es"]
    runtime_of(app).db.dispose()


def test_a_texter_who_said_stop_can_still_answer_by_phone(app):
    from feedbot.models import OptOut

    Texter(app.test_client(), phone="+12025550143", to="+12025550100").send("STOP")
    caller, first = answer_in_english(app)
    assert "This interaction increased my trust" in first.spoken
    assert "made the difference" in caller.press("5").spoken
    with runtime_of(app).db.transaction() as db:
        assert db.scalar(select(OptOut.sender_key)) is not None  # texts stay opted out


def _signed(app, path, **params):
    signature = sign(f"http://localhost{path}", params)
    return app.test_client().post(path, data=params, headers={"X-Twilio-Signature": signature})


CALL = {"CallSid": "CA" + "7" * 32, "From": "+12025550143", "To": "+12025550100"}


@pytest.mark.parametrize("digits", ["²", "1" * 5000])
def test_language_keys_that_are_no_number_start_in_the_default_language(app, digits):
    """ "²" passed str.isdigit() and failed int(), as did 5,000 digits: both were a 500."""
    response = _signed(app, "/twilio/voice/language", Digits=digits, **CALL)
    assert response.status_code == 200
    assert stored(app)[0][1] == "en"


@pytest.mark.parametrize("step", ["²", "9" * 5000])
def test_step_that_is_no_number_counts_as_step_zero(app, step):
    _signed(app, "/twilio/voice/language", Digits="1", **CALL)
    response = _signed(app, f"/twilio/voice/answer?step={step}", Digits="5", **CALL)
    assert response.status_code == 200
    assert stored(app)[0][2] == {"trust": ("answered", 5)}


@pytest.mark.parametrize("call_sid", ["CA\x00", "CA" + "1" * 60])
def test_call_sid_that_no_twilio_sid_looks_like_is_a_clear_400(app, call_sid):
    """A NUL or an over-long CallSid used to reach the database: a 500 on PostgreSQL."""
    call = {**CALL, "CallSid": call_sid}
    response = _signed(app, "/twilio/voice/answer?step=1", Digits="5", **call)
    assert response.status_code == 400
    assert response.json["error"] == "CallSid is not a Twilio SID (letters and digits)"
    assert stored(app) == []


def test_keys_are_stored_without_control_characters(app):
    """Digits went into the answer store unclean; PostgreSQL refuses a NUL there: a 500."""
    caller, _ = answer_in_english(app)
    caller.press("5")
    caller.press("2\x006")
    assert stored(app)[0][2]["made_the_difference"] == ("answered", ["ease", "employee"])


def test_zero_is_thumbs_down_where_a_choice_is_zero(app):
    caller = Caller(app.test_client(), to="+12025550102")
    first = caller.dial()
    assert "Press 0 for Thumbs down." in first.spoken
    assert "What could have been better?" in caller.press("0").spoken
    assert stored(app)[0][2] == {"trust": ("answered", 0)}


def test_an_answer_url_without_its_keys_reads_the_question(app):
    # TwiML given before the keys were named in the URL (a call in progress during a deploy).
    call = {**CALL, "To": "+12025550102"}
    _signed(app, "/twilio/voice", **call)
    _signed(app, "/twilio/voice/answer?step=1", Digits="0", **call)
    assert stored(app)[0][2] == {"trust": ("answered", 0)}


def test_a_key_on_a_spoken_question_is_asked_again(app):
    caller, _ = answer_in_english(app)
    caller.press("5")
    anything = caller.press("1")
    assert "Anything else" in anything.spoken
    again = caller.press("1")
    assert "Sorry, I did not understand." in again.spoken and "Anything else" in again.spoken
    assert "anything_else" not in stored(app)[0][2]
    assert caller.say("The clerk was kind.").hung_up
    assert stored(app)[0][2]["anything_else"] == ("answered", "The clerk was kind.")


@pytest.mark.parametrize(
    ("key", "said", "confidence", "heard", "trust"),
    [
        ("1", "Five.", "0.92", "What about this interaction made the difference?", 5),
        ("1", "Four stars.", None, "What about this interaction made the difference?", 4),
        ("1", "I'd say two", "0.71", "What could have been better?", 2),
        ("2", "Cinco.", "0.88", "¿Qué hizo la diferencia", 5),
    ],
)
def test_a_rating_said_as_a_word_is_read(app, key, said, confidence, heard, trust):
    """Twilio's SpeechResult may write a number as a word: "Five." was "Sorry, I did not
    understand" while "5." was read. Confidence is absent with some speech models."""
    caller = Caller(app.test_client())
    caller.dial()
    caller.press(key)
    assert heard in caller.say(said, confidence=confidence).spoken
    assert stored(app)[0][2] == {"trust": ("answered", trust)}


# Twilio's Confidence is optional and "not guaranteed to be accurate, or even set"; Google's
# recognisers send 0.0 for "not set". A rating heard with a confidence under 0.5 (and above 0)
# is said back once before it is stored (QA, voice: a misheard rating was stored silently).
CONFIRM_TWO = "I heard: Disagree. If that is right, press 2. If not, please answer again."


def test_a_rating_heard_with_low_confidence_is_confirmed_before_it_is_stored(app):
    caller, _ = answer_in_english(app)
    unsure = caller.say("Two.", confidence="0.32")
    assert unsure.spoken.startswith(CONFIRM_TWO)
    assert "What could have been better?" not in unsure.spoken
    assert unsure.gather.get("numDigits") == "1" and "Disagree" in unsure.gather.get("hints")
    assert stored(app)[0][2] == {}
    assert "What could have been better?" in caller.press("2").spoken
    assert stored(app)[0][2] == {"trust": ("answered", 2)}


@pytest.mark.parametrize(("again", "trust"), [("Two.", 2), ("Strongly agree.", 5)])
def test_the_answer_given_after_a_confirmation_is_taken_however_it_was_heard(app, again, trust):
    """Said back once, the caller's next answer is theirs: no second confirmation, no loop."""
    caller, _ = answer_in_english(app)
    caller.say("Two.", confidence="0.32")
    caller.say(again, confidence="0.2")
    assert stored(app)[0][2] == {"trust": ("answered", trust)}


@pytest.mark.parametrize("confidence", [None, "0.0", "0.5", "0.93", "not a number", "nan"])
def test_a_rating_heard_without_a_low_confidence_is_stored_at_once(app, confidence):
    caller, _ = answer_in_english(app)
    assert "What could have been better?" in caller.say("Two.", confidence=confidence).spoken
    assert stored(app)[0][2] == {"trust": ("answered", 2)}


def test_low_confidence_is_said_back_only_for_a_rating(app):
    """Drivers and comments are stored as heard: a comment is its own words, and drivers are
    read from phrases, where a confirmation would read the whole list back."""
    caller, _ = answer_in_english(app)
    caller.press("2")
    assert "Anything else" in caller.say("It took too long.", confidence="0.2").spoken
    assert caller.say("The line was long", confidence="0.1").hung_up
    answers = stored(app)[0][2]
    assert answers["could_be_better"] == ("answered", ["efficiency"])
    assert answers["anything_else"] == ("answered", "The line was long")


def test_a_low_confidence_rating_in_spanish_is_said_back_in_spanish(app):
    caller = Caller(app.test_client())
    caller.dial()
    caller.press("2")
    unsure = caller.say("Dos.", confidence="0.3")
    assert unsure.spoken.startswith("Escuché: En desacuerdo. Si es correcto, oprima 2.")
    assert {say.get("language") for say in unsure.xml.iter("Say")} == {"es-US"}


def test_a_low_confidence_rating_after_the_hang_up_is_stored_as_heard(app):
    """No one is left to confirm it: the late answer counts as it did."""
    caller, _ = answer_in_english(app)
    caller.hang_up()
    caller.say("Four.", confidence="0.3")
    assert stored(app)[0][2] == {"trust": ("answered", 4)}


def test_drivers_said_as_words_or_as_a_range(app):
    caller, _ = answer_in_english(app)
    caller.press("5")
    assert "Anything else" in caller.say("One and three.").spoken
    assert stored(app)[0][2]["made_the_difference"] == ("answered", ["effectiveness", "efficiency"])
    texter = Texter(app.test_client(), phone="+12025550181", to="+12025550100")
    for body in ("Hi", "2"):
        texter.send(body)
    assert "Anything else" in texter.send("1-3")
    assert stored(app)[1][2]["could_be_better"] == (
        "answered",
        ["effectiveness", "ease", "efficiency"],
    )


@pytest.mark.parametrize("said", ["Repeat.", "Help.", "Say that again?", "Star"])
def test_saying_repeat_or_help_hears_the_question_again_without_a_strike(app, said):
    """Said instead of pressing star, these were three unreadable answers: the third moved on
    with the trust question unanswered."""
    caller, _ = answer_in_english(app)
    for _ in range(3):
        again = caller.say(said)
        assert again.spoken.startswith("This interaction increased my trust"), again.spoken
        assert "Press 5 for Strongly agree." in again.spoken
    assert stored(app)[0][2] == {}
    assert "made the difference" in caller.press("4").spoken


def test_repeat_said_in_spanish(app):
    caller = Caller(app.test_client())
    caller.dial()
    caller.press("2")
    again = caller.say("Otra vez.")
    assert again.spoken.startswith("Esta interacción aumentó mi confianza")
    assert "Disculpe" not in again.spoken


@pytest.mark.parametrize(
    ("key", "answer_first", "said", "goodbye", "status"),
    [
        ("1", True, "Stop.", "This survey has closed. Thank you for your time.", "partial"),
        ("1", False, "Cancel", "This survey has closed. Thank you for your time.", "abandoned"),
        ("2", False, "Basta.", "Esta encuesta ha cerrado. Gracias por su tiempo.", "abandoned"),
    ],
)
def test_saying_stop_ends_the_call(app, key, answer_first, said, goodbye, status):
    """ "Stop" said was an unreadable answer, three times per question to the end."""
    caller = Caller(app.test_client())
    caller.dial()
    caller.press(key)
    if answer_first:
        caller.press("5")
    end = caller.say(said)
    assert end.spoken == goodbye and end.hung_up
    assert stored(app)[0][0] == status
    assert caller.hang_up() == 204  # the status callback after it changes nothing
    assert stored(app)[0][0] == status


def test_zero_said_skips_where_zero_pressed_would(app):
    caller, _ = answer_in_english(app)
    caller.press("5")
    assert "Anything else" in caller.say("Zero.").spoken
    assert caller.say("cero").hung_up
    assert stored(app)[0][2] == {
        "trust": ("answered", 5),
        "made_the_difference": ("skipped", None),
        "anything_else": ("skipped", None),
    }


def test_zero_said_is_thumbs_down_where_a_choice_is_zero(app):
    caller = Caller(app.test_client(), to="+12025550102")
    caller.dial()
    assert "What could have been better?" in caller.say("Zero.").spoken
    assert stored(app)[0][2] == {"trust": ("answered", 0)}


def test_digits_with_an_empty_speech_result_are_read(app):
    caller, _ = answer_in_english(app)
    assert "made the difference" in caller.respond(Digits="4", SpeechResult="").spoken
    assert stored(app)[0][2] == {"trust": ("answered", 4)}


def test_a_key_and_speech_together_keep_the_answer_the_question_takes(app):
    """On the spoken question a stray key threw away what the caller said."""
    caller, _ = answer_in_english(app)
    caller.respond(Digits="5", SpeechResult="one")  # a question of keys: the key
    caller.press("1")
    done = caller.respond(Digits="1", SpeechResult="The clerk was kind.", Confidence="0.8")
    assert done.hung_up
    assert stored(app)[0][2] == {
        "trust": ("answered", 5),
        "made_the_difference": ("answered", ["effectiveness"]),
        "anything_else": ("answered", "The clerk was kind."),
    }


@pytest.mark.parametrize("said", ["Spanish, please.", "En español", "Dos.", "Two", "2."])
def test_a_language_said_in_a_phrase_or_by_its_number_is_chosen(app, said):
    """Only a language's exact name was heard: "Spanish, please" or the key's number said
    started the survey in English."""
    caller = Caller(app.test_client())
    menu = caller.dial()
    assert "Español" in menu.gather.get("hints")
    assert "preguntas" in caller.say(said).spoken
    assert stored(app)[0][1] == "es"


def test_repeat_said_at_the_language_menu_hears_it_again(app):
    caller = Caller(app.test_client())
    caller.dial()
    again = caller.say("Repeat.")
    assert "Para Español, oprima 2." in again.spoken
    assert stored(app) == []


@pytest.mark.parametrize(
    ("said", "language"),
    [
        ("中文。", "zh_Hans"),
        ("Chinese", "zh_Hans"),
        ("Traditional Chinese.", "zh_Hant"),
        # The number tables stopped at ten: "Eleven." started the survey in English.
        ("Eleven.", "fr"),
        ("twelve", "pt"),
        ("12.", "pt"),
        # A number with the word for it was the default language.
        ("Number two.", "es"),
        ("Option 11", "fr"),
        ("Número dos.", "es"),
    ],
)
def test_a_language_said_at_a_twelve_language_menu(sqlite_url, tmp_path, said, language):
    from feedbot.languages import LANGUAGES

    app = passport_offering(LANGUAGES, sqlite_url, tmp_path)
    caller = Caller(app.test_client())
    caller.dial()
    caller.say(said)
    assert stored(app)[0][1] == language
    runtime_of(app).db.dispose()


def test_star_among_keys_repeats_and_a_lone_pound_is_asked_again(app):
    caller, _ = answer_in_english(app)
    caller.press("5")
    again = caller.press("2*")  # star while choosing drivers: hear the list again
    assert again.spoken.startswith("What about this interaction made the difference?")
    retry = caller.press("#")
    assert retry.spoken.startswith("Sorry, I did not understand.")
    assert stored(app)[0][2] == {"trust": ("answered", 5)}
    assert "Anything else" in caller.press("123").spoken


@pytest.mark.parametrize("said", ["Goodbye.", "End.", "Stop."])
def test_a_goodbye_said_to_the_last_question_completes_the_survey(app, said):
    """At "Anything else…?" these ended the call and left the survey partial; before stop
    words were heard the survey completed."""
    caller, _ = answer_in_english(app)
    caller.press("5")
    caller.press("1")
    done = caller.say(said)
    assert "Thank you for your feedback" in done.spoken and done.hung_up
    assert stored(app) == [
        (
            "complete",
            "en",
            {
                "trust": ("answered", 5),
                "made_the_difference": ("answered", ["effectiveness"]),
                "anything_else": ("skipped", None),
            },
        )
    ]


def test_stop_said_to_an_optional_spoken_question_moves_on(app):
    caller, _ = answer_in_english(app)
    caller.press("5")
    assert "What else made the difference?" in caller.press("7").spoken
    assert "Anything else" in caller.say("Stop.").spoken
    assert caller.say("Goodbye").hung_up
    status, _, answers = stored(app)[0]
    assert status == "complete"
    assert answers["positive_other"] == ("skipped", None)


def test_thoi_said_to_the_last_question_completes_a_vietnamese_survey(sqlite_url, tmp_path):
    app = passport_offering(["en", "vi"], sqlite_url, tmp_path)
    caller = Caller(app.test_client())
    caller.dial()
    caller.press("2")
    caller.press("5")
    caller.press("1")
    done = caller.say("Thôi.")
    assert done.spoken.startswith("Cảm ơn phản hồi của quý vị.") and done.hung_up
    assert stored(app)[0][:2] == ("complete", "vi")
    assert stored(app)[0][2]["anything_else"] == ("skipped", None)
    runtime_of(app).db.dispose()


# A caller's last answer and the hang-up's status callback reach different workers, so the
# hang-up may be handled first (QA, voice finding 1).
LATE_COMMENT = "The line was long but staff were kind"


def hung_up_before_the_last_answer(app):
    caller, _ = answer_in_english(app)
    caller.press("4")
    caller.press("2")
    assert caller.hang_up() == 204
    assert stored(app)[0][0] == "partial"
    return caller


def record_of(app):
    with runtime_of(app).db.transaction() as db:
        return record_as_dict(db.scalars(select(ResponseRecord)).one())


def test_a_last_answer_handled_after_the_hang_up_still_completes_the_survey(app):
    caller = hung_up_before_the_last_answer(app)
    late = caller.say(LATE_COMMENT)
    assert "Thank you for your feedback" in late.spoken and late.hung_up
    assert stored(app) == [
        (
            "complete",
            "en",
            {
                "trust": ("answered", 4),
                "made_the_difference": ("answered", ["ease"]),
                "anything_else": ("answered", LATE_COMMENT),
            },
        )
    ]
    record = record_of(app)  # normalized again, with the late answer
    assert (record["status"], record["question_4"]) == ("complete", LATE_COMMENT)
    again = caller.resend_last()  # Twilio delivering it twice
    assert "Thank you for your feedback" in again.spoken
    assert stored(app)[0][0] == "complete" and record_of(app)["status"] == "complete"
    assert caller.hang_up() == 204  # a repeated status callback changes nothing either
    assert stored(app)[0][0] == "complete"


def test_a_late_answer_to_an_earlier_question_is_kept_and_the_survey_stays_partial(app):
    caller, _ = answer_in_english(app)
    caller.press("4")
    caller.hang_up()
    late = caller.press("26")
    assert late.hung_up and late.gather is None  # nobody is left to ask the next question
    assert stored(app) == [
        (
            "partial",
            "en",
            {"trust": ("answered", 4), "made_the_difference": ("answered", ["ease", "employee"])},
        )
    ]
    record = record_of(app)
    assert (record["status"], record["positive_ease"], record["positive_employee"]) == (
        "partial",
        1,
        1,
    )
    caller.resend_last()
    assert stored(app)[0][2]["made_the_difference"] == ("answered", ["ease", "employee"])


def test_a_repeated_delivery_of_an_answer_given_before_the_hang_up_changes_nothing(app):
    """A repeated delivery of the answer given before the hang-up answers nothing more."""
    caller, _ = answer_in_english(app)
    caller.press("4")
    caller.hang_up()
    again = caller.resend_last()
    assert again.hung_up and "What about this interaction" not in again.spoken
    assert stored(app) == [("partial", "en", {"trust": ("answered", 4)})]


def test_goodbye_said_to_the_last_question_after_the_hang_up_completes_the_survey(app):
    caller = hung_up_before_the_last_answer(app)
    caller.say("Goodbye.")
    assert stored(app)[0][0] == "complete"
    assert stored(app)[0][2]["anything_else"] == ("skipped", None)


def test_an_answer_long_after_the_call_ended_hears_the_survey_has_closed(app):
    from sqlalchemy import update

    caller = hung_up_before_the_last_answer(app)
    with runtime_of(app).db.transaction() as db:
        ended = db.scalar(select(Conversation.completed_at))
        db.execute(update(Conversation).values(completed_at=ended - timedelta(minutes=6)))
    late = caller.say(LATE_COMMENT)
    assert "This survey has closed" in late.spoken and late.hung_up
    assert stored(app)[0][0] == "partial" and "anything_else" not in stored(app)[0][2]


def test_a_key_pressed_for_a_question_the_flow_has_since_dropped_is_stored_for_no_other(
    database_url, tmp_path
):
    """The caller was asked the flow's own first question; version 2, deployed before they
    pressed 1, has no such question. The survey closes with nothing (README), and the press
    is not taken as a late answer to the new flow's first question: it was stored as a
    Strongly disagree to the trust question, which the caller never heard."""
    v1 = with_office_question(shipped_flow("a11", id="custom"))
    before = deployed(database_url, tmp_path / "v1", [v1], "custom")
    caller, first = answer_in_english(before)
    assert "Which office did you visit?" in first.spoken
    v2 = shipped_flow("a11", id="custom", version=2)
    caller.client = deployed(database_url, tmp_path / "v2", [v2], "custom").test_client()
    pressed = caller.press("1")
    assert "This survey has closed" in pressed.spoken and pressed.hung_up
    assert stored(before) == [("abandoned", "en", {})]
    record = record_of(before)
    assert (record["status"], record["question_1"]) == ("abandoned", None)


def test_a_key_pressed_for_a_renamed_question_is_not_taken_for_the_one_after_the_last_answer(
    database_url, tmp_path
):
    """The flow was edited (its version left as it was) to rename the question the call was
    asking: the survey closes as partial with the rating given, and the press goes to no
    question. It was stored as an answer to the renamed one, found again from the latest
    answer under the new routing."""
    before = deployed(database_url, tmp_path / "v1", [shipped_flow("a11")], "a11")
    caller, _ = answer_in_english(before)
    assert "What about this interaction" in caller.press("4").spoken
    renamed = (SHIPPED_FLOWS / "a11.yaml").read_text().replace("made_the_difference", "helped")
    edited = yaml.safe_load(renamed)
    caller.client = deployed(database_url, tmp_path / "v2", [edited], "a11").test_client()
    pressed = caller.press("26")
    assert "This survey has closed" in pressed.spoken and pressed.hung_up
    assert stored(before) == [("partial", "en", {"trust": ("answered", 4)})]
    assert record_of(before)["positive_ease"] is None


def test_a_call_on_the_rating_when_its_service_moves_to_thumbs_is_asked_it_again(
    database_url, tmp_path
):
    """The caller heard the 1-5 scale; the service moved to the thumbs flow before they
    pressed 1 (Strongly disagree). Read under the thumbs flow it was a thumbs up, exported
    under the 1-5 form as a Strongly disagree. It is not read: the caller hears the
    question as the flow now asks it, and the response is given under that flow."""
    both = [shipped_flow("a11"), shipped_flow("a11_thumbs")]
    before = deployed(database_url, tmp_path / "v1", both, "a11")
    caller, first = answer_in_english(before)
    assert "Press 5 for Strongly agree." in first.spoken
    caller.client = deployed(database_url, tmp_path / "v2", both, "a11_thumbs").test_client()
    again = caller.press("1")
    assert "Thumbs up" in again.spoken and "Strongly" not in again.spoken
    assert stored(before) == [("active", "en", {})]
    assert "What about this interaction" in caller.press("1").spoken
    caller.press("2")
    assert "Thank you for your feedback" in caller.press("0").spoken
    assert stored(before)[0][:2] == ("complete", "en")
    record = record_of(before)
    assert (record["trust_form"], record["question_1"]) == ("thumbs", 1)
    with runtime_of(before).db.transaction() as db:
        flow = db.execute(select(ResponseRecord.flow_id, ResponseRecord.flow_version)).one()
    assert tuple(flow) == ("a11_thumbs", 1)


@pytest.mark.parametrize("drained_first", [False, True])
def test_a_late_answer_reaches_the_record_whether_or_not_the_first_was_written(
    queued_app, drained_first
):
    """The hang-up queued the partial response; the late answer queues it again, whether its
    outbox row still waits or the worker already wrote the partial record."""
    from feedbot.queue import normalize_queue
    from feedbot.worker import PromptSimpleWorker

    def run_worker():
        queue = normalize_queue(runtime_of(queued_app))
        PromptSimpleWorker([queue], connection=queue.connection).work(burst=True)

    caller = hung_up_before_the_last_answer(queued_app)
    if drained_first:
        run_worker()
        assert record_of(queued_app)["status"] == "partial"
    caller.say(LATE_COMMENT)
    run_worker()
    record = record_of(queued_app)
    assert (record["status"], record["question_4"]) == ("complete", LATE_COMMENT)
    with runtime_of(queued_app).db.transaction() as db:
        assert db.scalar(select(func.count()).select_from(PendingNormalization)) == 0


# FEEDBOT_PUBLIC_URL may have a path: Twilio must be sent back under it (QA, voice finding 2).
PREFIXED = "https://agency.example.gov/feedbot"


@dataclass
class CallerBehindAPrefix(Caller):
    """Twilio calling exactly the URLs the TwiML names, signed as named, through a proxy that
    serves the app at PREFIXED."""

    urls: list[str] = field(default_factory=list)

    def dial(self) -> Turn:
        return self.post(PREFIXED + "/twilio/voice", {})

    def status(self, call_status: str) -> int:
        params = self._params({"CallStatus": call_status})
        url = PREFIXED + "/twilio/voice/status"
        response = self.client.post(
            "/twilio/voice/status", data=params, headers={"X-Twilio-Signature": sign(url, params)}
        )
        return response.status_code

    def _send(self, url: str, params: dict[str, str]) -> Turn:
        assert url.startswith(PREFIXED + "/twilio/voice"), url
        self.urls.append(url)
        response = self.client.post(
            url.removeprefix(PREFIXED),
            data=params,
            headers={"X-Twilio-Signature": sign(url, params)},
        )
        assert response.status_code == 200, response.data
        turn = Turn(ET.fromstring(response.data), response.data)
        self.turns.append(turn)
        return turn


def test_a_public_url_with_a_path_keeps_every_call_step_under_it(sqlite_url):
    app = make_app(sqlite_url, public_url=PREFIXED)
    caller = CallerBehindAPrefix(app.test_client())
    menu = caller.dial()
    assert menu.redirect == PREFIXED + "/twilio/voice/language"
    first = caller.press("1")
    assert first.redirect.startswith(PREFIXED + "/twilio/voice/answer?")
    assert "Sorry, I did not hear anything." in caller.stay_silent().spoken
    caller.press("4")
    caller.press("2")
    assert "Thank you for your feedback" in caller.say(LATE_COMMENT).spoken
    assert caller.hang_up() == 204
    assert stored(app)[0][0] == "complete"
    assert len(caller.urls) == 6
    runtime_of(app).db.dispose()


class CallerThroughAProxy(CallerBehindAPrefix):
    """The same with FEEDBOT_PUBLIC_URL unset, the proxy naming the path in X-Forwarded-Prefix:
    the TwiML's URLs are then paths, which Twilio resolves against the URL it called."""

    def _send(self, url: str, params: dict[str, str]) -> Turn:
        return super()._send(urljoin(PREFIXED + "/twilio/voice", url), params)


def test_behind_a_proxy_that_names_the_path_every_call_step_stays_under_it(sqlite_url):
    """Twilio's signature is checked against the URL it called, the proxy's path included
    (it was checked without it, and refused), and each step's TwiML keeps the path."""
    app = make_app(sqlite_url, proxy_hops=1)
    client = app.test_client()
    client.environ_base.update(
        HTTP_X_FORWARDED_PROTO="https",
        HTTP_X_FORWARDED_HOST="agency.example.gov",
        HTTP_X_FORWARDED_PREFIX="/feedbot",
    )
    caller = CallerThroughAProxy(client)
    assert caller.dial().redirect == "/feedbot/twilio/voice/language"
    assert caller.press("1").redirect.startswith("/feedbot/twilio/voice/answer?")
    caller.press("4")
    caller.press("2")
    assert "Thank you for your feedback" in caller.say(LATE_COMMENT).spoken
    assert caller.hang_up() == 204
    assert stored(app)[0][0] == "complete"
    runtime_of(app).db.dispose()


@pytest.mark.parametrize("public_url", ["https://feedbot.agency.gov", PREFIXED])
def test_chat_plays_the_call_whatever_the_public_url(sqlite_url, public_url):
    """The console signed for http://localhost: with FEEDBOT_PUBLIC_URL set (as always in
    production) its first request was refused and the 403's JSON parsed as TwiML."""
    app = make_app(sqlite_url, public_url=public_url)
    result = app.test_cli_runner().invoke(
        args=["chat", "--channel", "voice", "--service", "passport"], input="1\n5\n\n0\n0\n"
    )
    assert result.exit_code == 0, result.output
    assert "Sorry, I did not hear anything." in result.output  # the silence's Redirect
    assert "Thank you for your feedback" in result.output
    hung_up = app.test_cli_runner().invoke(
        args=["chat", "--channel", "voice", "--service", "passport"], input="1\n5\n"
    )
    assert hung_up.exit_code == 0, hung_up.output  # the status callback is a 204
    assert [status for status, _, _ in stored(app)] == ["complete", "partial"]
    runtime_of(app).db.dispose()


def test_a_call_the_console_cannot_make_says_why_without_a_traceback(sqlite_app):
    import click

    from channels.console import play_call

    service = runtime_of(sqlite_app).services.get("passport")
    with pytest.raises(click.ClickException) as refused:
        play_call(sqlite_app, service, "another-token", lambda: None, lambda _: None)
    assert refused.value.message == (
        "feedbot refused the call: 403 X-Twilio-Signature does not match this request"
    )


# Odd inputs (QA, voice findings 4 and 5).
@pytest.mark.parametrize(
    "path",
    [
        "/twilio/voice",
        "/twilio/voice/language",
        "/twilio/voice/answer?step=1",
        "/twilio/voice/resume?language=en",
    ],
)
def test_a_call_to_a_number_no_service_owns_hears_an_apology(app, path):
    """A 404 made Twilio play "an application error has occurred" to the caller."""
    response = _signed(app, path, Digits="1", **{**CALL, "To": "+13125550199"})
    assert response.status_code == 200
    turn = Turn(ET.fromstring(response.data), response.data)
    assert_documented_twiml(turn.xml)
    assert turn.spoken == CALLER_APOLOGY and turn.hung_up
    assert stored(app) == []


@pytest.mark.parametrize("call_sid", ["CA\x00", "CA" + "1" * 60, ""])
def test_a_bad_call_sid_is_refused_before_the_language_menu(app, call_sid):
    response = _signed(app, "/twilio/voice", **{**CALL, "CallSid": call_sid})
    assert response.status_code == 400


def test_star_at_the_language_menu_hears_it_again(app):
    caller = Caller(app.test_client())
    caller.dial()
    again = caller.press("*")
    assert "Para Español, oprima 2." in again.spoken and again.gather is not None
    assert stored(app) == []


def test_stop_said_at_the_language_menu_ends_the_call(app):
    caller = Caller(app.test_client())
    caller.dial()
    ended = caller.say("Stop.")
    assert "This survey has closed" in ended.spoken and ended.hung_up
    assert stored(app) == []


def test_a_korean_caller_hears_no_written_particle_choice(sqlite_url, tmp_path):
    """ "은(는)" is how Korean writes "either particle": read aloud, it was a stumble before
    every choice."""
    app = passport_offering(["ko", "en"], sqlite_url, tmp_path)
    caller = Caller(app.test_client())
    caller.dial()
    trust = caller.press("1")
    assert "1번을 누르세요" in trust.spoken
    assert "(" not in trust.spoken and ")" not in trust.spoken
    runtime_of(app).db.dispose()


def test_chat_in_production_stores_a_response_only_when_asked_to(sqlite_url):
    """A try-out of the console on the production database was a real respondent in the
    quarterly A-11 figures."""
    app = make_app(sqlite_url, env="production")
    refused = app.test_cli_runner().invoke(
        args=["chat", "--channel", "voice", "--service", "passport"], input="1\n5\n0\n0\n"
    )
    assert refused.exit_code == 2 and "pass --record" in refused.output
    assert stored(app) == []
    recorded = app.test_cli_runner().invoke(
        args=["chat", "--channel", "voice", "--service", "passport", "--record"],
        input="1\n5\n0\n0\n",
    )
    assert recorded.exit_code == 0, recorded.output
    assert stored(app)[0][0] == "complete"
    runtime_of(app).db.dispose()
