"""The app factory: settings, runtime, blueprints, error handlers, commands."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from flask import Flask

from feedbot.config import Settings, load_settings
from feedbot.errors import register_error_handlers
from feedbot.logs import configure_logging
from feedbot.ops import install_request_hooks
from feedbot.runtime import EXTENSION_KEY, build_runtime
from feedbot.web_security import install_security


def create_app(test_config: Mapping[str, Any] | Settings | None = None) -> Flask:
    """Build the feedbot app; `test_config` overrides settings read from the environment."""
    settings = _settings(test_config)
    # Static files are the web chat widget's, served by its blueprint at /static.
    # Named as the package, as when this was feedbot/__init__.py: its templates, instance path
    # and app.name stay where they were.
    app = Flask("feedbot", instance_relative_config=True, static_folder=None)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=256 * 1024,
        SESSION_COOKIE_SECURE=settings.production,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
    )
    configure_logging()
    app.extensions[EXTENSION_KEY] = build_runtime(settings)
    app.config["RATELIMIT_STORAGE_URI"] = settings.redis_url or "memory://"
    # Redis down must not cost a visitor their answer: count in this process's memory until it
    # is back, and never fail a request over the limiter's own storage.
    app.config["RATELIMIT_IN_MEMORY_FALLBACK_ENABLED"] = True
    app.config["RATELIMIT_SWALLOW_ERRORS"] = True
    _register_blueprints(app)
    register_error_handlers(app)
    install_request_hooks(app)
    install_security(app, settings.proxy_hops)
    _register_commands(app)
    return app


def _settings(test_config: Mapping[str, Any] | Settings | None) -> Settings:
    if isinstance(test_config, Settings):
        return test_config
    settings = load_settings()
    return dataclasses.replace(settings, **dict(test_config or {}))


def _register_blueprints(app: Flask) -> None:
    from channels import sms, voice, webchat
    from feedbot import api_spec, invitations_api, ops, rate_limits, staff

    app.json = webchat.HtmlSafeJSONProvider(app)
    app.register_blueprint(sms.blueprint)
    app.register_blueprint(voice.blueprint)
    app.register_blueprint(webchat.blueprint)
    app.register_blueprint(staff.blueprint)
    app.register_blueprint(invitations_api.blueprint)
    app.register_blueprint(ops.blueprint)
    app.register_blueprint(api_spec.blueprint)
    rate_limits.install(app)


def _register_commands(app: Flask) -> None:
    from feedbot.cli import COMMANDS

    for command in COMMANDS:
        app.cli.add_command(command)
