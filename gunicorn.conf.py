"""gunicorn settings for feedbot's web process (Procfile `web:`); flags on the command line win."""

import multiprocessing
import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
# Webhook work is short and waits on the database. On the 2-core bench machine, cores + 1 sync
# workers beat the usual 2 × cores + 1: 276 vs 257 SMS turns/s, p99 54 vs 104 ms
# (bench/RESULTS.md); the database and Redis share the same cores.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() + 1))
worker_class = "sync"
timeout = 15  # Twilio gives a webhook 15 seconds; past that the answer is lost anyway.
keepalive = 5
accesslog = None  # Access logs would carry nothing useful and cost per request.
preload_app = False  # each worker opens its own database pool after the fork
