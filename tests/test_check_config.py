"""`feedbot check-config`: what would stop a web or worker process at start-up, found before it
starts, on real databases and a real Redis, without writing anything."""

from __future__ import annotations

import functools
import tempfile
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result
from sqlalchemy import create_engine, func, select, text

from feedbot.cli import main
from feedbot.models import KeyFingerprint
from tests.conftest import TEST_SECRET_KEY, TEST_SERVICES, make_app, runtime_of

OTHER_KEY = "another-secret-key-that-is-long-enough-9876543210"


@functools.cache
def current_services() -> Path:
    """The test services with OMB approvals that do not run out while these tests are kept:
    the test data's own pass in 2027, and an expired one is a PROBLEM."""
    document = yaml.safe_load(TEST_SERVICES.read_text())
    for service in document["services"]:
        service["omb_expiration"] = "2099-12-31"
    path = Path(tempfile.mkdtemp()) / "services.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True))
    return path


def check_config(database_url: str, redis_url: str | None, *args: str, **env: str | None) -> Result:
    environment = {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "FEEDBOT_SECRET_KEY": TEST_SECRET_KEY,
        "FEEDBOT_SERVICES_FILE": str(current_services()),
        "FEEDBOT_ENV": "testing",
        "PORT": None,
        "WEB_CONCURRENCY": None,
        "PROMETHEUS_MULTIPROC_DIR": None,
        **env,
    }
    return CliRunner().invoke(main, ["check-config", *args], env=environment)


def lines(result: Result) -> dict[str, str]:
    """Each finding's subject and the rest of its line."""
    return dict(line.split(maxsplit=1) for line in result.output.splitlines())


def fingerprints(database_url: str) -> int:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return connection.scalar(select(func.count()).select_from(KeyFingerprint))
    finally:
        engine.dispose()


def test_a_sound_configuration_is_ok_on_every_count(database_url, redis_server):
    app = make_app(database_url)  # a process has run: the key is recorded
    runtime_of(app).db.dispose()
    result = check_config(database_url, redis_server.url)
    assert result.exit_code == 0, result.output
    found = lines(result)
    assert found["settings"] == "ok       FEEDBOT_ENV is testing"
    assert found["services"].startswith(f"ok       {current_services()}: ")
    assert "(passport, benefits" in found["services"] and "flows a11" in found["services"]
    assert found["database"] == "ok       schema ok; FEEDBOT_SECRET_KEY is the database's"
    assert found["redis"] == "ok       answers"
    assert found["gunicorn"] == (
        "ok       PORT 8000, WEB_CONCURRENCY cores + 1, PROMETHEUS_MULTIPROC_DIR unset (a new"
        " temporary directory)"
    )


def test_a_new_database_is_ok_and_its_key_is_left_for_the_first_start(sqlite_url):
    result = check_config(sqlite_url, None)
    assert result.exit_code == 0, result.output
    assert "FEEDBOT_SECRET_KEY not recorded yet" in lines(result)["database"]
    assert "REDIS_URL not set" in lines(result)["redis"]
    assert fingerprints(sqlite_url) == 0  # checking wrote nothing


def test_a_broken_services_file_is_named_with_its_place(tmp_path: Path, sqlite_url):
    document = yaml.safe_load(TEST_SERVICES.read_text())
    document["services"][0]["timezone"] = "America/Springfield"
    broken = tmp_path / "services.yaml"
    broken.write_text(yaml.safe_dump(document))
    result = check_config(sqlite_url, None, FEEDBOT_SERVICES_FILE=str(broken))
    assert result.exit_code == 1
    problem = lines(result)["services"]
    assert problem.startswith(f"PROBLEM  ServiceError: {broken}, line ")
    assert "service 'passport', timezone: no time zone 'America/Springfield'" in problem
    assert lines(result)["database"].startswith("ok")  # the other checks still ran


def test_a_services_file_saved_as_utf16_is_named(tmp_path: Path, sqlite_url):
    utf16 = tmp_path / "services.yaml"
    utf16.write_bytes(TEST_SERVICES.read_text().encode("utf-16"))
    result = check_config(sqlite_url, None, FEEDBOT_SERVICES_FILE=str(utf16))
    assert result.exit_code == 1
    assert f"{utf16}, line 1, column 1: is not UTF-8 text (byte 0xff)" in lines(result)["services"]


def test_a_services_file_saved_as_windows_1252_is_named_by_line_and_column(tmp_path: Path):
    """It said "byte 0xf3 at position 471", which no editor shows: the line and the column
    find the "ó" that Windows-1252 wrote as one byte."""
    text = TEST_SERVICES.read_text()
    text = text.replace("    translations:\n      ar: {name: طلب القرض}\n", "")  # not in cp1252
    services = tmp_path / "services.yaml"
    services.write_bytes(text.encode("cp1252"))
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "Administración" in row)
    column = text.splitlines()[line - 1].index("ó") + 1
    result = check_config("sqlite://", None, "--offline", FEEDBOT_SERVICES_FILE=str(services))
    assert result.exit_code == 1
    assert lines(result)["services"] == (
        f"PROBLEM  ServiceError: {services}, line {line}, column {column}: is not UTF-8 text"
        " (byte 0xf3): save it as UTF-8"
    )


def test_another_secret_key_is_a_problem_and_is_not_recorded(database_url):
    runtime_of(make_app(database_url)).db.dispose()
    result = check_config(database_url, None, FEEDBOT_SECRET_KEY=OTHER_KEY)
    assert result.exit_code == 1
    assert "PROBLEM  FEEDBOT_SECRET_KEY is not the key" in lines(result)["database"]
    assert OTHER_KEY not in result.output and TEST_SECRET_KEY not in result.output
    assert check_config(database_url, None).exit_code == 0  # the database's key is unchanged


def test_a_database_not_migrated_says_to_upgrade(tmp_path: Path):
    engine = create_engine(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    engine.connect().close()  # a database file with no tables
    engine.dispose()
    result = check_config(f"sqlite:///{tmp_path / 'empty.sqlite3'}", None)
    assert result.exit_code == 1
    assert lines(result)["database"] == "PROBLEM  tables missing: run `feedbot db upgrade`"


def test_a_missing_sqlite_file_is_named_and_not_created(tmp_path: Path):
    """Checking created the file, and its directory, that it then found empty."""
    path = tmp_path / "nowhere" / "feedbot.sqlite3"
    result = check_config(f"sqlite:///{path}", None)
    assert result.exit_code == 1
    problem = f"PROBLEM  no database file {path}: run `feedbot db upgrade`"
    assert lines(result)["database"] == problem
    assert not path.parent.exists()


def test_a_database_behind_this_code_says_to_upgrade(sqlite_url):
    engine = create_engine(sqlite_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    engine.dispose()
    found = lines(check_config(sqlite_url, None))["database"]
    assert found.startswith("PROBLEM  schema at 0001, this code needs ")
    assert found.endswith("run `feedbot db upgrade`")


def test_unreachable_database_and_redis_are_named_without_their_passwords():
    result = check_config(
        "postgresql://feedbot:hunter2-secret@127.0.0.1:1/feedbot",
        "redis://:redis-secret@127.0.0.1:1/0",
    )
    assert result.exit_code == 1
    found = lines(result)
    assert found["database"].startswith("PROBLEM  cannot be used (")
    assert "check DATABASE_URL" in found["database"]
    assert found["redis"].startswith("PROBLEM  cannot be reached (")
    assert "hunter2" not in result.output and "redis-secret" not in result.output


def test_unreachable_redis_fails_the_check_though_the_processes_would_start(sqlite_url):
    """Exit status 1 is for anything to fix: the processes would run degraded, not stop."""
    result = check_config(sqlite_url, "redis://127.0.0.1:1/0")
    assert result.exit_code == 1
    assert lines(result)["redis"].endswith(
        "check REDIS_URL and that Redis is running (the processes would start without it,"
        " degraded: normalization and invitations wait)"
    )
    assert all(
        line.startswith("ok") for subject, line in lines(result).items() if subject != "redis"
    )


def test_unreadable_settings_stop_the_check_at_once(sqlite_url):
    result = check_config(sqlite_url, None, FEEDBOT_ENV="prod")
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "settings  PROBLEM  ConfigError: FEEDBOT_ENV must be one of development, testing,"
        " production, got 'prod'"
    ]


# A production environment check-config passes offline (the services' OMB dates are current).
PRODUCTION = {
    "FEEDBOT_ENV": "production",
    "TWILIO_AUTH_TOKEN": "0123456789abcdef0123456789abcdef",
    "TWILIO_ACCOUNT_SID": "AC" + "0123456789abcdef" * 2,
    "FEEDBOT_PUBLIC_URL": "https://feedbot.agency.gov",
    "TWILIO_API_BASE": None,
}
PRODUCTION_DATABASE = "postgresql://feedbot@db.internal/feedbot"
PRODUCTION_REDIS = "redis://cache.internal:6379/0"


def check_production(**env: str | None) -> Result:
    return check_config(PRODUCTION_DATABASE, PRODUCTION_REDIS, "--offline", **{**PRODUCTION, **env})


def test_production_is_ok_offline():
    result = check_production()
    assert result.exit_code == 0, result.output
    assert lines(result)["settings"] == "ok       FEEDBOT_ENV is production"


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (
            "http://twilio-stand-in.example:18090",
            "FEEDBOT_ENV=production but TWILIO_API_BASE must be an https:// URL in production"
            " (http:// only to this machine: 127.0.0.1, ::1 or localhost), as every request to"
            " it carries the account SID and auth token",
        ),
        (
            "127.0.0.1:18090",
            "TWILIO_API_BASE must be an absolute http:// or https:// URL with a host, such as"
            " https://api.twilio.com, with no query or fragment, got '127.0.0.1:18090'",
        ),
    ],
)
def test_a_twilio_api_base_production_would_refuse_is_a_problem(value, problem):
    """check-config said ok for each, and the worker sent the auth token in clear to the
    first."""
    result = check_production(TWILIO_API_BASE=value)
    assert result.exit_code == 1
    assert result.output.splitlines() == [f"settings  PROBLEM  ConfigError: {problem}"]


def test_a_twilio_api_base_in_production_is_named_as_a_warning():
    """A stand-in's base left in a production environment sends every invitation there."""
    result = check_production(TWILIO_API_BASE="http://127.0.0.1:18090")
    assert result.exit_code == 0, result.output
    assert lines(result)["settings"] == (
        "WARNING  FEEDBOT_ENV is production; TWILIO_API_BASE sends invitations, with the account"
        " SID and auth token, to http://127.0.0.1:18090 instead of Twilio's"
        " https://api.twilio.com: unset it unless that is meant"
    )
    ok = check_production(TWILIO_API_BASE="https://api.twilio.com/")
    assert lines(ok)["settings"] == "ok       FEEDBOT_ENV is production"


def test_production_without_a_public_url_warns_where_services_send_invitations(tmp_path: Path):
    """Without it invitations go without a StatusCallback: an undelivered one counts as offered
    and holds its number's window, and nothing said so."""
    result = check_production(FEEDBOT_PUBLIC_URL=None)
    assert result.exit_code == 0, result.output
    assert lines(result)["settings"] == (
        "WARNING  FEEDBOT_ENV is production; FEEDBOT_PUBLIC_URL is unset, so the invitations of"
        " service 'benefits' are sent without a StatusCallback: Twilio cannot report one"
        " undelivered or failed, which then counts as offered and keeps its number from being"
        " invited again within the window: set it to the https:// URL Twilio reaches feedbot at"
    )
    # A service with no invitation settings (an invitations block, a Messaging Service or a
    # from_number) is not taken to send any.
    document = yaml.safe_load(current_services().read_text())
    document["services"] = [s for s in document["services"] if s["id"] != "benefits"]
    services = tmp_path / "services.yaml"
    services.write_text(yaml.safe_dump(document, allow_unicode=True))
    quiet = check_production(FEEDBOT_PUBLIC_URL=None, FEEDBOT_SERVICES_FILE=str(services))
    assert lines(quiet)["settings"] == "ok       FEEDBOT_ENV is production"
    # Outside production Twilio may have nothing to call back: no warning.
    testing = check_config("sqlite://", None, "--offline", FEEDBOT_PUBLIC_URL=None)
    assert lines(testing)["settings"] == "ok       FEEDBOT_ENV is testing"


def test_offline_checks_the_files_alone():
    result = check_config("postgresql://postgres@127.0.0.1:1/feedbot", None, "--offline")
    assert result.exit_code == 0, result.output
    assert list(lines(result)) == ["settings", "services", "gunicorn"]


def test_a_rotation_to_a_new_key_is_ok_and_left_for_the_first_start(database_url):
    runtime_of(make_app(database_url)).db.dispose()
    result = check_config(
        database_url,
        None,
        FEEDBOT_SECRET_KEY=OTHER_KEY,
        FEEDBOT_PREVIOUS_SECRET_KEYS=TEST_SECRET_KEY,
    )
    assert result.exit_code == 0, result.output
    assert "FEEDBOT_SECRET_KEY replaces the database's key" in lines(result)["database"]
    assert check_config(database_url, None).exit_code == 0  # nothing recorded by checking


def test_an_expired_omb_control_number_is_a_problem_naming_service_and_date(tmp_path: Path):
    """It was accepted without a word, and the survey showed the expired number."""
    document = yaml.safe_load(TEST_SERVICES.read_text())
    document["services"][1]["omb_expiration"] = "2020-12-31"
    expired = tmp_path / "services.yaml"
    expired.write_text(yaml.safe_dump(document, allow_unicode=True))
    result = check_config("sqlite://", None, "--offline", FEEDBOT_SERVICES_FILE=str(expired))
    assert result.exit_code == 1
    service = document["services"][1]
    assert lines(result)["services"] == (
        f"PROBLEM  service {service['id']!r}: its OMB control number"
        f" {service['omb_control_number']} expired on 2020-12-31, which the survey shows: once"
        " OMB renews it, update omb_expiration"
    )


@pytest.mark.parametrize(
    ("name", "value", "problem"),
    [
        ("PORT", "abc", "PORT must be a whole number from 1 to 65535, got 'abc'"),
        ("PORT", "70000", "PORT must be a whole number from 1 to 65535, got '70000'"),
        ("WEB_CONCURRENCY", "two", "WEB_CONCURRENCY must be a whole number from 1 to 256, got"),
        ("WEB_CONCURRENCY", "0", "WEB_CONCURRENCY must be a whole number from 1 to 256, got '0'"),
        ("WEB_CONCURRENCY", "", "WEB_CONCURRENCY is set to nothing, which gunicorn cannot read"),
    ],
)
def test_a_number_gunicorn_cannot_use_is_a_problem(name, value, problem):
    """gunicorn stopped with a traceback on WEB_CONCURRENCY=two and refused PORT=abc, while
    check-config said ok."""
    result = check_config("sqlite://", None, "--offline", **{name: value})
    assert result.exit_code == 1
    assert lines(result)["gunicorn"].startswith(f"PROBLEM  {problem}")


def test_a_missing_metrics_directory_is_left_for_gunicorn_to_make(tmp_path: Path):
    directory = tmp_path / "not" / "yet"
    result = check_config("sqlite://", None, "--offline", PROMETHEUS_MULTIPROC_DIR=str(directory))
    assert result.exit_code == 0, result.output
    assert lines(result)["gunicorn"].endswith(
        f"PROMETHEUS_MULTIPROC_DIR {directory} (gunicorn.conf.py makes it)"
    )
    assert not (tmp_path / "not").exists()  # checking made nothing


def test_a_metrics_directory_that_cannot_be_made_is_a_problem(tmp_path: Path):
    """With it, gunicorn started and every request answered 500 (FileNotFoundError)."""
    (tmp_path / "a-file").write_text("")
    directory = tmp_path / "a-file" / "metrics"
    result = check_config("sqlite://", None, "--offline", PROMETHEUS_MULTIPROC_DIR=str(directory))
    assert result.exit_code == 1
    assert lines(result)["gunicorn"] == (
        f"PROBLEM  PROMETHEUS_MULTIPROC_DIR {directory} cannot be made: {tmp_path / 'a-file'}"
        " is a file"
    )


def test_a_date_that_does_not_exist_is_named_by_every_command_not_a_traceback(tmp_path: Path):
    """omb_expiration: 2027-02-30 stopped check-config, `queue status`, `tokens list` and every
    other command with PyYAML's traceback (ValueError: day is out of range for month)."""
    services = tmp_path / "services.yaml"
    services.write_text(TEST_SERVICES.read_text().replace("2027-06-30", "2027-02-30"))
    result = check_config("sqlite://", None, "--offline", FEEDBOT_SERVICES_FILE=str(services))
    assert result.exit_code == 1, result.output
    problem = lines(result)["services"]
    assert problem.startswith(f"PROBLEM  ServiceError: {services}, ")
    assert "omb_expiration" in problem and "'2027-02-30'" in problem
    assert list(lines(result)) == ["settings", "services", "gunicorn"]  # the others still ran
    listed = CliRunner().invoke(
        main,
        ["tokens", "list"],
        env={"FEEDBOT_SERVICES_FILE": str(services), "DATABASE_URL": "sqlite://"},
    )
    assert listed.exit_code == 2
    assert listed.output.startswith(f"feedbot: cannot start: ServiceError: {services}, ")
    assert "Traceback" not in listed.output


def data_of_a_release_before_0007(database_url: str, call: bool = False, invite: bool = False):
    """A database a release before key fingerprints (0007) filled: a survey texted, a STOP,
    optionally a call answered and an invitation whose number is kept for its reminder, all
    keyed under TEST_SECRET_KEY, and no fingerprint recorded (upgraded since: 0007 made its
    table empty)."""
    from datetime import UTC, datetime

    from feedbot.identity import sender_key
    from feedbot.models import Invitation
    from tests.support.calling import Caller
    from tests.support.texting import Texter
    from tests.test_queue import complete_survey

    app = make_app(database_url)
    complete_survey(app, phone="+12025550166")
    Texter(app.test_client(), phone="+12025550167", to="+12025550100").send("STOP")
    if call:
        caller = Caller(app.test_client(), phone="+12025550168")
        caller.dial()
        caller.press("1")
    if invite:
        now = datetime.now(UTC)
        with runtime_of(app).db.transaction() as db:
            db.add(
                Invitation(
                    service_id="benefits",
                    phone="+12025550169",
                    sender_key=sender_key("+12025550169", TEST_SECRET_KEY),
                    language="es",
                    status="sent",
                    send_at=now,
                    created_at=now,
                    sent_at=now,
                    reminder_due_at=now,
                )
            )
    runtime_of(app).db.dispose()
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM key_fingerprints"))
    engine.dispose()


def test_a_key_not_recorded_over_data_of_an_earlier_release_is_a_warning(database_url):
    """After an upgrade from before 0007, check-config said "not recorded yet (the first
    process to start records it)" over a database of conversations and STOPs: under another
    key the first process would have recorded it silently and every STOP been forgotten.
    Its line said `ok` before that warning: it is a WARNING now, and the processes would still
    start (exit status 0)."""
    data_of_a_release_before_0007(database_url)
    for key in (TEST_SECRET_KEY, OTHER_KEY):
        result = check_config(database_url, None, FEEDBOT_SECRET_KEY=key)
        assert result.exit_code == 0, result.output
        assert lines(result)["database"] == (
            "WARNING  schema ok; FEEDBOT_SECRET_KEY not recorded yet, and the database holds"
            " 2 contact(s) and 1 opt-out(s) hashed by an earlier release, which cannot be"
            " checked without their numbers: before a process starts (the first records the"
            " key), make sure FEEDBOT_SECRET_KEY is the key that release ran with, or every"
            " STOP is forgotten"
        )
    assert fingerprints(database_url) == 0


@pytest.mark.parametrize("kept", ["call", "invite"])
def test_a_key_not_recorded_is_checked_against_a_call_or_a_kept_number(database_url, kept):
    data_of_a_release_before_0007(database_url, **{kept: True})
    made = lines(check_config(database_url, None))["database"]
    other = check_config(database_url, None, FEEDBOT_SECRET_KEY=OTHER_KEY)
    assert made.startswith(
        "ok       schema ok; FEEDBOT_SECRET_KEY not recorded yet, and it is the key the"
        " database's hashes were made with (checked against 1 "
    ), made
    assert made.endswith("): the first process to start records it")
    assert other.exit_code == 1
    assert lines(other)["database"].startswith(
        "PROBLEM  FEEDBOT_SECRET_KEY is not the key this database's phone-number hashes were"
        " made with (none of 1 "
    ), other.output
    assert OTHER_KEY not in other.output and TEST_SECRET_KEY not in other.output
    assert fingerprints(database_url) == 0
