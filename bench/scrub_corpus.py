"""Scrubber precision and recall on tests/data/scrub_corpus.yaml (python -m bench.scrub_corpus)."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from feedbot.scrub import find_personal_data, scrub

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "data" / "scrub_corpus.yaml"


def measure_corpus(path: Path = CORPUS) -> dict[str, Any]:
    """Item-level precision and recall: an expected item is found when a finding covers it;
    a finding is correct when it overlaps an expected item."""
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    expected = found = correct_findings = findings_total = 0
    missed: list[str] = []
    false_alarms: list[str] = []
    per_kind: Counter[str] = Counter()
    for entry in entries:
        text = entry["text"]
        spans = [_span(text, item["value"]) for item in entry["pii"]]
        findings = find_personal_data(text)
        findings_total += len(findings)
        for item, (start, end) in zip(entry["pii"], spans, strict=True):
            expected += 1
            per_kind[item["kind"]] += 1
            if any(f.start <= start and f.end >= end for f in findings):
                found += 1
            else:
                missed.append(f"{item['kind']}: {item['value']!r}")
        for finding in findings:
            if any(finding.start < end and start < finding.end for start, end in spans):
                correct_findings += 1
            else:
                false_alarms.append(f"{finding.kind}: {text[finding.start : finding.end]!r}")
    return {
        "answers": len(entries),
        "items": expected,
        "per_kind": dict(per_kind),
        "recall": found / expected,
        "precision": correct_findings / findings_total if findings_total else 1.0,
        "missed": missed,
        "false_alarms": false_alarms,
        "answers_per_second": _throughput([entry["text"] for entry in entries]),
    }


def _span(text: str, value: str) -> tuple[int, int]:
    start = text.index(value)
    return start, start + len(value)


def _throughput(texts: list[str]) -> float:
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < 0.5:
        for text in texts:
            scrub(text)
        count += len(texts)
    return count / (time.perf_counter() - started)


if __name__ == "__main__":
    result = measure_corpus()
    print(
        f"scrubber on {result['answers']} answers, {result['items']} personal-data items"
        f" {result['per_kind']}: precision {result['precision']:.3f},"
        f" recall {result['recall']:.3f}, {result['answers_per_second']:.0f} answers/s"
    )
    for line in result["missed"]:
        print("  missed", line)
    for line in result["false_alarms"]:
        print("  false alarm", line)
