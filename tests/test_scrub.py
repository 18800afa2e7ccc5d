"""The free-text scrubber: typed placeholders, near-misses left alone, measured on a corpus."""

from __future__ import annotations

import itertools

import pytest
import yaml

from bench.scrub_corpus import CORPUS, measure_corpus
from feedbot.scrub import find_personal_data, scrub


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Call (202) 555-0143 please", "Call [PHONE] please"),
        ("mail jo@example.com now", "mail [EMAIL] now"),
        ("SSN 123-45-6789.", "SSN [SSN]."),
        ("card 4111-1111-1111-1111 twice", "card [CARD] twice"),
        ("I live at 42 Oak Street, Apt 4B.", "I live at [ADDRESS]."),
        ("Vivo en Avenida Juárez 45.", "Vivo en [ADDRESS]."),
        ("born March 3, 1962", "born [DOB]"),
        ("nací el 12 de abril de 1985", "nací el [DOB]"),
        ("write to maria dot lopez at example dot com", "write to [EMAIL]"),
    ],
)
def test_each_kind_gets_its_placeholder(text, expected):
    assert scrub(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "card 4111 1111 1111 1112 failed",  # fails the Luhn check
        "The fee was $1,250.00",
        "receipt IOE0912345678",
        "case 2024-118 and form I-485",
        "On March 3 I called at 10:30",
        "waited 45 minutes in room 201, zip 20001",
        "SSN-looking 666-12-3456 and 900-12-3456 are not valid SSNs",
    ],
)
def test_near_misses_are_left_alone(text):
    assert scrub(text) == text


def test_scrub_is_idempotent_and_never_rescrubs_placeholders():
    text = "Call 202-555-0143 or a@example.com; SSN 123-45-6789"
    once = scrub(text)
    assert once == "Call [PHONE] or [EMAIL]; SSN [SSN]"
    assert scrub(once) == once


def test_findings_do_not_overlap():
    findings = find_personal_data("4111 1111 1111 1111 202-555-0143 123-45-6789")
    assert [f.kind for f in findings] == ["CARD", "PHONE", "SSN"]
    assert all(a.end <= b.start for a, b in itertools.pairwise(findings))


def test_corpus_precision_and_recall():
    result = measure_corpus()
    print(
        f"\nscrubber: precision {result['precision']:.3f}, recall {result['recall']:.3f}"
        f" on {result['items']} items in {result['answers']} answers"
    )
    assert result["answers"] >= 100
    assert result["recall"] >= 0.95, result["missed"]
    assert result["precision"] >= 0.95, result["false_alarms"]


def test_no_corpus_phone_email_or_ssn_survives():
    for entry in yaml.safe_load(CORPUS.read_text(encoding="utf-8")):
        cleaned = scrub(entry["text"])
        for item in entry["pii"]:
            if item["kind"] in {"PHONE", "EMAIL", "SSN"}:
                assert item["value"] not in cleaned, entry["text"]
