"""The `feedbot` command: database, demo server and a terminal chat, as Flask CLI commands."""

from __future__ import annotations

import atexit
import copy
import gc
import os
import secrets
import sys
import unicodedata
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import click
import psycopg
from flask import current_app
from flask.cli import FlaskGroup, ScriptInfo, pass_script_info, run_command, with_appcontext
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.serving import WSGIRequestHandler, run_simple

from feedbot.config import DEV_TWILIO_AUTH_TOKEN, REPO_ROOT, ConfigError
from feedbot.db import missing_schema
from feedbot.errors import failure_reason
from feedbot.flows import FlowError
from feedbot.migrations import UPGRADE_HINT, upgrade
from feedbot.runtime import current_runtime

if TYPE_CHECKING:
    from alembic.script import Script

    from feedbot.db import Database
    from feedbot.export import Backlog
    from feedbot.runtime import Runtime

REPO_FLOWS = REPO_ROOT / "flows"


class PathlessRequestHandler(WSGIRequestHandler):
    """The development server's request line without the path, which is the caller's to choose."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        self.log("info", "%s %s", self.command, code)


def _create_app():  # type: ignore[no-untyped-def]
    from feedbot import create_app

    try:
        return create_app()
    except (FlowError, ConfigError) as error:
        click.echo(f"feedbot: cannot start: {type(error).__name__}: {error}", err=True)
        sys.exit(2)


# What stops a command through no fault of feedbot's code: a database or Redis it cannot use,
# a file it cannot open.
_DATABASE_FAILURES = (OperationalError, PoolTimeout, psycopg.OperationalError)
_REDIS_FAILURES = (RedisConnectionError, RedisTimeoutError)


class FeedbotGroup(FlaskGroup):
    """Flask's command group, with one line (exit status 1) instead of a traceback when a
    command fails through no fault of feedbot's code."""

    def __init__(self, **extra: Any) -> None:
        super().__init__(**extra)
        self.params = [
            _env_file(param) if param.name == "env_file" else param for param in self.params
        ]

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except Exception as error:
            problem = _outside_failure(error)
            if problem is None:
                raise  # a bug: its traceback is what finds it
            raise click.ClickException(problem) from error


def _env_file(flask_option: click.Parameter) -> click.Parameter:
    """Flask's -e option, its help saying what feedbot reads: Flask's speaks of .env and
    .flaskenv files, which feedbot does not load (see `main`)."""
    option = copy.copy(flask_option)
    option.help = (
        "Load environment variables from this file; those already set in the environment win."
        " A .env or .flaskenv file is not read."
    )
    return option


def _outside_failure(error: Exception) -> str | None:
    """What failed outside feedbot and what to check, in one line; None for anything else.
    The URLs are read only to mask a password the driver's text might hold."""
    database_url = os.environ.get("DATABASE_URL")
    if missing_schema(error):  # PostgreSQL's is a ProgrammingError, SQLite's an OperationalError
        return _schema_behind(error, database_url)
    if isinstance(error, _DATABASE_FAILURES):
        reason = failure_reason(error, database_url)
        return (
            f"the database cannot be used ({reason}): check DATABASE_URL and that the database"
            " server is running"
        )
    if isinstance(error, _REDIS_FAILURES):
        reason = failure_reason(error, os.environ.get("REDIS_URL"))
        return f"Redis cannot be reached ({reason}): check REDIS_URL and that Redis is running"
    if isinstance(error, OSError):
        return f"{error.filename}: {error.strerror}" if error.filename else str(error)
    return None


def _schema_behind(error: Exception, database_url: str | None) -> str:
    """What every command says when a table or column it uses is missing."""
    reason = failure_reason(error, database_url)
    return (
        f"the database's tables are missing or older than this feedbot ({reason}): {UPGRADE_HINT}"
    )


@click.group(
    cls=FeedbotGroup,
    create_app=_create_app,
    add_default_commands=True,
    # Only the file -e names: a .env or .flaskenv left in the working directory (Flask loads
    # them when python-dotenv is installed) would change a production host's settings unseen.
    load_dotenv=False,
    add_version_option=False,  # Flask's prints Python's, Flask's and Werkzeug's, not ours
)
@click.version_option(package_name="feedbot", message="feedbot %(version)s")
def main() -> None:
    """feedbot: the A-11 post-transaction survey over SMS, voice and web chat."""
    # A process leaving Python collects every object it holds once more: about 0.5 s of every
    # command (`queue status` 2.0–2.2 s, 1.3–1.8 s without it), and more for a worker. Frozen
    # objects are left out; atexit handlers still run. (As gunicorn.conf.py's worker_exit.)
    atexit.unregister(gc.freeze)  # once, however often a test runs the command in-process
    atexit.register(gc.freeze)


@click.group("db")
def db_group() -> None:
    """Database schema commands."""


@db_group.command("upgrade")
@with_appcontext
def db_upgrade() -> None:
    """Create or migrate the tables of DATABASE_URL to the newest version, saying which
    migrations it applied."""
    database = current_runtime().db
    before = _schema_revisions(database)
    upgrade(database.url)
    after = _schema_revisions(database)
    if after == before:
        click.echo(f"database is up to date at {', '.join(after)}")
        return
    for migration in _migrations_between(before, after):
        click.echo(f"applied {migration.revision} ({migration.doc})")
    click.echo(f"database upgraded from {', '.join(before) or 'no tables'} to {', '.join(after)}")


def _schema_revisions(database: Database) -> tuple[str, ...]:
    from feedbot.migrations import current_revisions

    with database.engine.connect() as connection:
        return tuple(sorted(current_revisions(connection)))


def _migrations_between(before: tuple[str, ...], after: tuple[str, ...]) -> list[Script]:
    """The migrations that take a database from `before` to `after`, oldest first. (Read on
    each side of the upgrade, outside its lock: a second upgrade of the same database at the
    same moment would list those the first applied too.)"""
    from alembic.script import ScriptDirectory

    from feedbot.migrations import alembic_config

    scripts = ScriptDirectory.from_config(alembic_config(""))
    return list(reversed(list(scripts.iterate_revisions(after, before or "base"))))


@db_group.command("downgrade")
@click.argument("revision")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def db_downgrade(revision: str, yes: bool) -> None:
    """Migrate the tables of DATABASE_URL back to REVISION (e.g. 0006_inbound_by_conversation),
    undoing every later migration. Seldom needed: the previous release runs on the newer
    schema (see "Rolling back a release" in the README)."""
    from feedbot.migrations import DowngradeRefused, downgrade, downgrade_plan

    database = current_runtime().db
    try:
        with database.engine.connect() as connection:
            target, undone = downgrade_plan(connection, revision)
    except DowngradeRefused as error:
        raise click.BadParameter(str(error), param_hint="REVISION") from error
    if not undone:
        click.echo(f"the database is at {target} already: nothing to undo")
        return
    for migration in undone:
        click.echo(f"undoes {migration.revision} ({migration.title}): loses {migration.loses}")
    if not yes:
        click.confirm(f"Migrate the database back to {target}?", abort=True)
    downgrade(database.url, target)
    click.echo(f"database is at {target}")


@click.command("chat")
@click.option("--channel", type=click.Choice(["sms", "voice"]), default="sms", show_default=True)
@click.option(
    "--service", "service_id", help="The service to survey; needed when there is more than one."
)
@click.option(
    "--record",
    is_flag=True,
    help="In production: store the response anyway (it counts in exports and A-11 figures).",
)
@with_appcontext
def chat(channel: str, service_id: str | None, record: bool) -> None:
    """Take the survey in the terminal, as a texter sees it or a caller hears it."""
    runtime = current_runtime()
    service = _chat_service(runtime, service_id)
    if runtime.settings.production and not record:
        # A try-out would be a real response: in the exports, and a respondent in the
        # quarterly A-11 figures.
        raise click.UsageError(
            "feedbot chat stores a real response in DATABASE_URL, counted in the exports and"
            " the quarterly A-11 figures: try it on a development database, or pass --record"
        )
    if not runtime.settings.production:
        upgrade(runtime.settings.database_url)  # production migrates in its release step
    if channel == "voice":
        _play_call(service)
    else:
        _text_chat(service)


def _chat_service(runtime: Runtime, service_id: str | None):  # type: ignore[no-untyped-def]
    """The service named, else the services file's only one; BadParameter naming them all."""
    services = runtime.services.services
    names = ", ".join(services)
    if service_id is None:
        if len(services) == 1:
            return next(iter(services.values()))
        raise click.UsageError(
            f"the services file has {len(services)} services ({names}): pass one with --service"
        )
    service = services.get(service_id)
    if service is None:
        raise click.BadParameter(
            f"no service {service_id!r} (the services file has {names})", param_hint="--service"
        )
    return service


def _play_call(service) -> None:  # type: ignore[no-untyped-def]
    from channels.console import play_call

    if not service.voice_numbers:
        raise click.BadParameter(f"service {service.id!r} has no voice number")
    click.echo(f"Calling {service.agency}. Type keys (digits, * or #) or words to speak;")
    click.echo("an empty line is silence; Ctrl-D hangs up.\n")

    def ask() -> str | None:
        try:
            return click.prompt("", prompt_suffix="keys> ", default="", show_default=False)
        except click.Abort:
            return None

    def show(text: str) -> None:
        click.echo(click.style(f"🔊 {text}", fg="cyan"))

    runtime = current_runtime()
    play_call(
        current_app._get_current_object(), service, runtime.settings.twilio_auth_token, ask, show
    )


def _text_chat(service) -> None:  # type: ignore[no-untyped-def]
    from channels.sms import render_sms
    from feedbot.conversations import Inbound, clean_reply_text, handle_reply
    from feedbot.engine import Reply

    runtime = current_runtime()
    thread = "terminal-" + secrets.token_hex(8)
    click.echo(f"Texting {service.agency} ({service.name}). Type a message; Ctrl-D ends.\n")
    text = "Hi"
    click.echo(f"> {text}")
    while True:
        inbound = Inbound(
            service=service,
            channel="sms",
            thread_key=thread,
            sender_key=thread,
            reply=Reply(text=clean_reply_text(text, runtime.settings)),
            received_at=datetime.now(UTC),
            honours_carrier_keywords=True,
        )
        with runtime.db.transaction() as db:
            outcome = handle_reply(db, inbound, runtime.settings.idle_expiry)
        reply = render_sms(outcome, service)
        click.echo(click.style(reply, fg="cyan") if reply else click.style("(no reply)", dim=True))
        if outcome.finished and outcome.prompts and outcome.prompts[-1].kind == "closing":
            return
        try:
            text = click.prompt("", prompt_suffix="> ", default="", show_default=False)
        except click.Abort:
            return


@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@with_appcontext
def demo(host: str, port: int) -> None:
    """Serve feedbot on the embedded defaults and say how to try it."""
    runtime = current_runtime()
    if runtime.settings.production:
        # Flask's development server, on the production database, which it would migrate.
        raise click.UsageError(
            "feedbot demo is a try-out on the development server, not for FEEDBOT_ENV=production:"
            " run the Procfile's web and worker processes (README, 'Deploying to production')"
        )
    upgrade(runtime.settings.database_url)
    base = runtime.settings.public_url or f"http://{host}:{port}"
    click.echo(f"feedbot demo on {runtime.settings.database_url}")
    click.echo(f"  SMS webhook (Twilio console, 'A message comes in'): POST {base}/twilio/sms")
    click.echo(f"  Voice webhook ('A call comes in'): POST {base}/twilio/voice")
    click.echo(f"  Call status ('Call status changes'): POST {base}/twilio/voice/status")
    for service in runtime.services.services.values():
        numbers = ", ".join(service.sms_numbers) or "none"
        click.echo(f"  service {service.id!r}: {service.agency} — SMS numbers {numbers}")
        if service.offers_web_chat:
            click.echo(f"    web chat page: {base}/chat/{service.id}")
    if runtime.settings.twilio_auth_token == DEV_TWILIO_AUTH_TOKEN:
        click.echo(f"  Signatures are checked with the development token {DEV_TWILIO_AUTH_TOKEN}")
    first = next(iter(runtime.services.services), None)
    if first is not None:
        click.echo(f"  Try the survey without Twilio: feedbot chat --service {first}")
    # app.run() refuses to block inside the flask CLI; run_simple is what it would call.
    run_simple(
        host,
        port,
        current_app._get_current_object(),
        threaded=True,
        request_handler=PathlessRequestHandler,
    )


# In place of Flask's `run`, whose options it takes.
@main.command(
    "run",
    params=list(run_command.params),
    short_help=run_command.short_help,
    help=run_command.help,
    with_appcontext=False,
)
@pass_script_info
def run(info: ScriptInfo, **options: Any) -> None:
    app = info.load_app()
    with app.app_context():
        production = current_runtime().settings.production
    if production:
        # As `feedbot demo`: the development server, on the production database.
        raise click.UsageError(
            "feedbot run is Flask's development server, not for FEEDBOT_ENV=production: run the"
            " Procfile's web process, python gunicorn.conf.py 'feedbot:create_app()' (README,"
            " 'Deploying to production')"
        )
    click.get_current_context().invoke(run_command, **options)


@click.group("tokens")
def tokens_group() -> None:
    """Staff API tokens."""


@tokens_group.command("create")
@click.option("--name", required=True, help="Who or what the token is for.")
@click.option("--service", "services", multiple=True, help="Limit to a service (repeatable).")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    default=("export",),
    show_default=True,
    type=click.Choice(["export", "invite"]),
    help="What the token may do (repeatable).",
)
@with_appcontext
def tokens_create(name: str, services: tuple[str, ...], scopes: tuple[str, ...]) -> None:
    """Create a token and print it once; only its hash is kept."""
    from feedbot.staff_auth import TokenError, create_token

    runtime = current_runtime()
    for service_id in services:
        if runtime.services.get(service_id) is None:
            raise click.BadParameter(f"no service {service_id!r}", param_hint="--service")
    try:
        with runtime.db.transaction() as db:
            token = create_token(db, name, services or None, scopes)
    except TokenError as error:
        raise click.BadParameter(str(error), param_hint="--name") from error
    click.echo(token)
    click.echo("Store this token now: feedbot keeps only its hash.", err=True)


@tokens_group.command("revoke")
@click.argument("name_or_id")
@with_appcontext
def tokens_revoke(name_or_id: str) -> None:
    """Revoke the live token(s) with this name or id."""
    from feedbot.staff_auth import TokenError, revoke_token

    try:
        with current_runtime().db.transaction() as db:
            count = revoke_token(db, name_or_id)
    except TokenError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"revoked {count} token(s)")


@tokens_group.command("list")
@click.option("--all", "show_all", is_flag=True, help="Revoked tokens too.")
@with_appcontext
def tokens_list(show_all: bool) -> None:
    """Who holds a token: id, name, services, scopes, created and last used (never the token
    or its hash), so that unused or departed staff's tokens can be revoked."""
    from sqlalchemy import select

    from feedbot.models import StaffToken

    query = select(StaffToken).order_by(StaffToken.id)
    if not show_all:
        query = query.where(StaffToken.revoked_at.is_(None))
    with current_runtime().db.reading() as db:
        tokens = list(db.scalars(query))
    if not tokens:
        click.echo("no tokens" if show_all else "no live tokens")
        return
    rows = [("id", "name", "services", "scopes", "created (UTC)", "last used", "revoked")]
    for token in tokens:
        rows.append(
            (
                str(token.id),
                _shown(token.name),
                ",".join(token.services) if token.services else "all",
                ",".join(token.scopes),
                _day(token.created_at),
                _day(token.last_used_at) or "never",
                _day(token.revoked_at),
            )
        )
    widths = [max(_width(row[column]) for row in rows) for column in range(len(rows[0]))]
    for row in rows:
        cells = (
            cell + " " * (width - _width(cell)) for cell, width in zip(row, widths, strict=True)
        )
        click.echo("  ".join(cells).rstrip())


def _shown(name: str, limit: int = 40) -> str:
    """A name as one line of at most `limit` characters (names made before the check at
    creation may hold control characters)."""
    line = "".join(ch if ch.isprintable() else "?" for ch in name)
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _width(text: str) -> int:
    """Columns on a terminal: CJK and other wide characters take two, marks none."""
    return sum(
        0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        for ch in text
    )


def _day(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M}" if moment is not None else ""


@click.group("queue")
def queue_group() -> None:
    """The work queue: normalization of finished surveys, invitations and reminders."""


@queue_group.command("sweep")
@with_appcontext
def queue_sweep() -> None:
    """Close the surveys left idle past FEEDBOT_IDLE_EXPIRY_HOURS, then enqueue every finished
    response still waiting to be normalized, and every due invitation or reminder whose job
    Redis lost: what a worker's periodic sweep does."""
    from feedbot.conversations import expire_idle_conversations
    from feedbot.invitation_queue import sweep_invitations
    from feedbot.queue import sweep

    runtime = current_runtime()
    settings = runtime.settings
    # Safe beside the workers' sweeps and replies: each survey is closed under its row's lock,
    # and one another transaction holds is left to it.
    with runtime.db.transaction() as db:
        closed = expire_idle_conversations(db, settings.now(), settings.idle_expiry)
    click.echo(f"{len(closed)} idle survey(s) closed")
    click.echo(f"{sweep(runtime)} response(s) swept")
    if runtime.settings.redis_url is not None:
        click.echo(f"{sweep_invitations(runtime)} invitation job(s) queued again")


@queue_group.command("redrive")
@with_appcontext
def queue_redrive() -> None:
    """Re-enqueue jobs (normalization, invitations) that exhausted their retries."""
    from feedbot.queue import redrive

    click.echo(f"{redrive(current_runtime())} failed job(s) re-enqueued")


@queue_group.command("status")
@with_appcontext
def queue_status() -> None:
    """What waits and who works: responses not yet normalized, jobs waiting, scheduled and
    failed per queue, workers alive. Exits 1, saying why, when something needs a person."""
    from sqlalchemy.exc import SQLAlchemyError

    from feedbot.export import BACKLOG_LATE, not_yet_normalized, orphaned_responses

    runtime = current_runtime()
    problems = []
    try:
        with runtime.db.reading() as db:
            backlog = not_yet_normalized(db, runtime.services)
            orphans = orphaned_responses(db, runtime.services)
    except SQLAlchemyError as error:
        problems.append(_database_problem(error, runtime.settings.database_url))
    else:
        oldest = f" (oldest closed {backlog.oldest_closed})" if backlog.oldest else ""
        click.echo(f"responses waiting to be normalized: {backlog.count}{oldest}")
        if backlog.oldest is not None and runtime.settings.now() - backlog.oldest > BACKLOG_LATE:
            problems.append("responses have waited over a minute to be normalized")
        if orphans:
            problems.append(
                f"{orphans} response(s) of services no longer in the services file wait in the"
                " outbox: they are normalized once their service is back"
            )
    problems += _queue_problems(runtime)
    for problem in problems:
        click.echo(f"attention: {problem}", err=True)
    if problems:
        raise SystemExit(1)


def _database_problem(error: Exception, database_url: str) -> str:
    """Why the database could not be read: a schema behind this code is said as every other
    command says it (run `feedbot db upgrade`), not as a database that cannot be reached."""
    if missing_schema(error):
        return _schema_behind(error, database_url)
    reason = failure_reason(error, database_url)
    return f"the database cannot be reached ({type(error).__name__}: {reason})"


def _queue_problems(runtime: Runtime) -> list[str]:
    """Each queue's jobs and the workers alive, printed; what needs a person, returned."""
    from redis.exceptions import RedisError
    from rq import Queue

    from feedbot.invitation_queue import INVITATIONS_QUEUE
    from feedbot.queue import QUEUES, redis_connection
    from feedbot.worker import live_workers

    if runtime.settings.redis_url is None:
        click.echo("queue: in-process (no REDIS_URL)")
        return []
    # Its jobs read as invitations ("1996 scheduled" when 400 had been sent, "0 failed"
    # with 160 failed): each send, retry and reminder is a job of its own.
    notes = {
        INVITATIONS_QUEUE: " (each send, retry or reminder is one; invitations by status:"
        " feedbot invitations status)"
    }
    problems = []
    try:
        connection = redis_connection(runtime.settings.redis_url)
        for name in QUEUES:
            queue = Queue(name, connection=connection)
            failed = queue.failed_job_registry.count
            click.echo(
                f"{name}: {queue.count} waiting, {queue.scheduled_job_registry.count}"
                f" scheduled, {failed} failed job(s){notes.get(name, '')}"
            )
            if failed:
                problems.append(f"{name} has failed jobs (feedbot queue redrive)")
        silent_after = runtime.settings.worker_silent_after
        workers = live_workers(connection, silent_after)
    except RedisError as error:
        click.echo("workers: unknown")
        return [*problems, f"Redis cannot be reached ({type(error).__name__})"]
    silent = (
        f" ({workers.silent} more registered, silent for over"
        f" {silent_after.total_seconds():.0f} s: stopped or killed)"
        if workers.silent
        else ""
    )
    click.echo(f"workers: {workers.alive}{silent}")
    if not workers.alive:
        problems.append("no feedbot worker is running")
    return problems


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@with_appcontext
def worker(burst: bool) -> None:
    """Run an RQ worker for feedbot's queues, with the scheduler; first close the surveys left
    idle and enqueue what waits in the outbox (the periodic sweep, which a worker that does
    not stop runs every 5 minutes too)."""
    from feedbot.jobs import worker_runtime
    from feedbot.queue import QUEUES, redis_connection
    from feedbot.sweeper import Sweeper, sweep_before_burst
    from feedbot.worker import run_worker, worker_redis

    settings = current_runtime().settings
    # Jobs run on the worker's own runtime (feedbot.jobs); the app's pool would only hand RQ's
    # scheduler, forked from this process, copies of its database sockets.
    current_runtime().db.dispose()
    runtime = worker_runtime()
    connection = redis_connection(settings.redis_url)
    if burst:
        sweep_before_burst(runtime)
    else:
        # A worker starts after a deploy or a crash: whatever waits in the outbox (responses
        # whose job died with a killed worker too) is enqueued at once, or once the database
        # and Redis answer: the sweeper retries that, as run_worker retries RQ's start.
        Sweeper(connection, sweep_at_start=True).start()
    # No fork per job: jobs are short database work, and keeping one process keeps its
    # runtime and connection pool (bench/normalize.py: 786 → 1,186 records/s).
    run_worker(QUEUES, worker_redis(settings.redis_url), burst, settings)


@click.command("purge")
@click.option(
    "--older-than",
    "older_than",
    default="90d",
    show_default=True,
    help="Age of free-text answers to purge, e.g. 90d or 12h.",
)
@with_appcontext
def purge(older_than: str) -> None:
    """Delete the raw text of answers older than the retention period (records keep theirs).

    Only closed, normalized responses are purged: one still open or waiting for its record
    keeps its raw text until a later purge.
    """
    from feedbot.retention import parse_age, purge_raw_text

    try:
        before = datetime.now(UTC) - parse_age(older_than)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--older-than") from error
    except OverflowError:
        raise click.BadParameter(
            f"{older_than!r} reaches back before the year 1; give an age such as 90d or 12h",
            param_hint="'--older-than'",
        ) from None
    runtime = current_runtime()
    with runtime.db.transaction() as db:
        result = purge_raw_text(db, runtime.services, before)
    click.echo(f"purged the raw text of {result.purged} answer(s) older than {older_than}")
    if result.still_open or result.not_normalized:
        click.echo(
            f"kept the raw text of {result.still_open} response(s) still open and"
            f" {result.not_normalized} waiting to be normalized: a later purge deletes it"
            " once their record is written"
        )


EXPORT_FORMATS = ("csv", "jsonl", "xlsx")


@click.group("export")
def export_group() -> None:
    """Get results out: per-response records and the quarterly A-11 submission."""


@export_group.command("responses")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(EXPORT_FORMATS),
    help="Default: the --output file's extension (.csv, .jsonl, .xlsx), else csv.",
)
@click.option("--service", help="Only this service.")
@click.option(
    "--channel", help="sms, voice or webchat (or sms_text_messages, automated_phone, chatbot)."
)
@click.option("--language", help="A language code, e.g. es.")
@click.option("--quarter", help="A fiscal quarter, e.g. FY2027Q1.")
@click.option(
    "--from",
    "start",
    help="First UTC day (YYYY-MM-DD) of the responses' start, not a local quarter: see --quarter.",
)
@click.option("--to", "end", help="Last UTC day (YYYY-MM-DD) of the responses' start.")
@click.option("--status", type=click.Choice(["complete", "partial", "abandoned"]))
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False, writable=True), help="File (default: stdout)."
)
@with_appcontext
def export_responses(fmt, service, channel, language, quarter, start, end, status, output) -> None:  # type: ignore[no-untyped-def]
    """Write normalized records, with a progress bar on the terminal."""
    from feedbot.export import (
        ExportError,
        check_filter_names,
        count_responses,
        empty_quarter_warning,
        iter_records,
        not_yet_normalized,
        quarter_without_responses,
        stream_csv,
        stream_export,
    )
    from feedbot.staff import filter_from_args

    fmt = _export_format(fmt, output)
    args = {
        "quarter": quarter,
        "from": start,
        "to": end,
        "channel": channel,
        "language": language,
        "status": status,
    }
    try:
        response_filter = filter_from_args(args, [service] if service else None, prefix="--")
    except (ExportError, ValueError) as error:
        raise click.UsageError(str(error)) from error
    runtime = current_runtime()
    with runtime.db.reading() as db:
        try:
            check_filter_names(db, runtime.services, response_filter, service)
        except ExportError as error:
            raise click.UsageError(str(error)) from error
        total = count_responses(db, response_filter)
        backlog = not_yet_normalized(db, runtime.services, response_filter.services)
        period, services = response_filter.quarter, response_filter.services
        empty = period if period and quarter_without_responses(db, period, services) else None
        target = open(output, "wb") if output else sys.stdout.buffer  # noqa: SIM115
        try:
            with click.progressbar(length=total, label="exporting", file=sys.stderr) as bar:
                if fmt == "csv":
                    for chunk in stream_csv(db, response_filter):
                        target.write(chunk)
                        bar.update(chunk.count(b"\n"))
                else:
                    records = _counted(iter_records(db, response_filter), bar)
                    for chunk in stream_export(records, fmt):
                        target.write(chunk)
        finally:
            if output:
                target.close()
    click.echo(f"{total} response(s) exported", err=True)
    _warn_of_backlog(backlog)
    if empty:
        click.echo(f"warning: {empty_quarter_warning(empty)}", err=True)


def _export_format(fmt: str | None, output: str | None) -> str:
    """--format, else the one the output file's extension names, else CSV; a --format the
    extension contradicts (CSV written into a .xlsx file, say) is refused."""
    from pathlib import Path

    extension = Path(output).suffix[1:].lower() if output else ""
    named = extension if extension in EXPORT_FORMATS else None
    if fmt and named and fmt != named:
        raise click.UsageError(
            f"--format {fmt} contradicts the output file's extension .{extension}: "
            f"give --format {named}, or a file name ending in .{fmt}"
        )
    return fmt or named or "csv"


def _warn_of_backlog(backlog: Backlog) -> None:
    if backlog.count:
        click.echo(f"warning: {backlog.warning()}", err=True)


def _counted(records, bar):  # type: ignore[no-untyped-def]
    for record in records:
        bar.update(1)
        yield record


@export_group.command("quarterly")
@click.option("--quarter", required=True, help="A fiscal quarter, e.g. FY2027Q1.")
@click.option("--service", help="Only this service.")
@click.option(
    "--volume-of-customers",
    help="Customers served (needs --service): a whole number for a service with one channel, "
    "else per channel, e.g. sms_text_messages:1200,automated_phone:300.",
)
@click.option(
    "--volume-offered",
    help="Customers offered the survey (needs --service), as --volume-of-customers.",
)
@click.option(
    "--reflection-text",
    help="The quarter's reflection on the service's results (needs --service), written on each"
    " of its rows.",
)
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True))
@with_appcontext
def export_quarterly(
    quarter, service, volume_of_customers, volume_offered, reflection_text, output
) -> None:  # type: ignore[no-untyped-def]
    """Write OMB's quarterly CX figures per service and channel as CSV."""
    from feedbot.export import (
        ExportError,
        empty_quarter_warning,
        flows_not_loaded_warnings,
        parse_reflection,
        parse_volume,
        quarterly_csv,
        quarterly_submission,
        services_without_details,
        without_details_warning,
    )
    from feedbot.fiscal import parse_quarter

    try:
        period = parse_quarter(quarter)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--quarter") from error
    given = (
        ("customers", "--volume-of-customers", volume_of_customers),
        ("offered", "--volume-offered", volume_offered),
    )
    if any(text is not None for _, _, text in given) and not service:
        raise click.UsageError("--volume-of-customers and --volume-offered need --service")
    if reflection_text and not service:
        raise click.UsageError("--reflection-text is per service: give --service with it")
    runtime = current_runtime()
    try:
        figures = {k: parse_volume(option, text) for k, option, text in given if text is not None}
        reflection = reflection_text and parse_reflection("--reflection-text", reflection_text)
        services = [service] if service else None
        with runtime.db.transaction() as db:
            submission = quarterly_submission(
                db,
                runtime.services,
                period,
                services,
                service=service,
                volumes={service: figures} if figures else None,
                reflection=(reflection, "--reflection-text") if reflection else None,
            )
    except ExportError as error:
        raise click.ClickException(str(error)) from error
    rows, backlog, flows = submission.rows, submission.backlog, submission.flows_not_loaded
    empty = submission.empty
    text = quarterly_csv(rows)
    if output:
        with open(output, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
    else:
        click.echo(text, nl=False)
    _warn_of_backlog(backlog)
    without_details = services_without_details(runtime.services, rows)
    if without_details:
        click.echo(f"warning: {without_details_warning(without_details)}", err=True)
    if empty:
        click.echo(f"warning: {empty_quarter_warning(period)}", err=True)
    for warning in flows_not_loaded_warnings(runtime.services, period, flows):
        click.echo(f"warning: {warning}", err=True)


@click.command("invite")
@click.option(
    "--csv",
    "csv_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    help="Columns: phone, and optionally service, language, transaction_id, send_at.",
)
@click.option("--service", help="Service for rows that do not name one.")
@with_appcontext
def invite(csv_path: str, service: str | None) -> None:
    """Invite everyone in a CSV file to the survey by text, with a progress bar."""
    from feedbot.invitations_api import DUPLICATE, create_rows

    numbered, errors = _csv_rows(csv_path)
    if not service and numbered and not any("service" in row for _, row in numbered):
        raise click.BadParameter(
            f"{csv_path} names no service: add a service column, or give --service",
            param_hint="--csv",
        )
    rows = [({"service": service} if service else {}) | row for _, row in numbered]
    accepted: list = []
    with click.progressbar(length=len(rows), label="inviting", file=sys.stderr) as bar:
        for start in range(0, len(rows), 500):
            batch = rows[start : start + 500]
            done, failed = create_rows(batch)
            # create_rows numbers a batch's rows from 1: back to the file's own row numbers.
            accepted += [{**a, "row": numbered[start + a["row"] - 1][0]} for a in done]
            errors += [{**e, "row": numbered[start + e["row"] - 1][0]} for e in failed]
            bar.update(len(batch))
    for error in sorted(errors, key=lambda e: e["row"]):
        click.echo(f"row {error['row']}: {error['error']}", err=True)
    # Set aside, not refused: staff still want to know whom no text will reach.
    for row in sorted(accepted, key=lambda a: a["row"]):
        if row["status"] == "suppressed" or row["reason"] == DUPLICATE:
            click.echo(f"row {row['row']}: {_outcome(row)}")
    click.echo(_outcomes(accepted, errors))
    if errors:
        raise SystemExit(1)


def _outcomes(accepted: list[dict], errors: list[dict]) -> str:
    """How many rows came to what, as the API answers each: "3 row(s): 1 sent, 1 suppressed
    (invited within the window), 1 refused"."""
    from collections import Counter

    counts = Counter(_outcome(a) for a in accepted)
    parts = [f"{count} {outcome}" for outcome, count in counts.items()]
    return f"{len(accepted) + len(errors)} row(s): {', '.join([*parts, f'{len(errors)} refused'])}"


def _outcome(accepted: dict) -> str:
    """One accepted row's outcome: "scheduled", "suppressed (opted out)", "already invited
    (duplicate transaction_id)"."""
    from feedbot.invitations_api import DUPLICATE

    if accepted["reason"] == DUPLICATE:
        return f"already invited ({DUPLICATE})"
    if accepted["reason"]:
        return f"{accepted['status']} ({accepted['reason']})"
    return accepted["status"]


@click.group("invitations")
def invitations_group() -> None:
    """What became of the invitations sent by text."""


@invitations_group.command("status")
@click.option("--service", "service_id", help="Only this service.")
@with_appcontext
def invitations_status(service_id: str | None) -> None:
    """Each service's invitations by status (scheduled, sent, delivered, undelivered, failed
    …) and its reminders sent and still owed, from the database; `feedbot queue status`
    counts RQ's jobs, which are not invitations."""
    from feedbot.invitations import invitation_counts

    runtime = current_runtime()
    with runtime.db.reading() as db:
        counts = invitation_counts(db, None if service_id is None else [service_id])
    if service_id is not None and not counts and runtime.services.get(service_id) is None:
        raise click.BadParameter(f"no service {service_id!r}", param_hint="--service")
    if not counts:
        click.echo(f"{service_id or 'all services'}: no invitations")
    for count in counts:
        statuses = ", ".join(f"{n} {status}" for status, n in count.by_status.items() if n)
        click.echo(
            f"{count.service_id}: {statuses}; reminders: {count.reminders_sent} sent,"
            f" {count.reminders_owed} owed"
        )


def _csv_rows(csv_path: str) -> tuple[list[tuple[int, dict[str, str]]], list[dict]]:
    """The CSV's rows, each numbered as a spreadsheet shows it (the header is row 1, empty
    rows count) with its non-empty cells, trimmed, by lower-case column name; rows with no
    cell filled are left out, and rows with filled cells past the header's columns (a second
    phone number after a comma, say) are refused. BadParameter if the file cannot be read."""
    import csv

    try:
        with open(csv_path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header = next(reader, [])
            columns = [name.strip().lower() for name in header]
            if "phone" not in columns:
                found = ", ".join(header) or "none"
                raise click.BadParameter(
                    f"{csv_path} has no phone column (its header row names: {found})",
                    param_hint="--csv",
                )
            rows: list[tuple[int, dict[str, str]]] = []
            refused: list[dict] = []
            for number, record in enumerate(reader, start=2):
                cells = [cell.strip() for cell in record]
                if not any(cells):
                    continue
                if any(cells[len(columns) :]):
                    refused.append(
                        {
                            "row": number,
                            "error": f"more cells than the header row's {len(columns)}"
                            " column(s) (a comma inside a cell?)",
                        }
                    )
                    continue
                named = zip(columns, cells, strict=False)
                rows.append((number, {k: v for k, v in named if k and v}))
            return rows, refused
    except UnicodeDecodeError as error:
        raise click.BadParameter(
            f"{csv_path} is not UTF-8 text (byte {error.start}): save it as CSV UTF-8",
            param_hint="--csv",
        ) from error
    except csv.Error as error:
        raise click.BadParameter(
            f"{csv_path} is not a readable CSV ({error})", param_hint="--csv"
        ) from error


@click.group("translations")
def translations_group() -> None:
    """Catalog checks and the SMS cost of every language."""


@translations_group.command("check")
def translations_check() -> None:
    """Fail when a catalog misses a message, keeps a stale one, or breaks a placeholder."""
    from feedbot.translations import check_catalogs

    problems = check_catalogs()
    for problem in problems:
        click.echo(str(problem), err=True)
    if problems:
        raise click.ClickException(f"{len(problems)} translation problem(s)")
    click.echo("all catalogs complete and current")


@translations_group.command("segments")
@click.option("--flow", "flow_path", default=str(REPO_FLOWS / "a11.yaml"), show_default=True)
@click.option(
    "--service",
    "service_id",
    help="A service of FEEDBOT_SERVICES_FILE: its own languages, names and offers instead.",
)
def translations_segments(flow_path: str, service_id: str | None) -> None:
    """Print, per language, the SMS segments of each prompt and of a whole survey."""
    from feedbot.flows import load_flow
    from feedbot.languages import LANGUAGES
    from feedbot.sms_report import service_costs, survey_costs

    if service_id is None:
        costs = survey_costs(load_flow(flow_path), tuple(LANGUAGES))
    else:
        costs = service_costs(_configured_service(service_id))
    prompts = list(costs[0].prompts)
    click.echo(
        "| language | " + " | ".join(prompts) + " | positive survey | negative survey | budget |"
    )
    click.echo("|---" * (len(prompts) + 4) + "|")
    over = []
    for cost in costs:
        cells = " | ".join(str(cost.prompts[name]) for name in prompts)
        mark = "ok" if cost.within_budget else "OVER"
        totals = f"{cost.positive} | {cost.negative} | ≤ {cost.budget} {mark}"
        click.echo(f"| {cost.language} | {cells} | {totals} |")
        if not cost.within_budget:
            over.append(cost.language)
    if over:
        raise click.ClickException(f"over the segment budget: {', '.join(over)}")


def _configured_service(service_id: str):  # type: ignore[no-untyped-def]
    from feedbot.config import load_settings
    from feedbot.services import load_services

    settings = load_settings()
    service = load_services(settings.services_file, settings.flows_dir).get(service_id)
    if service is None:
        raise click.BadParameter(f"no service {service_id!r}", param_hint="--service")
    return service


COMMANDS = [
    db_group,
    chat,
    demo,
    tokens_group,
    queue_group,
    worker,
    purge,
    export_group,
    translations_group,
    invite,
    invitations_group,
]


# On the group itself, without the app: it checks what would stop the app from starting.
@main.command("check-config", with_appcontext=False)
@click.option(
    "--offline", is_flag=True, help="Check the settings and files only, not the database and Redis."
)
def check_config(offline: bool) -> None:
    """Check what the web and worker processes would refuse at start-up, before they start:
    the environment's settings, the services and flow files, gunicorn's variables, the
    database (reachable, schema migrated, FEEDBOT_SECRET_KEY its key) and Redis. Each is ok,
    WARNING (nothing would stop a process; make sure of what it says) or PROBLEM. Exit status 1
    if anything needs fixing."""
    from feedbot.preflight import check_config as run_checks

    findings = run_checks(offline=offline)
    for finding in findings:
        click.echo(f"{finding.subject:<9} {finding.status:<8} {finding.detail}")
    if not all(finding.ok for finding in findings):
        sys.exit(1)


# On the group itself, without the app: the app refuses to start with a key not the database's.
@main.command("adopt-secret-key", with_appcontext=False)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def adopt_secret_key(yes: bool) -> None:
    """Make FEEDBOT_SECRET_KEY the database's key after a deliberate change of key."""
    from feedbot.config import load_settings
    from feedbot.identity import adopt_configured_secret_key

    try:
        settings = load_settings()
    except ConfigError as error:
        click.echo(f"feedbot: cannot start: {type(error).__name__}: {error}", err=True)
        sys.exit(2)
    if not yes:
        click.confirm(
            "Opt-outs (STOP), surveys in progress and invitations are found by hashes made under"
            " the previous key: under this one none of them match, so people who texted STOP"
            " can be invited again. Restoring the previous key is the fix for a mistake."
            " Make FEEDBOT_SECRET_KEY this database's key anyway?",
            abort=True,
        )
    changed = adopt_configured_secret_key(
        settings.database_url, settings.secret_key, settings.previous_secret_keys
    )
    click.echo(
        "recorded: FEEDBOT_SECRET_KEY is now the database's key"
        if changed
        else "FEEDBOT_SECRET_KEY already is the database's key"
    )


if __name__ == "__main__":
    main()
