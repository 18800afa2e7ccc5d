"""Services: who runs a survey, on which numbers, in which languages, with which flow."""

from __future__ import annotations

import difflib
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import jsonschema
import yaml

from feedbot.engine import Context
from feedbot.flows import (
    ENDLESS_ALIAS,
    Flow,
    FlowError,
    UniqueKeyLoader,
    load_flows,
    read_text,
    yaml_refusal,
)
from feedbot.scrub import is_everyday_word

SCHEMA_PATH = Path(__file__).resolve().parent / "schemas" / "services.schema.json"
# Invitation rules a service may leave out (feedbot/invitations.py applies them).
DEFAULT_QUIET_HOURS = ("08:00", "21:00")
# A post-transaction survey is about a transaction the person still remembers: an invitation
# not sent this long after its time (a long outage, a backlog behind the rate limit) expires.
DEFAULT_EXPIRE_AFTER_HOURS = 72
# A staff name to scrub: "Karen", "Mike Jones", "María de la Cruz"; long enough not to be an
# initial, short enough to be one person's name.
SCRUB_NAME_LENGTH = (2, 60)
SCRUB_NAME_MAX_WORDS = 5


class ServiceError(FlowError):
    """The services file is broken; the message names the file, the place and the problem."""


@dataclass(frozen=True)
class Service:
    id: str
    agency: str
    name: str
    omb_control_number: str
    omb_expiration: date
    languages: tuple[str, ...]
    flow: Flow
    sms_numbers: tuple[str, ...] = ()
    voice_numbers: tuple[str, ...] = ()
    timezone: str = "America/New_York"
    webchat_origins: tuple[str, ...] = ()
    accent_color: str | None = None
    messaging_service_sid: str | None = None
    from_number: str | None = None
    invitations: dict[str, Any] = field(default_factory=dict)
    # The agency's and the service's names as the public reads them in another language:
    # {"es": {"agency": "…", "name": "…"}}. `agency` and `name` stay what staff and exports use.
    translations: dict[str, dict[str, str]] = field(default_factory=dict)
    # Staff names scrubbed from this service's free text wherever they appear. Personal data
    # themselves: never in a repr, a log line or an error message.
    scrub_names: tuple[str, ...] = field(default=(), repr=False)
    # Collection details of the quarterly A-11 submission that only the agency knows.
    federal_register_url: str | None = None
    service_stage: str | None = None

    @property
    def default_language(self) -> str:
        return self.languages[0]

    @property
    def offers_web_chat(self) -> bool:
        """Whether the public may take this service's survey by web chat (the widget, the page
        at /chat/<id>, the chat API): only where the agency lists pages for it, never on an
        SMS or voice service's id alone."""
        return bool(self.webchat_origins)

    @property
    def trust_statement(self) -> str:
        """The flow's trust question (A-11's question_1) in English with its placeholders
        filled ("This interaction increased my trust in U.S. Passport Office."), as staff read
        it on the dashboard and OMB in the quarterly submission."""
        return self.flow.trust_question.text.format_map(self.context.placeholders("en"))

    def agency_in(self, language: str) -> str:
        return self.context.names_in(language)[0]

    def name_in(self, language: str) -> str:
        return self.context.names_in(language)[1]

    @property
    def context(self) -> Context:
        return Context(
            agency=self.agency,
            service=self.name,
            omb_control_number=self.omb_control_number,
            omb_expiration=self.omb_expiration,
            languages=self.languages,
            translations=self.translations,
        )


@dataclass(frozen=True)
class ServiceRegistry:
    """All services, looked up by id or by the number a webhook was sent to."""

    services: dict[str, Service]
    flows: dict[str, Flow]

    def get(self, service_id: str) -> Service | None:
        return self.services.get(service_id)

    def by_sms_number(self, number: str) -> Service | None:
        return self._by_number("sms_numbers", number)

    def by_voice_number(self, number: str) -> Service | None:
        return self._by_number("voice_numbers", number)

    def _by_number(self, attribute: str, number: str) -> Service | None:
        for service in self.services.values():
            if number in getattr(service, attribute):
                return service
        return None


def load_services(
    path: Path | str,
    flows_dir: Path | str | None = None,
    idle_expiry: timedelta | None = None,
) -> ServiceRegistry:
    """Read and validate the services file and every flow it may name; with `idle_expiry`
    (FEEDBOT_IDLE_EXPIRY_HOURS), also refuse a reminder that would come after surveys close.
    An expired OMB control number is logged, not refused: its renewal may be pending."""
    path = Path(path)
    flows = load_flows(flows_dir or path.parent, services_file=path)
    source = _read(path)
    errors = list(_VALIDATOR.iter_errors(source.document))
    if errors:
        raise _schema_error(source, jsonschema.exceptions.best_match(errors))
    services: dict[str, Service] = {}
    for index, spec in enumerate(source.document["services"]):
        service = _build_service(source, index, spec, flows)
        if idle_expiry is not None:
            _check_reminder_before_expiry(source, index, service, idle_expiry)
        if service.id in services:
            first = list(services).index(service.id)
            raise source.error(
                ("services", index, "id"),
                f"{service.id!r} is already the id of the {_ordinal(first + 1)} service",
            )
        services[service.id] = service
    _check_numbers_unique(source)
    return ServiceRegistry(services=services, flows=flows)


def expired_omb_approvals(services: Iterable[Service]) -> list[str]:
    """What to do about each service whose OMB control number expired before today (the
    service's own date): the survey shows the expiration date, and the Paperwork Reduction Act
    asks for a current one."""
    return [
        f"service {service.id!r}: its OMB control number {service.omb_control_number} expired"
        f" on {service.omb_expiration.isoformat()}, which the survey shows: once OMB renews it,"
        " update omb_expiration"
        for service in services
        if datetime.now(ZoneInfo(service.timezone)).date() > service.omb_expiration
    ]


_SCHEMA = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
_VALIDATOR = jsonschema.Draft202012Validator(
    _SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
)
_SCRUB_NAMES_MAX_ITEMS = _SCHEMA["$defs"]["service"]["properties"]["scrub_names"]["maxItems"]
_SERVICE_ID = re.compile(_SCHEMA["$defs"]["service"]["properties"]["id"]["pattern"])


class _DatesAsWritten(UniqueKeyLoader):
    """PyYAML's safe loader (finding keys written twice), leaving dates as the text written so
    that the schema judges them as it judges every setting, by its "date" format ("must be a
    date that exists")."""


_DatesAsWritten.add_constructor("tag:yaml.org,2002:timestamp", yaml.SafeLoader.construct_scalar)


def _read(path: Path) -> _ServicesFile:
    text = read_text(path, ServiceError)
    try:
        loader = _DatesAsWritten(text)
        try:
            root = loader.get_single_node()
            document = None if root is None else loader.construct_document(root)
        finally:
            loader.dispose()
    except yaml.YAMLError as error:
        raise yaml_refusal(path, error, ServiceError) from error
    try:
        data = json.loads(json.dumps(document, default=str))
    except ValueError as error:  # json's "Circular reference detected"
        raise ServiceError(path, "", ENDLESS_ALIAS) from error
    source = _ServicesFile(path, data, root)
    if (duplicate := loader.duplicate_key) is not None:
        raise source.error(duplicate.parts, duplicate.problem, line=duplicate.line)
    return source


@dataclass(frozen=True)
class _ServicesFile:
    """The services file as read: its data, and its YAML nodes, which know each value's line."""

    path: Path
    document: Any
    root: yaml.Node | None

    def error(
        self,
        parts: Sequence[str | int],
        problem: str,
        line_of: Sequence[str | int] = (),
        *,
        line: int | None = None,
    ) -> ServiceError:
        """The error at `parts` (("services", 2, "sms_numbers", 0)) named as a person reads
        the file: the line (`line`, else that of `line_of`, if given), the service by its id (by
        its position when it has no valid id), the setting, and a list's items counted from 1."""
        line = line or self._line(line_of or parts)
        words = [] if line is None else [f"line {line}"]
        if len(parts) >= 2 and parts[0] == "services" and isinstance(parts[1], int):
            words.append(self._service(parts[1]))
            parts = parts[2:]
        setting = "".join(
            f" item {part + 1}" if isinstance(part, int) else f".{part}" for part in parts
        ).lstrip(".")
        return ServiceError(self.path, ", ".join([*words, setting] if setting else words), problem)

    def _service(self, index: int) -> str:
        spec = self.document["services"][index]
        service_id = spec.get("id") if isinstance(spec, dict) else None
        if isinstance(service_id, str) and _SERVICE_ID.fullmatch(service_id):
            return f"service {service_id!r}"
        return f"the {_ordinal(index + 1)} service"

    def _line(self, parts: Sequence[str | int]) -> int | None:
        node = self.root
        if node is None:
            return None
        for part in parts:
            if isinstance(node, yaml.MappingNode):
                child = next((value for key, value in node.value if key.value == part), None)
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
                child = node.value[part] if part < len(node.value) else None
            else:
                child = None
            if child is None:
                break
            node = child
        return node.start_mark.line + 1


def _ordinal(number: int) -> str:
    if 10 <= number % 100 <= 20:
        return f"{number}th"
    return f"{number}{({1: 'st', 2: 'nd', 3: 'rd'}).get(number % 10, 'th')}"


def _schema_error(source: _ServicesFile, error: jsonschema.ValidationError) -> ServiceError:
    parts = tuple(error.absolute_path)
    line_of = parts
    if error.validator == "additionalProperties" and error.validator_value is False:
        line_of = (*parts, _unexpected(error)[0])
    return source.error(parts, _schema_problem(source.document, error), line_of)


def _schema_problem(document: Any, error: jsonschema.ValidationError) -> str:
    # jsonschema's messages quote the value they judge: never a staff name.
    if "scrub_names" in error.absolute_path:
        return (
            f"must be a list of at most {_SCRUB_NAMES_MAX_ITEMS} names, each a string"
            " (names are never quoted in messages)"
        )
    if any(name in error.message for name in _strings_under_scrub_names(document)):
        return (
            f"fails the schema's {error.validator!r} check (the message is withheld: it would"
            " quote scrub_names)"
        )
    return _plain_problem(error)


def _plain_problem(error: jsonschema.ValidationError) -> str:
    """The schema's refusal in words, with the field's own description (the schema's) where
    the value is of the wrong form: a regular expression helps no one fix a phone number."""
    value, rule = error.instance, error.validator_value
    described = error.schema.get("description") if isinstance(error.schema, dict) else None
    if described and error.validator in {"pattern", "format", "type"}:
        return f"{_shown(value)} must be {described}{_note(error.absolute_path, value)}"
    if error.validator == "type" and value is None and not error.absolute_path:
        return "is empty: list the services under `services:`, as flows/services.yaml does"
    if error.validator == "type":
        return f"{_shown(value)} must be {_KINDS.get(rule, rule)}"
    if error.validator == "required":
        missing = [name for name in rule if name not in value]
        return f"{' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} missing"
    if error.validator == "additionalProperties" and rule is False:
        known = list(error.schema.get("properties", {}))
        return "; ".join(_unknown_setting(name, known) for name in _unexpected(error))
    if error.validator == "enum":
        return f"{_shown(value)} must be one of: {', '.join(str(item) for item in rule)}"
    if error.validator == "uniqueItems":
        repeated = next(item for index, item in enumerate(value) if item in value[:index])
        return f"lists {_shown(repeated)} more than once"
    if error.validator in {"minItems", "minLength", "minProperties"} and rule == 1:
        return "must not be empty"
    return error.message


# What a value of each JSON type is, as the YAML is written.
_KINDS = {
    "array": "a list, in brackets [a, b] or one '- item' per line",
    "object": "settings, one 'name: value' per line",
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
}


def _shown(value: Any) -> str:
    return "an empty value" if value is None else repr(value)


def _unexpected(error: jsonschema.ValidationError) -> list[str]:
    known = error.schema.get("properties", {})
    return [name for name in error.instance if name not in known]


def _unknown_setting(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1)
    return f"{name!r} is not a setting" + (f" (did you mean {close[0]!r}?)" if close else "")


def _note(path: Iterable[str | int], value: Any) -> str:
    """What is wrong with a value of a described field, when more can be said."""
    field = next((part for part in reversed(list(path)) if isinstance(part, str)), "")
    note = _NOTES.get(field, lambda _: None)(value)
    return f" ({note})" if note else ""


def _phone_note(value: Any) -> str | None:
    if isinstance(value, int):
        return "without quotes YAML reads it as a number, and drops a + before it"
    return None


def _dash_note(value: Any) -> str | None:
    dash = next((char for char in str(value) if char != "-" and _is_dash(char)), None)
    if dash is None:
        return None
    name = unicodedata.name(dash, "dash").lower()
    article = "an" if name[0] in "aeiou" else "a"
    return f"it has {article} {name}, {dash}, as word processors write it: type a plain hyphen"


def _is_dash(char: str) -> bool:
    return unicodedata.category(char) == "Pd" or char == "\N{MINUS SIGN}"


def _sid_note(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    if value != value.strip():
        return "it has spaces around it"
    if not value.startswith("MG"):
        return f"it starts with {value[:2]!r}, not MG"
    if len(value) != 34:
        return f"it has {len(value) - 2} characters after MG, not 32"
    return None


def _origin_note(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    _, scheme_ends, rest = value.partition("://")
    if not scheme_ends:
        return "it has no http:// or https:// before the host"
    if rest.endswith("/") and "/" not in rest[:-1]:
        return "remove the slash at its end"
    if "/" in rest:
        return "it has a path: give only the scheme and the host"
    return None


def _https_note(value: Any) -> str | None:
    if isinstance(value, str) and value.lower().startswith("http://"):
        return "it starts with http://: the Federal Register is served over https://"
    return None


def _clock_note(value: Any) -> str | None:
    if isinstance(value, int):
        return f"without quotes YAML reads {value // 60:02d}:{value % 60:02d} as the number {value}"
    return None


_NOTES: dict[str, Callable[[Any], str | None]] = {
    "sms_numbers": _phone_note,
    "voice_numbers": _phone_note,
    "from_number": _phone_note,
    "omb_control_number": _dash_note,
    "messaging_service_sid": _sid_note,
    "webchat_origins": _origin_note,
    "federal_register_url": _https_note,
    "quiet_hours": _clock_note,
}


def _strings_under_scrub_names(node: Any, inside: bool = False) -> list[str]:
    if isinstance(node, dict):
        return [
            text
            for key, value in node.items()
            for text in _strings_under_scrub_names(value, inside or key == "scrub_names")
        ]
    if isinstance(node, list):
        return [text for item in node for text in _strings_under_scrub_names(item, inside)]
    return [node] if inside and isinstance(node, str) and node else []


def _build_service(
    source: _ServicesFile, index: int, spec: dict[str, Any], flows: dict[str, Flow]
) -> Service:
    if spec["flow"] not in flows:
        known = ", ".join(sorted(flows)) or "none"
        raise source.error(
            ("services", index, "flow"), f"no flow {spec['flow']!r} (known: {known})"
        )
    _check_accent_contrast(source, index, spec.get("accent_color"))
    _check_scrub_names(source, index, spec.get("scrub_names", []))
    _check_quiet_hours(source, index, spec.get("invitations", {}).get("quiet_hours"))
    _check_expiry_outlasts_quiet_hours(source, index, spec.get("invitations", {}))
    _check_translations_offered(source, index, spec)
    _check_timezone(source, index, spec)
    _check_invitation_sender(source, index, spec)
    _check_replies_reach_the_service(source, index, spec)
    _check_a_channel(source, index, spec)
    return Service(
        id=spec["id"],
        agency=spec["agency"],
        name=spec["name"],
        omb_control_number=spec["omb_control_number"],
        omb_expiration=date.fromisoformat(spec["omb_expiration"]),
        languages=tuple(spec["languages"]),
        flow=flows[spec["flow"]],
        sms_numbers=tuple(spec.get("sms_numbers", ())),
        voice_numbers=tuple(spec.get("voice_numbers", ())),
        timezone=spec.get("timezone", "America/New_York"),
        webchat_origins=tuple(spec.get("webchat_origins", ())),
        accent_color=spec.get("accent_color"),
        messaging_service_sid=spec.get("messaging_service_sid"),
        from_number=spec.get("from_number"),
        invitations=dict(spec.get("invitations", {})),
        translations={code: dict(names) for code, names in spec.get("translations", {}).items()},
        scrub_names=tuple(spec.get("scrub_names", ())),
        federal_register_url=spec.get("federal_register_url"),
        service_stage=spec.get("service_stage"),
    )


def _check_timezone(source: _ServicesFile, index: int, spec: dict[str, Any]) -> None:
    # Every record's fiscal quarter and every invitation's quiet hours are read in this zone:
    # one the host's time zone database lacks would fail each of them later, not once here.
    name = spec.get("timezone")
    if name is None:
        return
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a directory, such as "America"
        raise source.error(
            ("services", index, "timezone"),
            f"no time zone {name!r} in the time zone database: give an"
            " IANA name such as America/New_York, America/Chicago or Pacific/Honolulu",
        ) from None


def _check_invitation_sender(source: _ServicesFile, index: int, spec: dict[str, Any]) -> None:
    # A person answers an invitation by replying to the number it came from: a number that is
    # not one of the service's sms_numbers reaches no service, and every answer is lost.
    sender = spec.get("from_number")
    if sender is None:
        return
    if spec.get("messaging_service_sid") is not None:
        raise source.error(
            ("services", index, "from_number"),
            "give messaging_service_sid or from_number, not both (invitations go out through"
            " the Messaging Service, from one of its numbers, or from from_number)",
        )
    if sender not in spec.get("sms_numbers", ()):
        raise source.error(
            ("services", index, "from_number"),
            f"{sender} is not one of the service's sms_numbers, so replies to"
            " invitations sent from it would reach no service: add it to sms_numbers, or send"
            " from one of them",
        )


def _check_replies_reach_the_service(
    source: _ServicesFile, index: int, spec: dict[str, Any]
) -> None:
    # Invitations with no number of the service's own to send from go out through the
    # Messaging Service from numbers no service answers on, or not at all.
    if spec.get("sms_numbers"):
        return
    if spec.get("messaging_service_sid") is not None:
        raise source.error(
            ("services", index, "messaging_service_sid"),
            "the service lists no sms_numbers, so replies to invitations sent through its"
            " Messaging Service would reach no service: add the Messaging Service's numbers to"
            " sms_numbers",
        )
    if "invitations" in spec:
        raise source.error(
            ("services", index, "invitations"),
            "the service lists no sms_numbers to send invitations from and receive the replies"
            " on: add its SMS numbers, or remove invitations",
        )


# A service is on SMS, voice and web chat by these settings, one each.
_CHANNEL_SETTINGS = ("sms_numbers", "voice_numbers", "webchat_origins")


def _check_a_channel(source: _ServicesFile, index: int, spec: dict[str, Any]) -> None:
    # A service no one can reach collects nothing: its numbers or origins were left out.
    if not any(spec.get(setting) for setting in _CHANNEL_SETTINGS):
        raise source.error(
            ("services", index),
            "the service has no channel: give it sms_numbers, voice_numbers or webchat_origins"
            " (web chat is offered only to a service that lists the origins of its pages)",
        )


def _check_translations_offered(source: _ServicesFile, index: int, spec: dict[str, Any]) -> None:
    # A translation into a language the service does not offer would never be read: most
    # likely a typo for one it does, or a language left out of `languages`.
    for code in spec.get("translations", {}):
        if code not in spec["languages"]:
            offered = ", ".join(spec["languages"])
            raise source.error(
                ("services", index, "translations", code),
                f"the service does not offer {code!r} (its languages: {offered})",
            )


def _check_scrub_names(source: _ServicesFile, index: int, names: list[str]) -> None:
    # Each problem is named by its place in the list, never by the name itself.
    low, high = SCRUB_NAME_LENGTH
    for position, name in enumerate(names):
        if name != name.strip():
            problem = "has spaces before or after it"
        elif not low <= len(name) <= high:
            problem = f"must be {low} to {high} characters long"
        elif not any(char.isalpha() for char in name):
            problem = "has no letters"
        elif any(unicodedata.category(char) in {"Cc", "Zl", "Zp"} for char in name):
            problem = "has a line break or another control character"
        elif len(name.split()) > SCRUB_NAME_MAX_WORDS:
            problem = f"has more than {SCRUB_NAME_MAX_WORDS} words: give one person's name"
        elif is_everyday_word(name):
            problem = (
                "is one word that is also an everyday word or says what a person is (such as"
                " 'will', 'le' or 'young'), which would be scrubbed wherever it is written: give"
                " the person's full name"
            )
        else:
            continue
        raise source.error(
            ("services", index, "scrub_names", position),
            f"this name {problem} (names are never quoted in messages)",
        )


def _check_quiet_hours(source: _ServicesFile, index: int, window: list[str] | None) -> None:
    # The pair is when texts may go out; written the other way round (the hours to keep
    # quiet) it would hold every invitation back for ever.
    if window is None:
        return
    start, end = (time.fromisoformat(text) for text in window)
    if start >= end:
        raise source.error(
            ("services", index, "invitations", "quiet_hours"),
            f"{window[0]} to {window[1]} must end after it starts: quiet_hours is the window"
            " invitations may be sent in, within one day"
            ' (["08:00", "21:00"] sends from 8 am to 9 pm local time)',
        )


def _check_expiry_outlasts_quiet_hours(
    source: _ServicesFile, index: int, rules: dict[str, Any]
) -> None:
    # An invitation asked for as the window closes waits the whole quiet night; expiring
    # sooner, it would never be sent.
    start, end = (time.fromisoformat(t) for t in rules.get("quiet_hours", DEFAULT_QUIET_HOURS))
    # The night the clocks go back is an hour longer than the clock says.
    quiet = 24 - (end.hour + end.minute / 60 - start.hour - start.minute / 60) + 1
    hours = rules.get("expire_after_hours", DEFAULT_EXPIRE_AFTER_HOURS)
    if hours <= quiet:
        raise source.error(
            ("services", index, "invitations", "expire_after_hours"),
            f"invitations expiring after {hours:g} hours would never be sent when asked for"
            f" as quiet hours begin (up to {quiet:g} quiet hours, the night clocks go back):"
            f" give it more than {quiet:g}",
        )


def _check_reminder_before_expiry(
    source: _ServicesFile, index: int, service: Service, idle_expiry: timedelta
) -> None:
    hours = service.invitations.get("reminder_after_hours")
    expiry_hours = idle_expiry.total_seconds() / 3600
    if hours is not None and hours >= expiry_hours:
        # The survey closes as the reminder arrives: the answer to it would be refused.
        raise source.error(
            ("services", index, "invitations", "reminder_after_hours"),
            f"a reminder after {hours:g} hours comes when the survey has already closed"
            f" (FEEDBOT_IDLE_EXPIRY_HOURS is {expiry_hours:g}): remind sooner, or raise"
            " FEEDBOT_IDLE_EXPIRY_HOURS",
        )


# The widget writes white text on the accent colour; WCAG 2.1 AA asks 4.5:1 for normal text.
MIN_CONTRAST_WITH_WHITE = 4.5


def _check_accent_contrast(source: _ServicesFile, index: int, color: str | None) -> None:
    if color is None:
        return
    ratio = contrast_with_white(color)
    if ratio < MIN_CONTRAST_WITH_WHITE:
        raise source.error(
            ("services", index, "accent_color"),
            f"{color} behind white text has contrast {ratio:.1f}:1; WCAG AA needs"
            f" {MIN_CONTRAST_WITH_WHITE}:1 (pick a darker colour)",
        )


def contrast_with_white(color: str) -> float:
    """WCAG 2.1 contrast ratio of white against `color` ("#rrggbb")."""
    channels = [int(color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return 1.05 / (luminance + 0.05)


def _check_numbers_unique(source: _ServicesFile) -> None:
    # A webhook finds its service by the number it was sent to: one number, one service.
    for attribute in ("sms_numbers", "voice_numbers"):
        owners: dict[str, str] = {}
        for index, spec in enumerate(source.document["services"]):
            for position, number in enumerate(spec.get(attribute, ())):
                owner = owners.setdefault(number, spec["id"])
                if owner == spec["id"] and spec[attribute].index(number) == position:
                    continue
                raise source.error(
                    ("services", index, attribute, position),
                    f"{number} is listed twice"
                    if owner == spec["id"]
                    else f"{number} already belongs to service {owner!r}",
                )
