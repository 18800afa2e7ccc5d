"""Smoke runs of the benchmark harness (seconds, not minutes): it runs and counts right.

No timing is asserted here; bench/RESULTS.md holds the measured figures.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from bench import engine_step
from bench.normalize import measure as measure_normalization

# The bench runs load the CPU: under pytest-xdist they all go to one worker, so no two run at
# once.
pytestmark = pytest.mark.xdist_group("bench")


@pytest.fixture(autouse=True)
def bench_redis(redis_server, monkeypatch):
    """The benchmarks queue on (and flush) this pytest process's own redis-server (db 14, apart
    from the tests'), not db 14 of the machine's: two bench runs in two pytest processes, or
    beside a developer's, would take and flush each other's jobs."""
    monkeypatch.setenv("FEEDBOT_BENCH_REDIS_URL", redis_server.url.rsplit("/", 1)[0] + "/14")


def test_engine_step_measures_both_sides():
    result = engine_step.measure(number=50)
    assert result["engine_us"] > 0 and result["dict_us"] > 0


def test_engine_bench_prints_the_long_replies_beside_a_short_one():
    from bench.__main__ import bench_engine

    rows = bench_engine(quick=True)
    assert [row[0] for row in rows] == [
        "engine step",
        "engine step, long reply (over 500 characters: asked again unread)",
        "engine step, long reply (up to 500 characters, read)",
    ]
    assert all("× a short reply" in row[3] and "reply '5'" in row[2] for row in rows[1:])


def test_scrub_bench_measures_long_answers_beside_short_ones():
    from bench.scrub_corpus import CUE_UNITS, long_answers

    result = long_answers(number=1, units=CUE_UNITS[:2])
    assert result["unit"] in CUE_UNITS[:2]
    assert result["short_us"] > 0 and result["long_us"] > 0 and result["ratio"] > 0


def test_normalization_bench_normalizes_every_seeded_response():
    result = measure_normalization(200)
    assert result["records"] == 200


def test_the_bench_call_follows_the_urls_the_twiml_names(sqlite_url):
    import xml.etree.ElementTree as ET
    from itertools import pairwise

    from bench.infra import REPO
    from bench.webhooks import CALL, SERVICE_NUMBER
    from tests.conftest import make_app
    from tests.support.texting import sign

    app = make_app(sqlite_url, services_file=REPO / "bench" / "services.yaml")
    client = app.test_client()
    call = {"CallSid": "CA" + "5" * 32, "From": "+12025550143", "To": SERVICE_NUMBER}
    for (path, extra), (next_path, _) in pairwise(CALL):
        params = {**call, **extra}
        response = client.post(
            path,
            data=params,
            headers={"X-Twilio-Signature": sign(f"http://localhost{path}", params)},
        )
        assert ET.fromstring(response.data).find("Gather").get("action") == next_path


@pytest.mark.parametrize("what", ["webhooks"])
def test_bench_command_prints_its_table(what):
    completed = run_bench("bench", what, "--quick", timeout=120)
    rows = [line for line in completed.stdout.splitlines() if line.startswith("| ")]
    names = [row.split(" | ")[0] for row in rows]
    assert [n.split(" (")[0] for n in names[1:4]] == [
        "| SMS webhook",
        "| voice webhooks",
        "| web chat API",
    ]
    assert all("turns/s" in row and "ratio" in row for row in rows[1:4])
    assert rows[4].startswith("| SMS webhook against a webhook that commits one INSERT")
    assert "bare Flask + 1 INSERT" in rows[4] and "ratio" in rows[4]
    assert "SMS webhook at a fixed 20 turns/s" in rows[5]


def test_export_bench_exports_every_seeded_row():
    from bench.export import measure as measure_export

    result = measure_export(300)
    assert result["rows"] == 300 and result["peak_rss_mb"] > 0


def test_cpu_split_reads_every_process_group():
    completed = run_bench("bench.cpu", "--quick", timeout=180)
    lines = [line for line in completed.stdout.splitlines() if "ms CPU" in line]
    rows = {cells[1].strip(): cells[2:4] for cells in (line.split("|") for line in lines)}
    assert set(rows) == {
        "gunicorn (web)",
        "feedbot worker",
        "PostgreSQL",
        "Redis",
        "wrk (load generator)",
    }
    web, bare_web = (float(cell.split()[0]) for cell in rows["gunicorn (web)"])
    assert web > 0 and bare_web > 0  # both endpoints were served, and their CPU counted
    assert float(rows["PostgreSQL"][0].split()[0]) > 0  # feedbot's turns reached the database
    assert all(float(cell.split()[0]) > 0 for cell in rows["wrk (load generator)"])
    (idle,) = [line for line in completed.stdout.splitlines() if "machine idle" in line]
    assert all(0 <= int(cell.strip().rstrip("%")) <= 100 for cell in idle.split("|")[2:4])


def run_bench(module: str, *args: str, timeout: int) -> subprocess.CompletedProcess[str]:
    """`python -m <module> <args>`, which must succeed; its stderr says why when it did not."""
    completed = subprocess.run(
        [sys.executable, "-m", module, *args], capture_output=True, text=True, timeout=timeout
    )
    assert completed.returncode == 0, completed.stderr[-4000:]
    return completed
