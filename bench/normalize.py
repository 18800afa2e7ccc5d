"""Normalization throughput: records per second for one worker draining queued responses.

`python -m bench.normalize --count 100000` seeds finished SMS responses in PostgreSQL, puts
them on RQ through the outbox sweep, and times one `feedbot worker --burst` draining them.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

from redis import Redis
from sqlalchemy import create_engine, func, select, text

from bench.infra import feedbot_env, fresh_database, redis_url
from feedbot.models import ResponseRecord

SEED = """
INSERT INTO conversations (id, public_id, service_id, channel, sender_key, flow_id, flow_version,
    language, question, strikes, answered, status, started_at, last_activity_at, completed_at)
SELECT g, 'bench-response-' || g, 'bench', 'sms', md5(g::text) || md5(g::text), 'a11', 1,
    'en', NULL, 0, true, 'complete', now(), now(), now()
FROM generate_series(1, :count) AS g;
INSERT INTO answers (conversation_id, question_id, record, status, value, raw_text, answered_at)
SELECT g, 'trust', 'question_1', 'answered', to_json(g % 5 + 1), (g % 5 + 1)::text, now()
FROM generate_series(1, :count) AS g
UNION ALL
SELECT g, CASE WHEN g % 5 >= 3 THEN 'made_the_difference' ELSE 'could_be_better' END,
    CASE WHEN g % 5 >= 3 THEN 'positive' ELSE 'negative' END, 'answered',
    '["ease", "efficiency"]'::json, '2 3', now()
FROM generate_series(1, :count) AS g
UNION ALL
SELECT g, 'anything_else', 'question_4', 'answered',
    to_json('Thanks! Call me at 202-555-0143 about case 2024-118'::text),
    'Thanks! Call me at 202-555-0143 about case 2024-118', now()
FROM generate_series(1, :count) AS g;
INSERT INTO pending_normalizations (conversation_id, created_at)
SELECT g, now() FROM generate_series(1, :count) AS g;
SELECT setval('conversations_id_seq', :count);
"""


def measure(count: int) -> dict[str, float]:
    """Seed `count` responses, enqueue them, time one worker; return the rates."""
    Redis.from_url(redis_url()).flushdb()
    with fresh_database() as database_url:
        engine = create_engine(database_url)
        with engine.begin() as connection:
            for statement in SEED.split(";\n"):
                if statement.strip():
                    connection.execute(text(statement), {"count": count})
        env = feedbot_env(database_url)
        feedbot = [sys.executable, "-m", "feedbot.cli"]
        subprocess.run([*feedbot, "queue", "sweep"], env=env, check=True, capture_output=True)
        started = time.perf_counter()
        subprocess.run([*feedbot, "worker", "--burst"], env=env, check=True, capture_output=True)
        elapsed = time.perf_counter() - started
        with engine.connect() as connection:
            written = connection.scalar(select(func.count()).select_from(ResponseRecord))
            floor = _insert_floor(connection, count)
        engine.dispose()
    if written != count:
        raise RuntimeError(f"{written} records for {count} responses")
    return {
        "records": written,
        "seconds": elapsed,
        "per_second": written / elapsed,
        "floor_per_second": floor,
    }


def _insert_floor(connection, count: int) -> float:  # type: ignore[no-untyped-def]
    """Reference: PostgreSQL copying the same number of rows into a scratch table in SQL."""
    connection.execute(text("CREATE TEMP TABLE floor AS SELECT * FROM response_records LIMIT 0"))
    started = time.perf_counter()
    connection.execute(text("INSERT INTO floor SELECT * FROM response_records"))
    return count / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.normalize")
    parser.add_argument("--count", type=int, default=100_000)
    result = measure(parser.parse_args().count)
    print(
        f"normalized {result['records']:.0f} responses in {result['seconds']:.1f} s:"
        f" {result['per_second']:.0f} records/s for one worker"
        f" (PostgreSQL INSERT…SELECT of the same rows: {result['floor_per_second']:.0f} rows/s)"
    )


if __name__ == "__main__":
    main()
