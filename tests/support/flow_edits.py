"""Apps on flows edited, or services moved to another flow, between two deploys: each call
builds an app on the same database with the flows and the services' flows given."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from flask import Flask

from tests.conftest import TEST_SERVICES, make_app

SHIPPED_FLOWS = Path(__file__).resolve().parents[2] / "flows"


def shipped_flow(flow_id: str, **changes: Any) -> dict[str, Any]:
    """A shipped flow's document (a11, a11_thumbs), with `changes` to its top-level keys."""
    document = yaml.safe_load((SHIPPED_FLOWS / f"{flow_id}.yaml").read_text())
    return {**document, **changes}


def with_office_question(document: dict[str, Any]) -> dict[str, Any]:
    """The flow beginning with a question of the agency's own, then going on to trust."""
    office = {
        "type": "multi",
        "text": "Which office did you visit?",
        "choices": [
            {"value": "downtown", "label": "Downtown"},
            {"value": "north", "label": "Northside"},
        ],
        "next": document["start"],
    }
    return {**document, "start": "office", "questions": {"office": office, **document["questions"]}}


def deployed(
    database_url: str, directory: Path, flows: list[dict[str, Any]], passport_flow: str
) -> Flask:
    """An app whose flows directory holds `flows`, and the shipped ones they do not replace
    (the other test services run them), and whose passport service runs `passport_flow`;
    `directory` is this deploy's own."""
    directory.mkdir()
    flows_dir = directory / "flows"
    flows_dir.mkdir()
    given = {document["id"] for document in flows}
    shipped = [shipped_flow(flow_id) for flow_id in ("a11", "a11_thumbs") if flow_id not in given]
    for document in [*flows, *shipped]:
        text = yaml.safe_dump(document, allow_unicode=True)
        (flows_dir / f"{document['id']}.yaml").write_text(text)
    services = yaml.safe_load(TEST_SERVICES.read_text())
    services["services"][0]["flow"] = passport_flow
    services_file = directory / "services.yaml"
    services_file.write_text(yaml.safe_dump(services, allow_unicode=True))
    return make_app(database_url, flows_dir=flows_dir, services_file=services_file)
