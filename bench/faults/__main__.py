"""`python -m bench.faults`: texters under load while Redis, the worker or PostgreSQL fails.

Starts a private PostgreSQL cluster and a private Redis (never the shared ones), a fresh,
migrated database, gunicorn with the production configuration and a `feedbot worker` kept
running the way a platform does (started again whenever it exits). Each scenario then runs
its own simulated texters completing real A-11 surveys over signed SMS webhooks, with about one
delivery in ten duplicated (same MessageSid, half of them concurrently) and some texters
sending two answers at once. Like Twilio with `#rp=5xx` on its webhook URL, a texter sends
the same signed request again after a 5xx or a dropped connection.

Scenarios: baseline (no fault); Redis stopped and started again (it keeps nothing on disk);
the worker SIGKILLed while it holds a job, then restarted: its whole process group (a container
killed), then the worker process alone (an OOM kill: nothing of it may stay running);
PostgreSQL stopped for a few seconds and started again while gunicorn stays up. After each,
once the queue has drained (bounded wait), it checks that stored complete responses ==
surveys the texters completed == normalized records, that every stored answer equals the
answer sent, conversation by conversation, and that no request got a 5xx other than 503
while PostgreSQL was down. It prints one table and exits non-zero if any row failed.
`--quick` is the short run CI makes.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from bench.__main__ import _machine
from bench.faults.cluster import PostgresCluster
from bench.faults.scenarios import FULL, QUICK, SCENARIOS, Row, run_scenario, stack
from tests.support.services import RedisServer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.faults",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--quick", action="store_true", help="seconds per scenario (CI's run)")
    parser.add_argument(
        "--scenario", choices=list(SCENARIOS), action="append", help="only these (repeatable)"
    )
    parser.add_argument("--logs", type=Path, help="keep gunicorn's and the worker's logs here")
    args = parser.parse_args(argv)
    timing = QUICK if args.quick else FULL
    logs = args.logs or Path(tempfile.mkdtemp(prefix="feedbot-faults-logs-"))
    logs.mkdir(parents=True, exist_ok=True)
    rows = []
    with (
        PostgresCluster() as postgres,
        RedisServer() as redis,
        stack(postgres, redis, logs, timing) as services,
    ):
        for number, name in enumerate(args.scenario or SCENARIOS, start=1):
            rows.append(run_scenario(name, number, services, timing))
    print_table(rows, timing.threads)
    print(f"logs: {logs}")
    return 0 if all(row.ok for row in rows) else 1


def print_table(rows: list[Row], threads: int) -> None:
    print(f"feedbot faults — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC — {_machine()}")
    print(f"{threads} texter threads")
    print(
        "| scenario | requests sent | completed surveys | stored responses "
        "| normalized records | 5xx (503 during outage) | result | notes |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for row in rows:
        server_errors = row.counters.server_errors
        print(
            f"| {row.scenario} | {row.counters.requests:,} | {row.completed:,} "
            f"| {row.verdict.stored_complete:,} | {row.verdict.normalized:,} "
            f"| {server_errors} ({row.outage_503}) | {'ok' if row.ok else 'FAIL'} "
            f"| {'; '.join(row.notes)} |"
        )
    for row in rows:
        problems = [*row.counters.unexpected, *row.verdict.problems, *row.leftovers]
        for problem in problems[:10]:
            print(f"{row.scenario}: {problem}", file=sys.stderr)
        if row.other_5xx:
            print(f"{row.scenario}: {row.other_5xx} 5xx outside an outage", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
