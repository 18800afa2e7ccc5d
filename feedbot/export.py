"""Exports for agency staff: per-response records (CSV, JSON Lines, XLSX) streamed row by row,
and the quarterly A-11 collection figures aggregated in SQL."""

from __future__ import annotations

import csv
import io
import json
import re
import tempfile
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from itertools import cycle
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session as DbSession

from feedbot.fiscal import FiscalQuarter
from feedbot.models import DRIVERS, Conversation, PendingNormalization, ResponseRecord
from feedbot.normalize import A11_CHANNELS, FREE_TEXT_LIMIT, RECORD_COLUMNS, record_as_dict
from feedbot.services import Service, ServiceRegistry

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "jsonl": "application/x-ndjson",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
STATUSES = ("complete", "partial", "abandoned")
ROWS_PER_FETCH = 2_000


class ExportError(ValueError):
    """A filter a person gave cannot be used; the message says which and why."""


@dataclass(frozen=True)
class ResponseFilter:
    """Which records an export covers. `services` None means every service."""

    services: Sequence[str] | None = None
    channel: str | None = None
    language: str | None = None
    quarter: FiscalQuarter | None = None
    start: date | None = None
    end: date | None = None
    status: str | None = None

    def __post_init__(self) -> None:
        if self.channel and a11_channel(self.channel) not in A11_CHANNELS.values():
            raise ExportError(
                f"channel {self.channel!r} is not one of {_listed(list(A11_CHANNELS))} (or, as "
                f"exports name them, {_listed(list(A11_CHANNELS.values()))})"
            )
        if self.status and self.status not in STATUSES:
            raise ExportError(f"status {self.status!r} is not one of {', '.join(STATUSES)}")

    def apply(self, query: Select[Any]) -> Select[Any]:
        if self.services is not None:
            query = query.where(ResponseRecord.service_id.in_(self.services))
        if self.channel:
            query = query.where(ResponseRecord.channel == a11_channel(self.channel))
        if self.language:
            query = query.where(ResponseRecord.language == self.language)
        if self.quarter:
            query = query.where(
                ResponseRecord.fiscal_year == self.quarter.fiscal_year,
                ResponseRecord.quarter == self.quarter.quarter,
            )
        if self.start:
            query = query.where(ResponseRecord.started_at >= _midnight(self.start))
        # The day after the last date cannot be written: a `to` of that day bounds nothing.
        if self.end and self.end < date.max:
            query = query.where(ResponseRecord.started_at < _midnight(self.end, next_day=True))
        if self.status:
            query = query.where(ResponseRecord.status == self.status)
        return query


def check_service(db: DbSession, registry: ServiceRegistry, service_id: str) -> None:
    """Refuse a service id staff asked for that no export could hold: one neither in the
    services file nor in any stored record. A service that has left the file keeps its
    records, and they stay exportable by its id."""
    if service_id in registry.services or _has_record(db, ResponseRecord.service_id == service_id):
        return
    raise ExportError(
        f"service {service_id!r} is neither in the services file nor in stored responses; the "
        f"services are {_listed(sorted(registry.services)) if registry.services else 'none'}"
    )


def check_language(
    db: DbSession, registry: ServiceRegistry, language: str, services: Sequence[str] | None
) -> None:
    """Refuse a language none of `services` (None: every service) offers and none of their
    stored records has (a language a service has since dropped keeps its records)."""
    wanted = registry.services if services is None else services
    offered = sorted(
        {code for service_id in wanted if (s := registry.get(service_id)) for code in s.languages}
    )
    if language in offered or _has_stored(db, ResponseRecord.language == language, services):
        return
    named = _Named.of(services)
    raise ExportError(
        f"language {language!r} is not offered by {named.who} nor found in {named.whose}; "
        f"{named.subject} {'offer' if named.plural else 'offers'} "
        f"{_listed(offered) if offered else 'no language'}"
    )


def check_channel(
    db: DbSession, registry: ServiceRegistry, channel: str, services: Sequence[str] | None
) -> None:
    """Refuse a channel none of `services` (None: every service) is set up for and none of
    their stored records has (a channel a service has since dropped keeps its records)."""
    wanted = registry.services if services is None else services
    set_up = {a11 for service_id in wanted for a11 in _channels_served(registry.get(service_id))}
    stored = ResponseRecord.channel == a11_channel(channel)
    if a11_channel(channel) in set_up or _has_stored(db, stored, services):
        return
    named = _Named.of(services)
    channels = [f"{name} ({a11})" for name, a11 in A11_CHANNELS.items() if a11 in set_up]
    raise ExportError(
        f"channel {channel!r} is not set up for {named.who} nor found in {named.whose}; "
        f"{named.subject} {'are' if named.plural else 'is'} set up for "
        f"{_listed(channels) if channels else 'no channel'}"
    )


def a11_channel(name: str) -> str:
    """A channel as records and exports name it (A-11's `sms_text_messages` for feedbot's
    `sms`); a name that is neither stays as given."""
    return A11_CHANNELS.get(name, name)


@dataclass(frozen=True)
class _Named:
    """The services of a refused filter as its message names them."""

    who: str  # "any service", "passport"
    whose: str  # "stored responses", "its stored responses"
    subject: str  # "the services", "passport"
    plural: bool

    @classmethod
    def of(cls, services: Sequence[str] | None) -> _Named:
        if services is None:
            return cls("any service", "stored responses", "the services", True)
        listed, one = _listed(list(services)), len(services) == 1
        return cls(listed, f"{'its' if one else 'their'} stored responses", listed, not one)


def _has_stored(db: DbSession, condition: Any, services: Sequence[str] | None) -> bool:
    """Whether a stored record of `services` (None: any) meets `condition`."""
    if services is not None:
        condition = condition & ResponseRecord.service_id.in_(services)
    return _has_record(db, condition)


def check_filter_names(
    db: DbSession,
    registry: ServiceRegistry,
    response_filter: ResponseFilter,
    requested_service: str | None,
) -> None:
    """A mistyped service, language or channel would export nothing, silently: refuse it,
    naming the valid ones. `requested_service` is the one staff named (the filter may hold the
    services a token covers, checked when it was made)."""
    if requested_service:
        check_service(db, registry, requested_service)
    if response_filter.language:
        check_language(db, registry, response_filter.language, response_filter.services)
    if response_filter.channel:
        check_channel(db, registry, response_filter.channel, response_filter.services)


def _has_record(db: DbSession, condition: Any) -> bool:
    return db.scalar(select(ResponseRecord.id).where(condition).limit(1)) is not None


# A drain normally takes seconds: a response waiting longer than this tells of a stopped
# worker or a Redis outage (the dashboard and `feedbot queue status` say so).
BACKLOG_LATE = timedelta(minutes=1)


@dataclass(frozen=True)
class Backlog:
    """Responses that have closed but have no record yet: no export or figure holds them."""

    count: int
    oldest: datetime | None

    @property
    def oldest_closed(self) -> str:
        """When the oldest closed, as staff read it everywhere (UTC, to the minute)."""
        return f"{self.oldest:%Y-%m-%d %H:%M} UTC" if self.oldest is not None else ""

    def warning(self) -> str:
        """What staff are told while the backlog is not empty."""
        return (
            f"{self.count} closed response(s) of these services are not yet normalized (the "
            f"oldest closed {self.oldest_closed}) and are not in this export: is a "
            "feedbot worker running? `feedbot queue sweep` queues them again."
        )


def not_yet_normalized(
    db: DbSession, registry: ServiceRegistry, services: Sequence[str] | None = None
) -> Backlog:
    """How many closed responses of `services` (None: every service in the services file) wait
    in the normalization outbox, and since when; a worker or Redis that is down makes this
    grow. A response of a service no longer in the file is never normalized, so it is not
    counted here (see `orphaned_responses`): no worker could clear the warning."""
    wanted = [s for s in registry.services if services is None or s in services]
    count, oldest = db.execute(
        select(func.count(), func.min(PendingNormalization.created_at))
        .join(Conversation, Conversation.id == PendingNormalization.conversation_id)
        .where(Conversation.service_id.in_(wanted))
    ).one()
    return Backlog(count, oldest)


def orphaned_responses(db: DbSession, registry: ServiceRegistry) -> int:
    """Closed responses waiting for a service that has left the services file: they stay in
    the outbox until the service is back (or staff delete them)."""
    return (
        db.scalar(
            select(func.count())
            .select_from(PendingNormalization)
            .join(Conversation, Conversation.id == PendingNormalization.conversation_id)
            .where(Conversation.service_id.not_in(list(registry.services)))
        )
        or 0
    )


def quarter_without_responses(
    db: DbSession, quarter: FiscalQuarter, services: Sequence[str] | None
) -> bool:
    """Whether `services` (None: every service) have no stored response at all in `quarter`:
    true of a quarter still to come, or of one typed as calendar years count (FY2026Q1 for
    October 2026, which is FY2027Q1), so staff are told (`empty_quarter_warning`)."""
    in_quarter = (ResponseRecord.fiscal_year == quarter.fiscal_year) & (
        ResponseRecord.quarter == quarter.quarter
    )
    return not _has_stored(db, in_quarter, services)


_QUARTER_MONTHS = ("October to December", "January to March", "April to June", "July to September")


def empty_quarter_warning(quarter: FiscalQuarter) -> str:
    """What staff are told of a quarter without responses: its dates, and the quarter those
    months would be a year later, the likeliest one meant."""
    last_day = quarter.next.first_day - timedelta(days=1)
    year_later = FiscalQuarter(quarter.fiscal_year + 1, quarter.quarter)
    return (
        f"no responses in {quarter}, which runs from {quarter.first_day} to {last_day} in each"
        " service's time zone (a federal fiscal year begins on October 1 of the year before its"
        f" number: {_QUARTER_MONTHS[quarter.quarter - 1]} {year_later.first_day.year} is"
        f" {year_later})"
    )


def count_responses(db: DbSession, response_filter: ResponseFilter) -> int:
    query = response_filter.apply(select(func.count()).select_from(ResponseRecord))
    return db.scalar(query) or 0


def iter_records(db: DbSession, response_filter: ResponseFilter) -> Iterator[dict[str, Any]]:
    """Every matching record, fetched in chunks with a server-side cursor (flat memory)."""
    # Plain rows, not ORM objects: an export is read-only and ORM identity tracking would
    # cost more than the query itself.
    columns = [getattr(ResponseRecord, column) for column in RECORD_COLUMNS]
    query = response_filter.apply(select(*columns)).order_by(ResponseRecord.id)
    result = db.execute(query.execution_options(yield_per=ROWS_PER_FETCH))
    for row in result:
        yield record_as_dict(row)


def stream_csv(db: DbSession, response_filter: ResponseFilter) -> Iterator[bytes]:
    """CSV of the matching records; on PostgreSQL the server writes it (COPY), which is
    18× faster than formatting rows in Python (bench/RESULTS.md)."""
    if db.get_bind().dialect.name != "postgresql":
        yield from stream_export(iter_records(db, response_filter), "csv")
        return
    columns = [_pg_csv_column(column) for column in RECORD_COLUMNS]
    query = response_filter.apply(select(*columns)).order_by(ResponseRecord.id)
    compiled = query.compile(
        dialect=db.get_bind().dialect, compile_kwargs={"render_postcompile": True}
    )
    statement = f"COPY ({compiled}) TO STDOUT WITH (FORMAT csv, HEADER)"
    cursor = db.connection().connection.dbapi_connection.cursor()
    with cursor.copy(statement, compiled.params) as copy:
        for chunk in copy:
            yield bytes(chunk)


_TIMESTAMPS = {"started_at", "completed_at"}
# What people wrote. A spreadsheet runs a cell that starts with one of FORMULA_STARTS as a
# formula (=HYPERLINK(...) to a phishing page, say), so CSV cells of these columns that do,
# once past any INVISIBLE characters, are prefixed with an apostrophe, which spreadsheets show
# as text; XLSX cells are typed as text.
PEOPLE_TEXT = ("question_4", "other_text")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Bidi embeddings, overrides and isolates (LRE, RLE, PDF, LRO, RLO; LRI, RLI, FSI, PDI). One
# left open in a CSV line reverses how a viewer shows the rest of it, the row's other columns
# included, so the spreadsheet formats drop them from people's text (JSONL keeps it as stored).
BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
# Characters that show nothing (a zero-width space, a byte-order mark, a soft hyphen, bidi
# marks and controls, tags): "\u200b=1+1" is a formula to whoever reads it.
_INVISIBLE_RANGES = (
    (0x00AD, 0x00AD),
    (0x061C, 0x061C),
    (0x180E, 0x180E),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x2064),
    (0x2066, 0x206F),
    (0xFEFF, 0xFEFF),
    (0xFFF9, 0xFFFB),
    (0xE0001, 0xE0001),
    (0xE0020, 0xE007F),
)
INVISIBLE = "".join(chr(c) for first, last in _INVISIBLE_RANGES for c in range(first, last + 1))
_DROP_BIDI_CONTROLS = str.maketrans("", "", BIDI_CONTROLS)


def spreadsheet_safe(text: str | None) -> str | None:
    """`text` as a spreadsheet shows it rather than runs it, without bidi controls."""
    text = without_bidi_controls(text)
    return "'" + text if text and text.lstrip(INVISIBLE).startswith(FORMULA_STARTS) else text


def without_bidi_controls(text: str | None) -> str | None:
    return None if text is None else text.translate(_DROP_BIDI_CONTROLS)


def _pg_csv_column(name: str) -> Any:
    column = getattr(ResponseRecord, name)
    if name in _TIMESTAMPS:
        return _pg_iso(column)
    if name in PEOPLE_TEXT:
        return _pg_spreadsheet_safe(column).label(name)
    return column


def _pg_spreadsheet_safe(column: Any) -> Any:
    """spreadsheet_safe in SQL, to the byte: a text left empty is NULL, which COPY writes as
    an empty field, as Python's csv writes an empty string (COPY writes that as "")."""
    text = func.nullif(func.translate(column, BIDI_CONTROLS, ""), "")
    starts_a_formula = func.substr(func.ltrim(text, INVISIBLE), 1, 1).in_(FORMULA_STARTS)
    return case((starts_a_formula, func.concat("'", text)), else_=text)


def _pg_iso(column: Any) -> Any:
    utc = func.timezone("UTC", column)
    return func.to_char(utc, 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"').label(column.key)


def stream_export(records: Iterator[dict[str, Any]], fmt: str) -> Iterator[bytes]:
    """The records encoded as `fmt`, a chunk at a time."""
    if fmt == "csv":
        return _csv_chunks(records)
    if fmt == "jsonl":
        return (json.dumps(record, ensure_ascii=False).encode() + b"\n" for record in records)
    if fmt == "xlsx":
        return _xlsx_chunks(records)
    raise ExportError(f"format {fmt!r} is not one of {', '.join(FORMATS)}")


def _csv_chunks(records: Iterator[dict[str, Any]]) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=RECORD_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for index, record in enumerate(records, start=1):
        writer.writerow(record | {key: spreadsheet_safe(record[key]) for key in PEOPLE_TEXT})
        if index % 1_000 == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


def _xlsx_chunks(records: Iterator[dict[str, Any]]) -> Iterator[bytes]:
    # Write-only mode streams rows to a temporary file; the file is then sent in pieces.
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("responses")
    sheet.append(list(RECORD_COLUMNS))
    for record in records:
        record |= {key: without_bidi_controls(record[key]) for key in PEOPLE_TEXT}
        sheet.append([_xlsx_cell(sheet, record[column]) for column in RECORD_COLUMNS])
    with tempfile.TemporaryFile() as handle:
        workbook.save(handle)
        handle.seek(0)
        while chunk := handle.read(64 * 1024):
            yield chunk


# What XML 1.0 cannot hold: C0 controls but tab, newline and carriage return, lone surrogates,
# and the noncharacters U+FFFE and U+FFFF. openpyxl refuses the controls (IllegalCharacterError,
# halfway through the stream) but writes the others, into a sheet no spreadsheet can open.
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xlsx_cell(sheet: Any, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    # Text stored before intake dropped such characters still exports: without them.
    value = _NOT_IN_XML.sub("", value)
    # openpyxl stores a string that starts with "=" as a formula unless told it is text.
    if not value.startswith("="):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    return cell


QUARTERLY_COLUMNS = (
    "service_provider",
    "service",
    "service_id",
    "fiscal_year",
    "quarter",
    "channel",
    "transaction_point",
    "service_stage",
    "volume_of_customers",
    "volume_of_customers_provided_survey_opportunity",
    "volume_of_respondents",
    "omb_control_number",
    "federal_register_url",
    "survey_type",
    "survey_title",
    "trust_question_text",
    "reflection_text",
    "q1_text",
    "q1_1",
    "q1_2",
    "q1_3",
    "q1_4",
    "q1_5",
    "q1_thumbs_up",
    "q1_thumbs_down",
    *(f"positive_{driver}" for driver in DRIVERS),
    *(f"negative_{driver}" for driver in DRIVERS),
)


def quarterly_rows(
    db: DbSession,
    services: ServiceRegistry,
    quarter: FiscalQuarter,
    service_ids: Sequence[str] | None,
    volumes: dict[str, dict[str, Volume]] | None = None,
) -> list[dict[str, Any]]:
    """One row per service and channel with OMB's quarterly CX figures, counted in SQL.

    `volumes` maps service id → {"customers": volume, "offered": volume} as staff gave them;
    each figure goes on its channel's row only (`_place_volumes`).
    """
    respondent = ResponseRecord.status.in_(("complete", "partial"))
    counts = [
        func.count().filter(respondent).label("volume_of_respondents"),
        *(_count(ResponseRecord.question_1 == value, f"q1_{value}") for value in range(0, 6)),
        *(
            _count(getattr(ResponseRecord, column) == 1, column)
            for column in QUARTERLY_COLUMNS
            if column.startswith(("positive_", "negative_"))
        ),
    ]
    # A row per flow the responses were given under (a service may change flows mid-quarter):
    # each row has its own flow's title and question. The record's copy of its conversation's
    # flow: the join to conversations more than doubled this query (bench/RESULTS.md).
    groups = (
        ResponseRecord.service_id,
        ResponseRecord.channel,
        ResponseRecord.trust_form,
        _given_flow_id(services, service_ids).label("given_flow_id"),
    )
    query = (
        select(*groups, *counts)
        .where(
            ResponseRecord.fiscal_year == quarter.fiscal_year,
            ResponseRecord.quarter == quarter.quarter,
        )
        .group_by(*groups)
        .order_by(*groups)
    )
    if service_ids is not None:
        query = query.where(ResponseRecord.service_id.in_(service_ids))
    rows = [_quarterly_row(services, quarter, row._mapping) for row in db.execute(query)]
    for service_id, figures in (volumes or {}).items():
        _place_volumes(rows, services, service_id, quarter, figures)
    rows.sort(key=lambda row: (row["service_id"], row["channel"], row["survey_type"]))
    return rows


@dataclass(frozen=True)
class Volume:
    """A volume staff gave for one service, under the name they gave it as (a query parameter
    or a CLI option): one figure for a service with one channel, or a figure per channel."""

    given_as: str
    figures: int | dict[str, int]


_VOLUME_COLUMNS = {
    "customers": "volume_of_customers",
    "offered": "volume_of_customers_provided_survey_opportunity",
}
_FIGURE_DIGITS = 15  # int() refuses 4,300 digits; no service has a quadrillion customers
_EXAMPLE_FIGURES = (1200, 300, 80)


def parse_volume(given_as: str, text: str) -> Volume:
    """`text` as staff typed it: a whole number, or figures per channel such as
    `sms_text_messages:1200,automated_phone:300` (feedbot's sms, voice and webchat work too)."""
    if ":" not in text:
        if not _is_figure(text):
            raise ExportError(f"{given_as} must be a whole number")
        return Volume(given_as, int(text))
    per_channel: dict[str, int] = {}
    for piece in text.split(","):
        name, _, figure = (part.strip() for part in piece.partition(":"))
        if not name or not _is_figure(figure):
            raise ExportError(
                f"{given_as} must be a whole number for each channel, e.g. "
                f"sms_text_messages:1200,automated_phone:300; got {piece.strip()!r}"
            )
        channel = a11_channel(name)
        if channel in per_channel:
            raise ExportError(f"{given_as} gives {channel} twice")
        per_channel[channel] = int(figure)
    return Volume(given_as, per_channel)


def _place_volumes(
    rows: list[dict[str, Any]],
    services: ServiceRegistry,
    service_id: str,
    quarter: FiscalQuarter,
    volumes: dict[str, Volume],
) -> None:
    """Each staff figure on its channel's row of `service_id`; a channel not given stays blank.
    A channel the service is set up for that had no respondents this quarter gets a row of
    its own for the figure (3,000 callers served, none of whom answered, are still reported).

    OMB's collection is per service and channel, so a service-wide figure is refused where the
    service has several channels: copied onto each row, it would be counted once per channel.
    """
    first_of_channel = {
        channel: row
        for (service, channel), row in _first_rows(rows).items()
        if service == service_id
    }
    served = _channels_served(services.get(service_id))
    for kind, volume in volumes.items():
        per_channel = _per_channel(volume, service_id, quarter, list(first_of_channel), served)
        for channel, figure in per_channel.items():
            if channel not in first_of_channel:
                first_of_channel[channel] = _row_without_respondents(
                    services, quarter, service_id, channel
                )
                rows.append(first_of_channel[channel])
            first_of_channel[channel][_VOLUME_COLUMNS[kind]] = figure


def _channels_served(service: Service | None) -> list[str]:
    """The A-11 channels a service is set up for in the services file."""
    if service is None:  # gone from the file: only its rows say what it had
        return []
    set_up = {
        "sms": bool(service.sms_numbers or service.messaging_service_sid),
        "voice": bool(service.voice_numbers),
        "webchat": service.offers_web_chat,
    }
    return sorted(A11_CHANNELS[channel] for channel, on in set_up.items() if on)


def _row_without_respondents(
    services: ServiceRegistry, quarter: FiscalQuarter, service_id: str, channel: str
) -> dict[str, Any]:
    service = services.get(service_id)
    zero = {column: 0 for column in QUARTERLY_COLUMNS if column.startswith(("q1_", "positive_"))}
    zero |= {column: 0 for column in QUARTERLY_COLUMNS if column.startswith("negative_")}
    counts = {
        **zero,
        "q1_0": 0,
        "service_id": service_id,
        "channel": channel,
        "trust_form": service.flow.trust_form if service else "likert",
        "given_flow_id": service.flow.id if service else "",
        "volume_of_respondents": 0,
    }
    return _quarterly_row(services, quarter, counts)


def _per_channel(
    volume: Volume, service_id: str, quarter: FiscalQuarter, channels: list[str], served: list[str]
) -> dict[str, int]:
    if isinstance(volume.figures, int):
        candidates = channels or served
        if not candidates:
            raise ExportError(
                f"{service_id} has no rows in {quarter}: no channel to give {volume.given_as} for"
            )
        if len(candidates) == 1:
            return {candidates[0]: volume.figures}
        example = ",".join(
            f"{channel}:{figure}" for channel, figure in zip(candidates, cycle(_EXAMPLE_FIGURES))
        )
        has = (
            f"has rows for {_listed(candidates)} in {quarter}"
            if channels
            else (f"has no rows in {quarter} and is set up for {_listed(candidates)}")
        )
        raise ExportError(
            f"{service_id} {has}: give {volume.given_as} per channel as the rows' channel column"
            f" names them, e.g. {example}"
        )
    known = sorted(set(channels) | set(served))
    for channel in volume.figures:
        if channel not in known:
            raise ExportError(
                f"{volume.given_as} names {channel}, but {service_id} has no {channel} row in "
                f"{quarter} and is not set up for it in the services file; its channels are "
                f"{_listed(known) if known else 'none'}"
            )
    return volume.figures


def _is_figure(text: str) -> bool:
    # isdigit() admits "²", which int() refuses.
    return 0 < len(text) <= _FIGURE_DIGITS and text.isascii() and text.isdigit()


def _listed(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


# A reflection is written in a text box or pasted from a document: its line breaks (a form
# sends CR LF, Word's paragraphs U+2029) are kept as LF, as a comment's are.
_LINE_BREAKS = re.compile("\r\n|[\r\u2028\u2029]")


def parse_reflection(given_as: str, text: str) -> str:
    """A quarter's reflection as staff typed it (`given_as`: the parameter or CLI option),
    refused where Touchpoints would not take it. Line breaks, tabs and every kind of space
    (the no-break space Word writes in "10 %") are text; another character nobody sees, such
    as a control character, is named with where it is."""
    text = _LINE_BREAKS.sub("\n", text)
    for line_number, line in enumerate(text.split("\n"), start=1):
        for column, char in enumerate(line, start=1):
            if not (char.isprintable() or char == "\t" or unicodedata.category(char) == "Zs"):
                name = unicodedata.name(char, "a control character")
                where = f"line {line_number}, " if "\n" in text else ""
                raise ExportError(
                    f"{given_as} has U+{ord(char):04X} ({name}) at {where}character {column},"
                    " which no one would see: remove it"
                )
    if len(text) > FREE_TEXT_LIMIT:
        raise ExportError(
            f"{given_as} must be at most {FREE_TEXT_LIMIT} characters (Touchpoints' limit), "
            f"not {len(text)}"
        )
    return text


@dataclass(frozen=True)
class QuarterlySubmission:
    """The quarterly submission's rows, and what staff are warned of beside them."""

    rows: list[dict[str, Any]]
    backlog: Backlog  # closed responses not normalized yet, so in no row
    empty: bool  # no stored response at all in the quarter (quarter_without_responses)
    flows_not_loaded: list[tuple[str, int]]


def quarterly_submission(
    db: DbSession,
    registry: ServiceRegistry,
    quarter: FiscalQuarter,
    services: Sequence[str] | None,
    *,
    service: str | None = None,
    volumes: dict[str, dict[str, Volume]] | None = None,
    reflection: tuple[str, str] | None = None,
) -> QuarterlySubmission:
    """OMB's quarterly CX figures of `services` (None: all) as the API, the dashboard and the
    CLI give them: with `service`, the one service asked for (checked), its `volumes` and its
    `reflection` (the text, and the parameter it came as, for a refusal to name); the offered
    volume feedbot's invitations counted where staff gave none."""
    if service:
        check_service(db, registry, service)
    rows = quarterly_rows(db, registry, quarter, services, volumes)
    if service and reflection and reflection[0]:
        place_reflection(rows, service, quarter, *reflection)
    fill_offered_from_invitations(db, registry, quarter, rows)
    return QuarterlySubmission(
        rows,
        not_yet_normalized(db, registry, services),
        quarter_without_responses(db, quarter, services),
        flows_not_loaded(db, registry, quarter, services),
    )


def place_reflection(
    rows: list[dict[str, Any]],
    service_id: str,
    quarter: FiscalQuarter,
    text: str,
    given_as: str,
) -> None:
    """`text` as the reflection of each of `service_id`'s rows: OMB asks it per collection
    (service and channel), and staff write it for the service's quarter."""
    own = [row for row in rows if row["service_id"] == service_id]
    if not own:
        raise ExportError(f"{service_id} has no rows in {quarter} to write {given_as} on")
    for row in own:
        row["reflection_text"] = text


def fill_offered_from_invitations(
    db: DbSession, services: ServiceRegistry, quarter: FiscalQuarter, rows: list[dict[str, Any]]
) -> None:
    """Where staff gave no SMS figure for a service that feedbot invited people for, its
    "offered" volume is feedbot's invitations plus the surveys people began by texting in
    unasked (each was offered the survey, and may be among the respondents), on its first SMS
    row (where a staff figure would be), so the rows add up to it."""
    from feedbot.invitations import offered_counts

    column = _VOLUME_COLUMNS["offered"]
    for (service_id, channel), row in _first_rows(rows).items():
        service = services.get(service_id)
        if channel != "sms_text_messages" or service is None or row[column] != "":
            continue
        invited = offered_counts(db, service.id, quarter, service.timezone)
        if invited:
            row[column] = invited + _texted_in_unasked(db, service.id, quarter)


def _texted_in_unasked(db: DbSession, service_id: str, quarter: FiscalQuarter) -> int:
    """The service's SMS responses of the quarter that no invitation began."""
    return (
        db.scalar(
            select(func.count())
            .select_from(ResponseRecord)
            .where(
                ResponseRecord.service_id == service_id,
                ResponseRecord.channel == A11_CHANNELS["sms"],
                ResponseRecord.fiscal_year == quarter.fiscal_year,
                ResponseRecord.quarter == quarter.quarter,
                ResponseRecord.invitation_id.is_(None),
            )
        )
        or 0
    )


def _first_rows(rows: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    """Each service and channel's first row. A flow changed mid-quarter gives a channel a row
    per flow; a volume goes on the first only, so the rows add up to it."""
    first: dict[tuple[str, str], dict[str, Any]] = {}
    for row in rows:
        first.setdefault((row["service_id"], row["channel"]), row)
    return first


def services_without_details(registry: ServiceRegistry, rows: list[dict[str, Any]]) -> list[str]:
    """The services of quarterly `rows` that are no longer in the services file: their rows
    are counted, but lack what only the file holds (service_provider, omb_control_number,
    survey_title, trust_question_text, q1_text), so a submission made of them is incomplete."""
    return sorted({row["service_id"] for row in rows if registry.get(row["service_id"]) is None})


def without_details_warning(service_ids: list[str]) -> str:
    """What staff are told when `services_without_details` names some."""
    one = len(service_ids) == 1
    return (
        f"{_listed(service_ids)} {'is' if one else 'are'} no longer in the services file, so "
        f"{'its' if one else 'their'} rows have no service_provider, omb_control_number, "
        "survey_title, trust_question_text or q1_text: put "
        f"{'its entry' if one else 'their entries'} back in the services file and export again."
    )


def flows_not_loaded(
    db: DbSession, registry: ServiceRegistry, quarter: FiscalQuarter, services: Sequence[str] | None
) -> list[tuple[str, int]]:
    """The flows, as (id, version), that responses of `quarter` (of `services`, None: all) in
    the services file were given under and that are not loaded as such: gone from the flows
    directory, whose rows have no survey texts, or since edited to another version, whose rows
    have the loaded version's."""
    query = (
        select(ResponseRecord.flow_id, ResponseRecord.flow_version)
        .where(
            ResponseRecord.fiscal_year == quarter.fiscal_year,
            ResponseRecord.quarter == quarter.quarter,
            ResponseRecord.service_id.in_(
                [s for s in registry.services if services is None or s in services]
            ),
        )
        .distinct()
    )
    given = db.execute(query).all()
    return sorted(
        (flow_id, version)
        for flow_id, version in given
        if flow_id is not None  # written before 0010: the current flow's (_given_flow_id)
        and ((flow := registry.flows.get(flow_id)) is None or flow.version != version)
    )


def _given_flow_id(registry: ServiceRegistry, service_ids: Sequence[str] | None) -> Any:
    """The flow a record's response was given under, to group by: the record's own, or, for
    a record a release before migration 0010 wrote without one (during a rolling upgrade, or
    after a rollback), its service's current flow, as that release took it. The current
    flows are bound parameters, so a record with its flow costs the COALESCE alone (looking
    up each record's conversation made the quarterly query 3.5 times slower: 0.45 -> 1.56 s).
    A service gone from the services file has no current flow: its records keep NULL."""
    current = {
        service_id: service.flow.id
        for service_id, service in registry.services.items()
        if service_ids is None or service_id in service_ids
    }
    if not current:
        return ResponseRecord.flow_id
    return func.coalesce(ResponseRecord.flow_id, case(current, value=ResponseRecord.service_id))


def flows_not_loaded_warnings(
    registry: ServiceRegistry, quarter: FiscalQuarter, flows: list[tuple[str, int]]
) -> list[str]:
    """What staff are told of each flow `flows_not_loaded` names."""
    warnings = []
    for flow_id, version in flows:
        loaded = registry.flows.get(flow_id)
        given = f"responses of {quarter} were given under"
        if loaded is None:
            warnings.append(
                f"{given} flow {flow_id}, which is no longer in the flows directory: its rows"
                " have no survey_title, trust_question_text or q1_text; put its file back and"
                " export again."
            )
        else:
            warnings.append(
                f"{given} version {version} of flow {flow_id}, which is now version"
                f" {loaded.version}: its rows have version {loaded.version}'s survey_title,"
                f" trust_question_text and q1_text; check that they are what version {version}"
                " asked."
            )
    return warnings


# What staff typed into quarterly rows, as spreadsheets must show it (see PEOPLE_TEXT): a
# reflection that starts "-5 % on the phone line" would run as a formula.
STAFF_TEXT = ("service_stage", "reflection_text")


def quarterly_csv(rows: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=QUARTERLY_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(row | {key: spreadsheet_safe(row[key]) for key in STAFF_TEXT} for row in rows)
    return buffer.getvalue()


def _count(condition: Any, label: str) -> Any:
    return func.sum(case((condition, 1), else_=0)).label(label)


def _quarterly_row(
    services: ServiceRegistry,
    quarter: FiscalQuarter,
    counts: Any,
) -> dict[str, Any]:
    service = services.get(counts["service_id"])
    # The flow the responses were given under (_given_flow_id), if it is still loaded; a
    # service's current flow would give another survey's title and question
    # (`flows_not_loaded` says so).
    flow = services.flows.get(counts["given_flow_id"]) if service else None
    asked = replace(service, flow=flow) if service and flow else None
    thumbs = counts["trust_form"] == "thumbs"
    row: dict[str, Any] = {
        "service_provider": service.agency if service else "",
        "service": service.name if service else counts["service_id"],
        "service_id": counts["service_id"],
        "fiscal_year": quarter.fiscal_year,
        "quarter": quarter.quarter,
        "channel": counts["channel"],
        "transaction_point": "post_interaction",
        "service_stage": (service.service_stage or "") if service else "",
        "volume_of_customers": "",
        "volume_of_customers_provided_survey_opportunity": "",
        "volume_of_respondents": counts["volume_of_respondents"],
        "omb_control_number": service.omb_control_number if service else "",
        "federal_register_url": (service.federal_register_url or "") if service else "",
        "survey_type": "thumbs_up_down" if thumbs else "likert_scale",
        "survey_title": asked.flow.title if asked else "",
        "trust_question_text": asked.trust_statement if asked else "",
        "reflection_text": "",
    }
    row["q1_text"] = row["trust_question_text"]
    for value in range(1, 6):
        row[f"q1_{value}"] = "" if thumbs else int(counts[f"q1_{value}"] or 0)
    row["q1_thumbs_up"] = int(counts["q1_1"] or 0) if thumbs else ""
    row["q1_thumbs_down"] = int(counts["q1_0"] or 0) if thumbs else ""
    for column in QUARTERLY_COLUMNS:
        if column.startswith(("positive_", "negative_")):
            row[column] = int(counts[column] or 0)
    return row


def _midnight(day: date, next_day: bool = False) -> datetime:
    """Dates in filters are UTC calendar days; `to` includes its whole day."""
    return datetime.combine(day, time(), UTC) + (timedelta(days=1) if next_day else timedelta())
