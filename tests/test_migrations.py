"""The Alembic migrations build exactly the tables, columns and indexes the models declare, and
two of them at once on one database wait for each other."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from click.testing import CliRunner, Result
from markupsafe import escape
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from feedbot.cli import main
from feedbot.errors import SCHEMA_BEHIND_PUBLIC, SCHEMA_BEHIND_STAFF
from feedbot.migrations import alembic_config, upgrade
from feedbot.models import Base
from feedbot.staff_auth import create_token
from tests.conftest import TEST_SECRET_KEY, TEST_SERVICES, make_app, runtime_of
from tests.support.services import fresh_postgres_database
from tests.test_queue import complete_survey

REPO = Path(__file__).resolve().parent.parent


@contextmanager
def empty_database(backend: str, tmp_path: Path) -> Iterator[str]:
    """The URL of a database with no tables at all, on `backend` (sqlite or postgresql)."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    else:
        with fresh_postgres_database() as url:
            yield url


def versions(url: str) -> list[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return list(connection.scalars(text("SELECT version_num FROM alembic_version")))
    finally:
        engine.dispose()


def test_migrated_database_matches_the_models(database_url):
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    finally:
        engine.dispose()
    assert differences == []


# Each process imports feedbot, says so, and migrates when told: all of them at the same moment
# (as a release step and a `feedbot demo` or a second release might), not as they finish
# importing one after the other.
UPGRADE_WHEN_TOLD = """
import sys
from feedbot.migrations import upgrade
print("ready", flush=True)
sys.stdin.readline()
upgrade(sys.argv[1])
"""


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_upgrades_started_together_wait_for_each_other(backend, tmp_path):
    with empty_database(backend, tmp_path) as url:
        processes = [
            subprocess.Popen(
                [sys.executable, "-c", UPGRADE_WHEN_TOLD, url],
                cwd=REPO,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(3)
        ]
        try:
            for process in processes:
                assert process.stdout.readline() == "ready\n"
            for process in processes:
                process.stdin.write("go\n")
                process.stdin.flush()
            outcomes = [process.communicate(timeout=120) for process in processes]
        finally:
            for process in processes:
                process.kill()
                process.wait()
        errors = [
            err for (_, err), process in zip(outcomes, processes, strict=True) if process.returncode
        ]
        assert not errors, errors[0]
        head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
        assert versions(url) == [head]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_live_tokens_sharing_a_name_are_renamed_not_refused(backend, tmp_path):
    """0009 makes a live token's name unique; a database with two live "ops" tokens (made
    before the index) keeps the oldest's name and renames the other, whose token still works."""
    with empty_database(backend, tmp_path) as url:
        upgrade(url, "0008_staff_sign_outs")
        engine = create_engine(url)
        try:
            with engine.begin() as connection:
                for number, revoked in enumerate([None, "2026-01-02", None]):
                    connection.execute(
                        text(
                            "INSERT INTO staff_tokens (name, token_hash, scopes, created_at,"
                            " revoked_at) VALUES ('ops', :hash, '[\"export\"]', '2026-01-01',"
                            " :revoked)"
                        ),
                        {"hash": f"hash-{number}", "revoked": revoked},
                    )
            upgrade(url)
            with engine.connect() as connection:
                rows = connection.execute(text("SELECT id, name FROM staff_tokens ORDER BY id"))
                assert [tuple(row) for row in rows] == [(1, "ops"), (2, "ops"), (3, "ops #3")]
        finally:
            engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_records_keep_the_flow_they_were_given_under_through_0010(backend, tmp_path):
    """0010 copies each record's flow from its conversation (the quarterly export groups by
    it without a join); undone and redone, a record of a response given under the thumbs flow
    still says so, and none is left without a flow."""
    with empty_database(backend, tmp_path) as url:
        upgrade(url)
        app = make_app(url)
        complete_survey(app, phone="+12025550166")
        runtime_of(app).db.dispose()
        engine = create_engine(url)
        try:
            with engine.begin() as connection:
                connection.execute(
                    text("UPDATE conversations SET flow_id = 'a11_thumbs', flow_version = 2")
                )
            assert (
                _feedbot(["db", "downgrade", "0009_live_token_names", "--yes"], url).exit_code == 0
            )
            upgrade(url)
            with engine.connect() as connection:
                flows = connection.execute(
                    text("SELECT flow_id, flow_version FROM response_records")
                ).all()
        finally:
            engine.dispose()
    assert [tuple(row) for row in flows] == [("a11_thumbs", 2)]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_requests_on_a_schema_behind_are_told_it_is_being_updated_not_unreachable(
    backend, tmp_path
):
    """With the web on a schema behind its code, chat and the staff API answered 503 "feedbot
    cannot reach its database right now", which it could. Staff are told what to run; a chat
    visitor only that feedbot is being updated. Still 503 with Retry-After, until it has run."""
    with empty_database(backend, tmp_path) as url:
        upgrade(url, "0006_inbound_by_conversation")
        token = _token_made_at_this_revision(url)
        app = make_app(url)
        client = app.test_client()
        origin = {"Origin": "https://studentaid.example.gov"}
        chat = client.post("/api/chat/sessions", json={"service": "webchat"}, headers=origin)
        staff = [client.get(path, headers=_bearer(token)) for path in STAFF_PATHS]
        upgrade(url)
        after = client.post("/api/chat/sessions", json={"service": "webchat"}, headers=origin)
        runtime_of(app).db.dispose()
    assert (chat.status_code, chat.headers["Retry-After"]) == (503, "5")
    assert chat.json == {"error": SCHEMA_BEHIND_PUBLIC}
    for answer in staff:
        assert (answer.status_code, answer.headers["Retry-After"]) == (503, "5")
        assert answer.json == {"error": SCHEMA_BEHIND_STAFF}
    assert SCHEMA_BEHIND_STAFF == (
        "feedbot's database tables are missing or older than this feedbot: run"
        " `feedbot db upgrade`, then try again"
    )
    assert after.status_code == 201, after.json


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_on_a_schema_behind_only_staff_read_what_to_run_and_the_pages_stay_pages(backend, tmp_path):
    """Any bearer at all, even one that was no token, read the staff's "run `feedbot db
    upgrade`" from the staff API, and the sign-in page answered in JSON. A wrong token is now
    refused as on any day (401); one no one can check (no tables yet) gets the public 503; a
    staff member's token, the instructions; the staff pages answer with a page."""
    with empty_database(backend, tmp_path) as url:
        app = make_app(url)
        client = app.test_client()
        csrf = _sign_in_form(client)
        unchecked_api = client.get(STAFF_PATHS[0], headers=_bearer("fbt_not-a-token"))
        unchecked_page = client.post("/staff/login", data={"token": "fbt_x", "csrf": csrf})
        upgrade(url, "0006_inbound_by_conversation")
        token = _token_made_at_this_revision(url)
        wrong_api = [client.get(path, headers=_bearer("fbt_not-a-token")) for path in STAFF_PATHS]
        wrong_page = client.post("/staff/login", data={"token": "fbt_x", "csrf": csrf})
        staff_page = client.post("/staff/login", data={"token": token, "csrf": csrf})
        runtime_of(app).db.dispose()
    assert (unchecked_api.status_code, unchecked_api.headers["Retry-After"]) == (503, "5")
    assert unchecked_api.json == {"error": SCHEMA_BEHIND_PUBLIC}
    for answer in wrong_api:
        assert answer.status_code == 401
        assert answer.json == {"error": "token is unknown or revoked"}
    assert wrong_page.status_code == 401 and wrong_page.mimetype == "text/html"
    assert b"That token is unknown or revoked." in wrong_page.data
    for page, said in ((unchecked_page, SCHEMA_BEHIND_PUBLIC), (staff_page, SCHEMA_BEHIND_STAFF)):
        assert (page.status_code, page.headers["Retry-After"]) == (503, "5")
        assert page.mimetype == "text/html"
        assert escape(said).encode() in page.data
    assert b"db upgrade" not in unchecked_page.data


def _sign_in_form(client: Any) -> str:
    """The CSRF token of the sign-in form, which needs no database."""
    page = client.get("/staff")
    return re.search(rb'name="csrf" value="([^"]+)"', page.data).group(1).decode()


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _token_made_at_this_revision(url: str) -> str:
    """A staff token (export, invite) stored in the database at the revision it is at."""
    engine = create_engine(url)
    try:
        with Session(engine) as db:
            token = create_token(db, "ops", None, ["export", "invite"])
            db.commit()
    finally:
        engine.dispose()
    return token


STAFF_PATHS = [
    "/api/exports/responses",
    "/api/exports/a11-quarterly?quarter=FY2027Q1",
    "/api/invitations",
]


def _feedbot(args: list[str], url: str, **options: object) -> Result:
    env = {
        "DATABASE_URL": url,
        "FEEDBOT_SERVICES_FILE": str(TEST_SERVICES),
        "FEEDBOT_SECRET_KEY": TEST_SECRET_KEY,
        "REDIS_URL": None,
    }
    return CliRunner().invoke(main, args, env=env, **options)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_db_downgrade_goes_back_to_a_revision_saying_what_it_loses_and_upgrade_returns(
    backend, tmp_path
):
    """A rollback had no command: `alembic downgrade` stops on "No 'script_location' key"
    (feedbot ships no alembic.ini)."""
    with empty_database(backend, tmp_path) as url:
        upgrade(url)
        app = make_app(url)  # records the key's fingerprint, which 0007's downgrade drops
        complete_survey(app, phone="+12025550165")
        runtime_of(app).db.dispose()
        refused = _feedbot(["db", "downgrade", "0006_inbound_by_conversation"], url, input="n\n")
        assert versions(url) == ["0011_what_was_asked"]
        down = _feedbot(["db", "downgrade", "0006_inbound_by_conversation", "--yes"], url)
        assert versions(url) == ["0006_inbound_by_conversation"]
        again = _feedbot(["db", "downgrade", "0006"], url)
        up = _feedbot(["db", "upgrade"], url)
        assert versions(url) == ["0011_what_was_asked"]
        kept = create_engine(url)
        with kept.connect() as connection:
            conversations = connection.scalar(text("SELECT count(*) FROM conversations"))
        kept.dispose()
    assert refused.exit_code == 1 and refused.output.endswith("Aborted!\n"), refused.output
    assert down.exit_code == 0, down.output
    lines = down.output.splitlines()
    assert [line.split(" ")[1] for line in lines[:5]] == [
        "0011_what_was_asked",
        "0010_record_flow",
        "0009_live_token_names",
        "0008_staff_sign_outs",
        "0007_key_fingerprint",
    ]
    assert lines[4].startswith(
        "undoes 0007_key_fingerprint (fingerprint of the secret key the keyed hashes of numbers"
        " are made with): loses the recorded fingerprints of FEEDBOT_SECRET_KEY"
    )
    assert lines[-1] == "database is at 0006_inbound_by_conversation"
    assert (
        again.output == "the database is at 0006_inbound_by_conversation already: nothing to undo\n"
    )
    assert up.exit_code == 0 and conversations == 1


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_db_upgrade_says_which_migrations_it_applied(backend, tmp_path):
    """It said "database is up to date" whatever it had done: a release step's log did not
    show whether, or how far, it had migrated the database."""
    from feedbot.migrations import downgrade

    with empty_database(backend, tmp_path) as url:
        created = _feedbot(["db", "upgrade"], url)
        again = _feedbot(["db", "upgrade"], url)
        downgrade(url, "0008_staff_sign_outs")
        caught_up = _feedbot(["db", "upgrade"], url)
        assert versions(url) == ["0011_what_was_asked"]
    assert created.exit_code == 0, created.output
    lines = created.output.splitlines()
    assert lines[0] == "applied 0001 (conversations, answers, inbound messages, opt-outs)"
    assert [line.split(" ")[1] for line in lines[:-1]] == [
        "0001",
        "0002_records_tokens",
        "0003_outbox",
        "0004_invitations",
        "0005_reminder_index",
        "0006_inbound_by_conversation",
        "0007_key_fingerprint",
        "0008_staff_sign_outs",
        "0009_live_token_names",
        "0010_record_flow",
        "0011_what_was_asked",
    ]
    assert lines[-1] == "database upgraded from no tables to 0011_what_was_asked"
    assert again.output == "database is up to date at 0011_what_was_asked\n"
    assert caught_up.output.splitlines() == [
        "applied 0009_live_token_names (one live staff token per name, kept by the database)",
        "applied 0010_record_flow (the flow each normalized record was given under, on the record)",
        "applied 0011_what_was_asked (what a survey asked: its trust question's form, and the"
        " question it closed on)",
        "database upgraded from 0008_staff_sign_outs to 0011_what_was_asked",
    ]


@pytest.mark.parametrize(
    "args, said",
    [
        ([], "Missing argument 'REVISION'"),
        (["base"], "'base' drops every table"),
        (
            ["0042_from_a_later_release"],
            "this feedbot knows no revision '0042_from_a_later_release'",
        ),
        (["0009_live_token_names"], "the database is at 0006_inbound_by_conversation, not past"),
        # The start of several revisions was "a revision this feedbot knows not".
        (
            ["000"],
            "'000' starts 9 revisions (0001, 0002_records_tokens, 0003_outbox, 0004_invitations,"
            " 0005_reminder_index, 0006_inbound_by_conversation, 0007_key_fingerprint,"
            " 0008_staff_sign_outs, 0009_live_token_names): give more of the one meant",
        ),
    ],
)
def test_db_downgrade_refuses_without_a_revision_it_can_go_back_to(args, said, tmp_path):
    url = f"sqlite:///{tmp_path / 'feedbot.sqlite3'}"
    upgrade(url, "0006_inbound_by_conversation")
    refused = _feedbot(["db", "downgrade", *args], url)
    assert refused.exit_code == 2, refused.output
    assert said in " ".join(refused.output.split()), refused.output
    assert versions(url) == ["0006_inbound_by_conversation"]


def test_every_migration_says_what_undoing_it_loses():
    script = ScriptDirectory.from_config(alembic_config(""))
    for migration in script.walk_revisions():
        assert migration.module.downgrade_loses.strip(), migration.revision


def test_a_web_process_builds_its_app_without_importing_alembic(sqlite_url):
    """Alembic (with Mako and Pygments) is imported where migrations or the schema's revision
    are asked for: not by every web worker as it starts, ~0.13 s of its 1.2 s of imports."""
    program = (
        "import sys, feedbot\n"
        f"app = feedbot.create_app({{'database_url': {sqlite_url!r},"
        f" 'secret_key': {TEST_SECRET_KEY!r}, 'services_file': {str(TEST_SERVICES)!r}}})\n"
        "print(sorted(name for name in sys.modules if name.split('.')[0] == 'alembic'))\n"
        "app.test_client().get('/readyz')\n"
        "print('alembic' in sys.modules)\n"
    )
    ran = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True, timeout=60
    )
    assert ran.stdout.splitlines()[0] == "[]"
    # Asked for the schema's revision, it imports what it needs.
    assert ran.stdout.splitlines()[-1] == "True"
