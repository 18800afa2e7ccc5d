"""`python -m bench.cpu`: where an SMS turn's CPU goes, process by process.

Drives the SMS webhook at saturation (as `python -m bench webhooks` does) and reads every
process's CPU time from /proc before and after the measured seconds: gunicorn's workers,
`feedbot worker`, PostgreSQL's processes, Redis. The bare Flask endpoint is measured the
same way beside it. On a 2-core machine shared by all of them, this says which one saturates.
"""

from __future__ import annotations

import argparse
import os
import resource
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
LOAD_GENERATOR = "wrk (load generator)"


def cpu_seconds_by_group(since: dict[int, tuple[str, float]] | None = None) -> Counter[str]:
    """CPU seconds (user + system) each group's live processes used, since the snapshot
    `since` when given. Counted process by process: a process of another test or program
    that ends meanwhile takes its CPU out of nothing measured."""
    used: Counter[str] = Counter()
    for pid, (name, seconds) in cpu_snapshot().items():
        earlier = since.get(pid) if since else None
        used[name] += seconds - (earlier[1] if earlier and earlier[0] == name else 0.0)
    return used


def cpu_snapshot() -> dict[int, tuple[str, float]]:
    """Each live process of a group: its group and the CPU seconds it has used so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    snapshot: dict[int, tuple[str, float]] = {}
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
                snapshot[int(entry.name)] = (name, (int(fields[11]) + int(fields[12])) / ticks)
                break
    return snapshot


def idle_seconds() -> float:
    """The machine's idle CPU seconds so far, all cores together (/proc/stat)."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()
    return (int(fields[4]) + int(fields[5])) / os.sysconf("SC_CLK_TCK")  # idle + iowait


def measure(app: str, seconds: int, connections: int, texters: int) -> dict[str, float]:
    """Requests per second, each group's CPU milliseconds per request, and the share of the
    machine's CPU left idle, for `app`."""
    with fresh_database() as database_url:
        env = feedbot_env(database_url, **CHAT_LIMITS)
        workers = (os.cpu_count() or 1) + 1
        with rq_worker(env), gunicorn(app, env, workers) as base:
            _warm_up(base, connections, texters, channels=("sms",))
            before, idle_before = cpu_snapshot(), idle_seconds()
            # wrk has exited by the time /proc could be read again: its CPU is a child's.
            children_before = _children_cpu_seconds()
            load = run_sms_load(base, connections, seconds, texters)
            used, idle_after = cpu_seconds_by_group(since=before), idle_seconds()
            used[LOAD_GENERATOR] = _children_cpu_seconds() - children_before
    requests = load.requests_per_second * seconds
    if requests == 0:
        raise SystemExit(f"bench.cpu: {app} answered no request in {seconds} s (its log is above)")
    cores = os.cpu_count() or 1
    result = {
        "requests_per_second": load.requests_per_second,
        "idle": (idle_after - idle_before) / (seconds * cores),
    }
    for name in [*(name for name, _ in GROUPS), LOAD_GENERATOR]:
        result[name] = 1000 * used[name] / requests
    return result


def _children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.cpu", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="seconds, not minutes (smoke run)")
    args = parser.parse_args()
    seconds, connections, texters = (1, 2, 40) if args.quick else (10, 8, 600)
    ours = measure("feedbot:create_app()", seconds, connections, texters)
    bare = measure("bench.bare_app:create_app()", seconds, connections, texters)
    print("| process | feedbot SMS turn | bare Flask request |")
    print("|---|---|---|")
    print(
        f"| (throughput) | {ours['requests_per_second']:.0f} turns/s"
        f" | {bare['requests_per_second']:.0f} req/s |"
    )
    for name in [*(name for name, _ in GROUPS), LOAD_GENERATOR]:
        print(f"| {name} | {ours[name]:.2f} ms CPU | {bare[name]:.2f} ms CPU |")
    print(f"| (machine idle) | {ours['idle']:.0%} | {bare['idle']:.0%} |")


if __name__ == "__main__":
    main()
