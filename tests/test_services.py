"""The services file as an agency's staff write it: what is refused, and how the refusal reads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from feedbot.services import ServiceError, load_services

FLOWS = Path(__file__).resolve().parent.parent / "flows"
SID = "MG0123456789abcdef0123456789abcdef"


def sound_service(**settings: Any) -> dict[str, Any]:
    """A service that loads, with `settings` over its own (None removes one)."""
    service = {
        "id": "ui-claims",
        "agency": "State Benefits Agency",
        "name": "unemployment claim",
        "omb_control_number": "1205-0123",
        "omb_expiration": "2028-06-30",
        "sms_numbers": ["+12025550100"],
        "languages": ["en", "es"],
        "flow": "a11",
        **settings,
    }
    return {name: value for name, value in service.items() if value is not None}


def services_file(tmp_path: Path, *services: dict[str, Any]) -> Path:
    """A services file of `services` beside the A-11 flows."""
    for flow in FLOWS.glob("a11*.yaml"):
        (tmp_path / flow.name).write_text(flow.read_text())
    path = tmp_path / "services.yaml"
    path.write_text(yaml.safe_dump({"services": list(services)}, allow_unicode=True))
    return path


def refusal(path: Path) -> str:
    with pytest.raises(ServiceError) as refused:
        load_services(path)
    return str(refused.value)


@pytest.mark.parametrize("numbers", [None, []], ids=["no sms_numbers", "sms_numbers: []"])
def test_a_messaging_service_with_no_sms_numbers_is_refused(tmp_path, numbers):
    """Accepted, invitations went out through the Messaging Service and every reply reached
    no service (404)."""
    service = sound_service(
        sms_numbers=numbers, voice_numbers=["+12025550100"], messaging_service_sid=SID
    )
    message = refusal(services_file(tmp_path, service))
    assert message.startswith(f"{tmp_path / 'services.yaml'}, ")
    assert "messaging_service_sid" in message
    assert message.endswith(
        "lists no sms_numbers, so replies to invitations sent through its Messaging Service"
        " would reach no service: add the Messaging Service's numbers to sms_numbers"
    )
    listed = sound_service(voice_numbers=["+12025550100"], messaging_service_sid=SID)
    assert load_services(services_file(tmp_path, listed)).get("ui-claims")


def test_invitations_with_no_number_to_send_them_from_are_refused(tmp_path):
    """Accepted, each invitation was refused row by row at invite time instead."""
    service = sound_service(
        sms_numbers=None, voice_numbers=["+12025550100"], invitations={"window_days": 30}
    )
    message = refusal(services_file(tmp_path, service))
    assert "invitations" in message
    assert message.endswith(
        "lists no sms_numbers to send invitations from and receive the replies on: add its"
        " SMS numbers, or remove invitations"
    )
    voice_only = sound_service(sms_numbers=None, voice_numbers=["+12025550100"])
    assert load_services(services_file(tmp_path, voice_only)).get("ui-claims")


# As an agency's staff write it: flow style where short, one setting a line.
AGENCY_FILE = """\
services:
  - id: ui-claims
    agency: State Benefits Agency
    name: unemployment claim
    omb_control_number: "1205-0123"
    omb_expiration: 2028-06-30
    sms_numbers: ["+12025550100"]
    languages: [en, es]
    flow: a11
    messaging_service_sid: MG0123456789abcdef0123456789abcdef
    invitations:
      quiet_hours: ["08:00", "21:00"]
  - id: snap-web
    agency: State Benefits Agency
    name: SNAP renewal
    omb_control_number: "0584-0777"
    omb_expiration: 2027-09-30
    webchat_origins: ["https://benefits.example.gov"]
    languages: [en]
    flow: a11_thumbs
  - id: medicaid
    agency: State Benefits Agency
    name: Medicaid renewal
    omb_control_number: "0938-1234"
    omb_expiration: 2027-12-31
    sms_numbers: ["+12025550111", "+12025550112"]
    languages: [en, ht, ru]
    flow: a11
"""
PHONE = (
    "must be a phone number in E.164 form, in quotes: +, the country code and the number, with"
    ' no spaces or punctuation, e.g. "+12025550100"'
)
SID_RULE = (
    "must be a Messaging Service SID: MG and 32 digits or letters a to f, as the Twilio console"
    " shows it"
)
OMB_RULE = (
    'must be an OMB control number, NNNN-NNNN with a plain hyphen, in quotes, e.g. "1205-0123"'
)
ORIGIN_RULE = (
    "must be a web origin: http:// or https:// and the host (and any port), with no path or"
    " trailing slash, e.g. https://benefits.example.gov"
)


@pytest.mark.parametrize(
    ("written", "mistake", "place", "problem"),
    [
        (
            '["+12025550100"]',
            '["(202) 555-0100"]',
            "line 7, service 'ui-claims', sms_numbers item 1",
            f"'(202) 555-0100' {PHONE}",
        ),
        (
            '["+12025550111", "+12025550112"]',
            '["+12025550111", 12025550112]',
            "line 26, service 'medicaid', sms_numbers item 2",
            f"12025550112 {PHONE} (without quotes YAML reads it as a number, and drops a + before"
            " it)",
        ),
        (
            "MG0123456789abcdef0123456789abcdef",
            "MG0123456789abcdef",
            "line 10, service 'ui-claims', messaging_service_sid",
            f"'MG0123456789abcdef' {SID_RULE} (it has 16 characters after MG, not 32)",
        ),
        (
            '"0938-1234"',
            '"0938\N{EN DASH}1234"',
            "line 24, service 'medicaid', omb_control_number",
            f"'0938\N{EN DASH}1234' {OMB_RULE} (it has an en dash, \N{EN DASH}, as word processors"
            " write it: type a plain hyphen)",
        ),
        (
            "id: medicaid",
            "id: UI-Claims",
            "line 21, the 3rd service, id",
            "'UI-Claims' must be a service id: lower-case letters, digits, - and _, starting with"
            " a letter or digit, e.g. ui-claims",
        ),
        (
            '["https://benefits.example.gov"]',
            '["https://benefits.example.gov/"]',
            "line 18, service 'snap-web', webchat_origins item 1",
            f"'https://benefits.example.gov/' {ORIGIN_RULE} (remove the slash at its end)",
        ),
        (
            "2027-12-31",
            "2027-02-30",
            "line 25, service 'medicaid', omb_expiration",
            "'2027-02-30' must be a date that exists, written YYYY-MM-DD, e.g. 2027-06-30",
        ),
        (
            '["08:00", "21:00"]',
            "[08:00, 21:00]",
            "line 12, service 'ui-claims', invitations.quiet_hours item 2",
            '1260 must be a time written HH:MM (24-hour), in quotes, e.g. "08:00" (without quotes'
            " YAML reads 21:00 as the number 1260)",
        ),
        (
            "    languages: [en]\n",
            "    langauges: [en]\n",
            "line 19, service 'snap-web'",
            "'langauges' is not a setting (did you mean 'languages'?)",
        ),
        (
            '    omb_control_number: "0584-0777"\n',
            "",
            "line 13, service 'snap-web'",
            "omb_control_number is missing",
        ),
        (
            '["+12025550111", "+12025550112"]',
            '["+12025550111", "+12025550111"]',
            "line 26, service 'medicaid', sms_numbers item 2",
            "+12025550111 is listed twice",
        ),
        (
            "id: medicaid",
            "id: ui-claims",
            "line 21, service 'ui-claims', id",
            "'ui-claims' is already the id of the 1st service",
        ),
    ],
    ids=[
        "phone with punctuation",
        "phone without quotes",
        "short SID",
        "en dash",
        "capital letters in an id",
        "trailing slash",
        "impossible date",
        "clock without quotes",
        "misspelt setting",
        "missing setting",
        "number twice in one service",
        "id twice",
    ],
)
def test_a_mistake_is_named_by_line_service_and_setting_with_how_to_write_it(
    tmp_path, written, mistake, place, problem
):
    """Zero-based paths (services.2.sms_numbers.0), the schema's regular expressions with their
    backslashes doubled and no line were all a member of staff had to go on."""
    services_file(tmp_path)  # the flows beside it
    path = tmp_path / "services.yaml"
    assert written in AGENCY_FILE
    path.write_text(AGENCY_FILE.replace(written, mistake, 1), encoding="utf-8")
    assert refusal(path) == f"{path}, {place}: {problem}"


TWICE = (
    "is written twice, on lines {} and {}: YAML would keep the last alone, without a word; keep one"
)


@pytest.mark.parametrize(
    ("written", "mistake", "place", "lines"),
    [
        (
            '    sms_numbers: ["+12025550111", "+12025550112"]\n',
            '    sms_numbers: ["+12025550111"]\n    sms_numbers: ["+12025550112"]\n',
            "line 27, service 'medicaid', sms_numbers",
            (26, 27),
        ),
        (
            '      quiet_hours: ["08:00", "21:00"]\n',
            '      quiet_hours: ["08:00", "21:00"]\n      quiet_hours: ["09:00", "17:00"]\n',
            "line 13, service 'ui-claims', invitations.quiet_hours",
            (12, 13),
        ),
        (
            "    flow: a11_thumbs\n",
            "    flow: a11_thumbs\n    languages: [en, es]\n",
            "line 21, service 'snap-web', languages",
            (19, 21),
        ),
        ("services:\n", "services: []\nservices:\n", "line 2, services", (1, 2)),
    ],
    ids=["sms_numbers", "nested setting", "apart", "top level"],
)
def test_a_setting_written_twice_is_refused_naming_both_lines(
    tmp_path, written, mistake, place, lines
):
    """The last one was taken without a word: a second `sms_numbers:` line dropped the first
    line's numbers, whose texts were then answered 404."""
    services_file(tmp_path)
    path = tmp_path / "services.yaml"
    assert written in AGENCY_FILE
    path.write_text(AGENCY_FILE.replace(written, mistake, 1), encoding="utf-8")
    assert refusal(path) == f"{path}, {place}: {TWICE.format(*lines)}"


def test_a_setting_merged_in_and_then_written_is_not_twice(tmp_path):
    """YAML's merge key (<<) gives a mapping defaults its own settings replace."""
    services_file(tmp_path)
    path = tmp_path / "services.yaml"
    path.write_text(
        AGENCY_FILE.replace("  - id: ui-claims\n", "  - &claims\n    id: ui-claims\n", 1)
        + '  - <<: *claims\n    id: ui-appeals\n    sms_numbers: ["+12025550199"]\n',
        encoding="utf-8",
    )
    appeals = load_services(path).services["ui-appeals"]
    assert appeals.sms_numbers == ("+12025550199",) and appeals.name == "unemployment claim"


def test_the_agency_file_as_written_loads(tmp_path):
    services_file(tmp_path)
    path = tmp_path / "services.yaml"
    path.write_text(AGENCY_FILE, encoding="utf-8")
    assert list(load_services(path).services) == ["ui-claims", "snap-web", "medicaid"]


def test_an_empty_services_file_says_what_it_should_hold(tmp_path):
    services_file(tmp_path)
    path = tmp_path / "services.yaml"
    path.write_text("# services to come\n", encoding="utf-8")
    assert refusal(path) == (
        f"{path}: is empty: list the services under `services:`, as flows/services.yaml does"
    )


def test_a_services_file_kept_among_the_flows_under_another_name_is_not_read_as_a_flow(
    tmp_path,
):
    """FEEDBOT_SERVICES_FILE=flows/benefits-services.yaml stopped start-up with "top level:
    Additional properties are not allowed ('services' was unexpected)": only a file named
    services.yaml was left out of the flows."""
    services_file(tmp_path, sound_service())
    kept = (tmp_path / "services.yaml").rename(tmp_path / "benefits-services.yaml")
    registry = load_services(kept, flows_dir=tmp_path)
    assert list(registry.services) == ["ui-claims"]
    assert sorted(registry.flows) == ["a11", "a11_thumbs"]


@pytest.mark.parametrize("empty", [None, []], ids=["left out", "empty lists"])
def test_a_service_with_no_channel_is_refused(tmp_path, empty):
    """Accepted, a service with no number and no web chat origin was one no one could reach."""
    service = sound_service(sms_numbers=empty, voice_numbers=empty, webchat_origins=empty)
    path = services_file(tmp_path, sound_service(id="other"), service)
    assert refusal(path) == (
        f"{path}, line 13, service 'ui-claims': the service has no channel: give it sms_numbers,"
        " voice_numbers or webchat_origins (web chat is offered only to a service that lists the"
        " origins of its pages)"
    )
    web_chat_only = sound_service(sms_numbers=None, webchat_origins=["https://example.gov"])
    assert load_services(services_file(tmp_path, web_chat_only)).get("ui-claims")
