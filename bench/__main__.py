"""`python -m bench all` runs every benchmark and prints one table (see bench/RESULTS.md).

Each figure is measured beside its reference in the same run: feedbot's webhooks beside a
bare Flask endpoint under the same gunicorn settings, the engine beside a dict lookup,
normalization and export beside PostgreSQL doing the same rows itself.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from bench import engine_step
from bench.bare_app import create_reference_table
from bench.faults.check import wait_for_drain
from bench.infra import feedbot_env, fresh_database, gunicorn
from bench.webhooks import LoadResult, run_chat_load, run_sms_load, run_voice_load
from feedbot.engine import LONGEST_CHOICE_REPLY

Row = tuple[str, str, str, str]
# Texters and callers have four-digit numbers (bench.webhooks); the runs use at most 600.
WARM_UP_FIRST = 5000
CHAT_LIMITS = {
    "FEEDBOT_CHAT_START_LIMIT": "1000000 per minute",
    "FEEDBOT_CHAT_SESSION_LIMIT": "1000000 per minute",
    "FEEDBOT_CHAT_ADDRESS_LIMIT": "1000000 per minute",
}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument(
        "what",
        choices=["all", "engine", "webhooks", "normalize", "export", "segments"],
        nargs="?",
        default="all",
    )
    parser.add_argument("--quick", action="store_true", help="seconds, not minutes (smoke run)")
    args = parser.parse_args()
    rows: list[Row] = []
    if args.what in {"all", "engine"}:
        rows += bench_engine(args.quick)
    if args.what in {"all", "webhooks"}:
        rows += bench_webhooks(args.quick)
    if args.what in {"all", "normalize"}:
        rows += bench_normalize(args.quick)
    if args.what in {"all", "export"}:
        rows += bench_export(args.quick)
    print_table(rows)
    if args.what in {"all", "segments"}:
        print()
        subprocess.run(
            [sys.executable, "-m", "feedbot.cli", "translations", "segments"], check=True
        )


def bench_engine(quick: bool) -> list[Row]:
    result = engine_step.measure(number=500 if quick else 20_000)
    long = engine_step.measure_long_replies(number=5 if quick else 100)
    short = f"reply '5' {long['short_us']:.1f} µs, every language offered"
    longest = LONGEST_CHOICE_REPLY
    return [
        (
            "engine step",
            f"{result['engine_us']:.1f} µs/transition",
            f"dict lookup {result['dict_us']:.3f} µs",
            f"{result['engine_us'] / result['dict_us']:.0f}× the floor",
        ),
        (
            f"engine step, long reply (over {longest} characters: asked again unread)",
            f"{long['unread_us']:.0f} µs/step, worst of {len(engine_step.LONG_REPLIES)}",
            short,
            f"{long['unread_us'] / long['short_us']:.0f}× a short reply",
        ),
        (
            f"engine step, long reply (up to {longest} characters, read)",
            f"{long['read_us']:.0f} µs/step, worst of {len(engine_step.LONG_REPLIES)}",
            short,
            f"{long['read_us'] / long['short_us']:.0f}× a short reply; per character against"
            f" {longest // 2} characters ×{long['growth']:.2f} (1 linear, 2 squared)",
        ),
    ]


def bench_webhooks(quick: bool) -> list[Row]:
    seconds, connections, people = (1, 2, 40) if quick else (15, 8, 600)
    workers = 2 if quick else (os.cpu_count() or 1) + 1  # gunicorn.conf.py's default
    rows: list[Row] = []
    with fresh_database() as database_url:
        env = feedbot_env(database_url, **CHAT_LIMITS)
        with gunicorn("bench.bare_app:create_app()", env, workers) as base:
            _warm_up(base, connections, people)
            bare = {
                "sms": run_sms_load(base, connections, seconds, people),
                "voice": run_voice_load(base, connections, seconds, people),
                "chat": run_chat_load(base, connections, seconds),
            }
        create_reference_table(database_url)
        with gunicorn("bench.bare_app:create_db_app()", env, workers) as base:
            _warm_up(base, connections, people, channels=("sms",))
            one_insert = run_sms_load(base, connections, seconds, people)
        with rq_worker(env), gunicorn("feedbot:create_app()", env, workers) as base:
            _warm_up(base, connections, people)
            # The fixed-rate run goes first: after the saturating runs below, the worker is
            # still normalizing their thousands of surveys and would share the 2 cores. For
            # the same reason it waits for the warm-up's surveys to be normalized.
            wait_for_drain(database_url, timeout=60)
            paced = _paced(base, 20 if quick else 200, 1 if quick else 15)
            ours = {
                "sms": run_sms_load(base, connections, seconds, people),
                "voice": run_voice_load(base, connections, seconds, people),
                "chat": run_chat_load(base, connections, seconds),
            }
    names = {"sms": "SMS webhook", "voice": "voice webhooks", "chat": "web chat API"}
    for key, name in names.items():
        rows.append(
            _versus(f"{name} ({connections} concurrent, {workers} workers)", ours[key], bare[key])
        )
    sms = ours["sms"].requests_per_second
    rows.append(
        (
            "SMS webhook against a webhook that commits one INSERT",
            f"{sms:.0f} turns/s",
            f"bare Flask + 1 INSERT {one_insert.requests_per_second:.0f} req/s,"
            f" p50 {one_insert.p50_ms:.1f} ms, p99 {one_insert.p99_ms:.1f} ms",
            f"ratio {sms / one_insert.requests_per_second:.2f}",
        )
    )
    rows.append(
        (
            f"SMS webhook at a fixed {paced['target']:.0f} turns/s",
            f"{paced['rate']:.0f} turns/s, p50 {paced['p50_ms']:.1f} ms,"
            f" p99 {paced['p99_ms']:.1f} ms, {paced['errors']} errors",
            "goal: p99 ≤ 50 ms",
            "met" if paced["p99_ms"] <= 50 else "not met",
        )
    )
    return rows


def bench_normalize(quick: bool) -> list[Row]:
    from bench.normalize import measure

    result = measure(200 if quick else 100_000)
    return [
        (
            f"normalization, {result['records']:,.0f} queued responses",
            f"{result['per_second']:,.0f} records/s, one worker",
            f"PostgreSQL INSERT…SELECT {result['floor_per_second']:,.0f} rows/s",
            "goal ≥ 1,000/s: " + ("met" if result["per_second"] >= 1000 else "not met"),
        )
    ]


def bench_export(quick: bool) -> list[Row]:
    from bench.export import measure

    result = measure(1_000 if quick else 1_000_000)
    return [
        (
            f"CSV export of {result['rows']:,} records",
            f"{result['export_seconds']:.1f} s, peak RSS {result['peak_rss_mb']:.0f} MB",
            f"PostgreSQL COPY {result['copy_seconds']:.1f} s",
            "goal ≤ 10 s, ≤ 200 MB",
        ),
        (
            f"quarterly A-11 aggregation of {result['rows']:,} records",
            f"{result['quarterly_seconds']:.2f} s",
            "in SQL (GROUP BY)",
            "goal ≤ 2 s",
        ),
    ]


@contextmanager
def rq_worker(env: dict[str, str]) -> Iterator[None]:
    """The production worker, draining normalization jobs while the webhooks are driven."""
    process = subprocess.Popen(
        [sys.executable, "-m", "feedbot.cli", "worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield
    finally:
        process.terminate()
        process.wait(timeout=30)


def _warm_up(
    base: str,
    connections: int,
    people: int,
    channels: tuple[str, ...] = ("sms", "voice", "chat"),
) -> None:
    """One unmeasured second per endpoint, once gunicorn answers (infra.gunicorn waits for
    that: without the wait, on a loaded machine, CI's, the warm-up and the 1 s quick run after
    it could end before a worker had answered, no request counted): every worker process
    imports and connects first.

    Its texters and callers are numbered apart from the measured runs' (WARM_UP_FIRST on).
    Without SMS here, the fixed-rate SMS run's first second met cold workers: 13 to 31 turns
    over 30 ms (up to 75 ms), enough to move its p99 from ~15 ms to 31-52 ms."""
    if "sms" in channels:
        run_sms_load(base, connections, 1, people, first=WARM_UP_FIRST)
    if "voice" in channels:
        run_voice_load(base, connections, 1, people, first=WARM_UP_FIRST)
    if "chat" in channels:
        run_chat_load(base, connections, 1)


def _paced(base: str, rate: int, seconds: int) -> dict[str, float]:
    from bench.paced import paced_sms

    return {"target": rate, **paced_sms(base, rate, seconds)}


def _versus(name: str, ours: LoadResult, bare: LoadResult) -> Row:
    return (
        name,
        f"{ours.requests_per_second:.0f} turns/s, p50 {ours.p50_ms:.1f} ms,"
        f" p99 {ours.p99_ms:.1f} ms, {ours.errors} errors",
        f"bare Flask {bare.requests_per_second:.0f} req/s, p50 {bare.p50_ms:.1f} ms,"
        f" p99 {bare.p99_ms:.1f} ms",
        f"ratio {ours.requests_per_second / bare.requests_per_second:.2f}",
    )


def print_table(rows: list[Row]) -> None:
    print(f"feedbot bench — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC — {_machine()}")
    print("| what | feedbot | reference (same run) | comparison |")
    print("|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


def _machine() -> str:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    python = f"{platform.python_implementation()} {platform.python_version()}"
    return f"{os.cpu_count()} cores, {memory:.0f} GiB, {python}"


if __name__ == "__main__":
    main()
