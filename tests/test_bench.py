"""Smoke runs of the benchmark harness (seconds, not minutes): it runs and counts right.

No timing is asserted here; bench/RESULTS.md holds the measured figures.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from bench import engine_step
from bench.normalize import measure as measure_normalization


def test_engine_step_measures_both_sides():
    result = engine_step.measure(number=50)
    assert result["engine_us"] > 0 and result["dict_us"] > 0


def test_normalization_bench_normalizes_every_seeded_response():
    result = measure_normalization(200)
    assert result["records"] == 200


@pytest.mark.parametrize("what", ["webhooks"])
def test_bench_command_prints_its_table(what):
    completed = subprocess.run(
        [sys.executable, "-m", "bench", what, "--quick"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    table = [line for line in completed.stdout.splitlines() if line.startswith("| SMS webhook")]
    assert len(table) == 1 and "turns/s" in table[0] and "ratio" in table[0]


def test_export_bench_exports_every_seeded_row():
    from bench.export import measure as measure_export

    result = measure_export(300)
    assert result["rows"] == 300 and result["peak_rss_mb"] > 0
