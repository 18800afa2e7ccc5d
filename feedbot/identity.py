"""Keyed hashes that stand in for phone numbers, so none is ever stored or logged in clear,
and the guard that keeps them made under one key."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime

import phonenumbers
from sqlalchemy import select
from sqlalchemy.orm import Session

from feedbot.config import ConfigError
from feedbot.db import Database, upsert_statement
from feedbot.models import KeyFingerprint

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
            " FEEDBOT_SECRET_KEY. To change the key on purpose, accepting that, run"
            " `feedbot adopt-secret-key`."
        )


def sender_key(phone: str, secret: str) -> str:
    """HMAC-SHA256 of the E.164 form of a phone number under FEEDBOT_SECRET_KEY."""
    return keyed_hash(to_e164(phone), secret)


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


def check_secret_key(db: Session, secret: str) -> None:
    """Record the key's fingerprint in a database that has none (its first start); raise
    SecretKeyChanged when the database holds another key's. Once per process start."""
    first = upsert_statement(db, KeyFingerprint).values(
        name=SECRET_KEY_NAME, fingerprint=key_fingerprint(secret), recorded_at=datetime.now(UTC)
    )
    # Two processes starting at once on a new database: the second records nothing, then
    # compares with what the first recorded.
    db.execute(first.on_conflict_do_nothing(index_elements=["name"]))
    recorded = db.scalar(
        select(KeyFingerprint.fingerprint).where(KeyFingerprint.name == SECRET_KEY_NAME)
    )
    if recorded is None or not hmac.compare_digest(recorded, key_fingerprint(secret)):
        raise SecretKeyChanged()


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
