"""The web chat JSON API through Flask's test client."""

from __future__ import annotations

import pytest
import yaml
from sqlalchemy import select

from feedbot.models import Answer, Conversation, PendingNormalization
from tests.conftest import TEST_SERVICES, make_app, runtime_of
from tests.support.flows import HOW_CONTACTED, WHICH_OFFICE, first_asking, flows_with_a11_changed

ORIGIN = "https://studentaid.example.gov"


@pytest.fixture
def chat(app):
    return Chat(app.test_client())


class Chat:
    def __init__(self, client):
        self.client = client
        self.session = None

    def start(self, origin=ORIGIN, **body):
        response = self.client.post(
            "/api/chat/sessions",
            json={"service": "webchat", **body},
            headers={"Origin": origin} if origin else {},
        )
        if response.status_code == 201:
            self.session = response.json["session"]
        return response

    @property
    def headers(self):
        return {"Origin": ORIGIN, "Authorization": f"Bearer {self.session}"}

    def send(self, expected=200, **body):
        response = self.client.post("/api/chat/messages", json=body, headers=self.headers)
        assert response.status_code == expected, response.data
        return response.json

    def transcript(self):
        return self.client.get("/api/chat/transcript", headers=self.headers)


def texts(payload):
    return [message["text"] for message in payload["messages"]]


def idle_for_a_day(app):
    """The periodic sweep, run a day and an hour from now: idle surveys close."""
    from datetime import UTC, datetime, timedelta

    from feedbot.conversations import expire_idle_conversations

    runtime = runtime_of(app)
    with runtime.db.transaction() as db:
        later = datetime.now(UTC) + timedelta(hours=25)
        expire_idle_conversations(db, later, runtime.settings.idle_expiry)


def stored(app):
    with runtime_of(app).db.transaction() as db:
        conversation = db.scalars(select(Conversation)).one()
        answers = {a.question_id: (a.status, a.value) for a in conversation.answers}
        return conversation.status, conversation.language, conversation.channel, answers


def test_positive_path(app, chat):
    started = chat.start(language="en")
    assert started.status_code == 201
    assert started.headers["Access-Control-Allow-Origin"] == ORIGIN
    payload = started.json
    assert len(payload["session"]) >= 40 and payload["done"] is False
    notice, question = payload["messages"]
    assert "OMB 1845-0004" in notice["text"]
    assert question["input"] == "choice" and question["multiple"] is False
    assert question["choices"][4] == {"value": 5, "label": "Strongly agree"}
    drivers = chat.send(value=5)["messages"][0]
    assert drivers["multiple"] is True and drivers["optional"] is True
    assert "Anything else" in chat.send(value=["ease", "humanity"])["messages"][0]["text"]
    final = chat.send(text="Clear instructions, thank you")
    assert final["done"] is True and "Thank you" in final["messages"][0]["text"]
    assert stored(app) == (
        "complete",
        "en",
        "webchat",
        {
            "trust": ("answered", 5),
            "made_the_difference": ("answered", ["ease", "humanity"]),
            "anything_else": ("answered", "Clear instructions, thank you"),
        },
    )


def test_negative_path_with_skip(app, chat):
    chat.start(language="en")
    assert "What could have been better?" in texts(chat.send(value=1))[0]
    assert "What else could have been better?" in texts(chat.send(value=["other"]))[0]
    chat.send(text="Too many pages")
    assert chat.send(skip=True)["done"] is True
    assert stored(app)[3]["anything_else"] == ("skipped", None)


def test_resume_after_reload(chat):
    chat.start(language="en")
    chat.send(value=4)
    transcript = chat.transcript()
    assert transcript.status_code == 200
    messages = transcript.json["messages"]
    assert [m["role"] for m in messages] == ["bot", "bot", "visitor", "bot"]
    assert messages[2]["text"] == "Agree"
    assert messages[3]["question"] == "made_the_difference"
    assert transcript.json["done"] is False


def test_invalid_choice_reprompts(app, chat):
    chat.start(language="en")
    retry = chat.send(value=9)["messages"][0]
    assert retry["kind"] == "retry" and retry["text"].startswith("Sorry, please choose")
    assert stored(app)[3] == {}


def test_unknown_session_is_404_and_a_missing_one_401(chat):
    chat.session = "not-a-session"
    assert chat.send(expected=404, value=1) == {"error": "no such chat session"}
    assert chat.transcript().status_code == 404
    missing = chat.client.post("/api/chat/messages", json={"value": 1})
    assert missing.status_code == 401 and "Authorization: Bearer" in missing.json["error"]


def test_the_session_token_never_travels_in_a_url(app, chat):
    chat.start(language="en")
    assert chat.send(value=5)["messages"]
    rules = [rule.rule for rule in app.url_map.iter_rules() if "chat" in rule.rule]
    assert not [rule for rule in rules if "<session>" in rule]


def test_foreign_origin_is_refused(app, chat):
    response = chat.start(origin="https://evil.example.com")
    assert response.status_code == 403 and response.json == {"error": "origin not allowed"}
    assert "Access-Control-Allow-Origin" not in response.headers
    preflight = app.test_client().options(
        "/api/chat/sessions", headers={"Origin": "https://evil.example.com"}
    )
    assert preflight.status_code == 403
    allowed = app.test_client().options("/api/chat/sessions", headers={"Origin": ORIGIN})
    assert allowed.status_code == 204 and allowed.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "Authorization" in allowed.headers["Access-Control-Allow-Headers"]


def test_oversized_input_is_413(chat):
    chat.start(language="en")
    chat.send(value=5)
    chat.send(skip=True)
    error = chat.send(expected=413, text="x" * 2001)
    assert error == {"error": "answers are limited to 2000 characters"}
    huge = chat.client.post(
        "/api/chat/messages",
        data=b'{"text": "' + b"y" * 300_000 + b'"}',
        content_type="application/json",
        headers=chat.headers,
    )
    assert huge.status_code == 413 and huge.is_json


def test_script_tags_are_returned_escaped_and_stored_as_plain_text(app, chat):
    chat.start(language="en")
    chat.send(value=5)
    chat.send(skip=True)
    attack = '<script>alert("x")</script> & <b>bold</b>'
    chat.send(text=attack)
    raw = chat.transcript().data
    assert b"<script>" not in raw and b"\\u003cscript\\u003e" in raw
    assert chat.transcript().json["messages"][-2]["text"] == attack
    with runtime_of(app).db.transaction() as db:
        answer = db.scalars(select(Answer).filter_by(question_id="anything_else")).one()
        assert answer.value == attack


def test_accept_language_is_negotiated(chat):
    spanish = chat.start(language=None, origin=None)
    assert spanish.json["language"] == "en"
    negotiated = chat.client.post(
        "/api/chat/sessions",
        json={"service": "webchat"},
        headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"},
    )
    assert negotiated.json["language"] == "zh_Hans"
    arabic = chat.client.post(
        "/api/chat/sessions", json={"service": "webchat"}, headers={"Accept-Language": "ar-EG"}
    )
    assert arabic.json["language"] == "ar" and arabic.json["dir"] == "rtl"
    mexican = chat.client.post(
        "/api/chat/sessions", json={"service": "webchat"}, headers={"Accept-Language": "es-MX"}
    )
    assert "Esta interacción" in mexican.json["messages"][1]["text"]


@pytest.mark.parametrize(
    ("accept_language", "language"),
    [
        ("zh-TW", "zh_Hant"),
        ("zh-Hant-TW", "zh_Hant"),
        ("zh-Hant-HK,zh-Hant;q=0.9", "zh_Hant"),
        ("zh-HK", "zh_Hant"),
        ("zh-CN", "zh_Hans"),
        ("zh", "zh_Hans"),
        ("zh-Hans-SG", "zh_Hans"),
        ("fil-PH,fil;q=0.9", "tl"),
        ("fil", "tl"),
        ("tl", "tl"),
        ("pt-BR", "en"),
        ("EN-us", "en"),
        ("x-klingon,es;q=0.5", "es"),
    ],
)
def test_accept_language_finds_chinese_by_script_and_filipino_as_tagalog(
    sqlite_url, tmp_path, accept_language, language
):
    """Browsers write Traditional Chinese zh-Hant-TW and Chrome writes Tagalog fil-PH."""
    document = yaml.safe_load(TEST_SERVICES.read_text())
    for service in document["services"]:
        if service["id"] == "webchat":
            service["languages"] = ["en", "es", "zh_Hans", "zh_Hant", "tl"]
            service.pop("translations")  # of its Arabic name, which this one does not offer
    services = tmp_path / "services.yaml"
    services.write_text(yaml.safe_dump(document))
    app = make_app(sqlite_url, services_file=services)
    started = app.test_client().post(
        "/api/chat/sessions",
        json={"service": "webchat"},
        headers={"Accept-Language": accept_language},
    )
    config = app.test_client().get(
        "/api/chat/config/webchat", headers={"Accept-Language": accept_language}
    )
    runtime_of(app).db.dispose()
    assert started.json["language"] == language
    assert config.json["language"] == language


def test_language_changes_on_the_same_session_before_the_first_answer(app, chat):
    """The widget's picker: one visitor stays one response, in the language they chose."""
    chat.start(language="en")
    switched = chat.send(language="es")
    assert switched["language"] == "es" and switched["done"] is False
    notice, question = switched["messages"]
    assert "OMB 1845-0004" in notice["text"]
    assert question["question"] == "trust"
    assert question["choices"][4]["label"] == "Totalmente de acuerdo"
    arabic = chat.send(language="ar")
    assert arabic["dir"] == "rtl"
    assert chat.transcript().json["language"] == "ar"
    chat.send(value=5)
    refused = chat.send(expected=400, language="es")
    assert refused == {"error": "the language can only change before the first answer"}
    chat.send(value=["ease"])
    assert chat.send(skip=True)["done"] is True
    assert stored(app)[:2] == ("complete", "ar")
    assert chat.send(expected=400, language="en")["error"].startswith("the language can only")


def test_no_language_change_once_the_first_question_is_given_up_on(app, chat):
    chat.start(language="en")
    for _ in range(3):
        chat.send(text="banana")
    refused = chat.send(expected=400, language="es")
    assert refused == {"error": "the language can only change before the first answer"}
    assert stored(app)[1] == "en"


def test_language_not_offered_is_refused(app, chat):
    chat.start(language="en")
    assert chat.send(expected=400, language="ko") == {
        "error": "language must be one of en, es, ar, zh_Hans"
    }
    assert chat.send(expected=400, language=["es"])["error"].startswith("language must be")
    assert stored(app)[1] == "en"


def test_a_language_switch_leaves_no_abandoned_response(app, chat):
    """Before the picker switched on the same session, the first session was left to expire
    and counted as an abandoned response of its own."""
    from feedbot.models import ResponseRecord

    chat.start(language="en")
    chat.send(language="es")
    chat.send(value=5)
    idle_for_a_day(app)
    with runtime_of(app).db.transaction() as db:
        records = [(r.status, r.language) for r in db.scalars(select(ResponseRecord))]
    assert records == [("partial", "es")]


def test_rate_limited_per_session(chat):
    chat.start(language="en")
    for _ in range(30):
        chat.send(value=9)
    limited = chat.send(expected=429, value=9)
    assert "error" in limited


def test_config_and_standalone_page(app):
    client = app.test_client()
    config = client.get("/api/chat/config/webchat?language=es").json
    assert config["strings"]["send"] == "Enviar" and config["accent_color"] == "#1a4480"
    assert config["omb"].startswith("N.º de control OMB 1845-0004")
    page = client.get("/chat/webchat")
    assert page.status_code == 200
    assert b"OMB Control No. 1845-0004" in page.data
    assert b'data-service="webchat"' in page.data
    assert client.get("/static/feedbot-chat.js").status_code == 200
    assert client.get("/chat/nope").status_code == 404


@pytest.mark.parametrize(
    ("proxy_hops", "headers", "root"),
    [
        (1, {"X-Forwarded-Prefix": "/feedbot"}, "/feedbot"),
        (1, {}, ""),
        # A client's own X-Forwarded-Prefix, with no proxy trusted, names nothing.
        (0, {"X-Forwarded-Prefix": "/feedbot"}, ""),
    ],
)
def test_the_chat_page_loads_its_script_and_style_under_the_path_a_proxy_serves_it_at(
    sqlite_url, proxy_hops, headers, root
):
    """Behind a proxy that serves feedbot under /feedbot (and strips it), the page loaded
    /static/feedbot-chat.js, outside it: the page showed no survey."""
    client = make_app(sqlite_url, proxy_hops=proxy_hops).test_client()
    page = client.get("/chat/webchat", headers=headers).get_data(as_text=True)
    assert f'href="{root}/static/feedbot-chat.css"' in page
    assert f'src="{root}/static/feedbot-chat.js"' in page


def test_same_answers_by_sms_and_web_chat_give_the_same_record(app, chat):
    from feedbot.models import ResponseRecord
    from feedbot.normalize import record_as_dict
    from tests.support.texting import Texter

    texter = Texter(app.test_client(), phone="+12025550181", to="+12025550100")
    for body in ("Hi", "4", "2 6", "Clear and kind"):
        texter.send(body)
    chat.start(language="en")
    chat.send(value=4)
    chat.send(value=["ease", "employee"])
    chat.send(text="Clear and kind")
    with runtime_of(app).db.transaction() as db:
        records = db.scalars(select(ResponseRecord).order_by(ResponseRecord.conversation_id))
        sms, web = (record_as_dict(r) for r in records)
    differs = {"external_id", "channel", "started_at", "completed_at", "service_id"}
    assert {k: v for k, v in sms.items() if k not in differs} == {
        k: v for k, v in web.items() if k not in differs
    }
    assert (sms["channel"], web["channel"]) == ("sms_text_messages", "chatbot")


@pytest.mark.parametrize(
    ("language", "trust_text", "drivers_text"),
    [
        ("ar", "زادت هذه المعاملة من ثقتي في Federal Student Aid.", "ما الذي أحدث الفرق"),
        ("zh_Hans", "这次办理增加了我对Federal Student Aid的信任。", "是什么起了作用"),
    ],
)
def test_complete_survey_in_arabic_and_chinese(app, chat, language, trust_text, drivers_text):
    started = chat.start(language=language).json
    assert started["language"] == language
    assert started["dir"] == ("rtl" if language == "ar" else "ltr")
    assert started["messages"][1]["text"] == trust_text
    assert drivers_text in chat.send(value=5)["messages"][0]["text"]
    chat.send(value=["ease"])
    assert chat.send(skip=True)["done"] is True
    assert stored(app)[1] == language


def test_rate_limited_per_client_address(sqlite_url):
    from tests.conftest import make_app

    app = make_app(sqlite_url, chat_address_limit="3 per minute")
    chat = Chat(app.test_client())
    chat.start(language="en")
    for _ in range(3):
        assert chat.transcript().status_code == 200
    limited = chat.transcript()
    assert limited.status_code == 429 and limited.is_json
    runtime_of(app).db.dispose()


@pytest.mark.parametrize("transaction_id", ["T\x00-1", "T-\ud83d"])
def test_transaction_id_no_database_can_store_is_a_clear_400(app, chat, transaction_id):
    """A NUL (PostgreSQL) or a lone surrogate (any database) in it used to be a 500."""
    response = chat.start(transaction_id=transaction_id)
    assert response.status_code == 400
    assert response.json["error"] == "transaction_id must be printable text"
    with runtime_of(app).db.transaction() as db:
        assert db.scalars(select(Conversation)).all() == []


def test_json_nested_too_deeply_to_parse_is_a_400(app):
    """The parser's RecursionError used to be a 500."""
    response = app.test_client().post(
        "/api/chat/sessions", data="[" * 100_000, content_type="application/json"
    )
    assert response.status_code == 400 and response.json["error"] == "send a JSON object"


def test_redis_down_costs_a_visitor_nothing(queued_app, redis_server):
    """Rate limits and the queue live in Redis; neither may fail the visitor's answer."""
    chat = Chat(queued_app.test_client())
    assert chat.start().status_code == 201
    redis_server.stop()
    try:
        chat.send(value=5)
        chat.send(value=[1])
        chat.send(skip=True)
        done = chat.send(text="Thanks")
        assert done["done"] and texts(done)[-1].startswith("Thank you")
        assert Chat(queued_app.test_client()).start().status_code == 201
    finally:
        redis_server.start()
    with runtime_of(queued_app).db.transaction() as db:
        (complete,) = db.scalars(select(Conversation).filter_by(status="complete")).all()
        answers = {a.question_id: (a.status, a.value) for a in complete.answers}
        waiting = db.scalars(select(PendingNormalization.conversation_id)).all()
    assert answers["trust"] == ("answered", 5)
    assert waiting == [complete.id]  # in the outbox, for the sweep once Redis is back


def test_a_survey_skipped_to_its_end_shows_the_same_thanks_after_a_reload(app, chat):
    """The transcript added the thanks only to a complete survey: one with every question
    skipped (abandoned) ended, after a reload, on the visitor's last "Skip"."""
    chat.start(language="es")
    for _ in range(3):
        chat.send(text="plátano")  # the first question given up on: nothing is answered
    live = chat.send(skip=True)
    assert live["done"] is True and stored(app)[0] == "abandoned"
    reloaded = chat.transcript().json
    assert reloaded["done"] is True
    assert (
        texts(reloaded)[-1]
        == texts(live)[-1]
        == ("Gracias por su opinión. Ayuda a Federal Student Aid a servirle mejor.")
    )


def test_a_survey_closed_while_idle_says_so_after_a_reload(app, chat):
    """It used to end on the last answer, with no question and no word of why."""
    chat.start(language="en")
    chat.send(value=4)
    idle_for_a_day(app)
    reloaded = chat.transcript().json
    assert reloaded["done"] is True
    assert texts(reloaded)[-2:] == ["Agree", "This survey has closed. Thank you for your time."]
    assert texts(chat.send(value=["ease"]))[-1] == texts(reloaded)[-1]
    assert stored(app)[0] == "partial"


def test_a_survey_idle_past_its_expiry_shows_as_closed_before_the_sweep(app, chat):
    """Until the worker's sweep closed it, a reload showed the question as open, and the
    answer to it was then told the survey had closed."""
    from datetime import timedelta

    chat.start(language="en")
    chat.send(value=4)
    with runtime_of(app).db.transaction() as db:
        conversation = db.scalars(select(Conversation)).one()
        conversation.last_activity_at -= timedelta(hours=25)
    reloaded = chat.transcript().json
    assert reloaded["done"] is True
    assert texts(reloaded)[-2:] == ["Agree", "This survey has closed. Thank you for your time."]
    assert texts(chat.send(value=["ease"]))[-1] == texts(reloaded)[-1]
    assert stored(app)[0] == "partial"
    assert stored(app)[3] == {"trust": ("answered", 4)}


@pytest.mark.parametrize(
    "written",
    [
        "Tr\u00e8s\u00a0bien, merci",  # a no-break space (French keyboards, macOS Option+Space)
        "\u975e\u5e38\u3000\u597d",  # an ideographic space from a Chinese input method
        "\U0001f468\u200d\U0001f469\u200d\U0001f467 family",  # one emoji, joined
        "\u0645\u0645\u062a\u0627\u0632\u200f!",  # a right-to-left mark
    ],
)
def test_a_comment_is_stored_as_written_but_for_control_characters(app, chat, written):
    """Web chat dropped every space but the ASCII one and every format character (a
    text message's answer kept them): "Trèsbien", and a family emoji in three people."""
    chat.start(language="en")
    chat.send(value=5)
    chat.send(skip=True)
    chat.send(text=f"\x00{written}\x07\n")
    assert stored(app)[3]["anything_else"] == ("answered", written)


def test_a_choice_written_with_a_no_break_space_is_read(app, chat):
    """ "Strongly\u00a0agree" was read by SMS and refused by web chat."""
    chat.start(language="en")
    chat.send(text="Strongly\u00a0agree")
    assert stored(app)[3] == {"trust": ("answered", 5)}


def test_a_question_given_up_on_is_not_shown_as_skipped_after_a_reload(app, chat):
    """Three replies it could not read close a question as unanswered; the transcript showed
    the visitor saying "Skip", which they never did."""
    chat.start(language="en")
    for text in ("meh", "it was ok i guess"):
        chat.send(text=text)
    live = chat.send(text="dunno")
    reloaded = chat.transcript().json
    assert [m["role"] for m in reloaded["messages"]] == ["bot"] * 4
    assert (
        texts(reloaded)[-2:]
        == texts(live)
        == [
            "Let's move on.",
            "Anything else you want us to know about your experience?",
        ]
    )
    assert stored(app)[3] == {"trust": ("unanswered", None)}


def test_an_answer_sent_again_with_its_id_counts_once(app, chat):
    """The widget retries an answer whose reply was lost with the same answer_id: the server
    may have applied it, and the retry must not answer the next question with it."""
    chat.start(language="en")
    drivers = chat.send(value=5, answer_id="a1")
    assert chat.send(value=5, answer_id="a1") == drivers
    chat.send(value=["ease"], answer_id="a2")
    thanks = chat.send(text="Clear", answer_id="a3")
    assert chat.send(text="Clear", answer_id="a3") == thanks
    assert texts(thanks)[0].startswith("Thank you for your feedback.")
    assert stored(app)[:2] == ("complete", "en")
    assert stored(app)[3]["made_the_difference"] == ("answered", ["ease"])
    error = {"error": "answer_id must be 1 to 64 letters, digits, '-' or '_'"}
    # A lone surrogate could not even be hashed (a 500 before).
    for wrong in ("x" * 65, "", "\ud800", "a b", 7):
        assert chat.send(expected=400, text="Clear", answer_id=wrong) == error


def test_answer_ids_belong_to_their_session(app, chat):
    chat.start(language="en")
    chat.send(value=5, answer_id="a1")
    other = Chat(app.test_client())
    other.start(language="en")
    assert texts(other.send(value=2, answer_id="a1")) == ["What could have been better?"]
    with runtime_of(app).db.transaction() as db:
        trust = sorted(db.scalars(select(Answer.value).filter_by(question_id="trust")))
    assert trust == [2, 5]


def test_a_session_the_database_no_longer_has_is_404_whatever_the_token_looks_like(app, chat):
    """What the widget reads as lost: a well-formed token the database never had, a session
    whose rows were deleted, and one whose conversation alone was (a 500 from the transcript
    before). A request with no token is a 401, which the widget does not take for lost."""
    import secrets

    from feedbot.models import Contact

    chat.session = secrets.token_urlsafe(32)
    assert chat.send(expected=404, value=5) == {"error": "no such chat session"}
    chat.start(language="en")
    with runtime_of(app).db.transaction() as db:
        db.delete(db.scalars(select(Conversation)).one())
    assert chat.transcript().status_code == 404
    with runtime_of(app).db.transaction() as db:
        db.execute(Contact.__table__.delete())
    assert chat.transcript().json == {"error": "no such chat session"}
    assert chat.send(expected=404, value=5) == {"error": "no such chat session"}
    no_token = chat.client.post("/api/chat/messages", json={"value": 5}, headers={"Origin": ORIGIN})
    assert no_token.status_code == 401


def test_refusals_carry_cors_so_the_widget_can_read_them(sqlite_url):
    """A 404 or 429 without Access-Control-Allow-Origin reaches the widget on an agency's page
    as a network failure: it could not tell a lost session or a rate limit from being offline."""
    app = make_app(sqlite_url, chat_session_limit="1 per minute")
    chat = Chat(app.test_client())
    chat.start(language="en")
    chat.send(value=9)
    limited = chat.client.post("/api/chat/messages", json={"value": 9}, headers=chat.headers)
    chat.session = "gone"
    lost = chat.client.get("/api/chat/transcript", headers=chat.headers)
    for refusal, status in ((limited, 429), (lost, 404)):
        assert refusal.status_code == status and refusal.is_json
        assert refusal.headers["Access-Control-Allow-Origin"] == ORIGIN
        assert refusal.headers["Vary"] == "Origin"
    foreign = chat.client.get(
        "/api/chat/transcript",
        headers={**chat.headers, "Origin": "https://evil.example.com"},
    )
    assert foreign.status_code == 404
    assert "Access-Control-Allow-Origin" not in foreign.headers
    runtime_of(app).db.dispose()


def test_the_widget_gets_its_retry_and_lost_session_words_in_the_visitor_language(app):
    client = app.test_client()
    english = client.get("/api/chat/config/webchat?language=en").json["strings"]
    arabic = client.get("/api/chat/config/webchat?language=ar").json["strings"]
    assert english["retry"] == "Try again"
    assert english["lost"] == (
        "Your earlier answers could not be found, so the survey has started again."
    )
    assert arabic["retry"] == "إعادة المحاولة"
    assert arabic["lost"].startswith("تعذّر العثور على إجاباتك السابقة")


def test_the_widget_gets_its_length_and_choose_all_words_in_the_visitor_language(app):
    """What the widget says of a choose-all question and of the length limit, in the
    visitor's language, with the limit's {count} for it to fill in."""
    client = app.test_client()
    english = client.get("/api/chat/config/webchat?language=en").json
    spanish = client.get("/api/chat/config/webchat?language=es").json["strings"]
    strings = english["strings"]
    assert english["max_length"] == 2000
    assert strings["choose_all"] == "Choose all that apply."
    assert strings["limit_reached"] == "You have reached the limit of {count} characters."
    assert strings["text_cut"] == (
        "Answers can have up to {count} characters: the rest was left out."
    )
    assert spanish["choose_all"] == "Elija todas las que correspondan."
    assert "{count}" in spanish["limit_reached"] and "{count}" in spanish["text_cut"]


def test_a_transcript_shows_what_a_changed_flow_still_has(app, chat):
    """A flow edit that removed or renamed a question, or dropped a choice, made the
    transcript of every conversation that had answered it a 500: the widget could never
    resume it. What the flow still has is shown, and the survey goes on."""
    from sqlalchemy import update

    chat.start(language="en")
    chat.send(value=5)
    chat.send(value=["ease", "employee"])
    with runtime_of(app).db.transaction() as db:
        db.execute(
            update(Answer).filter_by(question_id="trust").values(question_id="retired_question")
        )
        db.execute(
            update(Answer)
            .filter_by(question_id="made_the_difference")
            .values(value=["ease", "retired_choice"])
        )
    reloaded = chat.transcript()
    assert reloaded.status_code == 200 and reloaded.json["done"] is False
    assert [m["role"] for m in reloaded.json["messages"]] == ["bot", "bot", "visitor", "bot"]
    assert texts(reloaded.json)[1:] == [
        "What about this interaction made the difference?",
        "It was easy to do, retired_choice",
        "Anything else you want us to know about your experience?",
    ]
    assert reloaded.json["messages"][-1]["question"] == "anything_else"
    assert chat.send(text="Fine")["done"] is True
    with runtime_of(app).db.transaction() as db:
        db.execute(
            update(Answer).filter_by(question_id="anything_else").values(question_id="renamed")
        )
    finished = chat.transcript().json
    assert finished["done"] is True
    assert texts(finished)[-1] == (
        "Thank you for your feedback. It helps Federal Student Aid serve you better."
    )


def test_a_numbered_choice_of_an_agency_s_own_question_takes_its_route_and_shows_its_label(
    database_url, tmp_path
):
    """A multi question with number values (`value: 3`): {value: [3]} never went where
    `when: [3]` said, and after a reload the visitor's answer showed as "3", not its words."""
    flows = flows_with_a11_changed(
        tmp_path, first_asking(("how_filed", HOW_CONTACTED), ("which_office", WHICH_OFFICE))
    )
    app = make_app(database_url, flows_dir=flows)
    chat = Chat(app.test_client())
    question = chat.start(language="en").json["messages"][-1]
    assert question["choices"][2] == {"value": 3, "label": "In person"}
    assert texts(chat.send(value=[3])) == ["Which office did you visit?"]
    chat.send(text="Main Street")
    assert stored(app)[3]["how_filed"] == ("answered", ["3"])
    assert texts(chat.transcript().json)[1:] == [
        "How did you contact us today?",
        "In person",
        "Which office did you visit?",
        "Main Street",
        "This interaction increased my trust in Federal Student Aid.",
    ]


def test_a_survey_on_a_question_its_flow_no_longer_has_shows_as_closed(app, chat):
    """It cannot go on: its transcript says so, where it was a 500, and asks nothing."""
    from sqlalchemy import update

    chat.start(language="es")
    chat.send(value=5)
    with runtime_of(app).db.transaction() as db:
        db.execute(update(Conversation).values(question="retired_question"))
    reloaded = chat.transcript()
    assert reloaded.status_code == 200 and reloaded.json["done"] is True
    assert texts(reloaded.json)[2:] == [
        "Totalmente de acuerdo",
        "Esta encuesta ha cerrado. Gracias por su tiempo.",
    ]
    assert "question" not in reloaded.json["messages"][-1]


@pytest.mark.parametrize(
    "authorization", [None, "", "Bearer", "Bearer   ", "Basic dXNlcjpwYXNz", "token-alone"]
)
def test_an_answer_without_a_session_is_a_clean_401(sqlite_url, caplog, authorization):
    """The per-session limit's key function refused a request without a token: Flask-Limiter
    logged an ERROR with a traceback for each one ("Failed to rate limit. Swallowing error"),
    and fell back to in-memory counting as if Redis were down."""
    import logging

    app = make_app(sqlite_url, chat_address_limit="2 per minute")
    client = app.test_client()
    headers = {"Origin": ORIGIN}
    if authorization is not None:
        headers["Authorization"] = authorization
    with caplog.at_level(logging.DEBUG):
        refused = [
            client.post("/api/chat/messages", json={"value": 5}, headers=headers) for _ in range(3)
        ]
    assert [r.status_code for r in refused] == [401, 401, 429]
    assert "Authorization: Bearer" in refused[0].json["error"]
    assert refused[0].headers["Access-Control-Allow-Origin"] == ORIGIN
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []
    runtime_of(app).db.dispose()


def test_a_database_outage_is_a_503_the_widget_can_read(sqlite_url):
    """The widget keeps its session for a retry on a 503: without CORS the browser hid the
    status, and the widget could not tell it from any other failure."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    app = make_app(f"postgresql+psycopg://root@127.0.0.1:{closed_port}/test")
    chat = Chat(app.test_client())
    chat.session = "a-session-the-database-cannot-be-asked-about"
    for refusal in (chat.start(language="en"), chat.transcript()):
        assert refusal.status_code == 503 and refusal.is_json
        assert refusal.headers["Access-Control-Allow-Origin"] == ORIGIN
        assert refusal.headers["Vary"] == "Origin"
    assert chat.send(expected=503, value=5)["error"]


def test_the_title_and_service_are_named_in_the_chosen_language(app):
    """The title and the page's subtitle named the agency and the service in English on a
    Spanish page; the service translates them (its `translations`)."""
    client = app.test_client()
    spanish = client.get("/api/chat/config/benefits?language=es").json["strings"]
    english = client.get("/api/chat/config/benefits?language=en").json["strings"]
    assert spanish["service_name"] == "solicitud de beneficios"
    assert english["title"] == "Benefits Administration feedback"
    assert english["service_name"] == "benefits claim"
    page = client.get("/chat/benefits?language=es").get_data(as_text=True)
    assert (
        '<p class="feedbot-page__service" id="feedbot-page-service">solicitud de beneficios' in page
    )
    assert "Administración de Beneficios" in spanish["title"]


def test_an_answer_to_a_question_another_window_answered_is_not_applied(app, chat):
    """A duplicated tab shares the session: its answer to the question it still showed was
    read as an answer to the next one, refused with "Sorry, please choose…" about a question
    it never showed, and counted as a strike there. Now a 409 that holds the transcript."""
    chat.start(language="en")
    drivers = chat.send(value=5, question="trust", answer_id="tab2")  # the other window
    stale = chat.client.post(
        "/api/chat/messages",
        json={"value": 1, "question": "trust", "answer_id": "tab1"},
        headers=chat.headers,
    )
    assert stale.status_code == 409
    assert stale.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert stale.json["error"].startswith("the survey has moved on")
    assert stale.json["reason"] == "moved_on"
    assert stale.json["first_stored"] is False
    transcript = chat.transcript().json
    assert {key: stale.json[key] for key in transcript} == transcript
    assert texts(transcript)[-2:] == ["Strongly agree", texts(drivers)[0]]
    with runtime_of(app).db.transaction() as db:
        assert db.scalars(select(Conversation.strikes)).one() == 0
    # One step later: its drivers, sent while the survey waits for the comment.
    chat.send(skip=True, question="made_the_difference")
    chat.send(expected=409, value=["ease"], question="made_the_difference")
    assert stored(app)[3] == {
        "trust": ("answered", 5),
        "made_the_difference": ("skipped", None),
    }


def test_an_answer_to_a_survey_another_window_finished_shows_its_thanks(app, chat):
    chat.start(language="es")
    chat.send(value=2, question="trust")
    chat.send(skip=True, question="could_be_better")
    chat.send(text="Muy amable", question="anything_else")
    finished = chat.send(expected=409, text="Otra cosa", question="anything_else")
    assert finished["done"] is True and finished["language"] == "es"
    assert texts(finished)[-2:] == [
        "Muy amable",
        "Gracias por su opinión. Ayuda a Federal Student Aid a servirle mejor.",
    ]
    assert stored(app)[:2] == ("complete", "es")
    assert stored(app)[3]["anything_else"] == ("answered", "Muy amable")


def test_a_retry_of_an_answer_applied_is_not_taken_for_another_windows(app, chat):
    """Its reply lost, the widget sends the answer again with its id and its question, which
    the survey has since left: it is the same answer, told what the survey asks now."""
    chat.start(language="en")
    drivers = chat.send(value=5, question="trust", answer_id="a1")
    assert chat.send(value=5, question="trust", answer_id="a1") == drivers


def test_an_answer_id_sent_again_with_another_answer_keeps_the_first(app, chat):
    """The reply to "Strongly agree" lost after it was stored, the visitor tapped "Strongly
    disagree", which the widget sent with the same answer_id: nothing new was stored, but the
    reply was what the survey asks now, and the widget showed "Strongly disagree" as said.
    Now a 409 holding the transcript, which says the first answer was kept."""
    chat.start(language="en")
    drivers = chat.send(value=5, question="trust", answer_id="a1")
    kept = chat.send(expected=409, value=1, question="trust", answer_id="a1")
    assert kept["reason"] == "answer_id_reused"
    assert kept["first_stored"] is True
    assert (
        kept["error"] == "this answer_id came before with another answer: this one was not applied"
    )
    transcript = chat.transcript().json
    assert {key: kept[key] for key in transcript} == transcript
    assert texts(kept)[-2:] == ["Strongly agree", texts(drivers)[0]]
    # The same answer again, however it is written, is a retry told what the survey asks now.
    assert chat.send(value="5", question="trust", answer_id="a1") == drivers
    comment = chat.send(value=["humanity", "ease"], question="made_the_difference", answer_id="a2")
    again = chat.send(value=["ease", "humanity"], question="made_the_difference", answer_id="a2")
    assert again == comment
    chat.send(expected=409, value=["ease"], question="made_the_difference", answer_id="a2")
    chat.send(expected=409, skip=True, question="made_the_difference", answer_id="a2")
    thanks = chat.send(text="Clear", question="anything_else", answer_id="a3")
    assert chat.send(text="Clear ", question="anything_else", answer_id="a3") == thanks
    closed = chat.send(expected=409, text="Unclear", question="anything_else", answer_id="a3")
    assert closed["done"] is True and texts(closed)[-2] == "Clear"
    assert stored(app) == (
        "complete",
        "en",
        "webchat",
        {
            "trust": ("answered", 5),
            "made_the_difference": ("answered", ["ease", "humanity"]),
            "anything_else": ("answered", "Clear"),
        },
    )


def test_another_answer_with_the_id_of_an_unreadable_reply_is_not_applied(app, chat):
    """The reply to "banana" (not read: the question asked again) lost, the visitor tapped
    "Agree", which the widget sent with the same answer_id: a 200 with the question again,
    after the widget showed "Agree" as said, though nothing was stored. Now the 409, which
    says the first stored nothing: the widget said "Your first answer was saved after all"."""
    chat.start(language="en")
    chat.send(text="banana", question="trust", answer_id="b1")
    refused = chat.send(expected=409, value=4, question="trust", answer_id="b1")
    assert refused["reason"] == "answer_id_reused"
    assert refused["first_stored"] is False
    assert refused["done"] is False and refused["messages"][-1]["question"] == "trust"
    transcript = chat.transcript().json
    assert {key: refused[key] for key in transcript} == transcript
    # Unreadable again, as it was: a plain retry, told what the survey asks now.
    retried = chat.send(text="pear", question="trust", answer_id="b1")
    assert retried["messages"][-1]["question"] == "trust"
    assert stored(app)[3] == {}
    chat.send(value=4, question="trust", answer_id="b2")
    assert stored(app)[3] == {"trust": ("answered", 4)}


def test_another_answer_with_the_id_of_a_question_given_up_on_is_not_applied(app, chat):
    """The third reply it could not read gave the question up (stored unanswered); its reply
    lost, "Agree" sent with the same answer_id got a 200 with the next question: the widget
    showed "Agree" as said while trust stayed unanswered. Now the 409."""
    chat.start(language="en")
    for strike in ("b1", "b2", "b3"):
        moved_on = chat.send(text="banana", question="trust", answer_id=strike)
    for strike in ("b3", "b1"):
        refused = chat.send(expected=409, value=4, question="trust", answer_id=strike)
        assert refused["reason"] == "answer_id_reused"
        assert refused["first_stored"] is False
        assert texts(refused)[-2:] == texts(moved_on)
    retried = chat.send(text="banana", question="trust", answer_id="b3")
    assert retried["messages"] == moved_on["messages"][-1:]
    assert stored(app)[3] == {"trust": ("unanswered", None)}


CLOSED = "This survey has closed. Thank you for your time."


def test_an_answer_sent_again_to_a_survey_that_closed_idle_is_told_it_closed(app, chat):
    """An answer to a survey closed while idle stored nothing, whatever it said: sent again
    with its id (the widget's retry), as it was or changed, it was told "Thank you for your
    feedback", as if it had been the survey's last answer. Each is refused: it closed."""
    chat.start(language="en")
    idle_for_a_day(app)
    closed = chat.send(expected=409, value=4, question="trust", answer_id="a1")
    assert (closed["reason"], closed["first_stored"], closed["done"]) == ("closed", False, True)
    assert closed["error"] == "the survey has closed: this answer was not applied"
    assert texts(closed)[-1] == CLOSED
    transcript = chat.transcript().json
    assert {key: closed[key] for key in transcript} == transcript
    retried = chat.send(expected=409, value=4, question="trust", answer_id="a1")
    assert retried == closed
    assert chat.send(expected=409, value=1, question="trust", answer_id="a1") == retried
    assert stored(app)[3] == {}


def test_an_answer_stored_before_its_survey_closed_idle_and_sent_again_is_told_it_closed(app, chat):
    """Stored, its reply lost, the answer was sent again once the survey had closed while idle:
    it was told "Thank you for your feedback", as if it had finished the survey. Now the 409,
    which says it was stored."""
    chat.start(language="en")
    chat.send(value=4, question="trust", answer_id="a1")
    idle_for_a_day(app)
    closed = chat.send(expected=409, value=4, question="trust", answer_id="a1")
    assert (closed["reason"], closed["first_stored"], closed["done"]) == ("closed", True, True)
    assert texts(closed)[-2:] == ["Agree", CLOSED]
    assert stored(app)[0] == "partial" and stored(app)[3] == {"trust": ("answered", 4)}


def test_an_answer_that_names_no_question_answers_the_current_one(app, chat):
    """An earlier widget (an agency's cached copy) sends no question: as before."""
    chat.start(language="en")
    chat.send(value=5)
    assert texts(chat.send(value=1))[0].startswith("Sorry, please choose")
    refused = chat.send(expected=400, value=1, question=["trust"])
    assert refused == {"error": "question must be the id of the question answered"}


def test_an_answer_to_a_survey_closed_while_idle_is_told_it_closed(app, chat):
    """Not another window's doing: the survey closed as it waited for this very answer. It
    was answered "This survey has closed" with a 200, and the widget showed the answer as
    said. Now a 409 holding the transcript: the answer was not applied, the earlier kept."""
    chat.start(language="en")
    chat.send(value=4, question="trust")
    idle_for_a_day(app)
    closed = chat.send(expected=409, value=["ease"], question="made_the_difference")
    assert (closed["reason"], closed["first_stored"], closed["done"]) == ("closed", False, True)
    assert texts(closed)[-2:] == ["Agree", CLOSED]
    assert stored(app)[0] == "partial" and stored(app)[3] == {"trust": ("answered", 4)}


@pytest.mark.parametrize("idle_hours", [25, 72], ids=["closed by it", "closed a day before"])
def test_an_answer_to_a_survey_idle_past_its_expiry_is_told_it_closed(app, chat, idle_hours):
    """No sweep closed it: the answer did. Idle long enough for its close to be a day old, the
    answer began a new survey on the same session, its notice and first question shown after
    the visitor's answer to a question of the old one, which was dropped."""
    from datetime import timedelta

    chat.start(language="en")
    chat.send(value=4, question="trust", answer_id="a1")
    with runtime_of(app).db.transaction() as db:
        conversation = db.scalars(select(Conversation)).one()
        conversation.last_activity_at -= timedelta(hours=idle_hours)
    closed = chat.send(expected=409, value=["ease"], question="made_the_difference")
    assert (closed["reason"], closed["first_stored"], closed["done"]) == ("closed", False, True)
    assert texts(closed)[-2:] == ["Agree", CLOSED]
    assert stored(app)[0] == "partial" and stored(app)[3] == {"trust": ("answered", 4)}


def test_a_comment_of_zero_width_spaces_alone_is_no_comment(app, chat):
    """It closed the survey as complete with a comment of two U+200B, which staff saw as an
    empty cell that counted as a comment; spaces alone were already asked again."""
    chat.start(language="en")
    chat.send(value=5)
    chat.send(skip=True)
    for invisible in ("\u200b\u200b", " \ufeff\u200e "):
        again = chat.send(text=invisible)
        assert again["done"] is False
        assert texts(again)[0].startswith("Sorry, please choose")
    assert "anything_else" not in stored(app)[3]


def test_the_widget_says_an_answer_was_not_sent_in_the_visitor_language(app):
    """A failed answer was met with "Something went wrong", which did not say whether the
    answer was saved or what to do."""
    client = app.test_client()
    english = client.get("/api/chat/config/webchat?language=en").json["strings"]
    spanish = client.get("/api/chat/config/webchat?language=es").json["strings"]
    assert english["not_sent"] == "Your answer was not sent. Check your connection and try again."
    assert spanish["not_sent"].startswith("Su respuesta no se envió.")
    assert english["first_kept"] == "Your first answer was saved after all, so it was kept."
    assert spanish["first_kept"].startswith("Su primera respuesta sí se había guardado")
    assert english["first_unused"] == (
        "Your first answer reached us after all but could not be used, so neither answer was saved."
    )
    assert spanish["first_unused"].startswith("Su primera respuesta sí llegó")
    assert english["closed"] == (
        "This answer came after the survey had closed, so it was not saved."
    )
    assert english["closed_kept"] == english["closed"] + " Your earlier answers were kept."
    assert english["closed_saved"] == "This answer was saved before the survey closed."
    assert spanish["closed_kept"].startswith("Esta respuesta llegó cuando la encuesta ya")


@pytest.mark.parametrize(
    ("language", "separator"),
    [("zh_Hans", "、"), ("ar", "، "), ("es", ", ")],
)
def test_picked_choices_are_joined_as_the_language_writes_a_list(app, chat, language, separator):
    """Every language's transcript joined them with a Latin ", ": "办理很困难, 花费时间太长"."""
    assert (
        chat.client.get(f"/api/chat/config/webchat?language={language}").json["strings"][
            "list_separator"
        ]
        == separator
    )
    chat.start(language=language)
    drivers = chat.send(value=1)["messages"][0]["choices"]
    chat.send(value=[drivers[0]["value"], drivers[1]["value"]])
    said = [m["text"] for m in chat.transcript().json["messages"] if m["role"] == "visitor"]
    assert said[1] == drivers[0]["label"] + separator + drivers[1]["label"]


def test_a_service_not_on_web_chat_has_no_chat_page_settings_or_session(app):
    """Every service was open at /chat/<id> and /api/chat/sessions, so anyone with the id of
    an SMS-only service could add chatbot responses to its A-11 figures: web chat is offered
    only to a service that lists webchat_origins."""
    client = app.test_client()
    refused = [
        client.get("/chat/thumbs"),
        client.get("/api/chat/config/thumbs"),
        client.post("/api/chat/sessions", json={"service": "thumbs"}),
    ]
    assert [response.status_code for response in refused] == [404, 404, 404]
    assert all(r.json == {"error": "service 'thumbs' has no web chat"} for r in refused)
    with runtime_of(app).db.transaction() as db:
        assert db.scalars(select(Conversation)).all() == []
    assert client.get("/chat/webchat").status_code == 200


def test_a_value_no_choice_of_the_question_has_is_a_400_and_no_strike(app, chat):
    """A `value` is a choice's value, which the widget takes from the question it shows: one the
    question the answer names does not offer is a client's mistake, not a visitor's reply. It
    was counted as an unreadable reply, so a client sending a wrong value three times lost the
    answer as unanswered without ever being told."""
    chat.start(language="en")
    for wrong, named in (
        (9, "1, 2, 3, 4, 5"),
        ([4, 5], "one value"),
        (["ease"], "1, 2, 3, 4, 5"),
    ):
        refused = chat.send(expected=400, value=wrong, answer_id="first-try", question="trust")
        assert "trust" in refused["error"] and named in refused["error"], refused
    # Nothing was applied, not even the answer_id: the corrected answer may carry it.
    assert "made the difference" in texts(chat.send(value=5, answer_id="first-try"))[0]
    refused = chat.send(expected=400, value=[2, 5], question="made_the_difference")
    assert "made_the_difference" in refused["error"] and "'ease'" in refused["error"]
    chat.send(value=["ease"])
    refused = chat.send(expected=400, value=3, question="anything_else")
    assert "anything_else" in refused["error"] and "{text}" in refused["error"]
    chat.send(text="Clear")
    assert stored(app)[3] == {
        "trust": ("answered", 5),
        "made_the_difference": ("answered", ["ease"]),
        "anything_else": ("answered", "Clear"),
    }
