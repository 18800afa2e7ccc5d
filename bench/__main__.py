"""`python -m bench all` runs every benchmark and prints one table (see bench/RESULTS.md)."""

from __future__ import annotations

import argparse
import os
import platform
from datetime import UTC, datetime

from bench import engine_step
from bench.infra import feedbot_env, fresh_database, gunicorn
from bench.webhooks import run_sms_load


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("what", choices=["all", "engine", "sms"], nargs="?", default="all")
    parser.add_argument("--quick", action="store_true", help="seconds, not minutes (smoke run)")
    args = parser.parse_args()
    rows: list[tuple[str, str, str, str]] = []
    if args.what in {"all", "engine"}:
        rows += bench_engine(args.quick)
    if args.what in {"all", "sms"}:
        rows += bench_sms(args.quick)
    print_table(rows)


def bench_engine(quick: bool) -> list[tuple[str, str, str, str]]:
    result = engine_step.measure(number=500 if quick else 20_000)
    return [
        (
            "engine step",
            f"{result['engine_us']:.1f} µs/transition",
            f"dict lookup {result['dict_us']:.3f} µs",
            f"{result['engine_us'] / result['dict_us']:.0f}× the floor",
        )
    ]


def bench_sms(quick: bool) -> list[tuple[str, str, str, str]]:
    seconds, connections, texters = (2, 2, 40) if quick else (15, 8, 600)
    workers = 2 if quick else (os.cpu_count() or 1) * 2 + 1
    with fresh_database() as database_url:
        env = feedbot_env(database_url)
        with gunicorn("bench.bare_app:create_app()", env, workers) as base:
            bare = run_sms_load(base, connections, seconds, texters)
        with gunicorn("feedbot:create_app()", env, workers) as base:
            ours = run_sms_load(base, connections, seconds, texters)
    ratio = ours.requests_per_second / bare.requests_per_second
    return [
        (
            f"SMS webhook ({connections} texters, {workers} workers)",
            f"{ours.requests_per_second:.0f} turns/s, p50 {ours.p50_ms:.1f} ms,"
            f" p99 {ours.p99_ms:.1f} ms, {ours.errors} errors",
            f"bare Flask {bare.requests_per_second:.0f} req/s, p50 {bare.p50_ms:.1f} ms,"
            f" p99 {bare.p99_ms:.1f} ms",
            f"ratio {ratio:.2f}",
        )
    ]


def print_table(rows: list[tuple[str, str, str, str]]) -> None:
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
