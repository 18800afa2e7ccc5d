"""Keyed hashes that stand in for phone numbers, so none is ever stored or logged in clear."""

from __future__ import annotations

import hashlib
import hmac

import phonenumbers


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
