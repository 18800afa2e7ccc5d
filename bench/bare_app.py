"""The reference endpoints: bare Flask apps that answer every webhook with fixed TwiML.

`create_app` does nothing else: the ceiling of Flask under gunicorn. `create_db_app` also
commits one INSERT to PostgreSQL per request: the ceiling of any webhook that stores what it
is sent, which every feedbot turn must.
"""

from __future__ import annotations

import os

from flask import Flask, Response, request
from sqlalchemy import Column, Integer, MetaData, Table, Text, create_engine, insert
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


_metadata = MetaData()
_received = Table(
    "bench_received", _metadata, Column("id", Integer, primary_key=True), Column("body", Text)
)


def create_reference_table(database_url: str) -> None:
    """Made once before gunicorn starts: its workers would race to create it."""
    engine = create_engine(database_url)
    _metadata.create_all(engine)
    engine.dispose()


def create_db_app() -> Flask:
    url = os.environ["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://", 1)
    engine = create_engine(url, pool_size=10)
    app = Flask(__name__)

    @app.post("/twilio/sms")
    def stored_reply() -> Response:
        with engine.begin() as connection:
            connection.execute(insert(_received).values(body=request.form.get("Body", "")))
        return Response(_REPLY, mimetype="text/xml")

    return app
