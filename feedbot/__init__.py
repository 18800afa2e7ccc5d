"""feedbot: the A-11 post-transaction survey over SMS, voice and web chat.

The app factory lives in feedbot.app and is imported when it is called, not with the package:
gunicorn's master imports the package (its logging uses feedbot.logs), and a module it has
imported is the one every worker it starts after a HUP uses, so what it holds would run in
place of a release deployed with a HUP.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping

    from flask import Flask

    from feedbot.config import Settings

__all__ = ["create_app"]


def create_app(test_config: Mapping[str, Any] | Settings | None = None) -> Flask:
    """Build the feedbot app; `test_config` overrides settings read from the environment."""
    from feedbot.app import create_app as build

    return build(test_config)
