"""Engine step cost in isolation: microseconds per transition beside a plain dict lookup, and
per long reply beside a short one."""

from __future__ import annotations

import time
import timeit
from datetime import date
from functools import partial

from feedbot import engine
from feedbot.config import REPO_ROOT
from feedbot.flows import load_flow
from feedbot.languages import LANGUAGES

# The long replies of tests/test_engine.py, as a unit and how often it is repeated. Each cost
# more than its length once: an "N out of M" search over 10,000 x's took over a second a
# reply, and each word was folded once per language offered (35-94 ms a reply with all twelve).
LONG_REPLIES = {"x": 10_000, "☆": 2_000, "а/": 1_000, "ab ": 666, "👍🏽а": 600}


def measure(number: int = 20_000) -> dict[str, float]:
    """µs per engine transition (trust, drivers, open text) and per dict lookup."""
    flow = load_flow(REPO_ROOT / "flows" / "a11.yaml")
    context = engine.Context("Agency", "service", "0000-0000", date(2027, 12, 31), ("en", "es"))
    opened = engine.start(flow, context, "en").session
    after_trust = engine.advance(flow, context, opened, "5").session
    after_drivers = engine.advance(flow, context, after_trust, "1 3").session
    steps = (
        (opened, "5"),
        (after_trust, "1 3"),
        (after_drivers, "Quick and kind"),
    )

    def one_of_each() -> None:
        for session, reply in steps:
            engine.advance(flow, context, session, reply)

    table = {question_id: question for question_id, question in flow.questions.items()}
    per_step = _best(one_of_each, number) / len(steps)
    per_lookup = _best(lambda: table["trust"], number)
    return {"engine_us": per_step * 1e6, "dict_us": per_lookup * 1e6}


def measure_long_replies(number: int = 100) -> dict[str, float]:
    """µs per answer to the trust question, in a service offering every language, for:
    "5" (the reference); each of LONG_REPLIES whole (over LONGEST_CHOICE_REPLY: asked again
    unread), worst of them; each cut to LONGEST_CHOICE_REPLY (read), worst of them; and
    `growth`, the worst cost per character of a read reply of that length against one of half
    of it: 1 or below is linear, 2 is a cost in the length squared. Timed in this process's
    CPU time, which other programs on the machine disturb less than the clock."""
    flow = load_flow(REPO_ROOT / "flows" / "a11.yaml")
    context = engine.Context("Agency", "service", "0000-0000", date(2027, 12, 31), tuple(LANGUAGES))
    opened = engine.start(flow, context, "en").session

    def per_answer(reply: str) -> float:
        step = partial(engine.advance, flow, context, opened, reply)
        return _best(step, number, timer=time.process_time) * 1e6

    unread, read, growth = [], [], []
    for unit, times in LONG_REPLIES.items():
        longest = unit * (engine.LONGEST_CHOICE_REPLY // len(unit))
        half = unit * (engine.LONGEST_CHOICE_REPLY // 2 // len(unit))
        unread.append(per_answer(unit * times))
        read.append(per_answer(longest))
        growth.append(read[-1] / len(longest) / (per_answer(half) / len(half)))
    return {
        "short_us": per_answer("5"),
        "unread_us": max(unread),
        "read_us": max(read),
        "growth": max(growth),
    }


def _best(function, number: int, timer=time.perf_counter) -> float:  # type: ignore[no-untyped-def]
    return min(timeit.repeat(function, timer=timer, number=number, repeat=5)) / number
