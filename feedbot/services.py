"""Services: who runs a survey, on which numbers, in which languages, with which flow."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from feedbot.engine import Context
from feedbot.flows import Flow, FlowError, load_flows

SCHEMA_PATH = Path(__file__).resolve().parent / "schemas" / "services.schema.json"
# Invitation rules a service may leave out (feedbot/invitations.py applies them).
DEFAULT_QUIET_HOURS = ("08:00", "21:00")
# A post-transaction survey is about a transaction the person still remembers: an invitation
# not sent this long after its time (a long outage, a backlog behind the rate limit) expires.
DEFAULT_EXPIRE_AFTER_HOURS = 72


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

    @property
    def default_language(self) -> str:
        return self.languages[0]

    @property
    def context(self) -> Context:
        return Context(
            agency=self.agency,
            service=self.name,
            omb_control_number=self.omb_control_number,
            omb_expiration=self.omb_expiration,
            languages=self.languages,
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
    (FEEDBOT_IDLE_EXPIRY_HOURS), also refuse a reminder that would come after surveys close."""
    path = Path(path)
    flows = load_flows(flows_dir or path.parent)
    document = _read(path)
    errors = list(_VALIDATOR.iter_errors(document))
    if errors:
        error = jsonschema.exceptions.best_match(errors)
        place = ".".join(str(part) for part in error.absolute_path) or "top level"
        raise ServiceError(path, place, error.message)
    services: dict[str, Service] = {}
    for index, spec in enumerate(document["services"]):
        service = _build_service(path, index, spec, flows)
        if idle_expiry is not None:
            _check_reminder_before_expiry(path, index, service, idle_expiry)
        if service.id in services:
            raise ServiceError(path, f"services.{index}.id", f"{service.id!r} is used twice")
        services[service.id] = service
    _check_numbers_unique(path, services)
    return ServiceRegistry(services=services, flows=flows)


_VALIDATOR = jsonschema.Draft202012Validator(
    json.loads(SCHEMA_PATH.read_text(encoding="utf-8")),
    format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
)


def _read(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as handle:
            # Dates stay strings here so the JSON Schema "date" format can check them.
            return json.loads(json.dumps(yaml.safe_load(handle), default=str))
    except OSError as error:
        raise ServiceError(path, "", f"cannot be read ({error.strerror})") from error
    except yaml.YAMLError as error:
        raise ServiceError(path, "", f"is not valid YAML ({error})") from error


def _build_service(path: Path, index: int, spec: dict[str, Any], flows: dict[str, Flow]) -> Service:
    if spec["flow"] not in flows:
        known = ", ".join(sorted(flows)) or "none"
        raise ServiceError(
            path, f"services.{index}.flow", f"no flow {spec['flow']!r} (known: {known})"
        )
    _check_accent_contrast(path, index, spec.get("accent_color"))
    _check_quiet_hours(path, index, spec.get("invitations", {}).get("quiet_hours"))
    _check_expiry_outlasts_quiet_hours(path, index, spec.get("invitations", {}))
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
    )


def _check_quiet_hours(path: Path, index: int, window: list[str] | None) -> None:
    # The pair is when texts may go out; written the other way round (the hours to keep
    # quiet) it would hold every invitation back for ever.
    if window is None:
        return
    start, end = (time.fromisoformat(text) for text in window)
    if start >= end:
        raise ServiceError(
            path,
            f"services.{index}.invitations.quiet_hours",
            f"{window[0]} to {window[1]} must end after it starts: quiet_hours is the window"
            " invitations may be sent in, within one day"
            ' (["08:00", "21:00"] sends from 8 am to 9 pm local time)',
        )


def _check_expiry_outlasts_quiet_hours(path: Path, index: int, rules: dict[str, Any]) -> None:
    # An invitation asked for as the window closes waits the whole quiet night; expiring
    # sooner, it would never be sent.
    start, end = (time.fromisoformat(t) for t in rules.get("quiet_hours", DEFAULT_QUIET_HOURS))
    # The night the clocks go back is an hour longer than the clock says.
    quiet = 24 - (end.hour + end.minute / 60 - start.hour - start.minute / 60) + 1
    hours = rules.get("expire_after_hours", DEFAULT_EXPIRE_AFTER_HOURS)
    if hours <= quiet:
        raise ServiceError(
            path,
            f"services.{index}.invitations.expire_after_hours",
            f"invitations expiring after {hours:g} hours would never be sent when asked for"
            f" as quiet hours begin (up to {quiet:g} quiet hours, the night clocks go back):"
            f" give it more than {quiet:g}",
        )


def _check_reminder_before_expiry(
    path: Path, index: int, service: Service, idle_expiry: timedelta
) -> None:
    hours = service.invitations.get("reminder_after_hours")
    expiry_hours = idle_expiry.total_seconds() / 3600
    if hours is not None and hours >= expiry_hours:
        # The survey closes as the reminder arrives: the answer to it would be refused.
        raise ServiceError(
            path,
            f"services.{index}.invitations.reminder_after_hours",
            f"a reminder after {hours:g} hours comes when the survey has already closed"
            f" (FEEDBOT_IDLE_EXPIRY_HOURS is {expiry_hours:g}): remind sooner, or raise"
            " FEEDBOT_IDLE_EXPIRY_HOURS",
        )


# The widget writes white text on the accent colour; WCAG 2.1 AA asks 4.5:1 for normal text.
MIN_CONTRAST_WITH_WHITE = 4.5


def _check_accent_contrast(path: Path, index: int, color: str | None) -> None:
    if color is None:
        return
    ratio = contrast_with_white(color)
    if ratio < MIN_CONTRAST_WITH_WHITE:
        raise ServiceError(
            path,
            f"services.{index}.accent_color",
            f"{color} behind white text has contrast {ratio:.1f}:1; WCAG AA needs"
            f" {MIN_CONTRAST_WITH_WHITE}:1 (pick a darker colour)",
        )


def contrast_with_white(color: str) -> float:
    """WCAG 2.1 contrast ratio of white against `color` ("#rrggbb")."""
    channels = [int(color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return 1.05 / (luminance + 0.05)


def _check_numbers_unique(path: Path, services: dict[str, Service]) -> None:
    for attribute in ("sms_numbers", "voice_numbers"):
        owners: dict[str, str] = {}
        for service in services.values():
            for number in getattr(service, attribute):
                if number in owners:
                    raise ServiceError(
                        path,
                        f"{service.id}.{attribute}",
                        f"{number} already belongs to service {owners[number]!r}",
                    )
                owners[number] = service.id
