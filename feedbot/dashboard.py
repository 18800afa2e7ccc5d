"""The staff dashboard's figures for one service and quarter, counted in SQL: the quarter's
totals, and the trust answers, drivers and questions per flow the responses were given under,
labelled with that flow's own texts as the quarterly submission labels its rows."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import func, select

from feedbot.fiscal import FiscalQuarter
from feedbot.flows import Flow
from feedbot.models import DRIVERS, Answer, ResponseRecord
from feedbot.services import Service, ServiceRegistry

# The trust question's answers as stored in `question_1` (the A-11 schema) and as staff read
# them, per form of the question (a flow's `trust_form`).
TRUST_ANSWERS: dict[str, tuple[tuple[int, str], ...]] = {
    "likert": tuple((value, str(value)) for value in range(1, 6)),
    "thumbs": ((1, "Thumbs up"), (0, "Thumbs down")),
}
# A flow as responses were given under it: its id and version.
GivenUnder = tuple[str, int]


def dashboard_figures(
    db: Any, registry: ServiceRegistry, service: Service, quarter: FiscalQuarter
) -> dict[str, Any]:
    """The dashboard's numbers for `service` in `quarter`: totals, responses by channel and
    language and the latest comments for the whole quarter, and a section per flow (and
    version) its responses were given under, the service's current one first."""
    in_quarter = (
        ResponseRecord.service_id == service.id,
        ResponseRecord.fiscal_year == quarter.fiscal_year,
        ResponseRecord.quarter == quarter.quarter,
    )
    by_channel_language = db.execute(
        select(ResponseRecord.channel, ResponseRecord.language, func.count())
        .where(*in_quarter)
        .group_by(ResponseRecord.channel, ResponseRecord.language)
        .order_by(ResponseRecord.channel, ResponseRecord.language)
    ).all()
    statuses = dict(
        db.execute(
            select(ResponseRecord.status, func.count())
            .where(*in_quarter)
            .group_by(ResponseRecord.status)
        ).all()
    )
    comments = db.scalars(
        select(ResponseRecord.question_4)
        .where(*in_quarter, ResponseRecord.question_4.is_not(None))
        .order_by(ResponseRecord.completed_at.desc())
        .limit(10)
    ).all()
    return {
        "total": sum(statuses.values()),
        "by_channel_language": [
            {"channel": c, "language": lang, "count": n} for c, lang, n in by_channel_language
        ],
        "statuses": {
            status: statuses.get(status, 0) for status in ("complete", "partial", "abandoned")
        },
        "flows": _flow_sections(db, registry, service, in_quarter),
        "comments": comments,
    }


def _flow_sections(
    db: Any, registry: ServiceRegistry, service: Service, in_quarter: tuple[Any, ...]
) -> list[dict[str, Any]]:
    """A section per flow and version the quarter's responses were given under, each with its
    own flow's texts: a record written without its flow (by a release before migration 0010,
    during a rolling upgrade or after a rollback) takes the service's current flow, as the
    quarterly export's rows do (export.py's `_given_flow_id`). It is grouped so in SQL:
    grouped apart, its trust answers and questions replaced the current flow's counts of the
    same answers."""
    current = (service.flow.id, service.flow.version)
    given_under = (
        func.coalesce(ResponseRecord.flow_id, service.flow.id).label("given_flow_id"),
        func.coalesce(ResponseRecord.flow_version, service.flow.version).label("given_version"),
    )

    def by_flow(query: Any) -> dict[GivenUnder, list[tuple[Any, ...]]]:
        grouped: dict[GivenUnder, list[tuple[Any, ...]]] = {}
        for flow_id, version, *rest in db.execute(query):
            grouped.setdefault((flow_id, version), []).append(tuple(rest))
        return grouped

    # Per flow: its responses, and the drivers ticked in them.
    responses = by_flow(
        select(*given_under, func.count(), *_ticked_drivers())
        .where(*in_quarter)
        .group_by(*given_under)
    )
    trust = by_flow(
        select(*given_under, ResponseRecord.trust_form, ResponseRecord.question_1, func.count())
        .where(*in_quarter, ResponseRecord.question_1.is_not(None))
        .group_by(*given_under, ResponseRecord.trust_form, ResponseRecord.question_1)
    )
    answers = by_flow(
        select(*given_under, Answer.question_id, Answer.status, func.count())
        .join(ResponseRecord, ResponseRecord.conversation_id == Answer.conversation_id)
        .where(*in_quarter)
        .group_by(*given_under, Answer.question_id, Answer.status)
        .order_by(Answer.question_id)
    )
    # The current flow first, then the others by id, each one's newest version first.
    order = sorted(responses, key=lambda given: (given != current, given[0], -(given[1] or 0)))
    return [
        _flow_section(
            registry,
            service,
            given,
            responses[given],
            trust.get(given, []),
            answers.get(given, []),
        )
        for given in order
    ]


def _flow_section(
    registry: ServiceRegistry,
    service: Service,
    given: GivenUnder,
    response_rows: list[Any],
    trust_rows: list[Any],
    question_rows: list[Any],
) -> dict[str, Any]:
    """One flow's figures, with its texts if it is loaded. One edited since (another version
    is loaded) gives the loaded version's, as the quarterly export does, and says so; one no
    longer in the flows directory gives none."""
    flow_id, version = given
    loaded = registry.flows.get(flow_id)
    total = sum(n for n, _, _ in response_rows)
    trust_form = loaded.trust_form if loaded else _most_answered_form(trust_rows)
    # A 1 is "strongly disagree" on the scale but "thumbs up" on the thumbs form: answers
    # given on another form (a record taking the current flow, see _flow_sections) are apart.
    trust = {value: n for form, value, n in trust_rows if form == trust_form}
    trust_shown = [
        {"value": value, "label": label, "count": trust.get(value, 0)}
        for value, label in TRUST_ANSWERS[trust_form]
    ]
    asked = replace(service, flow=loaded) if loaded else None
    return {
        "flow_id": flow_id,
        "version": version,
        "title": loaded.title if loaded else None,
        "loaded_version": loaded.version if loaded else None,
        "trust_statement": asked.trust_statement.rstrip(".") if asked else None,
        "total": total,
        "trust_form": trust_form,
        "trust": trust_shown,
        "trust_max": max(t["count"] for t in trust_shown),
        "trust_other_form": sum(n for form, _, n in trust_rows if form != trust_form),
        "drivers": _driver_share(
            sum(int(p or 0) for _, p, _ in response_rows),
            sum(int(n or 0) for _, _, n in response_rows),
        ),
        "questions": _question_table(question_rows, total, loaded),
    }


def _most_answered_form(trust_rows: list[Any]) -> str:
    """The form of the trust question most answers of a flow no longer loaded were given on."""
    by_form: dict[str, int] = {}
    for form, _, n in trust_rows:
        by_form[form] = by_form.get(form, 0) + n
    return max(by_form, key=lambda form: by_form[form]) if by_form else "likert"


def _ticked_drivers() -> tuple[Any, Any]:
    """The ticked positive and negative drivers, each summed over a group's records."""
    # Not-asked drivers are NULL: each cell counts as 0 then, or a row's whole sum would be.
    positive = sum(func.coalesce(getattr(ResponseRecord, f"positive_{d}"), 0) for d in DRIVERS)
    negative = sum(func.coalesce(getattr(ResponseRecord, f"negative_{d}"), 0) for d in DRIVERS)
    return func.sum(positive), func.sum(negative)


def _driver_share(ticked_positive: int, ticked_negative: int) -> dict[str, Any]:
    total = ticked_positive + ticked_negative
    share = _percent(ticked_positive, total) if total else None
    return {"positive": ticked_positive, "negative": ticked_negative, "positive_share": share}


def _percent(part: int, whole: int) -> int:
    """`part` of `whole` as a whole percentage, a half rounded up as staff read it (12.5 % is
    13 %; round() takes a half to the even number, 12); in integers, so no float error moves
    a half. Every percentage the dashboard shows is made here."""
    return (200 * part + whole) // (2 * whole)


def _question_table(rows: list[Any], total: int, flow: Flow | None) -> list[dict[str, Any]]:
    """Each question in the flow's order (then any the flow no longer has). "Never reached"
    is drop-off only for a question every response would come to; a branch's question is
    not reached by the responses that took the other branch, so it has none (None), nor has
    a question of a flow not loaded, whose paths are unknown."""
    table: dict[str, dict[str, int]] = {}
    for question_id, status, count in rows:
        table.setdefault(question_id, {"answered": 0, "skipped": 0, "unanswered": 0})[status] = (
            count
        )
    questions = flow.questions if flow else {}
    order = {question_id: place for place, question_id in enumerate(questions)}
    return [
        {
            "question": q,
            **counts,
            "reached": sum(counts.values()),
            "drop_off": total - sum(counts.values())
            if flow and q in questions and flow.on_every_path(q)
            else None,
            "why_no_drop_off": (
                "a branch"
                if q in questions
                else "not in the flow as loaded"
                if flow
                else "flow not loaded"
            ),
        }
        for q, counts in sorted(table.items(), key=lambda item: order.get(item[0], len(order)))
    ]
