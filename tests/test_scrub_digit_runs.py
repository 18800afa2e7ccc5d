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
