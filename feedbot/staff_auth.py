"""Staff API tokens: created once, stored as a hash, scoped to services and to uses; and the
dashboard's sign-ins made with them."""

from __future__ import annotations

import functools
import hashlib
import logging
import secrets
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import abort, g, jsonify, request
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session as DbSession

from feedbot.db import missing_schema, upsert_statement
from feedbot.logs import route_name
from feedbot.models import StaffSignOut, StaffToken
from feedbot.runtime import current_runtime

log = logging.getLogger(__name__)

SCOPES = ("export", "invite")
TOKEN_PREFIX = "fbt_"
SIGN_IN_LIFETIME_SECONDS = 8 * 3600  # a cookie left on a shared computer stops after a work day


MAX_NAME = 128  # staff_tokens.name


class TokenError(Exception):
    """A token cannot be created or revoked as asked."""


def create_token(
    db: DbSession, name: str, services: Sequence[str] | None, scopes: Sequence[str]
) -> str:
    """Store a new token's hash and return the token itself: the only time it is shown.

    Refused for a name a live token already has: `revoke` by name revokes every live token
    with it, and would cut off each person or system sharing the name."""
    unknown = set(scopes) - set(SCOPES)
    if unknown:
        raise TokenError(f"unknown scope(s) {sorted(unknown)}; scopes are {', '.join(SCOPES)}")
    # The name is shown in listings and logs: one printable line that fits its column.
    if name != name.strip() or not name or len(name) > MAX_NAME or not name.isprintable():
        raise TokenError(
            f"a token's name is 1 to {MAX_NAME} printable characters on one line, with no"
            " space at either end"
        )
    if name.isdecimal():  # `tokens revoke 1` means the token whose id is 1
        raise TokenError("a token's name cannot be only digits: revoke takes those as an id")
    if _live_token_named(db, name):
        raise _name_taken(name)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    try:
        with db.begin_nested():  # the database's own check, for a create at the same moment
            db.add(
                StaffToken(
                    name=name,
                    token_hash=hash_token(token),
                    services=list(services) if services else None,
                    scopes=list(scopes),
                    created_at=datetime.now(UTC),
                )
            )
    except IntegrityError as error:
        raise _name_taken(name) from error
    return token


def _name_taken(name: str) -> TokenError:
    return TokenError(
        f"a live token is already named {name!r}, and revoking by name would revoke both:"
        " give this one another name (`feedbot tokens list` shows the names in use), or"
        " revoke that one first to replace it"
    )


def _live_token_named(db: DbSession, name: str) -> bool:
    query = select(StaffToken.id).where(StaffToken.name == name, StaffToken.revoked_at.is_(None))
    return db.scalar(query.limit(1)) is not None


def revoke_token(db: DbSession, name_or_id: str) -> int:
    """Revoke every live token with this name (or id); return how many. A name has one live
    token, unless it was given twice before create_token refused that."""
    query = select(StaffToken).where(StaffToken.revoked_at.is_(None))
    if name_or_id.isascii() and name_or_id.isdigit() and len(name_or_id) <= 18:
        query = query.where(StaffToken.id == int(name_or_id))
    else:
        query = query.where(StaffToken.name == name_or_id)
    tokens = db.scalars(query).all()
    if not tokens:
        raise TokenError(f"no live token named {name_or_id!r}")
    for token in tokens:
        token.revoked_at = datetime.now(UTC)
    return len(tokens)


def hash_token(token: str) -> str:
    # Tokens carry 256 random bits, so a fast hash is enough: nothing to brute-force.
    return hashlib.sha256(token.encode()).hexdigest()


def authenticate(db: DbSession, token: str) -> StaffToken | None:
    found = _live_token(db, token)
    if found is not None:
        found.last_used_at = datetime.now(UTC)
    return found


def _live_token(db: DbSession, token: str) -> StaffToken | None:
    found = db.scalar(select(StaffToken).where(StaffToken.token_hash == hash_token(token)))
    return None if found is None or found.revoked_at is not None else found


def staff_of_token(token: str) -> StaffToken | None:
    """The live token a request's `token` is, its use recorded, detached from the database and
    kept in g.staff_token; None for an unknown or revoked one (see _despite_schema_behind for
    a schema behind this code)."""
    try:
        with current_runtime().db.transaction() as db:
            staff = authenticate(db, token)
            if staff is not None:
                db.flush()  # last_used_at is written before the token leaves the session
                db.expunge(staff)
    except SQLAlchemyError as error:
        return _despite_schema_behind(error, lambda db: _live_token(db, token))
    g.staff_token = staff
    return staff


def staff_of_sign_in(staff_id: int, sign_in: str) -> StaffToken | None:
    """The token a dashboard session signed in with (see signed_in_staff), detached from the
    database and kept in g.staff_token; None when revoked or signed out."""
    try:
        with current_runtime().db.transaction() as db:
            staff = signed_in_staff(db, staff_id, sign_in)
            if staff is not None:
                db.expunge(staff)
    except SQLAlchemyError as error:
        return _despite_schema_behind(error, lambda db: signed_in_staff(db, staff_id, sign_in))
    g.staff_token = staff
    return staff


def _despite_schema_behind(
    error: SQLAlchemyError, find: Callable[[DbSession], StaffToken | None]
) -> None:
    """Whom a staff request comes from when the database failed it with `error`. While the
    schema is behind this code (before `feedbot db upgrade`) every use of the database fails,
    and only staff are to be told what it takes (feedbot.errors): the token is then looked up
    without the database's checks (which need the missing tables) or recording its use.
    None for a token unknown, revoked or signed out, refused as on any day; `error` raised again
    for a staff member's, kept in g.staff_token, and for one no one can check (the staff's own
    tables are missing: that error, which tells no one what to run)."""
    if not missing_schema(error):
        raise error
    with current_runtime().db.reading_unchecked() as db:
        staff = find(db)
    if staff is None:
        return None
    g.staff_token = staff
    raise error


def signed_in_staff(db: DbSession, staff_id: int, sign_in: str) -> StaffToken | None:
    """The token a dashboard session signed in with, unless it is revoked or the session
    (`sign_in`, the random id it got at sign-in) was signed out; one query."""
    found = db.execute(
        select(StaffToken, StaffSignOut.sign_in_hash)
        .outerjoin(StaffSignOut, StaffSignOut.sign_in_hash == hash_token(sign_in))
        .where(StaffToken.id == staff_id)
    ).one_or_none()
    if found is None:
        return None
    staff, signed_out = found
    return None if staff.revoked_at is not None or signed_out is not None else staff


def sign_out(db: DbSession, sign_in: str) -> None:
    """Refuse the dashboard session `sign_in` from now on, a copy of its cookie too, leaving
    the token's other sessions signed in."""
    now = datetime.now(UTC)
    # A session signed out a lifetime ago has expired anyway: its row is no longer needed.
    expired = now - timedelta(seconds=SIGN_IN_LIFETIME_SECONDS)
    db.execute(delete(StaffSignOut).where(StaffSignOut.signed_out_at < expired))
    # A copy of the cookie may sign out again, even at the same moment: the first time counts.
    statement = upsert_statement(db, StaffSignOut).values(
        sign_in_hash=hash_token(sign_in), signed_out_at=now
    )
    db.execute(statement.on_conflict_do_nothing(index_elements=["sign_in_hash"]))


def staff_required(scope: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Require `Authorization: Bearer <token>` with `scope`; the token lands in g.staff_token."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            scheme, _, token = request.headers.get("Authorization", "").partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                return _refuse(401, "send Authorization: Bearer <token>")
            staff = staff_of_token(token.strip())
            if staff is None:
                return _refuse(401, "token is unknown or revoked")
            if scope not in staff.scopes:
                return _refuse(403, f"token {staff.name!r} lacks the {scope!r} scope", staff)
            return view(*args, **kwargs)

        return guarded

    return decorate


def require_service_access(service_id: str) -> None:
    """Abort with 403 unless the current staff token covers `service_id`."""
    staff: StaffToken = g.staff_token
    if staff.services is not None and service_id not in staff.services:
        shown = repr(service_id[:64])  # the caller's string, bounded before it is logged
        response = _refuse(403, f"token {staff.name!r} does not cover service {shown}")
        abort(response)


def allowed_services(requested: str | None) -> list[str] | None:
    """The services a request may see: the one asked for (checked) or all the token covers."""
    if requested:
        require_service_access(requested)
        return [requested]
    staff: StaffToken = g.staff_token
    return None if staff.services is None else list(staff.services)


def _refuse(status: int, reason: str, staff: StaffToken | None = None) -> Any:
    # The token itself is never logged: only the reason and, when known, the token's name.
    log.warning("staff request to %s refused (%s): %s", route_name(), status, reason)
    response = jsonify(error=reason)
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="feedbot"'
    return response
