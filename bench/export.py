"""Export and quarterly aggregation at scale: `python -m bench.export --rows 1000000`.

Seeds normalized records in PostgreSQL, then times `feedbot export responses` (a separate
process, whose peak RSS is read back) beside PostgreSQL's own COPY of the same rows, and the
quarterly A-11 aggregation.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, text

from bench.infra import feedbot_env, fresh_database
from feedbot.db import Database
from feedbot.export import quarterly_rows
from feedbot.fiscal import FiscalQuarter
from feedbot.services import load_services

REPO = Path(__file__).resolve().parent.parent
SEED = """
INSERT INTO conversations (id, public_id, service_id, channel, flow_id, flow_version, language,
    strikes, answered, status, started_at, last_activity_at, completed_at)
SELECT g, 'bench-export-' || g, 'bench', 'sms', 'a11', 1, 'en', 0, true, 'complete',
    now(), now(), now()
FROM generate_series(1, :rows) AS g;
INSERT INTO response_records (conversation_id, external_id, schema_version, service_id, channel,
    language, trust_form, fiscal_year, quarter, question_1,
    positive_effectiveness, positive_ease, positive_efficiency, positive_transparency,
    positive_humanity, positive_employee, positive_other,
    negative_effectiveness, negative_ease, negative_efficiency, negative_transparency,
    negative_humanity, negative_employee, negative_other,
    question_4, started_at, completed_at, status, normalized_at, flow_id, flow_version)
SELECT g, 'bench-export-' || g, '1.0.0', 'bench',
    (ARRAY['sms_text_messages', 'automated_phone', 'chatbot'])[g % 3 + 1],
    (ARRAY['en', 'es', 'zh_Hans', 'vi'])[g % 4 + 1], 'likert', 2027, 1, g % 5 + 1,
    CASE WHEN g % 5 >= 3 THEN g % 2 END, CASE WHEN g % 5 >= 3 THEN 1 END,
    CASE WHEN g % 5 >= 3 THEN 0 END, CASE WHEN g % 5 >= 3 THEN 0 END,
    CASE WHEN g % 5 >= 3 THEN 1 END, CASE WHEN g % 5 >= 3 THEN 0 END,
    CASE WHEN g % 5 >= 3 THEN 0 END,
    CASE WHEN g % 5 < 3 THEN 0 END, CASE WHEN g % 5 < 3 THEN 1 END,
    CASE WHEN g % 5 < 3 THEN g % 2 END, CASE WHEN g % 5 < 3 THEN 0 END,
    CASE WHEN g % 5 < 3 THEN 0 END, CASE WHEN g % 5 < 3 THEN 0 END,
    CASE WHEN g % 5 < 3 THEN 0 END,
    CASE WHEN g % 7 = 0 THEN 'Quick and clear, thank you [PHONE]' END,
    now(), now(), 'complete', now(), 'a11', 1
FROM generate_series(1, :rows) AS g;
ANALYZE response_records
"""


def measure(rows: int) -> dict[str, float]:
    """Seed `rows` records; time the CSV export, its peak RSS, COPY and the quarterly figures."""
    with fresh_database() as database_url:
        engine = create_engine(database_url)
        with engine.begin() as connection:
            for statement in SEED.split(";\n"):
                connection.execute(text(statement), {"rows": rows})
        with tempfile.TemporaryDirectory() as directory:
            output = Path(directory) / "responses.csv"
            started = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "feedbot.cli", "export", "responses", "-o", str(output)],
                env=feedbot_env(database_url),
                check=True,
                capture_output=True,
            )
            export_seconds = time.perf_counter() - started
            peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            with output.open() as handle:
                exported = sum(1 for _ in handle) - 1
        copy_seconds = _copy_seconds(engine)
        quarterly_seconds = _quarterly_seconds(database_url)
        engine.dispose()
    if exported != rows:
        raise RuntimeError(f"exported {exported} of {rows} rows")
    return {
        "rows": rows,
        "export_seconds": export_seconds,
        "peak_rss_mb": peak_mb,
        "copy_seconds": copy_seconds,
        "quarterly_seconds": quarterly_seconds,
    }


def _copy_seconds(engine) -> float:  # type: ignore[no-untyped-def]
    """Reference: PostgreSQL writing the same rows as CSV itself (COPY … TO STDOUT)."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        started = time.perf_counter()
        with cursor.copy("COPY response_records TO STDOUT WITH (FORMAT csv, HEADER)") as copy:
            for _ in copy:
                pass
        return time.perf_counter() - started
    finally:
        raw.close()


def _quarterly_seconds(database_url: str) -> float:
    services = load_services(REPO / "bench" / "services.yaml", REPO / "flows")
    database = Database(database_url)
    try:
        with database.transaction() as db:
            started = time.perf_counter()
            figures = quarterly_rows(db, services, FiscalQuarter(2027, 1), None)
            elapsed = time.perf_counter() - started
        if not figures:
            raise RuntimeError("the quarterly aggregation found no rows")
        return elapsed
    finally:
        database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.export")
    parser.add_argument("--rows", type=int, default=1_000_000)
    result = measure(parser.parse_args().rows)
    print(
        f"export of {result['rows']:,} records to CSV: {result['export_seconds']:.1f} s,"
        f" peak RSS {result['peak_rss_mb']:.0f} MB (PostgreSQL COPY of the same rows:"
        f" {result['copy_seconds']:.1f} s);"
        f" quarterly aggregation {result['quarterly_seconds']:.2f} s"
    )


if __name__ == "__main__":
    main()
