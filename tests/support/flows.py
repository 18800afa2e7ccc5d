"""Flows of an agency's own for tests: the shipped flows, with a11.yaml changed."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

SHIPPED_FLOWS = Path(__file__).resolve().parent.parent.parent / "flows"

# A question of the agency's own before the A-11 questions, its choices numbered, one of them
# leading to a question of its own.
HOW_CONTACTED: dict[str, Any] = {
    "type": "multi",
    "record": "how_filed",
    "text": "How did you contact us today?",
    "choices": [
        {"value": 1, "label": "By phone"},
        {"value": 2, "label": "Online"},
        {"value": 3, "label": "In person"},
    ],
    "next": [{"when": [3], "goto": "which_office"}, {"goto": "trust"}],
}
WHICH_OFFICE: dict[str, Any] = {
    "type": "text",
    "optional": True,
    "record": "which_office",
    "text": "Which office did you visit?",
    "next": "trust",
}


def flows_with_a11_changed(tmp_path: Path, change: Callable[[dict[str, Any]], None]) -> Path:
    """A copy of the shipped flows directory whose a11.yaml `change` edited in place."""
    flows = tmp_path / "flows"
    shutil.copytree(SHIPPED_FLOWS, flows)
    document = yaml.safe_load((flows / "a11.yaml").read_text(encoding="utf-8"))
    change(document)
    (flows / "a11.yaml").write_text(yaml.safe_dump(document, allow_unicode=True), "utf-8")
    return flows


def first_asking(*questions: tuple[str, dict[str, Any]]) -> Callable[[dict[str, Any]], None]:
    """A change that asks `questions` (id, spec) before the flow's own, the first first."""

    def change(document: dict[str, Any]) -> None:
        document["start"] = questions[0][0]
        document["questions"] = {**dict(questions), **document["questions"]}

    return change


# A first question whose choices name languages, as the service's language keywords do.
PREFERRED_LANGUAGE: dict[str, Any] = {
    "type": "multi",
    "record": "preferred_language",
    "text": "Which language do you prefer for letters from us?",
    "choices": [
        {"value": "english", "label": "English"},
        {"value": "spanish", "label": "Spanish"},
        {"value": "other", "label": "Another language"},
    ],
    "next": "trust",
}
