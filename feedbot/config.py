"""Settings read from the environment in one place, with embedded-mode defaults."""

from __future__ import annotations

import ipaddress
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from limits import parse_many
from redis.connection import parse_url as parse_redis_url
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

REPO_ROOT = Path(__file__).resolve().parent.parent
DEV_SECRET_KEY = "feedbot-development-secret-not-for-production"
DEV_TWILIO_AUTH_TOKEN = "feedbot-development-auth-token"
ENVIRONMENTS = ("development", "testing", "production")
ACCOUNT_SID = re.compile(r"AC[0-9a-fA-F]{32}")
# Where twilio-python sends REST requests unless TWILIO_API_BASE says otherwise.
TWILIO_API = "https://api.twilio.com"


class ConfigError(Exception):
    """A setting is missing or unsafe; the message says which and what to do."""


@dataclass(frozen=True)
class Settings:
    """Everything feedbot reads from its environment."""

    env: str = "development"
    database_url: str = f"sqlite:///{REPO_ROOT / 'instance' / 'feedbot.sqlite3'}"
    redis_url: str | None = None
    secret_key: str = DEV_SECRET_KEY
    # Keys FEEDBOT_SECRET_KEY replaced: a STOP filed under one of them is still honoured.
    previous_secret_keys: tuple[str, ...] = ()
    twilio_auth_token: str = DEV_TWILIO_AUTH_TOKEN
    twilio_account_sid: str | None = None
    twilio_api_base: str | None = None
    twilio_retry_intervals: tuple[int, ...] = (30, 120, 600)
    twilio_timeout: float = 10.0
    public_url: str | None = None
    services_file: Path = REPO_ROOT / "flows" / "services.yaml"
    flows_dir: Path = REPO_ROOT / "flows"
    idle_expiry: timedelta = timedelta(hours=24)
    max_text_length: int = 10_000
    normalize_retry_intervals: tuple[int, ...] = (10, 60, 300)
    # How long a drain job waits after the first response closes, so that the responses closing
    # meanwhile ride along in its batch (0: at once; a job costs a worker more than a record).
    normalize_delay_seconds: float = 1.0
    # A response still in the outbox this long after it closed gets a drain queued at once (its
    # delayed drain waits on RQ's scheduler, and none may be running).
    normalize_overdue_seconds: int = 15
    raw_text_retention_days: int = 90
    fixed_now: datetime | None = None
    chat_start_limit: str = "20 per minute"
    chat_session_limit: str = "30 per minute"
    chat_address_limit: str = "120 per minute"
    # Refused staff sign-ins from one address (a wrong, revoked or unscoped token).
    staff_sign_in_limit: str = "10 per minute;50 per hour"
    proxy_hops: int = 0
    metrics_token: str | None = None
    # How often a worker cleans RQ's registries and restarts RQ's scheduler if it died (it
    # dies with a Redis restart; RQ's own default is 10 minutes).
    worker_maintenance_seconds: int = 60
    # How often a worker writes its heartbeat, whatever it is doing; `queue status` counts a
    # worker silent for three beats as gone.
    worker_heartbeat_seconds: int = 5
    # While the database's schema is behind the code: how often a worker checks it again.
    worker_schema_check_seconds: int = 5

    def now(self) -> datetime:
        """The time scheduled work runs at: real, or fixed for tests and rehearsals."""
        return self.fixed_now or datetime.now(UTC)

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def worker_silent_after(self) -> timedelta:
        """How long a registered worker's heartbeat may be silent before it counts as gone:
        three beats missed."""
        return timedelta(seconds=3 * self.worker_heartbeat_seconds)


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Build Settings from environment variables, refusing unsafe production setups."""
    env = os.environ if environ is None else environ
    defaults = Settings()
    settings = Settings(
        env=_environment(env),
        database_url=_database_url(_secret(env, "DATABASE_URL") or defaults.database_url),
        redis_url=_redis_url(env),
        secret_key=_secret(env, "FEEDBOT_SECRET_KEY", as_given=True) or defaults.secret_key,
        previous_secret_keys=_previous_secret_keys(env),
        twilio_auth_token=_secret(env, "TWILIO_AUTH_TOKEN") or defaults.twilio_auth_token,
        twilio_account_sid=_account_sid(env),
        twilio_api_base=_twilio_api_base(env),
        twilio_retry_intervals=_intervals(env, "FEEDBOT_TWILIO_RETRY_INTERVALS", "30,120,600"),
        twilio_timeout=_number(
            env, "FEEDBOT_TWILIO_TIMEOUT", defaults.twilio_timeout, maximum=300, positive=True
        ),
        public_url=_public_url(env),
        services_file=_path(env, "FEEDBOT_SERVICES_FILE") or defaults.services_file,
        flows_dir=_path(env, "FEEDBOT_FLOWS_DIR") or defaults.flows_dir,
        normalize_retry_intervals=_intervals(env, "FEEDBOT_NORMALIZE_RETRY_INTERVALS", "10,60,300"),
        normalize_delay_seconds=_number(
            env, "FEEDBOT_NORMALIZE_DELAY_SECONDS", defaults.normalize_delay_seconds, maximum=3600
        ),
        normalize_overdue_seconds=_whole_seconds(
            env, "FEEDBOT_NORMALIZE_OVERDUE_SECONDS", defaults.normalize_overdue_seconds, 3600
        ),
        chat_start_limit=_rate_limit(env, "FEEDBOT_CHAT_START_LIMIT", defaults.chat_start_limit),
        chat_session_limit=_rate_limit(
            env, "FEEDBOT_CHAT_SESSION_LIMIT", defaults.chat_session_limit
        ),
        chat_address_limit=_rate_limit(
            env, "FEEDBOT_CHAT_ADDRESS_LIMIT", defaults.chat_address_limit
        ),
        staff_sign_in_limit=_rate_limit(
            env, "FEEDBOT_STAFF_SIGN_IN_LIMIT", defaults.staff_sign_in_limit
        ),
        proxy_hops=int(_number(env, "FEEDBOT_PROXY_HOPS", 0, maximum=10, whole=True)),
        metrics_token=_secret(env, "FEEDBOT_METRICS_TOKEN"),
        worker_maintenance_seconds=int(
            _number(
                env,
                "FEEDBOT_WORKER_MAINTENANCE_SECONDS",
                defaults.worker_maintenance_seconds,
                maximum=86_400,
                whole=True,
                positive=True,
            )
        ),
        # Up to 10: three beats must fit in RQ's worker_ttl (feedbot.worker.WORKER_TTL_SECONDS).
        worker_heartbeat_seconds=_whole_seconds(
            env, "FEEDBOT_WORKER_HEARTBEAT_SECONDS", defaults.worker_heartbeat_seconds, 10
        ),
        worker_schema_check_seconds=_whole_seconds(
            env, "FEEDBOT_WORKER_SCHEMA_CHECK_SECONDS", defaults.worker_schema_check_seconds, 60
        ),
        fixed_now=_instant(env, "FEEDBOT_FIXED_NOW"),
        idle_expiry=timedelta(
            hours=_number(
                env,
                "FEEDBOT_IDLE_EXPIRY_HOURS",
                defaults.idle_expiry.total_seconds() / 3600,
                maximum=MAX_IDLE_EXPIRY_HOURS,
                positive=True,
            )
        ),
    )
    if settings.production:
        _refuse_unsafe_production(settings)
    return settings


# A survey left open longer than a year is a mistake, not a setting (and far larger values
# overflow Python's dates).
MAX_IDLE_EXPIRY_HOURS = 24 * 366
# Longer than a day between two retries is no longer a retry; RQ's scheduler keeps each one.
MAX_RETRY_INTERVAL_SECONDS = 86_400
LATEST_YEAR = 9000


def _environment(env: Mapping[str, str]) -> str:
    text = env.get("FEEDBOT_ENV") or "development"  # empty is unset, as for every setting
    value = text.strip().lower()
    if value not in ENVIRONMENTS:
        # A typo such as "prod" must not quietly run with the development keys.
        raise ConfigError(f"FEEDBOT_ENV must be one of {', '.join(ENVIRONMENTS)}, got {text!r}")
    return value


def _secret(env: Mapping[str, str], name: str, *, as_given: bool = False) -> str | None:
    """A key, a token or a URL that may hold a password; None when unset or empty.

    Never trimmed: spaces or a line break around it (a secret file's last newline) are either
    part of the secret or a mistake, and cutting them silently would hide which. Refused
    instead, naming the setting, never quoting the value; or, `as_given`, used exactly as it
    is: FEEDBOT_SECRET_KEY has keyed every stored phone number with whatever it held, so
    removing a newline it always had would forget every STOP (feedbot.identity)."""
    text = env.get(name) or None  # empty is unset, as for every setting
    if text is None:
        return None
    if not text.strip():
        raise ConfigError(f"{name} is blank (only spaces or line breaks): set it, or unset it")
    if text != text.strip() and not as_given:
        raise ConfigError(
            f"{name} has spaces or a line break before or after it (a file's last newline?):"
            " remove them (feedbot does not trim a value that may be a secret)"
        )
    return text


def _previous_secret_keys(env: Mapping[str, str]) -> tuple[str, ...]:
    """FEEDBOT_PREVIOUS_SECRET_KEYS: keys separated by commas, each used exactly as written;
    or a JSON list of strings, for a key with a comma in it or spaces or a line break around
    it (a key read from a file may end in one, and FEEDBOT_SECRET_KEY is used as given)."""
    name = "FEEDBOT_PREVIOUS_SECRET_KEYS"
    text = env.get(name) or None
    if text is None:
        return ()
    keys = _json_keys(name, text) if text.lstrip().startswith("[") else _listed_keys(env, name)
    for position, key in enumerate(keys, start=1):
        if key == (env.get("FEEDBOT_SECRET_KEY") or DEV_SECRET_KEY):
            raise ConfigError(f"{name}: key {position} is FEEDBOT_SECRET_KEY itself")
    return keys


def _listed_keys(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    keys = tuple((_secret(env, name) or "").split(","))
    for position, key in enumerate(keys, start=1):
        if not key or key != key.strip():
            raise ConfigError(
                f"{name}: key {position} is empty or has spaces around it (separate the keys"
                " with commas alone; for a key with a comma in it, or spaces or a line break"
                ' around it, give a JSON list: ["first key", "second key\\n"])'
            )
    return keys


def _json_keys(name: str, text: str) -> tuple[str, ...]:
    try:
        keys = json.loads(text)
    except ValueError:
        keys = None
    if not isinstance(keys, list) or not keys or not all(isinstance(k, str) and k for k in keys):
        raise ConfigError(f"{name} starts with '[' but is not a JSON list of non-empty strings")
    return tuple(keys)


def _path(env: Mapping[str, str], name: str) -> Path | None:
    """A file or directory; None when unset or empty (else Path("") would be the current
    directory). Trimmed: a path with spaces around it is a typing or copying slip."""
    text = (env.get(name) or "").strip()
    return Path(text) if text else None


def _account_sid(env: Mapping[str, str]) -> str | None:
    text = env.get("TWILIO_ACCOUNT_SID") or None
    if text is not None and not ACCOUNT_SID.fullmatch(text):
        raise ConfigError(
            f"TWILIO_ACCOUNT_SID must be AC followed by 32 hexadecimal digits, got {text!r}"
        )
    return text


def _public_url(env: Mapping[str, str]) -> str | None:
    """The base URL Twilio calls, without a trailing slash."""
    text = env.get("FEEDBOT_PUBLIC_URL") or ""
    url = text.strip().rstrip("/")
    if not url:
        return None
    if "@" in url:
        # A user name and password (user:password@): feedbot checks Twilio's signature, not a
        # password, and this URL is written into TwiML answers, status callbacks and log lines.
        # Not quoted, as a password with a "/" in it would blur where the host begins.
        raise ConfigError(
            "FEEDBOT_PUBLIC_URL must not hold a user name or password (it has an '@'): give the"
            " scheme, host and any path alone, such as https://feedbot.agency.gov"
        )
    if not _is_absolute_http_url(url):
        # Twilio signs the full URL it calls; without the scheme and host every signature fails.
        raise ConfigError(
            "FEEDBOT_PUBLIC_URL must be the absolute URL Twilio calls, such as"
            f" https://feedbot.agency.gov, with no query or fragment, got {text!r}"
        )
    return url


def _twilio_api_base(env: Mapping[str, str]) -> str | None:
    """Where the REST client sends invitations instead of Twilio's API (a local stand-in for
    the tests and benchmarks). Every request to it carries the account SID and auth token."""
    text = env.get("TWILIO_API_BASE") or None
    if text is None:
        return None
    if "@" in text:
        # Not quoted: what comes before the "@" may be a password.
        raise ConfigError(
            "TWILIO_API_BASE must not hold a user name or password (it has an '@'): the REST"
            " client signs in with TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN"
        )
    if not _is_absolute_http_url(text):
        # Without a scheme and host twilio-python builds no URL it can send to, and the first
        # invitation alone would show it.
        raise ConfigError(
            "TWILIO_API_BASE must be an absolute http:// or https:// URL with a host, such as"
            f" {TWILIO_API}, with no query or fragment, got {text!r}"
        )
    return text


def _is_loopback(url: str) -> bool:
    """Whether `url` (an absolute http URL) names this machine: its traffic never leaves it."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _is_absolute_http_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
        host, _port = parts.hostname, parts.port
    except ValueError:  # a malformed IPv6 host, or a port that is not a number
        return False
    # Each webhook's URL is this one plus a path: after a "?" or "#", even an empty one, the
    # path would land in the query or the fragment, and no signature would match.
    return (
        parts.scheme in {"http", "https"}
        and bool(host)
        and "?" not in url
        and "#" not in url
        and not any(character.isspace() for character in url)
    )


def _intervals(env: Mapping[str, str], name: str, default: str) -> tuple[int, ...]:
    """'10,60,300' → (10, 60, 300): seconds between retries, at least one retry."""
    text = env.get(name, default)
    parts = [part.strip() for part in text.split(",") if part.strip()]
    if not parts:
        # RQ cannot queue a job with no retries, and a transient failure deserves one.
        raise ConfigError(
            f"{name} is empty: list at least one retry interval in seconds"
            f" (0: retry at once), e.g. {default}"
        )
    if not all(part.isascii() and part.isdigit() for part in parts):
        raise ConfigError(f"{name} must be whole seconds separated by commas, got {text!r}")
    if any(len(part) > 6 or int(part) > MAX_RETRY_INTERVAL_SECONDS for part in parts):
        raise ConfigError(
            f"{name}: each retry must come within {MAX_RETRY_INTERVAL_SECONDS} seconds,"
            f" got {text!r}"
        )
    return tuple(int(part) for part in parts)


def _number(
    env: Mapping[str, str],
    name: str,
    default: float,
    *,
    maximum: float,
    whole: bool = False,
    positive: bool = False,
) -> float:
    """A number from 0 (above 0 when `positive`) up to `maximum`; `default` when unset."""
    text = env.get(name)
    if not text:  # empty is unset, as for every setting
        return default
    try:
        value = int(text) if whole else float(text)
    except ValueError:
        kind = "a whole number" if whole else "a number"
        raise ConfigError(f"{name} must be {kind}, got {text!r}") from None
    too_low = value <= 0 if positive else value < 0
    if too_low or not value <= maximum:  # "not <=" also refuses nan
        lowest = "more than 0" if positive else "from 0"
        raise ConfigError(f"{name} must be {lowest} up to {maximum}, got {text!r}")
    return value


def _whole_seconds(env: Mapping[str, str], name: str, default: int, maximum: int) -> int:
    """A whole number of seconds from 1 up to `maximum`; `default` when unset."""
    return int(_number(env, name, default, maximum=maximum, whole=True, positive=True))


def _rate_limit(env: Mapping[str, str], name: str, default: str) -> str:
    """A Flask-Limiter rate ("20 per minute", "20/minute; 200 per hour"). One it cannot read
    would switch the limit off, request after request, with only a log line to show for it."""
    text = env.get(name) or default
    try:
        parse_many(text)
    except ValueError:
        raise ConfigError(
            f"{name} must be a rate such as '20 per minute' or '20/minute', got {text!r}"
        ) from None
    return text


def _instant(env: Mapping[str, str], name: str) -> datetime | None:
    text = env.get(name)
    if not text:
        return None
    try:
        instant = datetime.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"{name} must be an ISO 8601 time, got {text!r}") from None
    if instant.tzinfo is None:
        raise ConfigError(f"{name} must name its UTC offset, e.g. {text}+00:00")
    if instant.year > LATEST_YEAR:  # a survey's expiry or a window after it would overflow
        raise ConfigError(f"{name} must be before the year {LATEST_YEAR + 1}, got {text!r}")
    return instant


# Refusals below never quote the URL, nor the text of the parser's error: either may hold
# part of a password.
DATABASES = ("postgresql", "sqlite")
# feedbot installs psycopg (3); a URL naming another PostgreSQL driver means the same server.
_POSTGRES_PREFIXES = ("postgres://", "postgresql://", "postgresql+psycopg2://")
_PASSWORD_HINT = "percent-encode @ : / ? # in the password"


def _database_url(url: str) -> str:
    # Heroku-style URLs name the driver "postgres://"; SQLAlchemy wants a dialect+driver.
    for prefix in _POSTGRES_PREFIXES:
        if url.startswith(prefix):
            url = "postgresql+psycopg://" + url[len(prefix) :]
    try:
        parsed = make_url(url)
        if "@" in (parsed.host or ""):  # split at the password's own "@": would leak in errors
            raise ValueError
    except (ArgumentError, ValueError):  # ValueError: a port that is no number
        raise ConfigError(
            "DATABASE_URL cannot be read as a URL (postgresql://user:password@host:port/db or"
            f" sqlite:///path; {_PASSWORD_HINT})"
        ) from None
    backend, driver = parsed.get_backend_name(), parsed.get_driver_name()
    if backend not in DATABASES:
        raise ConfigError(f"DATABASE_URL must be a PostgreSQL or SQLite URL, not {backend}")
    if backend == "postgresql" and driver != "psycopg":
        raise ConfigError(
            f"DATABASE_URL names the driver {driver}: feedbot runs on psycopg (postgresql://)"
        )
    return url


def _redis_url(env: Mapping[str, str]) -> str | None:
    url = _secret(env, "REDIS_URL")
    if url is not None:
        try:
            parse_redis_url(url)
            problem = _redis_url_problem(url)
        except ValueError:
            problem = "cannot be read"
        if problem:
            raise ConfigError(
                f"REDIS_URL {problem} (redis://[:password@]host:port/db, rediss:// or"
                f" unix://; {_PASSWORD_HINT})"
            )
    return url


def _redis_url_problem(url: str) -> str | None:
    """What redis-py would read otherwise than written, where its parse_url does not refuse:
    a database that is no number it reads as database 0, and a password's "#" as the end of
    the host, so that its connection errors quote the rest of the password as the host."""
    parts = urlsplit(url)
    if "#" in url or "@" in parts.path:
        return "has a '#', or an '@' after the host: a password's character not percent-encoded"
    if parts.scheme == "unix":
        return None
    if not parts.hostname:
        return "names no host"
    if not re.fullmatch(r"/?[0-9]*/?", parts.path):
        return "names a database that is not a number (redis-py would use database 0)"
    return None


# Twilio's auth tokens are 32 hexadecimal digits. That form is not required, as stand-ins for
# Twilio (the benchmarks run in production mode) sign with tokens of their own; refused is what
# can be no one's auth token, or one short enough to guess and sign forged webhooks with.
MIN_AUTH_TOKEN_LENGTH = 16
_AUTH_TOKEN = re.compile(r"[A-Za-z0-9_-]+")


def _auth_token_problem(token: str) -> str | None:
    """Why TWILIO_AUTH_TOKEN cannot be an account's auth token, never quoting it; None if it may."""
    if ACCOUNT_SID.fullmatch(token):
        return "TWILIO_AUTH_TOKEN holds an account SID (AC…), not the account's auth token"
    if not _AUTH_TOKEN.fullmatch(token):
        return (
            "TWILIO_AUTH_TOKEN has characters no auth token has (quotes, spaces, punctuation):"
            " give the account's auth token, 32 hexadecimal digits"
        )
    if len(token) < MIN_AUTH_TOKEN_LENGTH:
        return (
            f"TWILIO_AUTH_TOKEN is shorter than {MIN_AUTH_TOKEN_LENGTH} characters: give the"
            " account's auth token, 32 hexadecimal digits"
        )
    return None


def _refuse_unsafe_production(settings: Settings) -> None:
    problems = []
    if settings.secret_key == DEV_SECRET_KEY or len(settings.secret_key) < 32:
        problems.append("FEEDBOT_SECRET_KEY must be set to a random value of 32+ characters")
    if settings.twilio_auth_token == DEV_TWILIO_AUTH_TOKEN:
        problems.append("TWILIO_AUTH_TOKEN must be set to the account's auth token")
    elif problem := _auth_token_problem(settings.twilio_auth_token):
        problems.append(problem)
    if settings.twilio_account_sid is None:
        problems.append("TWILIO_ACCOUNT_SID must be set to the account invitations are sent from")
    if settings.public_url is not None and urlsplit(settings.public_url).scheme != "https":
        problems.append("FEEDBOT_PUBLIC_URL must be an https:// URL in production")
    base = settings.twilio_api_base
    if base is not None and urlsplit(base).scheme != "https" and not _is_loopback(base):
        problems.append(
            "TWILIO_API_BASE must be an https:// URL in production (http:// only to this"
            " machine: 127.0.0.1, ::1 or localhost), as every request to it carries the account"
            " SID and auth token"
        )
    if settings.fixed_now is not None:
        problems.append("FEEDBOT_FIXED_NOW must not be set (it stops the clock)")
    if settings.database_url.startswith("sqlite"):
        problems.append("DATABASE_URL must point at PostgreSQL in production")
    if settings.redis_url is None:
        # Without it, jobs run inside web requests and deferred invitations wait for a sweep.
        problems.append("REDIS_URL must be set in production (the queue for the workers)")
    if problems:
        raise ConfigError("FEEDBOT_ENV=production but " + "; ".join(problems))
