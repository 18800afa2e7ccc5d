"""gunicorn settings for feedbot's web process (Procfile `web:`); flags on the command line win."""

import multiprocessing
import os
import tempfile

import gunicorn.http.wsgi
from gunicorn.glogging import Logger

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
# Webhook work is short and waits on the database. On the 2-core bench machine, cores + 1 sync
# workers beat the usual 2 × cores + 1: 276 vs 257 SMS turns/s, p99 54 vs 104 ms
# (bench/RESULTS.md); the database and Redis share the same cores.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() + 1))
worker_class = "sync"
timeout = 15  # Twilio gives a webhook 15 seconds; past that the answer is lost anyway.
keepalive = 5
accesslog = None  # The app logs each refusal itself; an access line per request costs time.


class QuietAccessLogger(Logger):
    """gunicorn's logger, minus the access line's formatting when nothing would print it.

    Given a logging config, gunicorn formats every request's access line (3 % of an SMS
    turn's CPU) before the access logger, which has no handler here, drops it.
    """

    def access(self, resp, req, environ, request_time):
        if self.access_log.handlers:
            super().access(resp, req, environ, request_time)


logger_class = QuietAccessLogger
preload_app = False  # each worker opens its own database pool after the fork
# gunicorn 27 opens a control socket at ~/.gunicorn/gunicorn.ctl: one path per user, so a second
# gunicorn on the host (another app, a bench beside a test) takes it from the first; feedbot
# uses none of its commands. (Older gunicorns ignore the setting.)
control_socket_disable = True

# No banner naming the server software.
gunicorn.http.wsgi.SERVER = "feedbot"

# Every worker writes its Prometheus counters here; /metrics adds them up (feedbot.metrics).
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="feedbot-metrics-"))

# One JSON object a line, for gunicorn's own messages and the app's alike.
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "feedbot.logs.JsonFormatter"}},
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stderr",
        }
    },
    "root": {"level": "INFO", "handlers": ["stderr"]},
    "loggers": {"gunicorn.error": {"level": "INFO", "handlers": ["stderr"], "propagate": False}},
}


def child_exit(server, worker):
    """A finished worker's live gauges stop counting; its counters stay in the sum."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
