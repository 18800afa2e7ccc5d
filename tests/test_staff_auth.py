"""Staff tokens: shown once, stored as a hash, revocable."""

from __future__ import annotations

import secrets
import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from feedbot.models import StaffToken
from feedbot.staff_auth import TokenError, authenticate, create_token, hash_token
from tests.conftest import make_app, runtime_of


def test_create_shows_token_once_and_stores_only_its_hash(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["tokens", "create", "--name", "ana", "--service", "passport"])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip().splitlines()[0]
    assert token.startswith("fbt_") and len(token) > 40
    with runtime_of(app).db.transaction() as db:
        stored = db.scalars(select(StaffToken)).one()
        assert stored.token_hash == hash_token(token) != token
        assert stored.services == ["passport"] and stored.scopes == ["export"]
        assert authenticate(db, token).name == "ana"
        assert authenticate(db, token + "x") is None


def test_revoked_token_no_longer_authenticates(app):
    runner = app.test_cli_runner()
    token = runner.invoke(args=["tokens", "create", "--name", "bo"]).stdout.split()[0]
    result = runner.invoke(args=["tokens", "revoke", "bo"])
    assert result.exit_code == 0 and "revoked 1 token(s)" in result.output
    with runtime_of(app).db.transaction() as db:
        assert authenticate(db, token) is None
    again = runner.invoke(args=["tokens", "revoke", "bo"])
    assert again.exit_code != 0 and "no live token named 'bo'" in again.output


def test_unknown_service_is_refused(app):
    result = app.test_cli_runner().invoke(
        args=["tokens", "create", "--name", "x", "--service", "nope"]
    )
    assert result.exit_code != 0 and "no service 'nope'" in result.output


def test_list_shows_who_holds_access_never_the_token(app):
    runner = app.test_cli_runner()
    kept = runner.invoke(args=["tokens", "create", "--name", "ana", "--service", "passport"])
    token = kept.stdout.split()[0]
    runner.invoke(args=["tokens", "create", "--name", "case-system", "--scope", "invite"])
    runner.invoke(args=["tokens", "create", "--name", "gone"])
    runner.invoke(args=["tokens", "revoke", "gone"])
    app.test_client().get("/api/exports/responses", headers={"Authorization": f"Bearer {token}"})
    listed = runner.invoke(args=["tokens", "list"])
    assert listed.exit_code == 0, listed.output
    header, ana, system = listed.stdout.splitlines()
    assert header.split() == [
        "id",
        "name",
        "services",
        "scopes",
        "created",
        "(UTC)",
        "last",
        "used",
        "revoked",
    ]
    assert ana.split()[:4] == ["1", "ana", "passport", "export"] and "never" not in ana
    assert system.split()[:4] == ["2", "case-system", "all", "invite"] and system.endswith("never")
    with runtime_of(app).db.transaction() as db:
        hashes = [t.token_hash for t in db.scalars(select(StaffToken))]
    everything = runner.invoke(args=["tokens", "list", "--all"]).stdout
    assert "gone" in everything and "gone" not in listed.stdout
    assert token not in everything and not any(h in everything for h in hashes)


def test_a_token_name_is_one_printable_line_and_lists_in_its_column(app):
    runner = app.test_cli_runner()
    forged = runner.invoke(args=["tokens", "create", "--name", "eve\n99  root  all  export"])
    assert forged.exit_code != 0 and "printable characters on one line" in forged.output
    too_long = runner.invoke(args=["tokens", "create", "--name", "x" * 129])
    assert too_long.exit_code != 0
    for name in ("王小明的出口令牌", "a" * 128, "ana"):
        assert runner.invoke(args=["tokens", "create", "--name", name]).exit_code == 0
    lines = runner.invoke(args=["tokens", "list"]).stdout.splitlines()
    assert len(lines) == 4
    assert "a" * 39 + "…" in lines[2] and "a" * 41 not in lines[2]
    # Every row's services column starts where the header's does, wide characters or not.
    column = lines[0].index("services")
    assert all(line[_index_at(line, column) :].startswith("all ") for line in lines[1:])


def _columns(text):
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _index_at(line, column):
    """The index in `line` where the terminal column `column` starts."""
    for index in range(len(line) + 1):
        if _columns(line[:index]) >= column:
            return index
    return len(line)


@pytest.mark.parametrize("name", ["1", "42", "bob ", " bob"])
def test_a_name_revoke_would_misread_is_refused(app, name):
    """ "1" is the id revoke takes ("tokens revoke 1" revoked another token); "bob " looks like
    "bob" in the list but "revoke bob" never found it; "²" crashed revoke."""
    result = app.test_cli_runner().invoke(args=["tokens", "create", "--name", name])
    assert result.exit_code != 0 and "token's name" in result.output


def test_a_name_of_other_digits_is_revoked_by_name(app):
    """ "²" is a digit to str.isdigit() but no id: revoke crashed on int("²")."""
    runner = app.test_cli_runner()
    assert (
        runner.invoke(args=["tokens", "revoke", "²"])
        .output.strip()
        .endswith("no live token named '²'")
    )
    assert runner.invoke(args=["tokens", "create", "--name", "²"]).exit_code == 0
    assert runner.invoke(args=["tokens", "revoke", "²"]).output == "revoked 1 token(s)\n"


def test_a_sign_out_is_kept_as_a_hash_and_only_while_its_session_could_be_used(app):
    """A signed-out session's cookie stays refused until it would have expired anyway; after
    that its row is cleared away by a later sign-out, so the table holds a work day at most."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import update

    from feedbot.models import StaffSignOut
    from feedbot.staff_auth import SIGN_IN_LIFETIME_SECONDS, sign_out

    with runtime_of(app).db.transaction() as db:
        sign_out(db, "earlier-session")
        sign_out(db, "earlier-session")  # a copy of its cookie signing out again
        long_ago = datetime.now(UTC) - timedelta(seconds=SIGN_IN_LIFETIME_SECONDS + 60)
        db.execute(update(StaffSignOut).values(signed_out_at=long_ago))
        sign_out(db, "later-session")
        kept = db.scalars(select(StaffSignOut.sign_in_hash)).all()
    assert kept == [hash_token("later-session")]


def test_a_name_a_live_token_has_is_refused_so_revoke_cuts_off_one_holder(app):
    """Two live "bob" tokens were made; `tokens revoke bob` then revoked both, cutting off
    another system that shared the name."""
    runner = app.test_cli_runner()
    first = runner.invoke(args=["tokens", "create", "--name", "bob", "--service", "passport"])
    token = first.stdout.split()[0]
    again = runner.invoke(args=["tokens", "create", "--name", "bob", "--service", "benefits"])
    assert again.exit_code == 2
    assert again.stdout == ""  # no token printed
    assert (
        "Invalid value for --name: a live token is already named 'bob', and revoking by name"
        " would revoke both: give this one another name (`feedbot tokens list` shows the names"
        " in use), or revoke that one first to replace it"
    ) in " ".join(again.output.split())
    with runtime_of(app).db.transaction() as db:
        assert authenticate(db, token).services == ["passport"]
    assert runner.invoke(args=["tokens", "revoke", "bob"]).output == "revoked 1 token(s)\n"
    # Once revoked, the name may be given to a new token.
    assert runner.invoke(args=["tokens", "create", "--name", "bob"]).exit_code == 0


def test_two_creates_of_one_name_at_the_same_moment_make_one_live_token(
    postgres_url, empty_postgres
):
    """Both `tokens create bob` at the same moment passed the check for a live "bob" before
    either was stored: the database's own index now refuses the second. (On PostgreSQL: SQLite
    runs one writer at a time, so its creates cannot overlap.)"""
    empty_postgres()
    app = make_app(postgres_url)
    db = runtime_of(app).db
    outcomes: list[str] = []
    with db.transaction() as first:
        create_token(first, "bob", None, ["export"])
        # The second create checks, finds no committed "bob", and waits on the index for the
        # first's transaction; it is refused once the first commits.
        second = threading.Thread(target=lambda: outcomes.append(_create(db, "bob")))
        second.start()
        second.join(timeout=0.5)
        assert second.is_alive()  # waiting for the first transaction
    second.join(timeout=10)
    assert outcomes == ["refused: a live token is already named 'bob'"]
    with db.transaction() as session:
        assert session.scalars(select(StaffToken.name)).all() == ["bob"]
    db.dispose()


def _create(db, name: str) -> str:
    try:
        with db.transaction() as session:
            create_token(session, name, None, ["export"])
    except TokenError as error:
        return "refused: " + str(error).split(",")[0]
    return "created"


def test_the_database_refuses_a_second_live_token_of_one_name(app):
    with runtime_of(app).db.transaction() as db:
        db.add_all(
            [
                _row("ops", revoked=True),
                _row("ops", revoked=True),
                _row("ops"),
            ]
        )
    with pytest.raises(IntegrityError), runtime_of(app).db.transaction() as db:
        db.add(_row("ops"))


def _row(name: str, revoked: bool = False) -> StaffToken:
    now = datetime.now(UTC)
    return StaffToken(
        name=name,
        token_hash=secrets.token_hex(32),
        services=None,
        scopes=["export"],
        created_at=now,
        revoked_at=now if revoked else None,
    )
