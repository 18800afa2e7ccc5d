"""The quarterly submission's collection details that staff give: a service's Federal Register
notice and service stage in the services file, and a quarter's reflection with the export."""

from __future__ import annotations

import csv
import io

import pytest
import yaml

from feedbot.services import load_services
from feedbot.staff_auth import create_token
from tests.conftest import TEST_SERVICES, make_app, runtime_of
from tests.support.records import add_record
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
            {"service": "passport", "reflection_text": "Calls rose.\nWe hired."},
            "reflection_text must be printable text",
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
