"""Staff API for invitations: one at a time or up to 1,000 in a batch, and what became of
them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import Blueprint, Response, jsonify, request
from sqlalchemy import select

from feedbot.invitation_queue import dispatch_invitations
from feedbot.invitations import (
    STATUSES,
    InvalidInvitation,
    InvitationCounts,
    InvitationRequest,
    create_invitation,
    invitation_counts,
    lock_senders,
    parse_request,
)
from feedbot.models import Invitation
from feedbot.runtime import current_runtime
from feedbot.staff_auth import allowed_services, require_service_access, staff_required

blueprint = Blueprint("invitations", __name__)
MAX_BATCH = 1_000
DUPLICATE = "duplicate transaction_id"


@blueprint.post("/api/invitations")
@staff_required("invite")
def invite_one() -> Response:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return _json({"error": "send a JSON object"}, 400)
    accepted, errors = create_rows([body], check_service=require_service_access)
    if errors:
        return _json(errors[0], 422)
    made = accepted[0]["status"] != "suppressed" and accepted[0]["reason"] != DUPLICATE
    return _json(accepted[0], 201 if made else 200)


@blueprint.post("/api/invitations/batch")
@staff_required("invite")
def invite_batch() -> Response:
    body = request.get_json(silent=True)
    rows = body.get("invitations") if isinstance(body, dict) else None
    if not isinstance(rows, list) or not rows:
        return _json({"error": 'send {"invitations": [...]}'}, 400)
    if len(rows) > MAX_BATCH:
        return _json({"error": f"at most {MAX_BATCH} invitations per batch"}, 413)
    accepted, errors = create_rows(rows, check_service=require_service_access)
    return _json({"accepted": accepted, "errors": errors}, 422 if errors else 200)


@blueprint.get("/api/invitations")
@staff_required("invite")
def count_invitations() -> Response:
    """Each service's invitations by status, and its reminders sent and owed: the services
    the token covers that have invitations, or the one asked for."""
    requested = request.args.get("service") or None
    runtime = current_runtime()
    if requested is not None and runtime.services.get(requested) is None:
        return _json({"error": f"service {requested[:64]!r} does not exist"}, 404)
    service_ids = allowed_services(requested)
    with runtime.db.reading() as db:
        counts = invitation_counts(db, service_ids)
    if requested is not None and not counts:
        counts = [InvitationCounts(requested, dict.fromkeys(STATUSES, 0), 0, 0)]
    return _json({"services": [_counts_view(count) for count in counts]}, 200)


def create_rows(
    rows: list[Any], check_service: Callable[[str], None] = lambda _: None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Create the valid rows (numbered from 1) and queue them; report the invalid ones."""
    runtime = current_runtime()
    now = runtime.settings.now()
    secret = runtime.settings.secret_key
    valid, accepted, errors, to_send = [], [], [], []
    views: dict[int, dict[str, Any]] = {}
    for number, row in enumerate(rows, start=1):
        try:
            valid.append((number, _parse_row(row, runtime, check_service, now)))
        except InvalidInvitation as error:
            errors.append({"row": number, "error": str(error)})
    with runtime.db.transaction() as db:
        lock_senders(db, [invitation_request for _, invitation_request in valid], secret)
        for number, invitation_request in valid:
            try:
                invitation, new = create_invitation(
                    db, invitation_request, secret, now, runtime.settings.previous_secret_keys
                )
            except InvalidInvitation as error:
                errors.append({"row": number, "error": str(error)})
                continue
            view = _view(invitation)
            if not new:
                # Said in the answer only: the stored invitation keeps its own reason.
                view["reason"] = DUPLICATE
            accepted.append({"row": number, **view})
            if new and invitation.status == "scheduled":
                views[invitation.id] = accepted[-1]  # its outcome, without REDIS_URL
                to_send.append(invitation.id)
    errors.sort(key=lambda error: error["row"])
    dispatch_invitations(runtime, to_send)
    if runtime.settings.redis_url is None and to_send:
        # Sent (or not) during the request: the answer says how it went.
        with runtime.db.transaction() as db:
            for invitation in db.scalars(select(Invitation).where(Invitation.id.in_(to_send))):
                views[invitation.id].update(_view(invitation))
    return accepted, errors


def _parse_row(
    row: Any, runtime: Any, check_service: Callable[[str], None], now: datetime
) -> InvitationRequest:
    if not isinstance(row, dict):
        raise InvalidInvitation("each invitation is a JSON object")
    if row.get("service") in (None, ""):
        raise InvalidInvitation("no service: give the id of the service the survey is about")
    service = runtime.services.get(str(row["service"]))
    if service is None:
        raise InvalidInvitation(f"service {row['service']!r} does not exist")
    check_service(service.id)
    if not service.sms_numbers and not service.messaging_service_sid:
        raise InvalidInvitation(f"service {service.id!r} has no SMS number to send from")
    return parse_request(service, row, now)


def _view(invitation: Invitation) -> dict[str, Any]:
    return {
        "id": invitation.id,
        "status": invitation.status,
        "reason": invitation.reason,
        "send_at": invitation.send_at.isoformat(),
        "transaction_id": invitation.transaction_id,
    }


def _counts_view(counts: InvitationCounts) -> dict[str, Any]:
    return {
        "service": counts.service_id,
        "statuses": counts.by_status,
        "reminders": {"sent": counts.reminders_sent, "owed": counts.reminders_owed},
    }


def _json(payload: Any, status: int) -> Response:
    response = jsonify(payload)
    response.status_code = status
    return response
