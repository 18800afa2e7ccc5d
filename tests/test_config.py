"""Settings come from the environment; production refuses what would be unsafe, and a value
that cannot be read is named in the error, not a traceback."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from feedbot.config import DEV_SECRET_KEY, DEV_TWILIO_AUTH_TOKEN, ConfigError, load_settings

SAFE_PRODUCTION = {
    "FEEDBOT_ENV": "production",
    "FEEDBOT_SECRET_KEY": "k" * 40,
    "TWILIO_AUTH_TOKEN": "a-real-looking-auth-token",
    "TWILIO_ACCOUNT_SID": "AC" + "0123456789abcdef" * 2,
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
    for name in (
        "FEEDBOT_SECRET_KEY",
        "TWILIO_AUTH_TOKEN",
        "TWILIO_ACCOUNT_SID",
        "DATABASE_URL",
        "REDIS_URL",
    ):
        assert name in message


@pytest.mark.parametrize(
    ("name", "value", "named"),
    [
        ("FEEDBOT_SECRET_KEY", DEV_SECRET_KEY, "FEEDBOT_SECRET_KEY"),
        ("FEEDBOT_SECRET_KEY", "short", "FEEDBOT_SECRET_KEY"),
        ("FEEDBOT_FIXED_NOW", "2026-11-26T12:00:00+00:00", "FEEDBOT_FIXED_NOW"),
        ("DATABASE_URL", "sqlite:///feedbot.db", "DATABASE_URL"),
        ("REDIS_URL", "", "REDIS_URL"),
        ("TWILIO_ACCOUNT_SID", "", "TWILIO_ACCOUNT_SID must be set"),
        ("FEEDBOT_PUBLIC_URL", "http://feedbot.agency.gov", "FEEDBOT_PUBLIC_URL must be an https"),
    ],
)
def test_production_refuses_one_unsafe_setting(name, value, named):
    with pytest.raises(ConfigError, match=named):
        load_settings({**SAFE_PRODUCTION, name: value})


@pytest.mark.parametrize("value", ["production", "Production", " PRODUCTION "])
def test_production_is_named_in_any_case_and_still_checked(value):
    assert load_settings({**SAFE_PRODUCTION, "FEEDBOT_ENV": value}).production
    with pytest.raises(ConfigError, match="FEEDBOT_ENV=production but FEEDBOT_SECRET_KEY"):
        load_settings({"FEEDBOT_ENV": value})


@pytest.mark.parametrize("value", ["prod", "staging", "dev", "  "])
def test_an_unknown_environment_is_refused_not_run_as_development(value):
    with pytest.raises(ConfigError) as refused:
        load_settings({**SAFE_PRODUCTION, "FEEDBOT_ENV": value})
    assert str(refused.value) == (
        f"FEEDBOT_ENV must be one of development, testing, production, got {value!r}"
    )


def test_the_known_environments():
    for value in ("development", "Testing", "production"):
        assert load_settings({**SAFE_PRODUCTION, "FEEDBOT_ENV": value}).env == value.lower()
    # Empty is unset, as for every setting (a compose file's FEEDBOT_ENV=).
    assert load_settings({"FEEDBOT_ENV": ""}).env == "development"


@pytest.mark.parametrize(
    "name", ["FEEDBOT_TWILIO_RETRY_INTERVALS", "FEEDBOT_NORMALIZE_RETRY_INTERVALS"]
)
@pytest.mark.parametrize("value", ["", " ", ",,"])
def test_empty_retry_intervals_are_refused_at_start_up(name, value):
    with pytest.raises(ConfigError, match=f"{name} is empty: list at least one retry interval"):
        load_settings({**SAFE_PRODUCTION, name: value})
    assert load_settings({name: "0"}) is not None


@pytest.mark.parametrize(
    "value",
    [
        "feedbot.agency.gov",
        "feedbot.agency.gov/twilio",
        "//feedbot.agency.gov",
        "ftp://feedbot.agency.gov",
        "https://",
        "https://:443",
        "https://feedbot.agency.gov:port",
        "https://feedbot agency.gov",
        "https://feedbot.agency.gov/?x=1",
        "https://[::1",
        # An empty query or fragment: each webhook's path would be added after it.
        "https://feedbot.agency.gov/feedbot?",
        "https://feedbot.agency.gov#",
    ],
)
def test_a_public_url_twilio_could_not_have_signed_is_refused(value):
    for environment in ({}, SAFE_PRODUCTION):
        with pytest.raises(ConfigError, match="FEEDBOT_PUBLIC_URL must be the absolute URL"):
            load_settings({**environment, "FEEDBOT_PUBLIC_URL": value})


@pytest.mark.parametrize(
    "value",
    [
        "https://user:pa55word@feedbot.example/x?y",
        "https://user:pa55word@feedbot.example",
        "https://pa55word@feedbot.example/feedbot",
        "https://user:pa55/word@feedbot.example",
    ],
)
def test_a_public_url_with_a_password_is_refused_without_quoting_it(value):
    """It was quoted in full in the error, credentials included; or, without a query, used:
    written into TwiML and status callbacks, and logged with each signature that failed."""
    for environment in ({}, SAFE_PRODUCTION):
        with pytest.raises(ConfigError) as refused:
            load_settings({**environment, "FEEDBOT_PUBLIC_URL": value})
        assert str(refused.value) == (
            "FEEDBOT_PUBLIC_URL must not hold a user name or password (it has an '@'): give the"
            " scheme, host and any path alone, such as https://feedbot.agency.gov"
        )


def test_a_public_url_is_kept_without_its_trailing_slash():
    settings = load_settings({**SAFE_PRODUCTION, "FEEDBOT_PUBLIC_URL": "https://x.gov/feedbot/"})
    assert settings.public_url == "https://x.gov/feedbot"
    assert load_settings({"FEEDBOT_PUBLIC_URL": "http://localhost:5000"}).public_url


@pytest.mark.parametrize(
    "value",
    [
        "127.0.0.1:18090",
        "api.twilio.com",
        "ftp://x",
        " http://127.0.0.1:18090",
        "http://127.0.0.1:18090\n",
        "https://",
        "https://api.twilio.com:port",
        "https://api.twilio.com/?region=us1",
        "https://api.twilio.com#",
    ],
)
def test_a_twilio_api_base_that_is_no_http_url_is_refused_everywhere(value):
    """Each was taken as it was, in production too, and found only when the first invitation
    could not be sent."""
    for environment in ({}, SAFE_PRODUCTION):
        with pytest.raises(ConfigError) as refused:
            load_settings({**environment, "TWILIO_API_BASE": value})
        assert str(refused.value) == (
            "TWILIO_API_BASE must be an absolute http:// or https:// URL with a host, such as"
            f" https://api.twilio.com, with no query or fragment, got {value!r}"
        )


def test_a_twilio_api_base_with_a_password_is_refused_without_quoting_it():
    for environment in ({}, SAFE_PRODUCTION):
        with pytest.raises(ConfigError) as refused:
            load_settings({**environment, "TWILIO_API_BASE": "https://u:hunter2secret@x.gov"})
        assert str(refused.value) == (
            "TWILIO_API_BASE must not hold a user name or password (it has an '@'): the REST"
            " client signs in with TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN"
        )


@pytest.mark.parametrize(
    "value", ["http://api.twilio.com", "http://twilio-stand-in.internal:8080", "http://10.0.0.5"]
)
def test_production_refuses_a_twilio_api_base_the_auth_token_would_cross_in_clear(value):
    """The worker sent every invitation to it with the account SID and auth token in its
    Authorization header, in clear."""
    with pytest.raises(ConfigError) as refused:
        load_settings({**SAFE_PRODUCTION, "TWILIO_API_BASE": value})
    assert str(refused.value) == (
        "FEEDBOT_ENV=production but TWILIO_API_BASE must be an https:// URL in production"
        " (http:// only to this machine: 127.0.0.1, ::1 or localhost), as every request to it"
        " carries the account SID and auth token"
    )
    assert load_settings({"TWILIO_API_BASE": value}).twilio_api_base == value


@pytest.mark.parametrize(
    "value",
    [
        "https://api.twilio.com",
        "https://egress.agency.gov/twilio/",
        # The benchmarks and tests run production against a stand-in on this machine.
        "http://127.0.0.1:18090",
        "http://127.0.0.2:18090",
        "http://localhost:18090",
        "http://[::1]:18090",
    ],
)
def test_production_takes_an_https_twilio_api_base_or_one_on_loopback(value):
    assert load_settings({**SAFE_PRODUCTION, "TWILIO_API_BASE": value}).twilio_api_base == value


def test_a_malformed_account_sid_is_refused():
    with pytest.raises(ConfigError, match="TWILIO_ACCOUNT_SID must be AC followed by 32"):
        load_settings({"TWILIO_ACCOUNT_SID": "AC123"})


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
        ("FEEDBOT_IDLE_EXPIRY_HOURS", "1e300"),
        ("FEEDBOT_IDLE_EXPIRY_HOURS", "0"),
        ("FEEDBOT_TWILIO_TIMEOUT", "0"),
        ("FEEDBOT_TWILIO_TIMEOUT", "1e9"),
        ("FEEDBOT_NORMALIZE_DELAY_SECONDS", "1e300"),
        ("FEEDBOT_PROXY_HOPS", "1000000"),
        ("FEEDBOT_PROXY_HOPS", "9" * 5000),
        ("FEEDBOT_WORKER_MAINTENANCE_SECONDS", "0"),
        ("FEEDBOT_TWILIO_RETRY_INTERVALS", "30,99999999"),
        ("FEEDBOT_NORMALIZE_RETRY_INTERVALS", "9" * 5000),
        ("FEEDBOT_TWILIO_RETRY_INTERVALS", "30,2m"),
        ("FEEDBOT_NORMALIZE_RETRY_INTERVALS", "10;60"),
        ("FEEDBOT_WORKER_MAINTENANCE_SECONDS", "1.5"),
        ("FEEDBOT_NORMALIZE_OVERDUE_SECONDS", "0"),
        ("FEEDBOT_NORMALIZE_OVERDUE_SECONDS", "2.5"),
        ("FEEDBOT_WORKER_HEARTBEAT_SECONDS", "0"),
        ("FEEDBOT_WORKER_HEARTBEAT_SECONDS", "11"),
        ("FEEDBOT_WORKER_SCHEMA_CHECK_SECONDS", "0"),
        ("FEEDBOT_WORKER_SCHEMA_CHECK_SECONDS", "61"),
        ("FEEDBOT_FIXED_NOW", "yesterday"),
        ("FEEDBOT_FIXED_NOW", "2026-11-26T12:00:00"),
        ("FEEDBOT_FIXED_NOW", "9999-12-31T23:00:00+00:00"),
        ("FEEDBOT_CHAT_START_LIMIT", "20"),
        ("FEEDBOT_CHAT_ADDRESS_LIMIT", "lots per minute"),
        ("FEEDBOT_STAFF_SIGN_IN_LIMIT", "10"),
        ("REDIS_URL", "localhost:6379"),
        ("REDIS_URL", "redis://cache:port/0"),
        ("DATABASE_URL", "postgres//db.example/feedbot"),
        ("DATABASE_URL", "mysql://db.example/feedbot"),
        ("DATABASE_URL", "postgresql+asyncpg://db.example/feedbot"),
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


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DATABASE_URL", "postgresql//feedbot:hunter2secret@db.example/feedbot"),
        ("REDIS_URL", "cache.example:6379?password=hunter2secret"),
        # Unescaped "#", "/" or "@" in a password: the parsers' own errors quote a piece of it.
        ("REDIS_URL", "redis://:hunter2secret#q7@redis.example.gov:6379/0"),
        ("REDIS_URL", "redis://:hunter2secret/x@redis.example.gov:6379/0"),
        ("DATABASE_URL", "postgresql://app:Zx9@q:hunter2secret@db.example.gov/feedbot"),
        ("DATABASE_URL", "postgresql://app:x@db.example.gov:hunter2secret/feedbot"),
        ("DATABASE_URL", "postgresql://feedbot:s3cr@hunter2secret@db.internal:5432/feedbot"),
        # Read by redis-py without an error, as another host, port or database than written.
        ("REDIS_URL", "redis://:p@hunter2secret#word@redis.example.gov:6379/0"),
        ("REDIS_URL", "redis://:12/hunter2secret@redis.example.gov:6379/0"),
        ("REDIS_URL", "redis://:12?hunter2secret@redis.example.gov:6379/0"),
    ],
)
def test_a_url_that_cannot_be_read_is_named_without_its_password(name, value):
    with pytest.raises(ConfigError, match=name) as refused:
        load_settings({name: value})
    assert "hunter2secret" not in str(refused.value)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("REDIS_URL", "rediss://:secret@cache.example:6380/0"),
        ("REDIS_URL", "unix:///var/run/redis.sock"),
        ("REDIS_URL", "unix:///var/run/redis.sock?db=2"),
        ("REDIS_URL", "redis://cache.example:6379"),
        ("REDIS_URL", "redis://cache.example:6379/"),
        ("REDIS_URL", "redis://:p%23ss%40word%2F@cache.example:6379/15"),
        ("REDIS_URL", "redis://cache.example:6379/2/"),
        ("REDIS_URL", "unix:///var/run/redis/redis.sock?db=0&password=a@b"),
        ("DATABASE_URL", "postgres://feedbot@db.example:5432/feedbot"),
        ("DATABASE_URL", "postgresql+psycopg2://feedbot@db.example/feedbot?sslmode=require"),
        ("DATABASE_URL", "sqlite:////var/lib/feedbot.sqlite3"),
    ],
)
def test_the_urls_feedbot_can_use_are_accepted(name, value):
    load_settings({name: value})


@pytest.mark.parametrize(
    "value",
    ["redis://127.0.0.1:6379/abc", "redis://cache.example/1/2", "rediss://cache.example/0x1"],
)
def test_a_redis_database_that_is_no_number_is_refused(value):
    """redis-py read each as database 0 (or /1/2 as 12), without a word."""
    with pytest.raises(ConfigError) as refused:
        load_settings({"REDIS_URL": value})
    assert str(refused.value).startswith(
        "REDIS_URL names a database that is not a number (redis-py would use database 0)"
    )


def test_the_queue_and_worker_timings_keep_production_values_unless_set():
    """The overdue drain, the worker's heartbeat and its schema check waited fixed times (15 s,
    5 s, 5 s) that a test or the fault bench's quick run could only sit out."""
    defaults = load_settings({})
    assert (
        defaults.normalize_overdue_seconds,
        defaults.worker_heartbeat_seconds,
        defaults.worker_schema_check_seconds,
    ) == (15, 5, 5)
    assert defaults.worker_silent_after == timedelta(seconds=15)
    settings = load_settings(
        {
            "FEEDBOT_NORMALIZE_OVERDUE_SECONDS": "3",
            "FEEDBOT_WORKER_HEARTBEAT_SECONDS": "1",
            "FEEDBOT_WORKER_SCHEMA_CHECK_SECONDS": "2",
        }
    )
    assert (
        settings.normalize_overdue_seconds,
        settings.worker_heartbeat_seconds,
        settings.worker_schema_check_seconds,
    ) == (3, 1, 2)
    assert settings.worker_silent_after == timedelta(seconds=3)


def test_chat_rates_are_read_as_flask_limiter_writes_them():
    settings = load_settings({"FEEDBOT_CHAT_SESSION_LIMIT": "10/minute;100 per hour"})
    assert settings.chat_session_limit == "10/minute;100 per hour"
    assert load_settings({}).chat_start_limit == "20 per minute"


AUTH_TOKEN = "0123456789abcdef0123456789abcdef"


@pytest.mark.parametrize(
    "value",
    [
        "AC" + "0123456789abcdef" * 2,  # the account SID pasted in its place
        f'"{AUTH_TOKEN}"',  # an env file's quotes kept
        f"{AUTH_TOKEN} {AUTH_TOKEN}",
        "<auth token>",
        "changeme",
        "0123456789abcde",
    ],
)
def test_production_refuses_an_auth_token_that_can_be_no_accounts(value):
    with pytest.raises(ConfigError, match="FEEDBOT_ENV=production but TWILIO_AUTH_TOKEN") as no:
        load_settings({**SAFE_PRODUCTION, "TWILIO_AUTH_TOKEN": value})
    assert value not in str(no.value)
    assert load_settings({**SAFE_PRODUCTION, "TWILIO_AUTH_TOKEN": AUTH_TOKEN}).production
    assert load_settings({"TWILIO_AUTH_TOKEN": value}).twilio_auth_token == value  # not checked


def test_an_empty_auth_token_is_unset_so_production_refuses_it():
    """Signed with an empty key, a webhook (a STOP, say) could be forged by anyone."""
    with pytest.raises(ConfigError, match="TWILIO_AUTH_TOKEN must be set to the account's"):
        load_settings({**SAFE_PRODUCTION, "TWILIO_AUTH_TOKEN": ""})
    development = load_settings({"TWILIO_AUTH_TOKEN": "", "FEEDBOT_SECRET_KEY": ""})
    assert development.twilio_auth_token == DEV_TWILIO_AUTH_TOKEN
    assert development.secret_key == DEV_SECRET_KEY


@pytest.mark.parametrize(
    "name",
    [
        "FEEDBOT_SECRET_KEY",
        "TWILIO_AUTH_TOKEN",
        "FEEDBOT_METRICS_TOKEN",
        "DATABASE_URL",
        "REDIS_URL",
    ],
)
@pytest.mark.parametrize("environment", [{}, SAFE_PRODUCTION], ids=["development", "production"])
def test_a_blank_secret_is_refused_without_quoting_it(name, environment):
    for blank in (" " * 40, "\n", "\t \r\n"):
        with pytest.raises(ConfigError) as refused:
            load_settings({**environment, name: blank})
        assert str(refused.value) == (
            f"{name} is blank (only spaces or line breaks): set it, or unset it"
        )


SECRETS = {
    "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
    "FEEDBOT_METRICS_TOKEN": "metrics-token-0123456789",
    "DATABASE_URL": "postgresql://feedbot:hunter2secret@db.internal/feedbot",
    "REDIS_URL": "redis://:hunter2secret@cache.internal:6379/0",
}


@pytest.mark.parametrize("name", list(SECRETS))
@pytest.mark.parametrize("around", ["{}\n", "{}\r\n", " {}", "{}\t"])
def test_a_secret_with_space_around_it_is_refused_not_trimmed(name, around):
    """A secret file's last newline is the usual way: trimmed silently, the key that hashes
    phone numbers would depend on how it was pasted."""
    value = around.format(SECRETS[name])
    for environment in ({}, SAFE_PRODUCTION):
        with pytest.raises(ConfigError) as refused:
            load_settings({**environment, name: value})
        message = str(refused.value)
        assert message.startswith(f"{name} has spaces or a line break before or after it")
        assert SECRETS[name] not in message and "hunter2secret" not in message
    assert load_settings({**SAFE_PRODUCTION, name: SECRETS[name]}).production


@pytest.mark.parametrize("around", ["{}\n", " {}"])
def test_the_secret_key_is_used_exactly_as_given(around):
    """Its stored keys (every STOP) were made with whatever it held, a file's last newline
    included: refused, the newline's removal would have made it another key."""
    value = around.format("k" * 40)
    for environment in ({}, SAFE_PRODUCTION):
        assert load_settings({**environment, "FEEDBOT_SECRET_KEY": value}).secret_key == value


@pytest.mark.parametrize("name", ["FEEDBOT_SERVICES_FILE", "FEEDBOT_FLOWS_DIR"])
def test_an_empty_path_is_unset(name):
    """FEEDBOT_SERVICES_FILE= was the current directory ('. cannot be read')."""
    defaults = load_settings({})
    attribute = {"FEEDBOT_SERVICES_FILE": "services_file", "FEEDBOT_FLOWS_DIR": "flows_dir"}[name]
    for empty in ("", " ", "\n"):
        settings = load_settings({name: empty})
        assert getattr(settings, attribute) == getattr(defaults, attribute)
    given = load_settings({name: " /srv/feedbot/flows\n"})
    assert getattr(given, attribute) == Path("/srv/feedbot/flows")


def test_empty_paths_start_feedbot_on_the_shipped_files(tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "FEEDBOT_SERVICES_FILE": "",
        "FEEDBOT_FLOWS_DIR": "",
    }
    result = subprocess.run(
        [sys.executable, "-m", "feedbot.cli", "db", "upgrade"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "database upgraded from no tables to " in result.stdout


@pytest.mark.parametrize(
    "name",
    [
        "FEEDBOT_PROXY_HOPS",
        "FEEDBOT_TWILIO_TIMEOUT",
        "FEEDBOT_IDLE_EXPIRY_HOURS",
        "FEEDBOT_NORMALIZE_DELAY_SECONDS",
        "FEEDBOT_WORKER_MAINTENANCE_SECONDS",
        "FEEDBOT_NORMALIZE_OVERDUE_SECONDS",
        "FEEDBOT_WORKER_HEARTBEAT_SECONDS",
        "FEEDBOT_WORKER_SCHEMA_CHECK_SECONDS",
    ],
)
def test_an_empty_number_is_unset(name):
    """A compose file's FEEDBOT_PROXY_HOPS= was refused as "must be a whole number, got ''"."""
    assert load_settings({name: ""}) == load_settings({})
