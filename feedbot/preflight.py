"""`feedbot check-config`: what a web or worker process would refuse at start-up, checked
before it starts. Run it before a deploy or a reload: gunicorn's HUP with a services file a
new worker cannot load stops gunicorn altogether.

Nothing is written anywhere, and nothing secret is printed: only the errors start-up itself
would print, which never quote a secret or a URL's password.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import Connection
from sqlalchemy.exc import SQLAlchemyError

from feedbot.config import TWILIO_API, ConfigError, Settings, load_settings
from feedbot.db import Database, missing_schema, sqlite_file, waits_limited
from feedbot.errors import failure_reason
from feedbot.flows import FlowError
from feedbot.identity import SecretKeyChanged, check_earlier_hashes, verify_secret_key
from feedbot.migrations import UPGRADE_HINT, schema_state
from feedbot.services import (
    ServiceRegistry,
    expired_omb_approvals,
    load_services,
)
from feedbot.translations import untranslated_flow_text


@dataclass(frozen=True)
class Finding:
    subject: str  # settings, services, gunicorn, database, redis
    ok: bool
    detail: str
    # Nothing would stop a process, but the detail asks someone to make sure of something.
    warning: bool = False

    @property
    def status(self) -> str:
        """The word check-config prints for it: ok, WARNING or PROBLEM."""
        return "PROBLEM" if not self.ok else "WARNING" if self.warning else "ok"


def check_config(offline: bool = False) -> list[Finding]:
    """The environment's settings, then the services and flow files and gunicorn's variables,
    then (unless `offline`) the database and Redis, as the processes would find them. Stops
    after the settings if they cannot be read: everything else depends on them."""
    try:
        settings = load_settings()
    except ConfigError as error:
        return [Finding("settings", False, f"{type(error).__name__}: {error}")]
    services, registry = _services(settings)
    findings = [_settings(settings, registry), services, _web_server(os.environ)]
    if not offline:
        findings += [_database(settings), _redis(settings)]
    return findings


def _settings(settings: Settings, registry: ServiceRegistry | None) -> Finding:
    """Settings start-up accepts; in production, a WARNING for what is likely a mistake there."""
    detail = f"FEEDBOT_ENV is {settings.env}"
    warnings = _production_warnings(settings, registry) if settings.production else []
    if warnings:
        return Finding("settings", True, "; ".join([detail, *warnings]), warning=True)
    return Finding("settings", True, detail)


def _production_warnings(settings: Settings, registry: ServiceRegistry | None) -> list[str]:
    warnings = []
    base = settings.twilio_api_base
    if base is not None and base.rstrip("/") != TWILIO_API:
        # A test's stand-in left in a production environment: each invitation goes there.
        warnings.append(
            f"TWILIO_API_BASE sends invitations, with the account SID and auth token, to {base}"
            f" instead of Twilio's {TWILIO_API}: unset it unless that is meant"
        )
    inviting = [] if registry is None else _inviting_services(registry)
    if settings.public_url is None and inviting:
        names = ", ".join(repr(service_id) for service_id in inviting)
        services = "service" if len(inviting) == 1 else "services"
        warnings.append(
            f"FEEDBOT_PUBLIC_URL is unset, so the invitations of {services} {names} are sent"
            " without a StatusCallback: Twilio cannot report one undelivered or failed, which"
            " then counts as offered and keeps its number from being invited again within the"
            " window: set it to the https:// URL Twilio reaches feedbot at"
        )
    return warnings


def _inviting_services(registry: ServiceRegistry) -> list[str]:
    """The services set up to send invitations: with invitation rules, a Messaging Service or
    a from_number, which only invitations use."""
    return [
        service.id
        for service in registry.services.values()
        if service.invitations or service.messaging_service_sid or service.from_number
    ]


def _services(settings: Settings) -> tuple[Finding, ServiceRegistry | None]:
    """The services line, and the services when the files could be read."""
    try:
        registry = load_services(settings.services_file, settings.flows_dir, settings.idle_expiry)
    except FlowError as error:
        return Finding("services", False, f"{type(error).__name__}: {error}"), None
    # The processes start with either (a renewal may be pending, a translation on its way);
    # they log an expired OMB number at start-up, and only this check names untranslated text.
    problems = expired_omb_approvals(registry.services.values())
    problems += untranslated_flow_text(registry.services.values())
    if problems:
        return Finding("services", False, "; ".join(problems)), registry
    ids = ", ".join(registry.services)
    flows = ", ".join(sorted({service.flow.id for service in registry.services.values()}))
    detail = f"{settings.services_file}: {len(registry.services)} service(s) ({ids}); flows {flows}"
    return Finding("services", True, detail), registry


# gunicorn.conf.py's rules, which it applies itself as gunicorn starts (it cannot import them).
WEB_SERVER_NUMBERS = {"PORT": (1, 65535), "WEB_CONCURRENCY": (1, 256)}
METRICS_DIRECTORY = "PROMETHEUS_MULTIPROC_DIR"


def _web_server(environ: Mapping[str, str]) -> Finding:
    """The variables gunicorn.conf.py reads: a web process refuses to start on any of them."""
    problems = [
        problem
        for name, (lowest, highest) in WEB_SERVER_NUMBERS.items()
        if (problem := _whole_number_problem(environ, name, lowest, highest))
    ]
    if "WEB_CONCURRENCY" in environ and not environ["WEB_CONCURRENCY"].strip():
        # gunicorn reads it itself, before gunicorn.conf.py, and stops on int("").
        problems.append("WEB_CONCURRENCY is set to nothing, which gunicorn cannot read: unset it")
    directory = environ.get(METRICS_DIRECTORY)
    if directory and (problem := _metrics_directory_problem(Path(directory))):
        problems.append(f"{METRICS_DIRECTORY} {directory} {problem}")
    if problems:
        return Finding("gunicorn", False, "; ".join(problems))
    if not directory:
        directory = "unset (a new temporary directory)"
    elif not Path(directory).exists():
        directory += " (gunicorn.conf.py makes it)"
    return Finding(
        "gunicorn",
        True,
        f"PORT {environ.get('PORT') or 8000}, WEB_CONCURRENCY"
        f" {environ.get('WEB_CONCURRENCY') or 'cores + 1'}, {METRICS_DIRECTORY} {directory}",
    )


def _whole_number_problem(
    environ: Mapping[str, str], name: str, lowest: int, highest: int
) -> str | None:
    text = (environ.get(name) or "").strip()
    if not text or (text.isascii() and text.isdigit() and lowest <= int(text) <= highest):
        return None
    return f"{name} must be a whole number from {lowest} to {highest}, got {text!r}"


def _metrics_directory_problem(directory: Path) -> str | None:
    """Why gunicorn.conf.py could not use the directory. One that is missing it makes, if it
    can: this check, which writes nothing, looks at the nearest part of the path that exists."""
    existing = next(path for path in [directory, *directory.absolute().parents] if path.exists())
    if existing == directory:
        if not directory.is_dir():
            return "is a file, not a directory"
        return None if os.access(directory, os.W_OK | os.X_OK) else "cannot be written to"
    if not existing.is_dir():
        return f"cannot be made: {existing} is a file"
    return None if os.access(existing, os.W_OK | os.X_OK) else f"cannot be made in {existing}"


def _database(settings: Settings) -> Finding:
    missing = _missing_sqlite_file(settings.database_url)
    if missing is not None:
        # Opening it would create it (and its directory): a check makes nothing.
        return Finding("database", False, f"no database file {missing}: {UPGRADE_HINT}")
    database = Database(settings.database_url)
    try:
        with waits_limited(), database.engine.connect() as connection:
            schema = schema_state(connection)
            if not schema.ready:
                return Finding("database", False, schema.detail)
            state = verify_secret_key(
                connection, settings.secret_key, settings.previous_secret_keys
            )
            if state == "new":
                return _unrecorded_key(connection, settings, schema.detail)
    except SecretKeyChanged as error:
        return Finding("database", False, str(error))
    except SQLAlchemyError as error:
        if missing_schema(error):
            return Finding("database", False, f"tables missing: {UPGRADE_HINT}")
        reason = failure_reason(error, settings.database_url)
        return Finding(
            "database",
            False,
            f"cannot be used ({reason}): check DATABASE_URL and that the database server is"
            " running",
        )
    finally:
        database.dispose()
    return Finding("database", True, f"schema {schema.detail}; {_KEY_STATES[state]}")


_KEY_STATES = {
    "new": "FEEDBOT_SECRET_KEY not recorded yet (the first process to start records it)",
    "current": "FEEDBOT_SECRET_KEY is the database's",
    "rotation": (
        "FEEDBOT_SECRET_KEY replaces the database's key, which FEEDBOT_PREVIOUS_SECRET_KEYS"
        " lists (the first process to start records the change)"
    ),
}


def _unrecorded_key(connection: Connection, settings: Settings, schema: str) -> Finding:
    """No key recorded: what start-up would find before recording one (check_secret_key);
    HashesUnderAnotherKey where it would refuse."""
    keys = (settings.secret_key, *settings.previous_secret_keys)
    hashes = check_earlier_hashes(connection, keys)
    if hashes.checked:
        return Finding(
            "database",
            True,
            f"schema {schema}; FEEDBOT_SECRET_KEY not recorded yet, and it is the key the"
            f" database's hashes were made with (checked against {' and '.join(hashes.checked)}):"
            " the first process to start records it",
        )
    if not hashes.any:
        return Finding("database", True, f"schema {schema}; {_KEY_STATES['new']}")
    return Finding(
        "database",
        True,
        f"schema {schema}; FEEDBOT_SECRET_KEY not recorded yet, and the database holds"
        f" {hashes.contacts} contact(s) and {hashes.opt_outs} opt-out(s) hashed by an earlier"
        " release, which cannot be checked without their numbers: before a process starts (the"
        " first records the key), make sure FEEDBOT_SECRET_KEY is the key that release ran"
        " with, or every STOP is forgotten",
        warning=True,
    )


def _missing_sqlite_file(url: str) -> str | None:
    path = sqlite_file(url)
    return path if path is not None and not Path(path).exists() else None


def _redis(settings: Settings) -> Finding:
    if settings.redis_url is None:
        return Finding("redis", True, "REDIS_URL not set: normalization runs in-process")
    client = Redis.from_url(settings.redis_url, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    except RedisError as error:
        reason = failure_reason(error, settings.redis_url)
        return Finding(
            "redis",
            False,
            f"cannot be reached ({reason}): check REDIS_URL and that Redis is running (the"
            " processes would start without it, degraded: normalization and invitations wait)",
        )
    finally:
        client.close()
    return Finding("redis", True, "answers")
