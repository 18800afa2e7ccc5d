"""The scrubber on digit-heavy answers: numbers beside other numbers, counts and codes."""

from __future__ import annotations

import pytest

from feedbot.scrub import scrub


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
