"""`python -m bench.cpu`: where an SMS turn's CPU goes, process by process.

Drives the SMS webhook at saturation (as `python -m bench webhooks` does) and reads every
process's CPU time from /proc before and after the measured seconds: gunicorn's workers,
`feedbot worker`, PostgreSQL's processes, Redis. The bare Flask endpoint is measured the
same way beside it. On a 2-core machine shared by all of them, this says which one saturates.
"""

from __future__ import annotations

import argparse
import os
from collections import Counter
from pathlib import Path

from bench.__main__ import CHAT_LIMITS, _warm_up, rq_worker
from bench.infra import feedbot_env, fresh_database, gunicorn
from bench.webhooks import run_sms_load

GROUPS = (
    ("gunicorn (web)", "gunicorn"),
    ("feedbot worker", "feedbot.cli worker"),
    ("PostgreSQL", "postgres"),
    ("Redis", "redis-server"),
)


def cpu_seconds_by_group() -> Counter[str]:
    """CPU seconds (user + system) used so far by each group's live processes."""
    ticks = os.sysconf("SC_CLK_TCK")
    used: Counter[str] = Counter()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # the process ended meanwhile
        fields = stat[stat.rindex(")") + 2 :].split()
        for name, pattern in GROUPS:
            if pattern in command:
                used[name] += (int(fields[11]) + int(fields[12])) / ticks
                break
    return used


def measure(app: str, seconds: int, connections: int, texters: int) -> dict[str, float]:
    """Requests per second and each group's CPU milliseconds per request, for `app`."""
    with fresh_database() as database_url:
        env = feedbot_env(database_url, **CHAT_LIMITS)
        workers = (os.cpu_count() or 1) + 1
        with rq_worker(env), gunicorn(app, env, workers) as base:
            _warm_up(base, connections, texters, channels=("sms",))
            before = cpu_seconds_by_group()
            load = run_sms_load(base, connections, seconds, texters)
            after = cpu_seconds_by_group()
    requests = load.requests_per_second * seconds
    result = {"requests_per_second": load.requests_per_second}
    for name, _ in GROUPS:
        result[name] = 1000 * max(after[name] - before[name], 0.0) / requests
    return result


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.cpu", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="seconds, not minutes (smoke run)")
    args = parser.parse_args()
    seconds, connections, texters = (2, 2, 40) if args.quick else (10, 8, 600)
    ours = measure("feedbot:create_app()", seconds, connections, texters)
    bare = measure("bench.bare_app:create_app()", seconds, connections, texters)
    print("| process | feedbot SMS turn | bare Flask request |")
    print("|---|---|---|")
    print(
        f"| (throughput) | {ours['requests_per_second']:.0f} turns/s"
        f" | {bare['requests_per_second']:.0f} req/s |"
    )
    for name, _ in GROUPS:
        print(f"| {name} | {ours[name]:.2f} ms CPU | {bare[name]:.2f} ms CPU |")


if __name__ == "__main__":
    main()
