"""The scrubber measured on tests/data/scrub_corpus.yaml: precision, recall and answers/s; and
on long answers of one cue repeated, beside short ones of the same cue.

Run it as `python -m bench.scrub_corpus`; tests/test_scrub.py asserts the same figures (and
what the long answers give, not how long they take).
"""

from __future__ import annotations

import time
import timeit
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from feedbot.scrub import Finding, find_personal_data, scrub

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "data" / "scrub_corpus.yaml"
# Each starts a detector (a title, an introduction, a staff name, a phone number, an address)
# that a backtracking pattern would run for seconds or hours over 5,000 characters of it.
CUE_UNITS = (
    "Dr. ",
    "Mr. Smith ",
    "Officer Johnson Agent Smith Dr. Patel Ms. Garcia Sra. López ",
    "I'm ",
    "I'm Maria Lopez and ",
    "This is ",
    "Thanks to ",
    "the agent, ",
    "Ông Bà ",
    "王先生",
    "김민수 씨 ",
    "가",
    "السيد أحمد ",
    "a-",
    "de la ",
    "Karen Mike Jones José ",
    "I'm Black ",
    "the officer Screamed ",
    "Plan G. It ",
    "MR. JONES a@example.com ",
    "Thanks to Login.gov ",
    "officer johnson ",
    "la señora gonzález de la ",
    "mr smith'll ",
    "mon numéro est 06 12 ",
    "call 1-2.3 (4) ",
    "010-1234-5678 ",
    "1 ",
    "12, rue Victor ",
    "Rua das Flores ",
    "улице Ленина, дом ",
    "강남구 테헤란로 1",
    "中山路1",
    "me llamo juan ",
    "Email me at maria ",
    "O atendente Carlos ",
)
CUE_STAFF_NAMES = ("Karen", "Mike Jones", "José")


def load_corpus(path: Path = CORPUS) -> list[dict[str, Any]]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def measure_corpus(path: Path = CORPUS) -> dict[str, Any]:
    """Item-level precision and recall of find_personal_data on the corpus.

    An expected item is found when one finding (of any kind) covers its whole value; a finding
    is correct when it overlaps an expected item. An answer's `names` stand for its service's
    `scrub_names`.
    """
    entries = load_corpus(path)
    expected: Counter[str] = Counter()
    found: Counter[str] = Counter()
    flagged: Counter[str] = Counter()
    correct = 0
    missed: list[str] = []
    false_alarms: list[str] = []
    for entry in entries:
        text = entry["text"]
        items = [(item["kind"], _span(text, item["value"])) for item in entry["pii"]]
        findings = find_personal_data(text, staff_names=tuple(entry.get("names", ())))
        for kind, span in items:
            expected[kind] += 1
            if any(_covers(finding, span) for finding in findings):
                found[kind] += 1
            else:
                missed.append(f"{kind}: {text[span[0] : span[1]]!r} in {text!r}")
        for finding in findings:
            flagged[finding.kind] += 1
            if any(_overlap(finding, span) for _, span in items):
                correct += 1
            else:
                false_alarms.append(f"{finding.kind}: {_excerpt(text, finding)!r} in {text!r}")
    items_total, findings_total = sum(expected.values()), sum(flagged.values())
    return {
        "answers": len(entries),
        "items": items_total,
        "findings": findings_total,
        "expected_per_kind": dict(expected),
        "found_per_kind": dict(found),
        "flagged_per_kind": dict(flagged),
        "recall": sum(found.values()) / items_total if items_total else 1.0,
        "precision": correct / findings_total if findings_total else 1.0,
        "missed": missed,
        "false_alarms": false_alarms,
    }


def answers_per_second(path: Path = CORPUS, seconds: float = 1.0) -> float:
    """scrub() throughput: the corpus is scrubbed over and over for about `seconds`."""
    answers = [(entry["text"], tuple(entry.get("names", ()))) for entry in load_corpus(path)]
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        for text, staff_names in answers:
            scrub(text, staff_names=staff_names)
        count += len(answers)
    return count / (time.perf_counter() - started)


def long_answers(number: int = 2, units: tuple[str, ...] = CUE_UNITS) -> dict[str, Any]:
    """µs per 1,000 characters to scrub an answer of one of `units` repeated to 5,000
    characters, beside the same at 500 (its reference, same run), for the unit whose ratio
    of the two is worst: about 1 (or below: a call's fixed cost) is linear, 10 is a cost in
    the length squared. Both scrub `number` × 5,000 characters, timed in this process's CPU
    time (the best of 5), which other programs on the machine disturb less than the clock."""
    per_unit = {
        unit: (
            _us_per_thousand((unit * 1000)[:500], number),
            _us_per_thousand((unit * 10_000)[:5000], number),
        )
        for unit in units
    }
    worst = max(per_unit, key=lambda unit: per_unit[unit][1] / per_unit[unit][0])
    short_us, long_us = per_unit[worst]
    return {"unit": worst, "short_us": short_us, "long_us": long_us, "ratio": long_us / short_us}


def _us_per_thousand(text: str, number: int) -> float:
    calls = number * round(5000 / len(text))
    seconds = min(
        timeit.repeat(
            lambda: scrub(text, staff_names=CUE_STAFF_NAMES),
            timer=time.process_time,
            number=calls,
            repeat=5,
        )
    )
    return seconds / calls / len(text) * 1e9


def _span(text: str, value: str) -> tuple[int, int]:
    start = text.index(value)
    return start, start + len(value)


def _covers(finding: Finding, span: tuple[int, int]) -> bool:
    return finding.start <= span[0] and span[1] <= finding.end


def _overlap(finding: Finding, span: tuple[int, int]) -> bool:
    return finding.start < span[1] and span[0] < finding.end


def _excerpt(text: str, finding: Finding) -> str:
    return text[finding.start : finding.end]


def main() -> None:
    result = measure_corpus()
    print(
        f"scrubber on {result['answers']} answers, {result['items']} personal-data items,"
        f" {result['findings']} findings"
    )
    print(f"  precision {result['precision']:.3f}   recall {result['recall']:.3f}")
    print(f"  {'kind':8} {'expected':>8} {'found':>6} {'flagged':>8}")
    for kind in sorted(result["expected_per_kind"].keys() | result["flagged_per_kind"].keys()):
        print(
            f"  {kind:8} {result['expected_per_kind'].get(kind, 0):>8}"
            f" {result['found_per_kind'].get(kind, 0):>6}"
            f" {result['flagged_per_kind'].get(kind, 0):>8}"
        )
    rate = answers_per_second()
    print(f"  {rate:,.0f} answers/s through scrub(), {1e6 / rate:.0f} µs per answer")
    long = long_answers()
    print(
        f"  long answers of a cue repeated ({len(CUE_UNITS)} cues), worst {long['unit']!r}:"
        f" {long['long_us']:.0f} µs per 1,000 characters at 5,000 characters against"
        f" {long['short_us']:.0f} at 500, ratio {long['ratio']:.2f} (1 linear, 10 squared)"
    )
    for line in result["missed"]:
        print("  missed", line)
    for line in result["false_alarms"]:
        print("  false alarm", line)


if __name__ == "__main__":
    main()
