"""Headers every response carries: what a browser may load or frame, HSTS over TLS, no caching
of private pages; and ProxyFix for the load balancer in front of feedbot."""

from __future__ import annotations

from flask import Flask, Response, request
from werkzeug.middleware.proxy_fix import ProxyFix

# JSON, TwiML, CSV: nothing in them may run or be framed.
API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
STAFF_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
HSTS = "max-age=63072000; includeSubDomains"
PRIVATE_PREFIXES = (
    "/staff",
    "/api/exports",
    "/api/chat/sessions",
    "/api/chat/messages",
    "/api/chat/transcript",
    "/api/invitations",
)


def chat_page_policy(frame_origins: tuple[str, ...]) -> str:
    """The stand-alone chat page: its own script, style and API; framed only where allowed."""
    ancestors = " ".join(("'self'", *frame_origins))
    return (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
        f"img-src 'self' data:; form-action 'none'; base-uri 'none'; frame-ancestors {ancestors}"
    )


def install_security(app: Flask, proxy_hops: int) -> None:
    """Trust `proxy_hops` X-Forwarded-* hops (0: none) and add the headers to every response.

    X-Forwarded-Prefix is the path a proxy serves feedbot under and strips (/feedbot for
    https://agency.gov/feedbot/staff): the app's own links, forms and redirects keep it.
    """
    if proxy_hops:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app,
            x_for=proxy_hops,
            x_proto=proxy_hops,
            x_host=proxy_hops,
            x_prefix=proxy_hops,
        )
    app.after_request(_secure_headers)


def _secure_headers(response: Response) -> Response:
    headers = response.headers
    staff = request.path.startswith("/staff")
    headers.setdefault("Content-Security-Policy", STAFF_POLICY if staff else API_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "no-referrer")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if staff:
        headers.setdefault("X-Frame-Options", "DENY")
    if request.path.startswith(PRIVATE_PREFIXES):
        headers["Cache-Control"] = "no-store"
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", HSTS)
    return response
