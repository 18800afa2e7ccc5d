"""Staff tokens: shown once, stored as a hash, revocable."""

from __future__ import annotations

from sqlalchemy import select

from feedbot.models import StaffToken
from feedbot.staff_auth import authenticate, hash_token
from tests.conftest import runtime_of


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
