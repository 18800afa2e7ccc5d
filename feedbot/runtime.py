"""What a running app holds: settings, the database and the services, built once at start-up."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from feedbot.config import Settings
from feedbot.db import Database
from feedbot.services import ServiceRegistry, load_services

EXTENSION_KEY = "feedbot"


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    db: Database
    services: ServiceRegistry


def build_runtime(settings: Settings) -> Runtime:
    """Load and validate everything the app needs; raise on a broken flow or services file."""
    from feedbot.metrics import install_completion_count
    from feedbot.queue import install_dispatch

    runtime = Runtime(
        settings=settings,
        db=Database(settings.database_url),
        services=load_services(settings.services_file, settings.flows_dir, settings.idle_expiry),
    )
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
