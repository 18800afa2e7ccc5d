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
