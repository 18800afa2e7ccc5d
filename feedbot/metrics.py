"""Prometheus metrics: requests, survey completions, queue depth and job failures.

Under gunicorn each worker is a process; with PROMETHEUS_MULTIPROC_DIR set (gunicorn.conf.py
sets it) every worker writes its counters there and `/metrics` adds them up. Queue depth,
failed jobs and the outbox are read from Redis and the database when scraped, so any web
instance reports the same figures.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import suppress

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from redis.exceptions import RedisError
from sqlalchemy import event, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session as DbSession

from feedbot.models import PendingNormalization
from feedbot.runtime import Runtime

CLOSED = "feedbot.closed_conversations"

# prometheus_client writes a process's counters into this directory at their first use, and
# fails if it is missing: gunicorn.conf.py makes it for the web processes, and this for any
# other process started with the variable set (a worker counting the surveys it closes).
if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    with suppress(OSError):  # gunicorn.conf.py names the variable if it cannot be made
        os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)

REQUESTS = Counter(
    "feedbot_http_requests", "HTTP requests answered, by route and status", ["route", "status"]
)
LATENCY = Histogram(
    "feedbot_http_request_duration_seconds",
    "Time to answer a request, by route",
    ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15),
)
COMPLETIONS = Counter(
    "feedbot_survey_completions",
    "Surveys closed, by channel and status (complete, partial, abandoned)",
    ["channel", "status"],
)


def record_closed(db: DbSession, channel: str, status: str) -> None:
    """Count a closed survey once the transaction that closed it commits."""
    db.info.setdefault(CLOSED, []).append((channel, status))


def install_completion_count(runtime: Runtime) -> None:
    @event.listens_for(runtime.db.sessions, "after_commit")
    def _count(session: DbSession) -> None:
        for channel, status in session.info.pop(CLOSED, ()):
            COMPLETIONS.labels(channel=channel, status=status).inc()

    @event.listens_for(runtime.db.sessions, "after_rollback")
    def _forget(session: DbSession) -> None:
        session.info.pop(CLOSED, None)


def exposition(runtime: Runtime) -> bytes:
    """The text format for a scrape: process counters plus figures read from Redis and the DB."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        counters = CollectorRegistry()
        multiprocess.MultiProcessCollector(counters)
    else:
        counters = REGISTRY
    backlog = CollectorRegistry()
    backlog.register(BacklogCollector(runtime))
    return generate_latest(counters) + generate_latest(backlog)


class BacklogCollector(Collector):
    """Work waiting or failed: RQ queue depth and failed jobs, responses in the outbox."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def collect(self) -> Iterator[Metric]:
        yield from self._queue_metrics()
        yield self._outbox_metric()

    def _queue_metrics(self) -> Iterator[Metric]:
        from rq import Queue

        from feedbot.queue import QUEUES, redis_connection

        depth = GaugeMetricFamily("feedbot_queue_depth", "Jobs waiting, by queue", labels=["queue"])
        failed = GaugeMetricFamily(
            "feedbot_job_failures", "Jobs in the failed registry, by queue", labels=["queue"]
        )
        up = GaugeMetricFamily("feedbot_queue_up", "1 when Redis answered this scrape")
        if self.runtime.settings.redis_url is None:
            return  # in-process queue: nothing waits, nothing to report
        try:
            connection = redis_connection(self.runtime.settings.redis_url)
            for name in QUEUES:
                queue = Queue(name, connection=connection)
                depth.add_metric([name], queue.count)
                failed.add_metric([name], queue.failed_job_registry.count)
        except RedisError:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield from (depth, failed, up)

    def _outbox_metric(self) -> Metric:
        waiting = GaugeMetricFamily(
            "feedbot_outbox_pending", "Closed responses not yet normalized (-1: database down)"
        )
        try:
            with self.runtime.db.reading() as db:
                count = db.scalar(select(func.count()).select_from(PendingNormalization))
        except SQLAlchemyError:
            count = -1
        waiting.add_metric([], count or 0)
        return waiting
