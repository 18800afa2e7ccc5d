"""Keyed hashes that stand in for phone numbers, so none is ever stored or logged in clear,
and the guard that keeps them made under one key (or, after a rotation, found under the
keys FEEDBOT_SECRET_KEY replaced)."""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Sequence
from datetime import UTC, datetime

import phonenumbers
from sqlalchemy.orm import Session

from feedbot.config import ConfigError
from feedbot.db import Database, upsert_statement
from feedbot.models import KeyFingerprint

log = logging.getLogger(__name__)

# The row of key_fingerprints that holds FEEDBOT_SECRET_KEY's, and the label its HMAC signs:
# a fixed text, so the fingerprint identifies the key and reveals nothing else.
SECRET_KEY_NAME = "FEEDBOT_SECRET_KEY"
_FINGERPRINT_LABEL = "feedbot: fingerprint of FEEDBOT_SECRET_KEY"


class SecretKeyChanged(ConfigError):
    """FEEDBOT_SECRET_KEY is not the key the database's keyed hashes were made with."""

    def __init__(self) -> None:
        super().__init__(
            "FEEDBOT_SECRET_KEY is not the key this database's phone-number hashes were made"
            " with (its fingerprint differs). Opt-outs (STOP), surveys in progress and"
            " invitations are found by those hashes: under another key every STOP would be"
            " forgotten and invitations sent to people who opted out. Restore the previous"
            " FEEDBOT_SECRET_KEY. To rotate the key, list the previous one in"
            " FEEDBOT_PREVIOUS_SECRET_KEYS: the STOPs filed under it are still honoured. To"
            " change the key forgetting them, run `feedbot adopt-secret-key`."
        )


def sender_key(phone: str, secret: str) -> str:
    """HMAC-SHA256 of the E.164 form of a phone number under FEEDBOT_SECRET_KEY."""
    return keyed_hash(to_e164(phone), secret)


def sender_keys(phone: str, secret: str, previous: Sequence[str] = ()) -> tuple[str, ...]:
    """The number's keyed hash under FEEDBOT_SECRET_KEY, then under each key it replaced
    (FEEDBOT_PREVIOUS_SECRET_KEYS): where a STOP may be filed."""
    e164 = to_e164(phone)
    return tuple(keyed_hash(e164, key) for key in (secret, *previous))


def keyed_hash(value: str, secret: str) -> str:
    return hmac.new(secret.encode(), value.encode(), hashlib.sha256).hexdigest()


def to_e164(phone: str, region: str = "US") -> str:
    """The E.164 form of a number; anything that is not a phone number is kept as given."""
    try:
        parsed = phonenumbers.parse(phone, region)
    except phonenumbers.NumberParseException:
        return phone.strip()
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def log_id(key: str) -> str:
    """A short, non-reversible label for a sender in log lines."""
    return key[:12]


def key_fingerprint(secret: str) -> str:
    """What identifies a secret key without revealing it: an HMAC of a fixed label under it."""
    return keyed_hash(_FINGERPRINT_LABEL, secret)


def check_secret_key(db: Session, secret: str, previous: Sequence[str] = ()) -> None:
    """Record the key's fingerprint in a database that has none (its first start), or in place
    of the fingerprint of a key it replaced (a rotation: `previous` lists the keys of
    FEEDBOT_PREVIOUS_SECRET_KEYS); raise SecretKeyChanged when the database holds any other
    key's. Once per process start."""
    first = upsert_statement(db, KeyFingerprint).values(
        name=SECRET_KEY_NAME, fingerprint=key_fingerprint(secret), recorded_at=datetime.now(UTC)
    )
    # Two processes starting at once on a new database: the second records nothing, then
    # compares with what the first recorded.
    db.execute(first.on_conflict_do_nothing(index_elements=["name"]))
    row = db.get(KeyFingerprint, SECRET_KEY_NAME, with_for_update=True)
    if row is not None and hmac.compare_digest(row.fingerprint, key_fingerprint(secret)):
        return
    if row is None or not replaced_key(row.fingerprint, previous):
        raise SecretKeyChanged()
    row.fingerprint = key_fingerprint(secret)
    row.recorded_at = datetime.now(UTC)
    log.warning(
        "FEEDBOT_SECRET_KEY is now the database's key, in place of a key of"
        " FEEDBOT_PREVIOUS_SECRET_KEYS: keep that key listed, or the STOPs filed under it are"
        " forgotten"
    )


def replaced_key(fingerprint: str, previous: Sequence[str]) -> bool:
    """Whether `fingerprint` is that of one of the keys FEEDBOT_SECRET_KEY replaced."""
    return any(hmac.compare_digest(fingerprint, key_fingerprint(key)) for key in previous)


def adopt_secret_key(db: Session, secret: str) -> bool:
    """Record this key's fingerprint as the database's, whatever was there (a deliberate key
    change: hashes made under the old key no longer match anyone). Whether it changed."""
    fingerprint = key_fingerprint(secret)
    row = db.get(KeyFingerprint, SECRET_KEY_NAME)
    if row is not None and row.fingerprint == fingerprint:
        return False
    if row is None:
        row = KeyFingerprint(name=SECRET_KEY_NAME)
        db.add(row)
    row.fingerprint = fingerprint
    row.recorded_at = datetime.now(UTC)
    return True


def adopt_configured_secret_key(database_url: str, secret: str) -> bool:
    """adopt_secret_key on the database at `database_url` (`feedbot adopt-secret-key`)."""
    database = Database(database_url)
    try:
        with database.transaction() as db:
            return adopt_secret_key(db, secret)
    finally:
        database.dispose()
