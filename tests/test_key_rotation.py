"""Rotating FEEDBOT_SECRET_KEY with FEEDBOT_PREVIOUS_SECRET_KEYS: every STOP filed under the
previous key is still honoured until START (invitations: tests/test_invitations.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from feedbot.config import ConfigError, load_settings
from feedbot.identity import adopt_configured_secret_key, key_fingerprint, sender_key
from feedbot.models import KeyFingerprint, OptOut
from feedbot.staff_auth import create_token
from tests.conftest import TEST_SECRET_KEY, make_app, runtime_of
from tests.support.records import add_record
from tests.support.texting import Texter
from tests.test_dashboard import _signed_in

NEW_KEY = "the-new-secret-key-that-is-long-enough-5555555555"
STOPPED = "+12025550143"
TO = "+12025550100"


def rotated(app, **settings):
    """The app started again with a new key, the old one listed as previous."""
    runtime = runtime_of(app)
    runtime.db.dispose()
    return make_app(
        runtime.settings.database_url,
        secret_key=NEW_KEY,
        previous_secret_keys=(TEST_SECRET_KEY,),
        **settings,
    )


def opt_outs(app) -> int:
    with runtime_of(app).db.transaction() as db:
        return db.scalar(select(func.count()).select_from(OptOut))


def test_a_stop_made_under_the_previous_key_silences_texts_until_start(database_url):
    old = make_app(database_url)
    assert Texter(old.test_client(), phone=STOPPED, to=TO).send("STOP") == ""
    new = rotated(old)
    texter = Texter(new.test_client(), phone=STOPPED, to=TO)
    assert texter.send("Hi") == ""  # still opted out: no reply at all
    assert texter.send("5") == ""
    assert "This interaction increased my trust" in texter.send("START")
    assert opt_outs(new) == 0  # START removed the STOP filed under the previous key too
    assert "What about this interaction" in texter.send("5")


def test_a_stop_under_the_new_key_is_filed_under_it(database_url):
    new = rotated(make_app(database_url))
    texter = Texter(new.test_client(), phone=STOPPED, to=TO)
    texter.send("STOP")
    assert texter.send("Hi") == ""
    with runtime_of(new).db.transaction() as db:
        assert db.scalars(select(OptOut.sender_key)).all() == [sender_key(STOPPED, NEW_KEY)]


def test_the_first_start_with_the_new_key_records_it_and_the_old_key_is_refused(database_url):
    old = make_app(database_url)
    new = rotated(old)
    with runtime_of(new).db.transaction() as db:
        recorded = db.get(KeyFingerprint, "FEEDBOT_SECRET_KEY").fingerprint
    assert recorded == key_fingerprint(NEW_KEY)
    runtime_of(new).db.dispose()
    # A process still configured with the old key (a host left behind) no longer starts.
    with pytest.raises(ConfigError, match="FEEDBOT_PREVIOUS_SECRET_KEYS"):
        make_app(database_url)
    # Nor does a third key the database never had, previous keys or not.
    with pytest.raises(ConfigError):
        make_app(
            database_url,
            secret_key="a-third-key-that-is-long-enough-000000000000",
            previous_secret_keys=(TEST_SECRET_KEY,),
        )


def test_a_host_left_on_the_replaced_key_is_told_it_was_replaced(database_url):
    """It was told to restore "the previous FEEDBOT_SECRET_KEY" or run adopt-secret-key, which
    from that host makes the old key the database's again and forgets every STOP filed under
    the new one; nothing said its key had been replaced."""
    old = make_app(database_url)
    client = old.test_client()
    runtime_of(rotated(old)).db.dispose()
    with pytest.raises(ConfigError) as refused:
        make_app(database_url)
    message = str(refused.value)
    assert message.startswith("FEEDBOT_SECRET_KEY has been replaced by a newer key: ")
    assert "Set this host's FEEDBOT_SECRET_KEY and FEEDBOT_PREVIOUS_SECRET_KEYS as the" in message
    assert "Do not run `feedbot adopt-secret-key` with this key" in message
    assert "Restore the previous" not in message
    # A process on the old key still running: /readyz says the same.
    answer = client.get("/readyz")
    assert answer.status_code == 503
    assert answer.json["checks"]["database"] == (
        "FEEDBOT_SECRET_KEY has been replaced by a newer key: set the new key on this host"
    )
    runtime_of(old).db.dispose()


def test_rotating_the_key_signs_out_every_dashboard_session(sqlite_url):
    """As the README says: the dashboard's session cookie is signed with FEEDBOT_SECRET_KEY,
    and no previous key signs one; staff sign in again with their tokens, which still work."""
    old = make_app(sqlite_url)
    with runtime_of(old).db.transaction() as db:
        add_record(db, question_1=5)
        token = create_token(db, "ana", ["passport"], ["export"])
    browser = _signed_in(old, token)
    assert b"total-responses" in browser.get("/staff?service=passport").data
    cookie = browser.get_cookie("session").value
    new = rotated(old)
    same_browser = new.test_client()
    same_browser.set_cookie("session", cookie)
    page = same_browser.get("/staff?service=passport")
    assert b"Sign in" in page.data and b"total-responses" not in page.data
    again = _signed_in(new, token)
    assert b"total-responses" in again.get("/staff?service=passport").data


@pytest.mark.parametrize(
    ("listed", "problem"),
    [
        ("old-key-one,,old-key-two", "key 2 is empty"),
        ("old-key-one, old-key-two", "key 2 is empty or has spaces around it"),
        (NEW_KEY, "key 1 is FEEDBOT_SECRET_KEY itself"),
    ],
)
def test_previous_keys_that_cannot_be_right_are_refused(listed, problem):
    with pytest.raises(ConfigError, match=problem) as refused:
        load_settings({"FEEDBOT_SECRET_KEY": NEW_KEY, "FEEDBOT_PREVIOUS_SECRET_KEYS": listed})
    assert NEW_KEY not in str(refused.value) and "old-key" not in str(refused.value)


@pytest.mark.parametrize(
    ("listed", "keys"),
    [
        (
            '["key, with a comma", "key read from a file\\n"]',
            ("key, with a comma", "key read from a file\n"),
        ),
        (' ["only one"]', ("only one",)),
    ],
)
def test_previous_keys_no_comma_list_can_hold_are_given_as_json(listed, keys):
    """A key with a comma, or a file's last newline, could not be listed: the only way on was
    adopt-secret-key, which forgets every STOP."""
    settings = load_settings(
        {"FEEDBOT_SECRET_KEY": NEW_KEY, "FEEDBOT_PREVIOUS_SECRET_KEYS": listed}
    )
    assert settings.previous_secret_keys == keys


@pytest.mark.parametrize("listed", ["[1, 2]", '["ok", ""]', "[not json", "[]"])
def test_a_json_list_of_previous_keys_that_is_not_one_is_refused(listed):
    with pytest.raises(ConfigError, match="not a JSON list of non-empty strings"):
        load_settings({"FEEDBOT_SECRET_KEY": NEW_KEY, "FEEDBOT_PREVIOUS_SECRET_KEYS": listed})


def test_previous_keys_are_read_exactly_as_written():
    settings = load_settings(
        {"FEEDBOT_SECRET_KEY": NEW_KEY, "FEEDBOT_PREVIOUS_SECRET_KEYS": "first key,second=key"}
    )
    assert settings.previous_secret_keys == ("first key", "second=key")


def test_a_replaced_key_left_out_of_the_list_refuses_to_start(database_url):
    """Dropping FEEDBOT_PREVIOUS_SECRET_KEYS after a rotation started silently, and people who
    had said STOP under the old key were texted again."""
    old = make_app(database_url)
    Texter(old.test_client(), phone=STOPPED, to=TO).send("STOP")
    runtime_of(rotated(old)).db.dispose()
    with pytest.raises(ConfigError, match="no longer lists a key") as refused:
        make_app(database_url, secret_key=NEW_KEY)
    assert NEW_KEY not in str(refused.value) and TEST_SECRET_KEY not in str(refused.value)
    # Listed again, it starts; and the STOP still holds.
    again = make_app(database_url, secret_key=NEW_KEY, previous_secret_keys=(TEST_SECRET_KEY,))
    assert Texter(again.test_client(), phone=STOPPED, to=TO).send("Hi") == ""
    runtime_of(again).db.dispose()


def test_adopting_the_key_forgets_the_replaced_keys_no_longer_listed(database_url):
    runtime_of(rotated(make_app(database_url))).db.dispose()
    assert adopt_configured_secret_key(database_url, NEW_KEY) is True
    runtime_of(make_app(database_url, secret_key=NEW_KEY)).db.dispose()  # starts now


def test_readyz_is_not_ready_once_another_process_changes_the_key(database_url):
    """The key was checked once per process: an instance left on the old key after another
    adopted a new one went on answering "ready"."""
    app = make_app(database_url)
    client = app.test_client()
    assert client.get("/readyz").status_code == 200
    adopt_configured_secret_key(database_url, NEW_KEY)
    answer = client.get("/readyz")
    assert answer.status_code == 503
    assert answer.json["checks"]["database"].startswith("FEEDBOT_SECRET_KEY is not this")
    runtime_of(app).db.dispose()


def test_going_back_to_a_replaced_key_starts(database_url):
    """The key replaced first was recorded as replaced, and, current again, could be listed
    nowhere: no configuration started but adopt-secret-key."""
    runtime_of(rotated(make_app(database_url))).db.dispose()
    back = make_app(database_url, previous_secret_keys=(NEW_KEY,))
    runtime_of(back).db.dispose()
    runtime_of(make_app(database_url, previous_secret_keys=(NEW_KEY,))).db.dispose()


def test_adopting_a_key_keeps_the_outgoing_one_when_it_is_listed(database_url):
    """Adopting with the outgoing key listed did not record it as replaced: a later start
    without it forgot its STOPs unchallenged."""
    runtime_of(make_app(database_url)).db.dispose()
    adopt_configured_secret_key(database_url, NEW_KEY, (TEST_SECRET_KEY,))
    with pytest.raises(ConfigError, match="no longer lists a key"):
        make_app(database_url, secret_key=NEW_KEY)
