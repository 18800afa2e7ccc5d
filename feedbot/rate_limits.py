"""The app's rate limits (Flask-Limiter): the web chat API, which anyone on the internet may
call, and staff sign-in, where a token could be guessed at.

Each app gets a Limiter of its own (`install`). Flask-Limiter keeps its storage, its counts
while Redis is down and its belief that Redis is down on the Limiter, so one Limiter shared
by every app a process made (the test suite's) let one app's Redis outage decide how the next
app counted. Views declare their limits with `@limiter.limit(...)`, Flask-Limiter's own
arguments, and each app's Limiter applies them to its copy of the view.

It counts in Redis when REDIS_URL is set (in each process's memory while Redis is down);
without REDIS_URL, in each process's memory, so each gunicorn worker has its own count.

Twilio's webhooks are signed and staff's API calls carry a token checked first, so nothing
else is limited; those requests skip the limiter's per-request lookup of limits (3 % of an SMS
turn's CPU).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

# Endpoints with limits: the web chat blueprint's, and the staff sign-in form.
_LIMITED_ENDPOINTS = ("webchat.", "staff.login")


class ViewLimits:
    """The limits views declare when their modules are imported, for each app's Limiter."""

    def __init__(self) -> None:
        self._declared: list[tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]] = []

    def limit(self, *args: Any, **kwargs: Any) -> Callable[[Callable[..., Any]], Any]:
        """Flask-Limiter's `Limiter.limit`, applied by each app's own Limiter (`install`)."""

        def declare(view: Callable[..., Any]) -> Callable[..., Any]:
            self._declared.append((view, args, kwargs))
            return view

        return declare

    def apply(self, app: Flask, app_limiter: Limiter) -> None:
        """Wrap each of the app's limited views, innermost decorator first, as Python would."""
        for endpoint, view in list(app.view_functions.items()):
            limited = view
            for declared, args, kwargs in self._declared:
                if declared is view:
                    limited = app_limiter.limit(*args, **kwargs)(limited)
            app.view_functions[endpoint] = limited


limiter = ViewLimits()


def install(app: Flask) -> Limiter:
    """A Limiter for `app` alone, with the limits its views declared; call it once the views
    are registered."""
    app_limiter = Limiter(key_func=get_remote_address)
    app_limiter.request_filter(_without_limits)
    app_limiter.init_app(app)
    limiter.apply(app, app_limiter)
    return app_limiter


def _without_limits() -> bool:
    return not (request.endpoint or "").startswith(_LIMITED_ENDPOINTS)
