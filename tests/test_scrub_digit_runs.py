"""The scrubber on digit-heavy answers: numbers beside other numbers, counts and codes."""

from __future__ import annotations

import pytest

from feedbot.scrub import find_personal_data, scrub


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("09 2892 3817", "09 2892 3817"),
        ("my phone 09 2892 3817", "my phone [PHONE]"),
    ],
)
def test_a_number_in_a_national_shape_no_region_can_parse_is_read_without_failing(text, expected):
    """Two digits and two groups of four fit Mexico's shape, and phonenumbers refused to parse
    "09 2892 3817" there at all: scrub() raised, and the answer holding it was never exported."""
    assert scrub(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4111 1111 1111 1111-42", "[CARD]-42"),
        ("card 4111 1111 1111 1111-42 was charged", "card [CARD]-42 was charged"),
        ("4111111111111111-42", "[CARD]-42"),
        ("3782 822463 10005-12", "[CARD]-12"),
        # Nineteen digits in the card's own grouping that fail the check: a card and a number.
        ("4111-1111-1111-1111-43", "[CARD]-43"),
        ("4111-1111-1111-1111-42", "[CARD]"),
        ("4111 1111 1111 1111- thanks", "[CARD]- thanks"),
        ("4111 1111 1111 1112-42", None),
    ],
)
def test_a_card_number_joined_by_a_hyphen_to_digits_after_it_is_scrubbed(text, expected):
    """A hyphen and digits after a card's last group (an expiry, a code, a count) made its
    digits "go on" into another number: the card number was exported as written."""
    assert scrub(text) == (text if expected is None else expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2 0 2 4 5 6 1 1 1 1 3 times", "[PHONE] 3 times"),
        ("I called 2 0 2 4 5 6 1 1 1 1 3 more times", "I called [PHONE] 3 more times"),
        ("1 2 0 2 4 5 6 1 1 1 1 3 times", "[PHONE] 3 times"),
        ("2 0 2 4 5 6 1 1 1 1 12 times", "[PHONE] 12 times"),
        ("2 0 2 456 1111 3 times", "[PHONE] 3 times"),
        ("20 24 56 11 11 3 times", "[PHONE] 3 times"),
        # Digits that are no number without the count stay.
        ("scores 5 4 3 2 1 5 4 3 2 1 0", None),
        ("rated 5 5 4 3 5 5 4 4 5 5 2 times", None),
    ],
)
def test_a_phone_number_typed_a_few_digits_at_a_time_before_a_count_is_scrubbed(text, expected):
    """Typed one digit or a few at a time, a number and the count after it made one run of
    single digits, no number as a whole and in no grouping a number is written in: the phone
    number was exported as typed."""
    assert scrub(text) == (text if expected is None else expected)


def test_digits_after_a_reference_are_read_as_a_run_of_their_own():
    """The reference cue's run went on past the reference ("claim # 3417 344", then "5 202 456
    1111"), and every part of the run counted as after the cue: the phone number was exported,
    and found only when the text was scrubbed again, after "[REFERENCE]"."""
    text = "claim # 3417 344 5 202 456 1111"
    assert [(f.kind, text[f.start : f.end]) for f in find_personal_data(text)] == [
        ("REFERENCE", "3417 344"),
        ("PHONE", "202 456 1111"),
    ]
