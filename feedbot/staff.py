"""Staff endpoints: exports over the API (Bearer tokens) and the dashboard (login session)."""

from __future__ import annotations

import hmac
import logging
import math
import re
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    stream_with_context,
    url_for,
)
from werkzeug.datastructures import MultiDict

from feedbot.dashboard import dashboard_figures
from feedbot.export import (
    BACKLOG_LATE,
    FORMATS,
    ExportError,
    ResponseFilter,
    Volume,
    check_filter_names,
    empty_quarter_warning,
    iter_records,
    not_yet_normalized,
    parse_reflection,
    parse_volume,
    quarter_without_responses,
    quarterly_csv,
    quarterly_submission,
    services_without_details,
    stream_csv,
    stream_export,
)
from feedbot.fiscal import FISCAL_YEARS, FiscalQuarter, fiscal_quarter, parse_quarter
from feedbot.logs import route_name
from feedbot.models import StaffToken
from feedbot.rate_limits import limiter
from feedbot.runtime import current_runtime
from feedbot.services import Service
from feedbot.staff_auth import (
    SIGN_IN_LIFETIME_SECONDS,
    allowed_services,
    sign_out,
    staff_of_sign_in,
    staff_of_token,
    staff_required,
)

log = logging.getLogger(__name__)

# How many closed responses of the export's services have no record yet (so are not in it).
BACKLOG_HEADER = "Feedbot-Not-Yet-Normalized"
# The quarterly export's services no longer in the services file, whose rows lack its details.
WITHOUT_DETAILS_HEADER = "Feedbot-Services-Not-In-Services-File"
# Set when the quarter asked for has no responses of the export's services: its dates.
EMPTY_QUARTER_HEADER = "Feedbot-Quarter-Without-Responses"
# The flows (id and version) responses of the quarterly export were given under that are not
# loaded as such: their rows lack, or may not have, their survey texts.
FLOWS_NOT_LOADED_HEADER = "Feedbot-Flows-Not-Loaded"
QUARTERLY_FORMATS = ("csv", "json")
# The per-response export's formats the dashboard offers: CSV, and XLSX for Excel, which reads
# a double-clicked CSV file in another encoding.
DOWNLOAD_RESPONSE_FORMATS = ("csv", "xlsx")
VOLUME_PARAMETERS = ("volume_of_customers", "volume_offered")
# What the quarterly export takes, in the query string (GET) or the body (POST).
QUARTERLY_PARAMETERS = ("quarter", "service", *VOLUME_PARAMETERS, "reflection_text", "format")
# What staff may type into the dashboard's form for the quarterly submission.
FORM_PARAMETERS = (*VOLUME_PARAMETERS, "reflection_text")
# The sign-in form's answers to a token it checked and refused (unknown or revoked; lacking
# the export scope): only these count towards FEEDBOT_STAFF_SIGN_IN_LIMIT.
SIGN_IN_REFUSALS = (401, 403)
blueprint = Blueprint(
    "staff",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/staff/static",
)


@blueprint.get("/api/exports/responses")
@staff_required("export")
def export_responses() -> Response:
    """Per-response A-11 records as CSV, JSON Lines or XLSX, streamed."""
    try:
        return responses_export(request.args)
    except ValueError as error:
        return _bad_request(str(error))


def responses_export(args: Any) -> Response:
    """The per-response export `args` ask for (the API's query parameters), for the token in
    g.staff_token; ValueError (ExportError) for parameters it cannot take."""
    fmt = args.get("format", "csv")
    if fmt not in FORMATS:
        raise ExportError(f"format must be one of {', '.join(FORMATS)}")
    requested = args.get("service")
    _refuse_control_characters(args)
    response_filter = filter_from_args(args, allowed_services(requested))
    runtime = current_runtime()
    with runtime.db.reading() as db:
        check_filter_names(db, runtime.services, response_filter, requested)
        backlog = not_yet_normalized(db, runtime.services, response_filter.services)
        quarter = response_filter.quarter
        services = response_filter.services
        empty = quarter if quarter and quarter_without_responses(db, quarter, services) else None

    def generate() -> Iterator[bytes]:
        with runtime.db.reading() as db:
            if fmt == "csv":
                yield from stream_csv(db, response_filter)
            else:
                yield from stream_export(iter_records(db, response_filter), fmt)

    filename = f"feedbot-responses.{fmt}"
    response = Response(
        stream_with_context(generate()),
        # content_type, not mimetype: Werkzeug adds "; charset=utf-8" to a text/* mimetype.
        content_type=FORMATS[fmt],
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            BACKLOG_HEADER: str(backlog.count),
        },
    )
    if empty:
        response.headers[EMPTY_QUARTER_HEADER] = empty_quarter_warning(empty)
    return response


@blueprint.route("/api/exports/a11-quarterly", methods=["GET", "POST"])
@staff_required("export")
def export_quarterly() -> Response:
    """OMB's quarterly CX figures per service and channel (CSV, or JSON with format=json).

    Its parameters come in the query string (GET) or in a JSON object or form (POST): a
    reflection of Touchpoints' 10,000 characters does not fit in a URL gunicorn takes (a
    request line of 4,094 bytes, about 450 Chinese characters once percent-encoded)."""
    try:
        return quarterly_export(request.args if request.method == "GET" else _body_parameters())
    except ValueError as error:
        return _bad_request(str(error))


def quarterly_export(args: Any) -> Response:
    """The quarterly submission `args` ask for (the API's parameters), for the token in
    g.staff_token; ValueError (ExportError) for parameters it cannot take."""
    fmt = args.get("format", "csv")
    if fmt not in QUARTERLY_FORMATS:
        raise ExportError(f"format must be one of {', '.join(QUARTERLY_FORMATS)}")
    _refuse_control_characters(args)
    quarter = parse_quarter(args.get("quarter", ""))
    volumes = _volumes(args)
    reflection = _reflection(args)
    requested = args.get("service")
    services = allowed_services(requested)
    runtime = current_runtime()
    with runtime.db.transaction() as db:
        submission = quarterly_submission(
            db,
            runtime.services,
            quarter,
            services,
            service=requested,
            volumes=volumes,
            reflection=(reflection, "reflection_text") if reflection else None,
        )
    rows, backlog, flows = submission.rows, submission.backlog, submission.flows_not_loaded
    empty = submission.empty
    if fmt == "json":
        response = jsonify(rows)
    else:
        response = Response(
            quarterly_csv(rows),
            content_type=FORMATS["csv"],
            headers={"Content-Disposition": f'attachment; filename="a11-{quarter}.csv"'},
        )
    response.headers[BACKLOG_HEADER] = str(backlog.count)
    without_details = services_without_details(runtime.services, rows)
    if without_details:
        response.headers[WITHOUT_DETAILS_HEADER] = ",".join(without_details)
    if empty:
        response.headers[EMPTY_QUARTER_HEADER] = empty_quarter_warning(quarter)
    if flows:
        response.headers[FLOWS_NOT_LOADED_HEADER] = ",".join(f"{i} version {v}" for i, v in flows)
    return response


@blueprint.route("/staff", methods=["GET"])
def dashboard() -> Any:
    staff = _logged_in_staff()
    if staff is None:
        return render_template("staff_login.html", csrf=_csrf_token(), error=None)
    if "export" not in staff.scopes:
        return _lacks_export_scope(staff)
    shown = _shown(staff, "No figures shown")
    if shown.refused:
        # Showing another service or quarter instead left staff reading its figures as the
        # ones asked.
        page = render_template(
            "staff_dashboard.html",
            staff=staff,
            services=shown.visible,
            service=shown.service,
            quarter=None,
            quarters=_quarters_to_pick(shown.current, shown.current),
            service_refused=shown.service_refused,
            quarter_refused=shown.quarter_refused,
            csrf=_csrf_token(),
        )
        return page, shown.status
    service, quarter = shown.service, shown.quarter
    assert service is not None and quarter is not None
    runtime = current_runtime()
    with runtime.db.transaction() as db:
        figures = dashboard_figures(db, runtime.services, service, quarter)
        backlog = not_yet_normalized(db, runtime.services, [service.id])
    late = backlog.oldest is not None and (runtime.settings.now() - backlog.oldest > BACKLOG_LATE)
    return render_template(
        "staff_dashboard.html",
        staff=staff,
        services=shown.visible,
        service=service,
        quarter=quarter,
        quarters=_quarters_to_pick(shown.current, quarter),
        figures=figures,
        backlog=backlog if late else None,
        csrf=_csrf_token(),
    )


@blueprint.route("/staff/exports/a11-quarterly", methods=["GET", "POST"])
def download_quarterly() -> Any:
    """The dashboard's service and quarter's quarterly submission, as the export API gives it
    (format=csv or json), for the signed-in staff member; by POST from the dashboard's form
    (its CSRF token), with the volumes and reflection staff typed in it."""
    if request.method == "GET":
        return _download(quarterly_export, QUARTERLY_FORMATS, "a11-quarterly")
    _check_csrf()
    typed = {name: text for name in FORM_PARAMETERS if (text := request.form.get(name))}
    fmt = request.form.get("format", "csv")
    return _download(quarterly_export, QUARTERLY_FORMATS, "a11-quarterly", fmt, typed)


@blueprint.get("/staff/exports/responses")
def download_responses() -> Any:
    """The dashboard's service and quarter's responses, one record each, as the export API
    gives them (format=csv or xlsx), for the signed-in staff member."""
    return _download(responses_export, DOWNLOAD_RESPONSE_FORMATS, "responses")


@blueprint.post("/staff/login")
@limiter.limit(
    lambda: current_runtime().settings.staff_sign_in_limit,
    # Only a token refused counts: a whole office may sign in from one address, and a post
    # without the form's CSRF token (400), which anyone there could send, is no guess at one.
    deduct_when=lambda response: response.status_code in SIGN_IN_REFUSALS,
    on_breach=lambda limit: _too_many_sign_ins(limit.reset_at),
)
def login() -> Any:
    _check_csrf()
    token = request.form.get("token", "").strip()
    staff = staff_of_token(token) if token else None
    if staff is None:
        return _refuse_sign_in(
            401, "token is unknown or revoked", "That token is unknown or revoked."
        )
    if "export" not in staff.scopes:
        # A live token made for something else (sending invitations): "unknown or revoked"
        # sent staff to check a token that was fine.
        return _lacks_export_scope(staff)
    session.clear()
    session["staff_token_id"] = staff.id
    session["signed_in_at"] = int(time.time())
    # Names this session alone, so signing out can end it without ending the token's others.
    session["sign_in"] = secrets.token_urlsafe(32)
    return redirect(url_for("staff.dashboard"))


def _refuse_sign_in(status: int, reason: str, error: str) -> tuple[str, int]:
    """The sign-in page again with `error`; the refusal is logged as the API's are (the reason
    and, when known, the token's name), so a run of wrong tokens shows in the log."""
    log.warning("staff request to %s refused (%s): %s", route_name(), status, reason)
    return render_template("staff_login.html", csrf=_csrf_token(), error=error), status


def _lacks_export_scope(staff: StaffToken) -> tuple[str, int]:
    """The sign-in page again, for a token made for something else: a session signed in with
    one (never made by the form) is ended."""
    session.clear()
    return _refuse_sign_in(
        403,
        f"token {staff.name!r} lacks the 'export' scope",
        "That token cannot see results: sign in with one that has the export scope.",
    )


def _download(
    export: Callable[[Any], Response],
    formats: tuple[str, ...],
    name: str,
    fmt: str | None = None,
    typed: dict[str, str] | None = None,
) -> Any:
    """`export`'s file for the service and quarter asked (`?service=`, `?quarter=`, as the
    dashboard shows them) in `fmt` (else `?format=`), one of `formats`, with the parameters
    staff `typed`: authorised by the dashboard's sign-in as the dashboard is, and refused on
    a page as it refuses."""
    staff = _logged_in_staff()
    if staff is None:
        return _refuse_sign_in(
            401,
            "not signed in",
            "Sign in to download: this browser is not signed in (it was signed out, or its"
            " sign-in ended after 8 hours).",
        )
    if "export" not in staff.scopes:
        return _lacks_export_scope(staff)
    shown = _shown(staff, "Nothing downloaded")
    if shown.refused:
        refusals = [shown.service_refused, shown.quarter_refused]
        return _download_refused(shown.status, " ".join(r for r in refusals if r))
    service, quarter = shown.service, shown.quarter
    assert service is not None and quarter is not None
    fmt = fmt or request.args.get("format", "csv")
    if fmt not in formats:
        return _download_refused(
            400, f"Nothing downloaded: the format must be one of {', '.join(formats)}."
        )
    try:
        asked = {"service": service.id, "quarter": str(quarter), "format": fmt}
        response = export(MultiDict({**asked, **(typed or {})}))
    except ValueError as error:
        return _download_refused(400, f"Nothing downloaded: {str(error).rstrip('.')}.")
    # Named for what it holds: staff download several services and quarters.
    filename = f"{name}-{service.id}-{quarter}.{fmt}"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _download_refused(status: int, message: str) -> tuple[str, int]:
    page = render_template("staff_error.html", message=message, back=url_for("staff.dashboard"))
    return page, status


def _too_many_sign_ins(reset_at: float) -> Response:
    """The sign-in page, refused until `reset_at` (seconds since the epoch): too many wrong
    tokens came from this address."""
    seconds = max(1, math.ceil(reset_at - time.time()))
    minutes = max(1, round(seconds / 60))
    page, status = _refuse_sign_in(
        429,
        "too many refused sign-ins from one address",
        f"Too many sign-in attempts failed. Try again in {minutes} minute"
        + ("s." if minutes > 1 else "."),
    )
    return Response(page, status=status, headers={"Retry-After": str(seconds)})


@blueprint.post("/staff/logout")
def logout() -> Any:
    _check_csrf()
    # Clearing the cookie alone left a copy of it signed in until it expired.
    sign_in = session.get("sign_in")
    if isinstance(sign_in, str):
        with current_runtime().db.transaction() as db:
            sign_out(db, sign_in)
    session.clear()
    return redirect(url_for("staff.dashboard"))


def filter_from_args(args: Any, services: list[str] | None, prefix: str = "") -> ResponseFilter:
    """The filter `args` name (query parameters, or the CLI's options, whose names in errors
    get `prefix`, "--")."""
    quarter = parse_quarter(args["quarter"]) if args.get("quarter") else None
    start = _date_arg(args, "from", prefix)
    end = _date_arg(args, "to", prefix)
    if quarter and (start or end):
        raise ExportError(f"give either {prefix}quarter or {prefix}from/{prefix}to, not both")
    if start and end and start > end:
        raise ExportError(f"{prefix}from {start} is after {prefix}to {end}")
    return ResponseFilter(
        services=services,
        channel=args.get("channel") or None,
        language=args.get("language") or None,
        quarter=quarter,
        start=start,
        end=end,
        status=args.get("status") or None,
    )


_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _date_arg(args: Any, name: str, prefix: str) -> date | None:
    """A UTC day as YYYY-MM-DD (date.fromisoformat's own message named neither)."""
    text = args.get(name)
    if not text:
        return None
    try:
        if _ISO_DAY.fullmatch(text):
            return date.fromisoformat(text)
    except ValueError:
        pass
    raise ExportError(f"{prefix}{name} must be a date as YYYY-MM-DD, got {text!r}")


def _volumes(args: Any) -> dict[str, dict[str, Volume]] | None:
    """The service's volumes as staff gave them; whether they fit its channel rows is checked
    once the rows are counted."""
    service = args.get("service")
    figures = {
        name: parse_volume(key, text)
        for key, name in zip(VOLUME_PARAMETERS, ("customers", "offered"), strict=True)
        if (text := args.get(key))
    }
    if figures and not service:
        raise ValueError("volumes are per service: give service= with them")
    return {service: figures} if figures else None


def _body_parameters() -> MultiDict[str, str]:
    """A POST's parameters, as the GET's query string would give them: from a JSON object
    (strings, or whole numbers for volumes) or a form. A name the export does not take is
    refused, lest a misspelt reflection_text leave the submission without its reflection."""
    if request.args:
        raise ValueError(
            "a POST takes the export's parameters in its body, not in the query string"
        )
    if request.is_json:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            raise ValueError(
                'send the export\'s parameters as a JSON object, e.g. {"quarter": "FY2027Q1"}'
            )
    elif request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        if request.files:  # `curl -F reflection_text=@r.txt`: not in request.form, so lost
            name = next(iter(request.files))[:64]
            raise ValueError(
                f"{name} was sent as a file: send each parameter as text (curl -F"
                f" '{name}=<file' or --data-urlencode '{name}@file')"
            )
        body = request.form
    else:
        raise ValueError(
            "send the export's parameters as a JSON object (Content-Type: application/json)"
            " or a form (application/x-www-form-urlencoded)"
        )
    for name in body:
        if name not in QUARTERLY_PARAMETERS:
            raise ValueError(
                f"{name[:64]} is no parameter of the export: it takes"
                f" {', '.join(QUARTERLY_PARAMETERS)}"
            )
    if isinstance(body, MultiDict):
        return body
    return MultiDict({name: _body_value(name, value) for name, value in body.items()})


def _body_value(name: str, value: Any) -> str:
    """A JSON body's value as the query string would carry it."""
    if isinstance(value, str):
        return value
    if name in VOLUME_PARAMETERS:
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        raise ValueError(
            f"{name} must be a whole number, or figures per channel as a string such as"
            ' "sms_text_messages:1200,automated_phone:300"'
        )
    raise ValueError(f"{name} must be a string")


def _reflection(args: Any) -> str | None:
    """The quarter's reflection staff gave for the service (OMB's `reflection_text`)."""
    text = args.get("reflection_text")
    if not text:
        return None
    if not args.get("service"):
        raise ValueError("reflection_text is per service: give service= with it")
    return parse_reflection("reflection_text", text)


def _refuse_control_characters(args: Any) -> None:
    """Query values become SQL parameters, and PostgreSQL refuses a NUL in text. A reflection
    is prose, with line breaks: `parse_reflection` reads it."""
    for name, value in args.items(multi=True):
        if name != "reflection_text" and not value.isprintable():
            raise ValueError(f"{name} must be printable text")


@dataclass(frozen=True)
class Shown:
    """The service and quarter a staff page asked for (`?service=`, `?quarter=`), or what was
    wrong with them: `refused` when either cannot be shown."""

    visible: list[Service]
    current: FiscalQuarter
    service: Service | None
    quarter: FiscalQuarter | None
    service_refused: str | None = None
    quarter_refused: str | None = None
    status: int = 200

    @property
    def refused(self) -> bool:
        return self.status != 200


def _shown(staff: StaffToken, outcome: str) -> Shown:
    """The service and quarter the request asks for, among the services the token covers (the
    first of them, and the current quarter, when one is left out or empty); each refused with
    `outcome` ("No figures shown") and what was wrong with it and what is taken."""
    services = current_runtime().services.services.values()
    visible = [s for s in services if staff.services is None or s.id in staff.services]
    if not visible:
        abort(403)
    asked = request.args.get("service")
    service = next((s for s in visible if s.id == asked), None) if asked else visible[0]
    status, service_refused = 200, None
    if service is None:
        status, service_refused = _service_refused(staff, str(asked), visible, outcome)
    current = fiscal_quarter(datetime.now(UTC), (service or visible[0]).timezone)
    quarter: FiscalQuarter | None = current
    quarter_refused = None
    try:
        asked_quarter = request.args.get("quarter")
        quarter = parse_quarter(asked_quarter) if asked_quarter else current
    except ValueError as error:
        quarter, quarter_refused = None, _quarter_refused(error, current, outcome)
        status = status if service_refused else 400
    return Shown(visible, current, service, quarter, service_refused, quarter_refused, status)


def _service_refused(
    staff: StaffToken, asked: str, visible: list[Service], outcome: str
) -> tuple[int, str]:
    """The status and what staff are told of a service the dashboard cannot show: one the
    token does not cover (403, whether or not it exists, as the export API answers) or one
    not in the services file; and the services it takes."""
    shown = repr(asked[:64])  # the caller's string, bounded before it is shown
    if staff.services is not None and asked not in staff.services:
        status, wrong = 403, f"your token, {staff.name!r}, does not cover service {shown}"
        reason = f"token {staff.name!r} does not cover the service asked"
    else:
        status, wrong = 400, f"service {shown} is not in the services file"
        reason = "the service asked is not in the services file"
    # Not the string asked: it may be anything pasted into the address bar, a token too.
    log.warning("staff request to %s refused (%s): %s", route_name(), status, reason)
    services = ", ".join(f"{s.id} ({s.agency} — {s.name})" for s in visible)
    return status, (
        f"{outcome}: {wrong}. The dashboard shows the services your token covers, by their ids:"
        f" {services}: pick one from the menu."
    )


def _quarter_refused(error: ValueError, current: FiscalQuarter, outcome: str) -> str:
    """What staff are told of a quarter the dashboard cannot show: what was wrong with it
    (`parse_quarter`'s words) and what it takes."""
    return (
        f"{outcome}: {error}. The dashboard takes a fiscal quarter as FY, the fiscal year"
        f" ({FISCAL_YEARS[0]} to {FISCAL_YEARS[-1]}) and Q1 to Q4, such as {current}, the"
        " current quarter: pick one from the menu."
    )


def _quarters_to_pick(current: FiscalQuarter, shown: FiscalQuarter) -> list[FiscalQuarter]:
    """The current quarter and the three before it, and the one shown if it is another,
    newest first: counted from the one shown, the menu lost the way back to the current one."""
    quarters = [current]
    for _ in range(3):
        quarters.append(quarters[-1].previous)
    return sorted({*quarters, shown}, reverse=True)


def _logged_in_staff() -> StaffToken | None:
    staff_id = session.get("staff_token_id")
    sign_in = session.get("sign_in")
    if staff_id is None or not isinstance(sign_in, str):
        return None
    if time.time() - session.get("signed_in_at", 0) > SIGN_IN_LIFETIME_SECONDS:
        session.clear()  # a cookie left on a shared computer stops working after a work day
        return None
    staff = staff_of_sign_in(staff_id, sign_in)
    if staff is None:
        session.clear()
    return staff


def _csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def _check_csrf() -> None:
    expected = session.get("csrf", "")
    given = request.form.get("csrf", "")
    # As bytes: compare_digest raises TypeError on str with non-ASCII characters.
    if not expected or not hmac.compare_digest(expected.encode(), given.encode()):
        abort(400, "the form expired: reload the page and try again")


def _bad_request(message: str) -> Response:
    response = jsonify(error=message)
    response.status_code = 400
    return response
