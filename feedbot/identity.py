"""Keyed hashes that stand in for phone numbers, so none is ever stored or logged in clear,
and the guard that keeps them made under one key (or, after a rotation, found under the
keys FEEDBOT_SECRET_KEY replaced)."""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import phonenumbers
from sqlalchemy import Connection, delete, func, select
from sqlalchemy.orm import Session

from feedbot.config import ConfigError
from feedbot.db import Database, upsert_statement
from feedbot.models import Contact, InboundMessage, Invitation, KeyFingerprint, OptOut

log = logging.getLogger(__name__)

# The row of key_fingerprints that holds FEEDBOT_SECRET_KEY's, and the label its HMAC signs:
# a fixed text, so the fingerprint identifies the key and reveals nothing else.
SECRET_KEY_NAME = "FEEDBOT_SECRET_KEY"
_FINGERPRINT_LABEL = "feedbot: fingerprint of FEEDBOT_SECRET_KEY"


class SecretKeyChanged(ConfigError):
    """FEEDBOT_SECRET_KEY is not the key the database's keyed hashes were made with."""

    summary = "FEEDBOT_SECRET_KEY is not this database's: restore the previous key"

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
    (key,) = sender_keys(phone, secret)
    return key


class PreviousKeyDropped(SecretKeyChanged):
    """A key FEEDBOT_SECRET_KEY replaced is no longer listed in FEEDBOT_PREVIOUS_SECRET_KEYS."""

    summary = (
        "FEEDBOT_PREVIOUS_SECRET_KEYS no longer lists a key FEEDBOT_SECRET_KEY replaced:"
        " list it again"
    )

    def __init__(self) -> None:
        ConfigError.__init__(
            self,
            "FEEDBOT_PREVIOUS_SECRET_KEYS no longer lists a key that FEEDBOT_SECRET_KEY"
            " replaced (the database keeps each replaced key's fingerprint). Opt-outs (STOP)"
            " filed under it would be forgotten and invitations sent to people who opted out."
            " List that key again. To forget its STOPs on purpose, run"
            " `feedbot adopt-secret-key`.",
        )


class SecretKeyReplaced(SecretKeyChanged):
    """FEEDBOT_SECRET_KEY is a key the database's own replaced: a host a rotation left behind."""

    summary = "FEEDBOT_SECRET_KEY has been replaced by a newer key: set the new key on this host"

    def __init__(self) -> None:
        ConfigError.__init__(
            self,
            "FEEDBOT_SECRET_KEY has been replaced by a newer key: a process started with a new"
            " FEEDBOT_SECRET_KEY and this one in FEEDBOT_PREVIOUS_SECRET_KEYS (a rotation), and"
            " the database's phone-number hashes are made with the new key now. Set this host's"
            " FEEDBOT_SECRET_KEY and FEEDBOT_PREVIOUS_SECRET_KEYS as the other hosts have them."
            " Do not run `feedbot adopt-secret-key` with this key: it would make it the"
            " database's again and forget every STOP filed under the new one. To go back to"
            " this key on purpose, list the new one in FEEDBOT_PREVIOUS_SECRET_KEYS.",
        )


class HashesUnderAnotherKey(SecretKeyChanged):
    """No key is recorded (a database a release before 0007 filled), and FEEDBOT_SECRET_KEY
    made none of the stored hashes that can be made again."""

    summary = (
        "FEEDBOT_SECRET_KEY did not make this database's hashes: set the key the earlier"
        " release ran with"
    )

    def __init__(self, checked: Sequence[str]) -> None:
        ConfigError.__init__(
            self,
            "FEEDBOT_SECRET_KEY is not the key this database's phone-number hashes were made"
            f" with (none of {' and '.join(checked)} checked matches), and none is recorded"
            " yet: recorded, every STOP would be forgotten and invitations sent to people who"
            " opted out. Set FEEDBOT_SECRET_KEY to the key the earlier release ran with. To use"
            " this key anyway, forgetting them, run `feedbot adopt-secret-key`.",
        )


# The rows of key_fingerprints that hold the keys FEEDBOT_SECRET_KEY replaced.
_REPLACED = "replaced:"


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
    FEEDBOT_PREVIOUS_SECRET_KEYS), keeping the replaced key's; raise SecretKeyChanged when the
    database holds any other key's, or PreviousKeyDropped when `previous` leaves out a key
    the database says was replaced. Before recording a first key over data an earlier release
    hashed, checks it against that data (HashesUnderAnotherKey). Once per process start."""
    if db.get(KeyFingerprint, SECRET_KEY_NAME) is None:
        _check_first_key(db, (secret, *previous))
    first = upsert_statement(db, KeyFingerprint).values(
        name=SECRET_KEY_NAME, fingerprint=key_fingerprint(secret), recorded_at=datetime.now(UTC)
    )
    # Two processes starting at once on a new database: the second records nothing, then
    # compares with what the first recorded.
    db.execute(first.on_conflict_do_nothing(index_elements=["name"]))
    # Locked: two processes starting at once with a new key record the rotation once.
    row = db.get(KeyFingerprint, SECRET_KEY_NAME, with_for_update=True)
    assert row is not None
    current = key_fingerprint(secret)
    if verify_secret_key(db, secret, previous) == "rotation":
        _record_replaced(db, row.fingerprint)
        row.fingerprint = current
        row.recorded_at = datetime.now(UTC)
        log.warning(
            "FEEDBOT_SECRET_KEY is now the database's key, in place of a key of"
            " FEEDBOT_PREVIOUS_SECRET_KEYS: keep that key listed, or the STOPs filed under it"
            " are forgotten (feedbot refuses to start without it)"
        )
    # A key replaced once and now in use again (a rollback) needs no listing: its STOPs are
    # found under it as the current key's.
    db.execute(delete(KeyFingerprint).where(KeyFingerprint.name == _replaced_name(current)))


def verify_secret_key(db: Session | Connection, secret: str, previous: Sequence[str]) -> str:
    """What checking the key at start-up would find, without recording anything: "current",
    "new" (no key recorded yet) or "rotation" (a listed previous key is the database's);
    SecretKeyChanged (SecretKeyReplaced for a key the database's replaced) or
    PreviousKeyDropped as check_secret_key raises them."""
    recorded = db.scalar(
        select(KeyFingerprint.fingerprint).where(KeyFingerprint.name == SECRET_KEY_NAME)
    )
    replaced = list(replaced_fingerprints(db))
    current = key_fingerprint(secret)
    if recorded is None:
        state = "new"
    elif hmac.compare_digest(recorded, current):
        state = "current"
    elif replaced_key(recorded, previous):
        state, replaced = "rotation", [*replaced, recorded]
    elif any(hmac.compare_digest(f, current) for f in replaced):
        raise SecretKeyReplaced()
    else:
        raise SecretKeyChanged()
    if not all(f == current or replaced_key(f, previous) for f in replaced):
        raise PreviousKeyDropped()
    return state


@dataclass(frozen=True)
class EarlierHashes:
    """The phone-number hashes of a database with no key recorded: how many it holds, and
    which of those that can be made again FEEDBOT_SECRET_KEY (or a previous key) made."""

    contacts: int
    opt_outs: int
    checked: tuple[str, ...]  # such as "2 call(s)"; empty when none can be made again

    @property
    def any(self) -> bool:
        return bool(self.contacts or self.opt_outs or self.checked)


def check_earlier_hashes(db: Session | Connection, keys: Sequence[str]) -> EarlierHashes:
    """What a database with no key recorded holds, hashed: new, or filled by a release before
    0007 (which recorded none), whose key the first process to start takes for its own,
    whatever it is. Checked where a stored hash can be made again without asking anyone for a
    number: a call's (its CallSid is kept) and an invitation's whose number is kept for its
    reminder. HashesUnderAnotherKey when `keys` made none of those."""
    checks = {
        "call(s)": _calls_hashed_with(db, keys),
        "invitation(s)": _invitations_hashed_with(db, keys),
    }
    checked = tuple(f"{len(found)} {kind}" for kind, found in checks.items() if found)
    if checked and not any(any(found) for found in checks.values()):
        raise HashesUnderAnotherKey(checked)
    return EarlierHashes(
        contacts=db.scalar(select(func.count()).select_from(Contact)) or 0,
        opt_outs=db.scalar(select(func.count()).select_from(OptOut)) or 0,
        checked=checked,
    )


def _check_first_key(db: Session, keys: Sequence[str]) -> None:
    """Refuse a first key the data says is another's; warn when the data cannot say."""
    hashes = check_earlier_hashes(db, keys)
    if hashes.any and not hashes.checked:
        log.warning(
            "FEEDBOT_SECRET_KEY recorded as the database's over %d contact(s) and %d opt-out(s)"
            " hashed by an earlier release, which cannot be checked without their numbers: if"
            " it is not the key that release ran with, every STOP is forgotten (set that key"
            " and run `feedbot adopt-secret-key`)",
            hashes.contacts,
            hashes.opt_outs,
        )


# How many stored hashes of each kind are made again: a few show which key made them.
_SAMPLE = 20


def _calls_hashed_with(db: Session | Connection, keys: Sequence[str]) -> list[bool]:
    """For a few calls, whether the thread of one is found under one of `keys`: a call's
    thread is the keyed hash of its CallSid, the part before ":" of its answers' ids."""
    sids = {
        message_id.partition(":")[0]
        for message_id in db.scalars(
            select(InboundMessage.message_id)
            .where(InboundMessage.channel == "voice")
            .order_by(InboundMessage.id.desc())
            .limit(_SAMPLE)
        )
    }
    threads = {keyed_hash(f"call:{sid}", key): sid for sid in sids for key in keys}
    voice = (Contact.channel == "voice", Contact.thread_key.in_(threads))
    found = db.scalars(select(Contact.thread_key).where(*voice))
    matched = {threads[thread] for thread in found}
    return [sid in matched for sid in sids]


def _invitations_hashed_with(db: Session | Connection, keys: Sequence[str]) -> list[bool]:
    """For a few invitations whose number is kept (for a reminder), whether their hash is
    the number's under one of `keys`."""
    rows = db.execute(
        select(Invitation.phone, Invitation.sender_key)
        .where(Invitation.phone.is_not(None))
        .order_by(Invitation.id.desc())
        .limit(_SAMPLE)
    )
    return [hashed in {keyed_hash(to_e164(phone), key) for key in keys} for phone, hashed in rows]


def replaced_fingerprints(db: Session | Connection) -> Iterable[str]:
    return db.scalars(
        select(KeyFingerprint.fingerprint).where(KeyFingerprint.name.startswith(_REPLACED))
    )


def _replaced_name(fingerprint: str) -> str:
    return (_REPLACED + fingerprint)[:32]  # key_fingerprints.name's length


def _record_replaced(db: Session, fingerprint: str) -> None:
    statement = upsert_statement(db, KeyFingerprint).values(
        name=_replaced_name(fingerprint), fingerprint=fingerprint, recorded_at=datetime.now(UTC)
    )
    db.execute(statement.on_conflict_do_nothing(index_elements=["name"]))


def replaced_key(fingerprint: str, previous: Sequence[str]) -> bool:
    """Whether `fingerprint` is that of one of the keys FEEDBOT_SECRET_KEY replaced."""
    return any(hmac.compare_digest(fingerprint, key_fingerprint(key)) for key in previous)


def adopt_secret_key(db: Session, secret: str, previous: Sequence[str] = ()) -> bool:
    """Record this key's fingerprint as the database's, whatever was there, and forget every
    replaced key `previous` does not list (a deliberate change: hashes made under those keys
    no longer match anyone). Whether anything changed."""
    fingerprint = key_fingerprint(secret)
    outgoing = db.get(KeyFingerprint, SECRET_KEY_NAME)
    listed = outgoing is not None and replaced_key(outgoing.fingerprint, previous)
    if outgoing is not None and listed and outgoing.fingerprint != fingerprint:
        _record_replaced(db, outgoing.fingerprint)  # listed: its STOPs still count
    forgotten = [
        f for f in replaced_fingerprints(db) if f != fingerprint and not replaced_key(f, previous)
    ]
    if forgotten:
        db.execute(
            delete(KeyFingerprint).where(
                KeyFingerprint.name.in_([_replaced_name(f) for f in forgotten])
            )
        )
    row = db.get(KeyFingerprint, SECRET_KEY_NAME)
    if row is not None and row.fingerprint == fingerprint:
        return bool(forgotten)
    if row is None:
        row = KeyFingerprint(name=SECRET_KEY_NAME)
        db.add(row)
    row.fingerprint = fingerprint
    row.recorded_at = datetime.now(UTC)
    return True


def adopt_configured_secret_key(
    database_url: str, secret: str, previous: Sequence[str] = ()
) -> bool:
    """adopt_secret_key on the database at `database_url` (`feedbot adopt-secret-key`)."""
    database = Database(database_url)
    try:
        with database.transaction() as db:
            return adopt_secret_key(db, secret, previous)
    finally:
        database.dispose()
