"""The fault bench's short run, as CI makes it: `python -m bench.faults --quick`.

Every scenario (baseline, Redis restart, worker SIGKILL of its process group and of the worker
process alone, PostgreSQL restart) must end with stored complete responses == surveys the
texters completed == normalized records, every stored answer equal to the one sent, no 5xx
but 503 while PostgreSQL was down, and nothing of a killed worker left running. No timing is
asserted; bench/RESULTS.md holds the full run's figures.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

# The bench runs load the CPU: under pytest-xdist they all go to one worker, so no two run at
# once (this one starts its own PostgreSQL and Redis).
pytestmark = pytest.mark.xdist_group("bench")


def test_quick_fault_run_converges_in_every_scenario(tmp_path):
    completed = subprocess.run(
        [sys.executable, "-m", "bench.faults", "--quick", "--logs", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=400,
    )
    report = completed.stdout + completed.stderr
    rows = [line for line in completed.stdout.splitlines() if line.startswith("| ")][1:]
    assert [row.split(" | ")[0] for row in rows] == [
        "| baseline",
        "| worker-oom-kill",
        "| redis-restart",
        "| worker-sigkill",
        "| postgres-restart",
    ], report
    assert all(row.split(" | ")[6] == "ok" for row in rows), report
    assert completed.returncode == 0, report
