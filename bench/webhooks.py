"""Webhook throughput and latency: feedbot under gunicorn beside a bare Flask endpoint.

Each run drives both with the same wrk settings on the same machine, so the ratio between
them is what to compare across machines.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator

from bench.infra import BENCH_AUTH_TOKEN, ensure_wrk

LUA = Path(__file__).resolve().parent / "sms_load.lua"
CHAT_LUA = Path(__file__).resolve().parent / "chat_load.lua"
SERVICE_NUMBER = "+12025550199"
# A positive and a negative texter, alternating: five turns each, every one a real transition.
CONVERSATIONS = (("Hi", "5", "1 3", "Quick and kind", "SKIP"), ("Hi", "2", "3 7", "Too slow", "No"))


@dataclass(frozen=True)
class LoadResult:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int


def run_sms_load(
    base_url: str, connections: int, seconds: int, texters: int, first: int = 0
) -> LoadResult:
    """Drive POST /twilio/sms with `connections` concurrent texters for `seconds`.

    Texters are numbered from `first`: a warm-up numbered apart from the measured run leaves
    it no repeated MessageSid (a repeat is answered without storing anything, so cheaper)."""
    with tempfile.TemporaryDirectory(prefix="feedbot-bench-") as directory:
        write_signed_sms(Path(directory), base_url, connections, range(first, first + texters))
        return run_wrk(base_url, directory, connections, seconds)


def run_voice_load(
    base_url: str, connections: int, seconds: int, callers: int, first: int = 0
) -> LoadResult:
    """Drive the voice webhooks: each simulated caller walks a whole keypad call."""
    with tempfile.TemporaryDirectory(prefix="feedbot-bench-") as directory:
        write_signed_calls(Path(directory), base_url, connections, range(first, first + callers))
        return run_wrk(base_url, directory, connections, seconds)


def run_chat_load(base_url: str, connections: int, seconds: int) -> LoadResult:
    """Drive the web chat API: each simulated visitor starts a session and answers it."""
    return run_wrk(base_url, "bench", connections, seconds, script=CHAT_LUA)


def write_signed_sms(directory: Path, base_url: str, connections: int, texters: range) -> None:
    """Pre-sign every turn (RequestValidator), one file per wrk thread."""
    for thread in range(connections):
        lines = []
        for texter in texters:
            phone = f"+1202{thread:03d}{texter:04d}"
            turns = CONVERSATIONS[texter % len(CONVERSATIONS)]
            for turn, body in enumerate(turns):
                params = {
                    "MessageSid": f"SM{thread:04d}{texter:06d}{turn:02d}".ljust(34, "0"),
                    "From": phone,
                    "To": SERVICE_NUMBER,
                    "Body": body,
                }
                lines.append(_signed_line(base_url, "/twilio/sms", params))
        (directory / f"requests-{thread}.tsv").write_text("\n".join(lines) + "\n")


# A keypad-only call: language menu, trust 5, drivers 1 and 3, skip the open question; each
# URL is the one the previous answer's TwiML names (tests/test_bench.py checks that).
CALL = (
    ("/twilio/voice", {}),
    ("/twilio/voice/language", {"Digits": "1"}),
    ("/twilio/voice/answer?step=1&keys=12345", {"Digits": "5"}),
    ("/twilio/voice/answer?step=2&keys=1234567", {"Digits": "13"}),
    ("/twilio/voice/answer?step=3&keys=", {"Digits": "0"}),
)


def write_signed_calls(directory: Path, base_url: str, connections: int, callers: range) -> None:
    for thread in range(connections):
        lines = []
        for caller in callers:
            call = {
                "CallSid": f"CA{thread:04d}{caller:06d}".ljust(34, "0"),
                "From": f"+1202{thread:03d}{caller:04d}",
                "To": SERVICE_NUMBER,
            }
            lines += [_signed_line(base_url, path, {**call, **extra}) for path, extra in CALL]
        (directory / f"requests-{thread}.tsv").write_text("\n".join(lines) + "\n")


def _signed_line(base_url: str, path: str, params: dict[str, str]) -> str:
    signature = _VALIDATOR.compute_signature(base_url + path, params)
    return f"{path}\t{signature}\t{urlencode(params)}"


_VALIDATOR = RequestValidator(BENCH_AUTH_TOKEN)


def run_wrk(
    base_url: str, argument: str, connections: int, seconds: int, script: Path = LUA
) -> LoadResult:
    command = [
        ensure_wrk(),
        f"--threads={connections}",
        f"--connections={connections}",
        f"--duration={seconds}s",
        "--latency",
        f"--script={script}",
        base_url,
        "--",
        argument,
    ]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return parse_wrk(output)


def parse_wrk(output: str) -> LoadResult:
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    percentiles = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)", output, re.MULTILINE))
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", output))
    socket_errors = re.search(r"Socket errors: (.*)", output)
    if socket_errors:
        errors += sum(int(n) for n in re.findall(r"\d+", socket_errors.group(1)))
    return LoadResult(rate, _ms(percentiles["50"]), _ms(percentiles["99"]), errors)


def _ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]
