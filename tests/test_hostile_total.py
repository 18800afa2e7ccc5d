"""The hostile-input suite's size: each hostile test asserts it sent its share, and the shares
add up to at least 10,000 generated requests (tests/conftest.py prints the count sent)."""

from __future__ import annotations

from tests import test_hostile_api, test_hostile_pages, test_hostile_twilio

BACKENDS = 2  # each hostile test runs on SQLite and on PostgreSQL


def test_the_hostile_suite_sends_at_least_ten_thousand_requests():
    per_backend = (
        test_hostile_twilio.REQUESTS_PER_RUN * len(test_hostile_twilio.FIELDS)
        + sum(
            test_hostile_api.REQUESTS_PER_RUN[scope]
            for scope in test_hostile_api.OPERATIONS.values()
        )
        + test_hostile_pages.STAFF_REQUESTS_PER_RUN
        + test_hostile_pages.ROUTE_REQUESTS_PER_RUN
    )
    assert BACKENDS * per_backend >= 10_000, BACKENDS * per_backend
