"""The OpenAPI description of feedbot's JSON APIs (web chat, exports, invitations), served as
JSON at /api/openapi.json for API clients and for the hostile-input tests that read it."""

from __future__ import annotations

import functools
from importlib import resources
from typing import Any

import yaml
from flask import Blueprint, Response, jsonify

blueprint = Blueprint("api_spec", __name__)


@blueprint.get("/api/openapi.json")
def openapi_document() -> Response:
    return jsonify(openapi_spec())


@functools.cache
def openapi_spec() -> dict[str, Any]:
    """The document from feedbot/schemas/openapi.yaml, read once."""
    text = resources.files("feedbot").joinpath("schemas/openapi.yaml").read_text("utf-8")
    return yaml.safe_load(text)
