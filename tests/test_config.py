"""Settings come from the environment; production refuses what would be unsafe, and a value
that cannot be read is named in the error, not a traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest

from feedbot.config import DEV_SECRET_KEY, ConfigError, load_settings

SAFE_PRODUCTION = {
    "FEEDBOT_ENV": "production",
    "FEEDBOT_SECRET_KEY": "k" * 40,
    "TWILIO_AUTH_TOKEN": "a-real-looking-auth-token",
    "DATABASE_URL": "postgres://feedbot@db.internal/feedbot",
    "REDIS_URL": "redis://cache.internal:6379/0",
}


def test_production_with_everything_set_starts():
    settings = load_settings(SAFE_PRODUCTION)
    assert settings.production
    assert settings.database_url == "postgresql+psycopg://feedbot@db.internal/feedbot"


def test_production_refuses_every_default_at_once():
    with pytest.raises(ConfigError) as refused:
        load_settings({"FEEDBOT_ENV": "production"})
    message = str(refused.value)
    for name in ("FEEDBOT_SECRET_KEY", "TWILIO_AUTH_TOKEN", "DATABASE_URL", "REDIS_URL"):
        assert name in message


@pytest.mark.parametrize(
    ("name", "value", "named"),
    [
        ("FEEDBOT_SECRET_KEY", DEV_SECRET_KEY, "FEEDBOT_SECRET_KEY"),
        ("FEEDBOT_SECRET_KEY", "short", "FEEDBOT_SECRET_KEY"),
        ("FEEDBOT_FIXED_NOW", "2026-11-26T12:00:00+00:00", "FEEDBOT_FIXED_NOW"),
        ("DATABASE_URL", "sqlite:///feedbot.db", "DATABASE_URL"),
        ("REDIS_URL", "", "REDIS_URL"),
    ],
)
def test_production_refuses_one_unsafe_setting(name, value, named):
    with pytest.raises(ConfigError, match=named):
        load_settings({**SAFE_PRODUCTION, name: value})


def test_development_runs_on_the_embedded_defaults():
    settings = load_settings({})
    assert not settings.production
    assert settings.database_url.startswith("sqlite") and settings.redis_url is None


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("FEEDBOT_PROXY_HOPS", "one"),
        ("FEEDBOT_PROXY_HOPS", "-1"),
        ("FEEDBOT_TWILIO_TIMEOUT", "soon"),
        ("FEEDBOT_TWILIO_TIMEOUT", "nan"),
        ("FEEDBOT_IDLE_EXPIRY_HOURS", "inf"),
        ("FEEDBOT_TWILIO_RETRY_INTERVALS", "30,2m"),
        ("FEEDBOT_NORMALIZE_RETRY_INTERVALS", "10;60"),
        ("FEEDBOT_WORKER_MAINTENANCE_SECONDS", "1.5"),
        ("FEEDBOT_FIXED_NOW", "yesterday"),
        ("FEEDBOT_FIXED_NOW", "2026-11-26T12:00:00"),
    ],
)
def test_a_value_that_cannot_be_read_is_named(name, value):
    with pytest.raises(ConfigError, match=name):
        load_settings({name: value})


def test_the_cli_says_what_is_wrong_without_a_traceback(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "FEEDBOT_PROXY_HOPS": "one"}
    result = subprocess.run(
        [sys.executable, "-m", "feedbot.cli", "db", "upgrade"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "FEEDBOT_PROXY_HOPS must be a whole number, got 'one'" in result.stderr
    assert "Traceback" not in result.stderr
