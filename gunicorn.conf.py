"""gunicorn settings for feedbot's web process (Procfile `web:`); flags on the command line win.

A variable this file cannot use stops gunicorn at once, with one line naming it, rather than
with a traceback or with workers that fail every request. `feedbot check-config` applies the
same rules (feedbot.preflight); read by gunicorn, this file imports nothing of feedbot's, and
its logging only feedbot.logs (and the package's entry point, which imports the app only when
called): what gunicorn's master imports, the workers a HUP starts would not load again, so a
release deployed with a HUP would run the old code.

The web process starts as `python gunicorn.conf.py APP [OPTION...]`: run as a program, this
file checks the variables and the app's settings and files, then becomes
`gunicorn --config gunicorn.conf.py APP [OPTION...]` (gunicorn's script beside this python).
gunicorn reads WEB_CONCURRENCY itself as it loads its own settings, before any config file,
and stops with a traceback on one that is no number (ValueError: invalid literal for int(), in
gunicorn/config.py): started as `gunicorn --config gunicorn.conf.py`, this file never runs on
such a value.
"""

import atexit
import gc
import multiprocessing
import os
import shutil
import sys
import tempfile

import gunicorn.http.wsgi
from gunicorn.glogging import Logger

METRICS_DIRECTORY = "PROMETHEUS_MULTIPROC_DIR"
# Set beside it to the directory the master made (PROMETHEUS_MULTIPROC_DIR unset), the one it
# removes as it exits: a HUP reads this file again and finds PROMETHEUS_MULTIPROC_DIR set, and
# a master started by USR2 may inherit both.
MADE_METRICS_DIRECTORY = "FEEDBOT_MADE_METRICS_DIRECTORY"
# Each worker holds its own database connections: more than this on one host is a typo.
MAX_WORKERS = 256


def _refuse(problem):
    sys.exit(f"feedbot: cannot start: {problem}")


def _whole_number(name, default, lowest, highest):
    """The variable's value, `default` when it is unset or empty; else one line and exit."""
    text = (os.environ.get(name) or "").strip()
    if not text:
        return default
    if not (text.isascii() and text.isdigit() and lowest <= int(text) <= highest):
        _refuse(f"{name} must be a whole number from {lowest} to {highest}, got {text!r}")
    return int(text)


def _check_metrics_directory(path):
    """Make `path` if missing, else one line and exit: a worker that cannot write its counter
    file there fails every request it takes."""
    try:
        os.makedirs(path, exist_ok=True)
        tempfile.TemporaryFile(dir=path).close()
    except OSError as error:
        _refuse(f"{METRICS_DIRECTORY} {path} cannot be created or written to ({error.strerror})")


bind = f"0.0.0.0:{_whole_number('PORT', 8000, 1, 65535)}"
# Webhook work is short and waits on the database. On the 2-core bench machine, cores + 1 sync
# workers beat the usual 2 × cores + 1: 276 vs 257 SMS turns/s, p99 54 vs 104 ms
# (bench/RESULTS.md); the database and Redis share the same cores.
if "WEB_CONCURRENCY" in os.environ and not os.environ["WEB_CONCURRENCY"].strip():
    # gunicorn, which reads it itself (see above), would stop on int("").
    _refuse("WEB_CONCURRENCY is set to nothing, which gunicorn cannot read: unset it")
workers = _whole_number("WEB_CONCURRENCY", multiprocessing.cpu_count() + 1, 1, MAX_WORKERS)
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

# Every worker writes its Prometheus counters in PROMETHEUS_MULTIPROC_DIR; /metrics adds them
# up (feedbot.metrics). One set by the operator is checked here; without one, the master makes
# a temporary directory as it starts (on_starting), not whenever this file is read (a check,
# --check-config, each HUP), each of which left one behind.
if os.environ.get(METRICS_DIRECTORY):
    _check_metrics_directory(os.environ[METRICS_DIRECTORY])

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


def on_starting(server):
    """The master, before any worker: a temporary metrics directory when none is named, removed
    as the master exits (gunicorn leaves on some errors, a port it cannot bind among them,
    without calling on_exit: atexit runs on them all)."""
    if not os.environ.get(METRICS_DIRECTORY):
        try:
            made = tempfile.mkdtemp(prefix="feedbot-metrics-")
        except OSError as error:
            _refuse(f"{METRICS_DIRECTORY} unset, and no temporary directory ({error.strerror})")
        os.environ[METRICS_DIRECTORY] = os.environ[MADE_METRICS_DIRECTORY] = made
    atexit.register(_remove_metrics_directory, server, os.getpid())


def _remove_metrics_directory(server, master_pid):
    """The metrics directory this master made, unless another master's workers write there too.

    Each worker, forked from the master, runs the master's atexit handlers as it exits. A
    master that USR2 started inherits the directory when gunicorn re-executes with an
    environment holding it (copied at a HUP's reading of this file): then neither removes it
    while the other runs (gunicorn's own rule for its Unix socket)."""
    path = os.environ.get(METRICS_DIRECTORY)
    if os.getpid() != master_pid or not path or path != os.environ.get(MADE_METRICS_DIRECTORY):
        return
    other_master = server.reexec_pid or server.master_pid
    if not (other_master and server.cfg.env_orig.get(METRICS_DIRECTORY) == path):
        shutil.rmtree(path, ignore_errors=True)


def child_exit(server, worker):
    """A finished worker's live gauges stop counting; its counters stay in the sum."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


# A process leaving Python collects every object it holds once more, however it exits: 1–2.5 s
# of CPU for a worker that has imported feedbot (about 1,400 modules), after its "Worker
# exiting" line, at every stop, restart and HUP. Frozen objects are left out of that last
# collection; objects are still released as their counts fall, and atexit handlers (logging's
# flush among them) still run. Measured (3 workers, sqlite, 3 stops each): 1.2–2.7 s without,
# 0.3–0.7 s with.
def worker_exit(server, worker):
    gc.freeze()


def on_exit(server):
    gc.freeze()


def _check_app_configuration():
    """The settings and the services and flow files, as each worker loads them: one line and
    exit, as `feedbot worker` and the command line say it. Found by the workers instead, each
    printed its traceback, and gunicorn stopped with its own ("Worker failed to boot").
    Imported here, in the process that becomes gunicorn, never in gunicorn's master (see
    above); it costs the web process's start about 0.8 s of CPU."""
    from feedbot.config import ConfigError, load_settings
    from feedbot.flows import FlowError
    from feedbot.services import load_services

    try:
        settings = load_settings()
        load_services(settings.services_file, settings.flows_dir, settings.idle_expiry)
    except (ConfigError, FlowError) as error:
        _refuse(f"{type(error).__name__}: {error}")


if __name__ == "__main__":
    # Checked above, before gunicorn's settings are loaded: this process becomes gunicorn.
    _check_app_configuration()
    # As gunicorn's own script, not `python -m gunicorn`: a USR2 (binary upgrade) executes the
    # master's command line again, and `-m`'s names gunicorn/__main__.py, which run as a script
    # puts gunicorn's package first on sys.path, where its `http` hides the standard library's:
    # the new master stopped at once. The script is installed beside this python; not there
    # (a `pip install --user`), `-m` still serves, without USR2. A gunicorn found on PATH could
    # be another environment's, with another python and other packages.
    here = os.path.abspath(__file__)
    gunicorn = shutil.which("gunicorn", path=os.path.dirname(sys.executable))
    command = [gunicorn] if gunicorn else [sys.executable, "-m", "gunicorn"]
    os.execv(command[0], [*command, "--config", here, *sys.argv[1:]])
