"""Federal fiscal quarters, including the Sept 30 / Oct 1 boundary across time zones."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from feedbot.fiscal import FiscalQuarter, fiscal_quarter, parse_quarter


@pytest.mark.parametrize(
    ("moment", "timezone", "expected"),
    [
        (datetime(2026, 10, 1, 4, 0, tzinfo=UTC), "America/New_York", "FY2027Q1"),
        (datetime(2026, 10, 1, 3, 59, tzinfo=UTC), "America/New_York", "FY2026Q4"),
        (datetime(2026, 10, 1, 6, 59, tzinfo=UTC), "America/Los_Angeles", "FY2026Q4"),
        (datetime(2026, 9, 30, 23, 0, tzinfo=UTC), "Pacific/Guam", "FY2027Q1"),
        (datetime(2026, 12, 31, 12, tzinfo=UTC), "America/New_York", "FY2027Q1"),
        (datetime(2027, 1, 1, 12, tzinfo=UTC), "America/New_York", "FY2027Q2"),
        (datetime(2027, 4, 1, 12, tzinfo=UTC), "America/Chicago", "FY2027Q3"),
        (datetime(2027, 7, 1, 12, tzinfo=UTC), "America/Chicago", "FY2027Q4"),
    ],
)
def test_fiscal_quarter_by_local_date(moment, timezone, expected):
    assert str(fiscal_quarter(moment, timezone)) == expected


def test_quarter_bounds_are_local_midnights():
    start, end = FiscalQuarter(2027, 1).bounds("America/New_York")
    assert start == datetime(2026, 10, 1, 4, tzinfo=UTC)
    assert end == datetime(2027, 1, 1, 5, tzinfo=UTC)
    assert FiscalQuarter(2027, 4).next == FiscalQuarter(2028, 1)
    assert FiscalQuarter(2027, 1).previous == FiscalQuarter(2026, 4)
    assert FiscalQuarter(2027, 3).previous == FiscalQuarter(2027, 2)


def test_parse_quarter():
    assert parse_quarter("fy2027q1") == FiscalQuarter(2027, 1)
    with pytest.raises(ValueError, match="not of the form FY2027Q1"):
        parse_quarter("2027-Q1")


@pytest.mark.parametrize("text", ["FY0000Q1", "FY0001Q1", "FY1999Q4", "FY2101Q1", "FY9999Q4"])
def test_a_fiscal_year_no_report_can_be_for_is_refused(text):
    """Any four digits were taken: FY0000Q1 failed later, in the middle of an export ("year -1
    is out of range"), and the dashboard showed it as FY0Q1."""
    with pytest.raises(ValueError) as refused:
        parse_quarter(text)
    assert str(refused.value) == (
        f"quarter {text!r} is outside the fiscal years feedbot reports, FY2000 to FY2100"
    )
    assert parse_quarter("FY2000Q1") == FiscalQuarter(2000, 1)
    assert parse_quarter("FY2100Q4") == FiscalQuarter(2100, 4)


def a_response(status, started_at, completed_at):
    """A closed SMS response of the passport service, as normalization reads it."""
    from feedbot.models import Conversation

    return Conversation(
        id=1,
        public_id="x" * 32,
        service_id="passport",
        channel="sms",
        language="en",
        status=status,
        started_at=started_at,
        completed_at=completed_at,
    )


def test_a_record_takes_its_quarter_from_the_service_time_zone():
    """Completed at 23:30 on Sept 30 in Washington (03:30 UTC on Oct 1): still FY2026 Q4."""
    from feedbot.flows import load_flow
    from feedbot.normalize import build_record
    from tests.test_engine import FLOWS

    moment = datetime(2026, 10, 1, 3, 30, tzinfo=UTC)
    conversation = a_response("complete", moment, moment)
    flow = load_flow(FLOWS / "a11.yaml")
    eastern = build_record(conversation, [], flow, "America/New_York")
    assert (eastern["fiscal_year"], eastern["quarter"]) == (2026, 4)
    guam = build_record(conversation, [], flow, "Pacific/Guam")
    assert (guam["fiscal_year"], guam["quarter"]) == (2027, 1)


def test_a_response_closed_idle_counts_in_the_quarter_it_was_given():
    """A survey answered on Sept 30 and left there closes as partial a day later, when it has
    sat idle: it was counted in the next fiscal year's first quarter."""
    from datetime import timedelta

    from feedbot.flows import load_flow
    from feedbot.models import Answer
    from feedbot.normalize import build_record
    from tests.test_engine import FLOWS

    answered = datetime(2026, 9, 30, 20, tzinfo=UTC)  # 16:00 in Washington
    started, closed = answered - timedelta(minutes=2), answered + timedelta(hours=24, minutes=3)
    answers = [
        Answer(
            question_id="trust",
            record="question_1",
            status="answered",
            value=4,
            answered_at=answered - timedelta(minutes=1),
        ),
        Answer(
            question_id="made_the_difference",
            record="positive",
            status="answered",
            value=["ease"],
            answered_at=answered,
        ),
    ]
    flow = load_flow(FLOWS / "a11.yaml")
    eastern = "America/New_York"
    partial = build_record(a_response("partial", started, closed), answers, flow, eastern)
    assert (partial["fiscal_year"], partial["quarter"], partial["status"]) == (2026, 4, "partial")
    abandoned = build_record(a_response("abandoned", started, closed), [], flow, eastern)
    assert (abandoned["fiscal_year"], abandoned["quarter"]) == (2026, 4)
    # A complete one: when it was completed, as before.
    complete = build_record(a_response("complete", started, closed), answers, flow, eastern)
    assert (complete["fiscal_year"], complete["quarter"]) == (2027, 1)


def test_a_question_left_unanswered_does_not_date_the_response():
    """A caller answered the trust question at 23:58 on December 31 in Los Angeles; the
    silence at the next question was recorded at 00:00:30, then they hung up: the silence
    dated the response, in FY2027 Q2. Only what the person gave dates it (a SKIP is one)."""
    from datetime import timedelta

    from feedbot.flows import load_flow
    from feedbot.models import Answer
    from feedbot.normalize import build_record
    from tests.test_engine import FLOWS

    pacific = "America/Los_Angeles"
    answered = datetime(2027, 1, 1, 7, 58, tzinfo=UTC)  # 23:58 on Dec 31 in Los Angeles
    silence = answered + timedelta(minutes=2, seconds=30)  # 00:00:30 on Jan 1
    started, hung_up = answered - timedelta(minutes=1), silence + timedelta(seconds=5)

    def answer(question_id, record, status, value, at):
        return Answer(
            question_id=question_id, record=record, status=status, value=value, answered_at=at
        )

    trust = answer("trust", "question_1", "answered", 4, answered)
    unanswered = answer("made_the_difference", "positive", "unanswered", None, silence)
    skipped = answer("made_the_difference", "positive", "skipped", None, silence)
    flow = load_flow(FLOWS / "a11.yaml")
    call = a_response("partial", started, hung_up)
    record = build_record(call, [trust, unanswered], flow, pacific)
    assert (record["fiscal_year"], record["quarter"]) == (2027, 1)
    # A SKIP is an answer the person gave: it dates the response.
    record = build_record(call, [trust, skipped], flow, pacific)
    assert (record["fiscal_year"], record["quarter"]) == (2027, 2)
    # With nothing given at all, the response is dated by its start.
    silent = a_response("abandoned", started, hung_up)
    nothing = answer("trust", "question_1", "unanswered", None, silence)
    record = build_record(silent, [nothing], flow, pacific)
    assert (record["fiscal_year"], record["quarter"]) == (2027, 1)
