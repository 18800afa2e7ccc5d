"""1,172 replies in the twelve languages, each with the values it may be read as: no reply may
be stored as anything else, except the few known wrong reads listed here, which wait for a fix.

A reply asked again is always acceptable (nothing is stored). A known wrong read that the
engine now reads right, or asks again, must leave KNOWN_WRONG: the list only shrinks."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import yaml

from feedbot import engine
from feedbot.config import REPO_ROOT
from feedbot.engine import AnswerGiven, Context
from feedbot.flows import load_flow
from feedbot.languages import LANGUAGES

CORPUS = Path(__file__).resolve().parent / "data" / "answer_corpus.yaml"
A11 = load_flow(REPO_ROOT / "flows" / "a11.yaml")
THUMBS = load_flow(REPO_ROOT / "flows" / "a11_thumbs.yaml")
CONTEXT = Context(
    "Demo Agency", "passport renewal", "1234-5678", date(2027, 12, 31), tuple(LANGUAGES)
)
# Each question: its flow, and the replies that reach it.
QUESTIONS = {"trust": (A11, ()), "thumbs": (THUMBS, ()), "pos": (A11, ("5",)), "neg": (A11, ("1",))}

# Read wrong, each for a reason its fix must address (none since 2026-11-27; four before).
KNOWN_WRONG: set[tuple[str, str, str]] = set()


def read(question: str, language: str, reply: str) -> str | None:
    """What the engine stores for `reply` (values joined by ","; "skipped:None" and the like
    for another status), or None when it asks again or takes the reply as a language."""
    flow, before = QUESTIONS[question]
    step = engine.start(flow, CONTEXT, language)
    for earlier in before:
        step = engine.advance(flow, CONTEXT, step.session, earlier)
    asked = step.session.question
    step = engine.advance(flow, CONTEXT, step.session, reply)
    for event in step.events:
        if isinstance(event, AnswerGiven) and event.question_id == asked:
            value = event.value
            text = ",".join(value) if isinstance(value, tuple) else str(value)
            return text if event.status == "answered" else f"{event.status}:{text}"
    return None


def _drivers(value: str) -> frozenset[str]:
    """A value as a set of drivers, whatever their order ("employee,humanity"); a rating is a
    set of one."""
    return frozenset(value.split(","))


def test_no_reply_of_the_corpus_is_read_wrong_but_the_known_few():
    replies = yaml.safe_load(CORPUS.read_text(encoding="utf-8"))["replies"]
    assert len(replies) == 1172
    wrong = {}
    for question, language, reply, accepted in replies:
        stored = read(question, language, reply)
        if stored is not None and _drivers(stored) not in {_drivers(a) for a in accepted}:
            wrong[(question, language, reply)] = stored
    new = {case: stored for case, stored in wrong.items() if case not in KNOWN_WRONG}
    assert new == {}, "read wrong (the reply, then what was stored)"
    mended = KNOWN_WRONG - set(wrong)
    assert mended == set(), "now read right or asked again: take these out of KNOWN_WRONG"
