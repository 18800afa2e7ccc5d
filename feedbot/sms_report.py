"""The SMS cost of the survey per language: each prompt's segments, and a whole survey's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from feedbot import engine
from feedbot.conversations import Outcome
from feedbot.flows import Flow
from feedbot.segments import measure_sms
from feedbot.services import Service

# Scripted replies for a full survey on each branch (drivers include "other" to ask its
# follow-up, so every prompt of the branch is sent once).
POSITIVE_REPLIES = ("5", "1 7", "Quick", "Thanks")
NEGATIVE_REPLIES = ("2", "3 7", "Slow", "No")
BUDGET_SEGMENTS = {"en": 8, "es": 8}
OTHER_BUDGET = 16


@dataclass(frozen=True)
class LanguageCost:
    language: str
    prompts: dict[str, int]
    positive: int
    negative: int

    @property
    def budget(self) -> int:
        return BUDGET_SEGMENTS.get(self.language, OTHER_BUDGET)

    @property
    def within_budget(self) -> bool:
        return max(self.positive, self.negative) <= self.budget


def survey_costs(flow: Flow, languages: tuple[str, ...]) -> list[LanguageCost]:
    """What the survey costs in each language, rendered exactly as the SMS channel sends it."""
    return [_cost(flow, languages, language) for language in languages]


def service_costs(service: Service) -> list[LanguageCost]:
    """What a configured service's survey costs in each of its languages, as its texters get
    it: the opening offers every other language the service has, each in its own words, and
    one written in a script GSM-7 lacks makes the whole opening UCS-2."""
    return [_measure(service, language) for language in service.languages]


def _cost(flow: Flow, languages: tuple[str, ...], language: str) -> LanguageCost:
    service = Service(
        id="report",
        agency="U.S. Passport Office",
        name="passport renewal",
        omb_control_number="1405-0001",
        omb_expiration=date(2027, 12, 31),
        languages=(language, *(code for code in languages if code != language))[:2],
        flow=flow,
    )
    return _measure(service, language)


def _measure(service: Service, language: str) -> LanguageCost:
    from channels.sms import render_sms

    flow = service.flow
    prompts: dict[str, int] = {}
    totals = []
    for replies in (POSITIVE_REPLIES, NEGATIVE_REPLIES):
        step = engine.start(flow, service.context, language)
        messages = [render_sms(_outcome(step, language), service)]
        names = ["opening"]
        for reply in replies:
            step = engine.advance(flow, service.context, step.session, reply)
            messages.append(render_sms(_outcome(step, language), service))
            names.append(step.prompts[0].question_id or step.prompts[0].kind)
        for name, message in zip(names, messages, strict=True):
            prompts[name] = measure_sms(message).segments
        totals.append(sum(measure_sms(message).segments for message in messages))
    return LanguageCost(language, prompts, totals[0], totals[1])


def _outcome(step: engine.Step, language: str) -> Outcome:
    return Outcome("prompts", language, step.prompts)
