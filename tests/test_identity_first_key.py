"""The first key recorded over a database a release before key fingerprints (0007) filled:
start-up checks it against the hashes it can make again before recording it, as
`feedbot check-config` does, instead of recording whatever key it was given."""

from __future__ import annotations

import logging

import pytest

from feedbot.identity import SecretKeyChanged
from tests.conftest import TEST_SECRET_KEY, make_app, runtime_of
from tests.test_check_config import OTHER_KEY, data_of_a_release_before_0007, fingerprints
from tests.test_secret_key import in_process


@pytest.mark.parametrize("kept", ["call", "invite"])
def test_a_first_key_that_made_none_of_the_earlier_hashes_refuses_to_start(database_url, kept):
    """Started with another key over such a database, the app recorded it, and every STOP
    and thread filed under the earlier release's key was silently forgotten."""
    data_of_a_release_before_0007(database_url, **{kept: True})
    with pytest.raises(SecretKeyChanged) as refused:
        make_app(database_url, secret_key=OTHER_KEY)
    assert type(refused.value).__name__ == "HashesUnderAnotherKey"
    message = str(refused.value)
    assert message.startswith(
        "FEEDBOT_SECRET_KEY is not the key this database's phone-number hashes were made"
        " with (none of 1 "
    ), message
    assert "Set FEEDBOT_SECRET_KEY to the key the earlier release ran with" in message
    assert OTHER_KEY not in message and TEST_SECRET_KEY not in message
    assert fingerprints(database_url) == 0
    runtime_of(make_app(database_url)).db.dispose()  # the earlier release's key starts
    assert fingerprints(database_url) == 1
    with pytest.raises(SecretKeyChanged) as changed:  # now a key recorded, refused as ever
        make_app(database_url, secret_key=OTHER_KEY)
    assert type(changed.value) is SecretKeyChanged


def test_a_command_with_a_key_that_made_none_of_the_earlier_hashes_says_what_to_do(sqlite_url):
    data_of_a_release_before_0007(sqlite_url, call=True)
    refused = in_process(["queue", "sweep"], sqlite_url, OTHER_KEY)
    assert refused.exit_code == 2
    assert "cannot start: HashesUnderAnotherKey: FEEDBOT_SECRET_KEY is not" in refused.output
    assert "feedbot adopt-secret-key" in refused.output and OTHER_KEY not in refused.output
    assert fingerprints(sqlite_url) == 0
    adopted = in_process(["adopt-secret-key", "--yes"], sqlite_url, OTHER_KEY)
    assert adopted.exit_code == 0, adopted.output
    assert in_process(["queue", "sweep"], sqlite_url, OTHER_KEY).exit_code == 0


def test_a_first_key_that_cannot_be_checked_is_recorded_with_a_warning(database_url, caplog):
    data_of_a_release_before_0007(database_url)  # texts and a STOP: no number kept
    with caplog.at_level(logging.WARNING, logger="feedbot.identity"):
        runtime_of(make_app(database_url, secret_key=OTHER_KEY)).db.dispose()
    assert fingerprints(database_url) == 1
    [warning] = [r for r in caplog.records if r.name == "feedbot.identity"]
    assert warning.levelno == logging.WARNING
    assert warning.getMessage() == (
        "FEEDBOT_SECRET_KEY recorded as the database's over 2 contact(s) and 1 opt-out(s)"
        " hashed by an earlier release, which cannot be checked without their numbers: if it"
        " is not the key that release ran with, every STOP is forgotten (set that key and run"
        " `feedbot adopt-secret-key`)"
    )


def test_a_new_database_records_its_first_key_without_a_word(database_url, caplog):
    with caplog.at_level(logging.WARNING, logger="feedbot.identity"):
        runtime_of(make_app(database_url)).db.dispose()
    assert fingerprints(database_url) == 1
    assert [r for r in caplog.records if r.name == "feedbot.identity"] == []
