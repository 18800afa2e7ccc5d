"""The reference endpoint: a bare Flask app that answers every SMS webhook with fixed TwiML."""

from __future__ import annotations

from flask import Flask, Response
from twilio.twiml.messaging_response import MessagingResponse

_REPLY = str(MessagingResponse().message("Thank you for your feedback."))


def create_app() -> Flask:
    app = Flask(__name__)

    @app.post("/twilio/sms")
    @app.post("/twilio/voice")
    @app.post("/api/chat/sessions")
    def fixed_reply() -> Response:
        return Response(_REPLY, mimetype="text/xml")

    return app
