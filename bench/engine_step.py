"""Engine step cost in isolation: microseconds per transition beside a plain dict lookup."""

from __future__ import annotations

import timeit
from datetime import date

from feedbot import engine
from feedbot.config import REPO_ROOT
from feedbot.flows import load_flow


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


def _best(function, number: int) -> float:  # type: ignore[no-untyped-def]
    return min(timeit.repeat(function, number=number, repeat=5)) / number
