"""What a running app holds: settings, the database and the services, built once at start-up."""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass

from flask import current_app

from feedbot.config import Settings
from feedbot.db import Database
from feedbot.identity import check_secret_key
from feedbot.services import ServiceRegistry, expired_omb_approvals, load_services

EXTENSION_KEY = "feedbot"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    db: Database
    services: ServiceRegistry


def build_runtime(settings: Settings) -> Runtime:
    """Load and validate everything the app needs; raise on a broken flow or services file, or
    on a secret key that is not the database's (SecretKeyChanged)."""
    from feedbot.metrics import install_completion_count
    from feedbot.queue import install_dispatch

    services = load_services(settings.services_file, settings.flows_dir, settings.idle_expiry)
    for problem in expired_omb_approvals(services.services.values()):
        log.warning("%s: %s", settings.services_file, problem)
    db = Database(settings.database_url)
    # Opt-outs, contacts and invitations are found by keyed hashes of numbers: under another
    # key every STOP would silently stop counting. Checked now; if the database cannot be
    # reached yet (or is not migrated), before its first use.
    try:
        db.check_before_use(
            functools.partial(
                check_secret_key,
                secret=settings.secret_key,
                previous=settings.previous_secret_keys,
            )
        )
    except BaseException:
        db.dispose()
        raise
    runtime = Runtime(settings=settings, db=db, services=services)
    install_dispatch(runtime)
    install_completion_count(runtime)
    _warm_catalogs()
    return runtime


def _warm_catalogs() -> None:
    # Compiling a catalog takes milliseconds; doing it here keeps it off the first webhook
    # each worker answers in each language.
    from feedbot.i18n import translations
    from feedbot.languages import LANGUAGES

    for code in LANGUAGES:
        translations(code)


def current_runtime() -> Runtime:
    return current_app.extensions[EXTENSION_KEY]
