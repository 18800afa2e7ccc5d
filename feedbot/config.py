"""Settings read from the environment in one place, with embedded-mode defaults."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEV_SECRET_KEY = "feedbot-development-secret-not-for-production"
DEV_TWILIO_AUTH_TOKEN = "feedbot-development-auth-token"


class ConfigError(Exception):
    """A setting is missing or unsafe; the message says which and what to do."""


@dataclass(frozen=True)
class Settings:
    """Everything feedbot reads from its environment."""

    env: str = "development"
    database_url: str = f"sqlite:///{REPO_ROOT / 'instance' / 'feedbot.sqlite3'}"
    redis_url: str | None = None
    secret_key: str = DEV_SECRET_KEY
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
    raw_text_retention_days: int = 90
    fixed_now: datetime | None = None
    chat_start_limit: str = "20 per minute"
    chat_session_limit: str = "30 per minute"
    chat_address_limit: str = "120 per minute"
    proxy_hops: int = 0
    metrics_token: str | None = None
    # How often a worker cleans RQ's registries and restarts RQ's scheduler if it died (it
    # dies with a Redis restart; RQ's own default is 10 minutes).
    worker_maintenance_seconds: int = 60

    def now(self) -> datetime:
        """The time scheduled work runs at: real, or fixed for tests and rehearsals."""
        return self.fixed_now or datetime.now(UTC)

    @property
    def production(self) -> bool:
        return self.env == "production"


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Build Settings from environment variables, refusing unsafe production setups."""
    env = os.environ if environ is None else environ
    defaults = Settings()
    settings = Settings(
        env=env.get("FEEDBOT_ENV", defaults.env),
        database_url=_sqlalchemy_url(env.get("DATABASE_URL", defaults.database_url)),
        redis_url=env.get("REDIS_URL") or None,
        secret_key=env.get("FEEDBOT_SECRET_KEY", defaults.secret_key),
        twilio_auth_token=env.get("TWILIO_AUTH_TOKEN", defaults.twilio_auth_token),
        twilio_account_sid=env.get("TWILIO_ACCOUNT_SID") or None,
        twilio_api_base=env.get("TWILIO_API_BASE") or None,
        twilio_retry_intervals=_intervals(env, "FEEDBOT_TWILIO_RETRY_INTERVALS", "30,120,600"),
        twilio_timeout=_number(env, "FEEDBOT_TWILIO_TIMEOUT", defaults.twilio_timeout),
        public_url=(env.get("FEEDBOT_PUBLIC_URL") or "").rstrip("/") or None,
        services_file=Path(env.get("FEEDBOT_SERVICES_FILE", defaults.services_file)),
        flows_dir=Path(env.get("FEEDBOT_FLOWS_DIR", defaults.flows_dir)),
        normalize_retry_intervals=_intervals(env, "FEEDBOT_NORMALIZE_RETRY_INTERVALS", "10,60,300"),
        normalize_delay_seconds=_number(
            env, "FEEDBOT_NORMALIZE_DELAY_SECONDS", defaults.normalize_delay_seconds
        ),
        chat_start_limit=env.get("FEEDBOT_CHAT_START_LIMIT", defaults.chat_start_limit),
        chat_session_limit=env.get("FEEDBOT_CHAT_SESSION_LIMIT", defaults.chat_session_limit),
        chat_address_limit=env.get("FEEDBOT_CHAT_ADDRESS_LIMIT", defaults.chat_address_limit),
        proxy_hops=int(_number(env, "FEEDBOT_PROXY_HOPS", 0, whole=True)),
        metrics_token=env.get("FEEDBOT_METRICS_TOKEN") or None,
        worker_maintenance_seconds=int(
            _number(
                env,
                "FEEDBOT_WORKER_MAINTENANCE_SECONDS",
                defaults.worker_maintenance_seconds,
                whole=True,
            )
        ),
        fixed_now=_instant(env, "FEEDBOT_FIXED_NOW"),
        idle_expiry=timedelta(
            hours=_number(
                env, "FEEDBOT_IDLE_EXPIRY_HOURS", defaults.idle_expiry.total_seconds() / 3600
            )
        ),
    )
    if settings.production:
        _refuse_unsafe_production(settings)
    return settings


def _intervals(env: Mapping[str, str], name: str, default: str) -> tuple[int, ...]:
    """'10,60,300' → (10, 60, 300): seconds between retries."""
    text = env.get(name, default)
    parts = [part.strip() for part in text.split(",") if part.strip()]
    if not all(part.isascii() and part.isdigit() for part in parts):
        raise ConfigError(f"{name} must be whole seconds separated by commas, got {text!r}")
    return tuple(int(part) for part in parts)


def _number(env: Mapping[str, str], name: str, default: float, whole: bool = False) -> float:
    text = env.get(name)
    if text is None:
        return default
    try:
        value = int(text) if whole else float(text)
    except ValueError:
        kind = "a whole number" if whole else "a number"
        raise ConfigError(f"{name} must be {kind}, got {text!r}") from None
    if not 0 <= value < float("inf"):
        raise ConfigError(f"{name} must be zero or more, got {text!r}")
    return value


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
    return instant


def _sqlalchemy_url(url: str) -> str:
    # Heroku-style URLs name the driver "postgres://"; SQLAlchemy wants a dialect+driver.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _refuse_unsafe_production(settings: Settings) -> None:
    problems = []
    if settings.secret_key == DEV_SECRET_KEY or len(settings.secret_key) < 32:
        problems.append("FEEDBOT_SECRET_KEY must be set to a random value of 32+ characters")
    if settings.twilio_auth_token == DEV_TWILIO_AUTH_TOKEN:
        problems.append("TWILIO_AUTH_TOKEN must be set to the account's auth token")
    if settings.fixed_now is not None:
        problems.append("FEEDBOT_FIXED_NOW must not be set (it stops the clock)")
    if settings.database_url.startswith("sqlite"):
        problems.append("DATABASE_URL must point at PostgreSQL in production")
    if settings.redis_url is None:
        # Without it, jobs run inside web requests and deferred invitations wait for a sweep.
        problems.append("REDIS_URL must be set in production (the queue for the workers)")
    if problems:
        raise ConfigError("FEEDBOT_ENV=production but " + "; ".join(problems))
