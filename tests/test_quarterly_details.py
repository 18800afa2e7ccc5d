"""The quarterly submission's collection details that staff give: a service's Federal Register
notice and service stage in the services file, and a quarter's reflection with the export."""

from __future__ import annotations

import csv
import io
import json
import os
import urllib.error
import urllib.request
from urllib.parse import urlencode

import pytest
import yaml

from bench.infra import gunicorn
from feedbot.services import load_services
from feedbot.staff_auth import create_token
from tests.conftest import TEST_SECRET_KEY, TEST_SERVICES, make_app, runtime_of
from tests.support.records import add_record
from tests.support.texting import TEST_AUTH_TOKEN
from tests.test_services import refusal, services_file, sound_service

NOTICE = "https://www.federalregister.gov/documents/2026/03/02/2026-04012/agency-information"
URL_RULE = (
    "must be the https:// address of the Federal Register notice of the survey's collection,"
    " with no spaces, e.g. https://www.federalregister.gov/d/2026-04012"
)
STAGE_RULE = (
    "must be the stage of the service the survey follows, as the agency names it (Touchpoints'"
    " service stages are the agency's own): one line of 1 to 255 characters with no spaces"
    " before or after it, e.g. Apply"
)


def test_a_service_may_name_its_notice_and_stage(tmp_path):
    path = services_file(
        tmp_path, sound_service(federal_register_url=NOTICE, service_stage="Apply for benefits")
    )
    service = load_services(path).get("ui-claims")
    assert (service.federal_register_url, service.service_stage) == (NOTICE, "Apply for benefits")
    bare = load_services(services_file(tmp_path, sound_service())).get("ui-claims")
    assert (bare.federal_register_url, bare.service_stage) == (None, None)


@pytest.mark.parametrize(
    ("setting", "value", "problem"),
    [
        (
            "federal_register_url",
            "http://www.federalregister.gov/d/2026-04012",
            f"{URL_RULE} (it starts with http://: the Federal Register is served over https://)",
        ),
        ("federal_register_url", "www.federalregister.gov/d/2026-04012", URL_RULE),
        ("federal_register_url", "https://www.federalregister.gov/d/2026 04012", URL_RULE),
        ("federal_register_url", "https:///d/2026-04012", URL_RULE),
        ("service_stage", "", STAGE_RULE),
        ("service_stage", " Apply", STAGE_RULE),
        ("service_stage", "Apply\nRenew", STAGE_RULE),
        ("service_stage", "x" * 256, STAGE_RULE),
    ],
)
def test_a_notice_or_stage_that_cannot_be_submitted_is_refused(tmp_path, setting, value, problem):
    path = services_file(tmp_path, sound_service(**{setting: value}))
    assert refusal(path).endswith(f", service 'ui-claims', {setting}: {value!r} {problem}")


@pytest.fixture
def detailed_app(database_url, tmp_path):
    """The test services, passport with its notice and stage, and FY2027Q1 responses of
    passport (SMS and voice) and benefits (SMS)."""
    document = yaml.safe_load(TEST_SERVICES.read_text(encoding="utf-8"))
    passport = document["services"][0]
    passport |= {"federal_register_url": NOTICE, "service_stage": "Renew a passport"}
    path = tmp_path / "services.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    app = make_app(database_url, services_file=path)
    with runtime_of(app).db.transaction() as db:
        add_record(db, question_1=5, positive=("ease",))
        add_record(db, question_1=2, negative=("ease",), channel="automated_phone")
        add_record(db, service_id="benefits", question_1=4, positive=("ease",))
        token = create_token(db, "all", None, ["export"])
    yield app, token
    runtime_of(app).db.dispose()


def quarterly(app, token, **params):
    return app.test_client().get(
        "/api/exports/a11-quarterly",
        query_string={"quarter": "FY2027Q1", **params},
        headers={"Authorization": f"Bearer {token}"},
    )


def test_the_notice_and_stage_are_written_into_the_service_s_rows(detailed_app):
    """Both were always written blank, and nothing could fill them."""
    app, token = detailed_app
    rows = quarterly(app, token, format="json").json
    details = {
        (row["service_id"], row["channel"]): (row["federal_register_url"], row["service_stage"])
        for row in rows
    }
    assert details == {
        ("passport", "sms_text_messages"): (NOTICE, "Renew a passport"),
        ("passport", "automated_phone"): (NOTICE, "Renew a passport"),
        ("benefits", "sms_text_messages"): ("", ""),
    }


REFLECTION = (
    "=Trust fell on the phone line after the October outage; we added call-backs in November."
)


def test_a_reflection_goes_on_every_row_of_its_service_for_the_quarter(detailed_app):
    """reflection_text was always written blank: it is written per quarter, so it comes with
    the export, for the service it names."""
    app, token = detailed_app
    answer = quarterly(app, token, service="passport", reflection_text=REFLECTION)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(answer.get_data(as_text=True))))
    # A spreadsheet shows a text that starts like a formula rather than running it.
    assert [row["reflection_text"] for row in rows] == ["'" + REFLECTION] * 2
    as_json = quarterly(app, token, service="passport", reflection_text=REFLECTION, format="json")
    assert [row["reflection_text"] for row in as_json.json] == [REFLECTION] * 2
    options = ["--service", "passport", "--reflection-text", REFLECTION]
    cli = app.test_cli_runner().invoke(
        args=["export", "quarterly", "--quarter", "FY2027Q1", *options]
    )
    assert cli.exit_code == 0, cli.output
    assert list(csv.DictReader(io.StringIO(cli.stdout))) == rows
    others = quarterly(app, token, service="benefits", format="json").json
    assert [row["reflection_text"] for row in others] == [""]


@pytest.mark.parametrize(
    ("params", "error"),
    [
        (
            {"reflection_text": "Calls rose."},
            "reflection_text is per service: give service= with it",
        ),
        (
            {"service": "passport", "reflection_text": "x" * 10_001},
            "reflection_text must be at most 10000 characters (Touchpoints' limit), not 10001",
        ),
        (
            {"service": "passport", "reflection_text": "Calls rose\x07."},
            "reflection_text has U+0007 (a control character) at character 11, which no one"
            " would see: remove it",
        ),
        (
            {"service": "passport", "reflection_text": "Calls rose.\r\nWe\u200bhired."},
            "reflection_text has U+200B (ZERO WIDTH SPACE) at line 2, character 3, which no one"
            " would see: remove it",
        ),
        (
            {"service": "webchat", "reflection_text": "Calls rose."},
            "webchat has no rows in FY2027Q1 to write reflection_text on",
        ),
    ],
)
def test_a_reflection_that_cannot_be_written_is_refused(detailed_app, params, error):
    app, token = detailed_app
    answer = quarterly(app, token, **params)
    assert answer.status_code == 400 and answer.json["error"] == error
    posted = post_quarterly(app, token, json={"quarter": "FY2027Q1", **params})
    assert posted.status_code == 400 and posted.json["error"] == error
    options = [
        item for name, value in params.items() for item in (f"--{name.replace('_', '-')}", value)
    ]
    cli = app.test_cli_runner().invoke(
        args=["export", "quarterly", "--quarter", "FY2027Q1", *options]
    )
    assert cli.exit_code != 0 and cli.stdout == ""
    assert (
        error.replace("reflection_text", "--reflection-text").replace("service=", "--service")
        in cli.output
    )


def test_a_reflection_keeps_its_line_breaks_tabs_and_no_break_spaces(detailed_app):
    """Typed in the dashboard's text box (CR LF between lines) or pasted from Word (U+2029
    between paragraphs, a no-break space in "10 %"), a reflection was refused as not
    "printable text"."""
    app, token = detailed_app
    typed = (
        "Wait times fell by 10\u00a0% this quarter.\r\nWe added weekend staff.\u2029\tMore to come."
    )
    kept = "Wait times fell by 10\u00a0% this quarter.\nWe added weekend staff.\n\tMore to come."
    answer = quarterly(app, token, service="passport", reflection_text=typed, format="json")
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert [row["reflection_text"] for row in answer.json] == [kept] * 2
    posted = post_quarterly(
        app, token, data={"quarter": "FY2027Q1", "service": "passport", "reflection_text": typed}
    )
    assert posted.status_code == 200, posted.get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(posted.get_data(as_text=True))))
    assert [row["reflection_text"] for row in rows] == [kept] * 2
    options = ["--service", "passport", "--reflection-text", typed]
    cli = app.test_cli_runner().invoke(
        args=["export", "quarterly", "--quarter", "FY2027Q1", *options]
    )
    assert cli.exit_code == 0, cli.output
    assert list(csv.DictReader(io.StringIO(cli.stdout))) == rows


# Touchpoints' 10,000 characters, outside ASCII: 90,000 bytes percent-encoded in a URL.
LONG_REFLECTION = "电话线路的信任度在十月停电后下降" * 625
QUARTERLY = "/api/exports/a11-quarterly"


def post_quarterly(app, token, **kwargs):
    return app.test_client().post(QUARTERLY, headers={"Authorization": f"Bearer {token}"}, **kwargs)


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_the_export_may_be_posted_with_its_parameters_in_a_json_or_form_body(detailed_app, fmt):
    """A reflection went in the query string only, and gunicorn answers 414 to a request line
    over 4,094 bytes: about 450 Chinese characters, not Touchpoints' 10,000. A POST carries the
    same parameters in its body and is answered as the GET is."""
    app, token = detailed_app
    params = {
        "quarter": "FY2027Q1",
        "service": "passport",
        "volume_of_customers": "sms_text_messages:1200,automated_phone:300",
        "reflection_text": LONG_REFLECTION,
        "format": fmt,
    }
    asked = quarterly(app, token, **params)
    assert asked.status_code == 200, asked.get_data(as_text=True)
    for body in ({"json": params}, {"data": params}):
        posted = post_quarterly(app, token, **body)
        assert posted.status_code == 200, posted.get_data(as_text=True)
        assert posted.get_data() == asked.get_data()
        assert _headers(posted) == _headers(asked)
    if fmt == "json":
        assert [row["reflection_text"] for row in asked.json] == [LONG_REFLECTION] * 2


def _headers(answer):
    return {name: value for name, value in answer.headers.items() if name != "X-Request-Id"}


def test_a_json_body_may_give_a_volume_as_a_number(detailed_app):
    app, token = detailed_app
    body = {"quarter": "FY2027Q1", "service": "benefits", "volume_of_customers": 800}
    posted = post_quarterly(app, token, json={**body, "format": "json"})
    assert posted.status_code == 200, posted.get_data(as_text=True)
    assert [row["volume_of_customers"] for row in posted.json] == [800]


@pytest.mark.parametrize(
    ("request_args", "error"),
    [
        (
            {"json": ["FY2027Q1"]},
            'send the export\'s parameters as a JSON object, e.g. {"quarter": "FY2027Q1"}',
        ),
        (
            {"data": "quarter=FY2027Q1", "content_type": "text/plain"},
            "send the export's parameters as a JSON object (Content-Type: application/json)"
            " or a form (application/x-www-form-urlencoded)",
        ),
        (
            {"json": {"quarter": "FY2027Q1", "service": "passport", "reflection": "Calls rose."}},
            "reflection is no parameter of the export: it takes quarter, service,"
            " volume_of_customers, volume_offered, reflection_text, format",
        ),
        ({"json": {"quarter": 2027}}, "quarter must be a string"),
        (
            {"json": {"quarter": "FY2027Q1", "service": "passport", "volume_offered": True}},
            "volume_offered must be a whole number, or figures per channel as a string such as"
            ' "sms_text_messages:1200,automated_phone:300"',
        ),
        (
            {"json": {"quarter": "FY2027Q1"}, "query_string": {"format": "json"}},
            "a POST takes the export's parameters in its body, not in the query string",
        ),
    ],
)
def test_a_post_body_the_export_cannot_read_is_refused(detailed_app, request_args, error):
    app, token = detailed_app
    answer = post_quarterly(app, token, **request_args)
    assert answer.status_code == 400 and answer.json["error"] == error


def test_a_parameter_posted_as_a_file_is_refused_not_dropped(detailed_app):
    """`curl -F reflection_text=@r.txt` sends a file part, which is not in the form: the
    export answered 200 with every row's reflection_text empty."""
    import io

    app, token = detailed_app
    data = {
        "quarter": "FY2027Q1",
        "service": "passport",
        "reflection_text": (io.BytesIO(b"Calls rose after the storm."), "r.txt"),
    }
    answer = post_quarterly(app, token, data=data, content_type="multipart/form-data")
    assert answer.status_code == 400
    assert answer.json["error"] == (
        "reflection_text was sent as a file: send each parameter as text (curl -F"
        " 'reflection_text=<file' or --data-urlencode 'reflection_text@file')"
    )


def test_a_post_needs_a_token_as_the_get_does(detailed_app):
    app, _ = detailed_app
    answer = app.test_client().post(QUARTERLY, json={"quarter": "FY2027Q1"})
    assert answer.status_code == 401 and "Bearer" in answer.json["error"]


def test_under_gunicorn_a_long_reflection_is_refused_in_a_url_and_taken_in_a_body(sqlite_url):
    """Through gunicorn.conf.py: its request line limit is what a GET runs into."""
    app = make_app(sqlite_url)
    with runtime_of(app).db.transaction() as db:
        add_record(db, question_1=5, positive=("ease",))
        token = create_token(db, "all", None, ["export"])
    env = {name: value for name, value in os.environ.items() if name != "REDIS_URL"}
    env.update(
        FEEDBOT_ENV="testing",
        DATABASE_URL=sqlite_url,
        FEEDBOT_SECRET_KEY=TEST_SECRET_KEY,
        TWILIO_AUTH_TOKEN=TEST_AUTH_TOKEN,
        FEEDBOT_SERVICES_FILE=str(TEST_SERVICES),
    )
    params = {"quarter": "FY2027Q1", "service": "passport", "format": "json"}
    headers = {"Authorization": f"Bearer {token}"}
    with gunicorn("feedbot:create_app()", env, 1) as base:
        short = params | {"reflection_text": LONG_REFLECTION[:400]}
        assert _status(f"{base}{QUARTERLY}?{urlencode(short)}", headers) == 200
        long = params | {"reflection_text": LONG_REFLECTION[:500]}
        assert _status(f"{base}{QUARTERLY}?{urlencode(long)}", headers) == 414
        body = json.dumps(params | {"reflection_text": LONG_REFLECTION}).encode()
        posted = urllib.request.Request(
            base + QUARTERLY, data=body, headers={**headers, "Content-Type": "application/json"}
        )
        with urllib.request.urlopen(posted, timeout=10) as answer:
            rows = json.load(answer)
    assert [row["reflection_text"] for row in rows] == [LONG_REFLECTION]


def _status(url: str, headers: dict[str, str]) -> int:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10):
            return 200
    except urllib.error.HTTPError as refusal:
        return refusal.code
