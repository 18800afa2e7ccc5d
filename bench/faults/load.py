"""Simulated texters that behave like Twilio and a person together, and keep a ledger.

Each texter completes one real A-11 survey over signed SMS webhooks, then a new texter takes
its thread. Like Twilio with `#rp=5xx` on the webhook URL, a 5xx or a dropped connection is
answered by sending the *same* signed request (same MessageSid) again after a short backoff.
About one delivery in ten is duplicated (same MessageSid, half of them concurrently), and
some texters send two answers at once. The ledger holds only what the replies prove: an
answer is accepted when the reply asks the question that follows it, or when a repeated
delivery of it is accepted; a survey is completed when its closing message arrived.
"""

from __future__ import annotations

import http.client
import itertools
import random
import threading
import time
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlparse

from twilio.request_validator import RequestValidator

from bench.infra import BENCH_AUTH_TOKEN
from bench.webhooks import SERVICE_NUMBER

DRIVERS = ("effectiveness", "ease", "efficiency", "transparency", "humanity", "employee", "other")
# What each prompt says (English), to tell from a reply which question it asks.
PROMPTS = {
    "trust": "This interaction increased my trust",
    "positive_other": "What else made the difference?",
    "made_the_difference": "What about this interaction made the difference?",
    "negative_other": "What else could have been better?",
    "could_be_better": "What could have been better?",
    "anything_else": "Anything else you want us to know",
    "closing": "Thank you for your feedback",
}
RETRY_MARKS = ("Sorry, please reply", "This question needs an answer")
DUPLICATE_SHARE = 0.10
PAIR_SHARE = 0.15
BACKOFF_SECONDS = 0.25


@dataclass(frozen=True)
class Step:
    """One planned message: the answer to `question`, and what the stored answer must be."""

    question: str
    body: str
    status: str
    value: object

    @property
    def stored(self) -> tuple[str, object, str]:
        return (self.status, self.value, self.body)


@dataclass
class TexterLedger:
    phone: str
    answers: dict[str, tuple[str, object, str]] = field(default_factory=dict)
    completed: bool = False


@dataclass
class Counters:
    requests: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    connection_errors: int = 0
    duplicates: int = 0
    pairs: int = 0
    lost_replies: int = 0
    unexpected: list[str] = field(default_factory=list)
    times_503: list[float] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)

    @property
    def server_errors(self) -> int:
        return sum(count for status, count in self.statuses.items() if status >= 500)


class Load:
    """Texter threads against one feedbot base URL until `stop()`; the ledger and counters."""

    def __init__(self, base_url: str, threads: int, first_number: int = 0) -> None:
        self.base_url = base_url
        self.url = base_url + "/twilio/sms"
        self.threads = threads
        self.ledgers: list[TexterLedger] = []
        self.counters = Counters()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._numbers = itertools.count(first_number)
        self._sids = itertools.count(first_number * 100)
        self._seed = first_number
        self._validator = RequestValidator(BENCH_AUTH_TOKEN)
        self._workers: list[threading.Thread] = []
        self._pool = ThreadPoolExecutor(max_workers=threads)

    def start(self) -> None:
        for index in range(self.threads):
            worker = threading.Thread(target=self._texter_thread, args=(index,), daemon=True)
            worker.start()
            self._workers.append(worker)

    def stop(self) -> None:
        """Let every texter finish the survey it is in, then return."""
        self._stopping.set()
        for worker in self._workers:
            worker.join()
        self._pool.shutdown()

    def _texter_thread(self, index: int) -> None:
        rng = random.Random(self._seed * 1000 + index)
        connection = _Connection(self.base_url)
        while not self._stopping.is_set():
            number = next(self._numbers)
            ledger = TexterLedger(phone=f"+1303{number:07d}")
            with self._lock:
                self.ledgers.append(ledger)
            try:
                self._survey(connection, ledger, plan(rng), rng)
            except _Unexpected as error:
                with self._lock:
                    self.counters.unexpected.append(str(error))

    def _survey(
        self, connection: _Connection, ledger: TexterLedger, steps: list[Step], rng: random.Random
    ) -> None:
        reply, _ = self._deliver(connection, ledger.phone, "Hi")
        _expect(reply, "trust", "Hi")
        index = 0
        while index < len(steps):
            step = steps[index]
            following = steps[index + 1] if index + 1 < len(steps) else None
            if following is not None and _pairable(step, following) and rng.random() < PAIR_SHARE:
                index += self._answer_two_at_once(ledger, step, following, steps, index)
                continue
            self._answer(connection, ledger, step, _next_prompt(steps, index), rng)
            index += 1

    def _answer(
        self,
        connection: _Connection,
        ledger: TexterLedger,
        step: Step,
        expected: str,
        rng: random.Random,
    ) -> None:
        sid = self._new_sid()
        roll = rng.random()
        if roll < DUPLICATE_SHARE / 2:
            replies = self._concurrently([(ledger.phone, step.body, sid)] * 2)
            self._count("duplicates")
            if expected not in {_prompt_of(reply) for reply in replies}:
                raise _Unexpected(f"{step.question}: concurrent duplicate got {replies!r}")
            self._accept(ledger, step, expected, replies[0] or replies[1])
            return
        reply, retried = self._deliver(connection, ledger.phone, step.body, sid)
        if reply == "" and retried:
            # An earlier attempt was applied, but its reply never came back.
            self._count("lost_replies")
            ledger.answers[step.question] = step.stored
            return
        _expect(reply, expected, step.body)
        self._accept(ledger, step, expected, reply)
        if roll < DUPLICATE_SHARE:
            again, _ = self._deliver(connection, ledger.phone, step.body, sid)
            self._count("duplicates")
            if again and _prompt_of(again) != expected:
                raise _Unexpected(f"{step.question}: repeated delivery got {again!r}")

    def _answer_two_at_once(
        self, ledger: TexterLedger, first: Step, second: Step, steps: list[Step], index: int
    ) -> int:
        """Two different answers sent at once; the replies say in which order they were taken."""
        self._count("pairs")
        reply_first, reply_second = self._concurrently(
            [
                (ledger.phone, first.body, self._new_sid()),
                (ledger.phone, second.body, self._new_sid()),
            ]
        )
        after_first = _next_prompt(steps, index)
        after_second = _next_prompt(steps, index + 1)
        _expect(reply_first, after_first, first.body)
        self._accept(ledger, first, after_first, reply_first)
        if _prompt_of(reply_second) == after_second:
            self._accept(ledger, second, after_second, reply_second)
            return 2
        if _prompt_of(reply_second) == f"retry:{first.question}":
            return 1  # taken first, as an answer to the earlier question: refused, sent again
        raise _Unexpected(f"{second.question}: sent with {first.question}, got {reply_second!r}")

    def _accept(self, ledger: TexterLedger, step: Step, expected: str, reply: str) -> None:
        ledger.answers[step.question] = step.stored
        if expected == "closing" and _prompt_of(reply) == "closing":
            ledger.completed = True

    def _concurrently(self, messages: list[tuple[str, str, str]]) -> list[str]:
        def send(message: tuple[str, str, str]) -> str:
            return self._deliver(_Connection(self.base_url), *message)[0]

        return list(self._pool.map(send, messages))

    def _deliver(
        self, connection: _Connection, phone: str, body: str, sid: str | None = None
    ) -> tuple[str, bool]:
        """POST until Twilio would stop retrying (not 5xx, connection held); the reply text and
        whether an earlier attempt failed."""
        params = {
            "MessageSid": sid or self._new_sid(),
            "AccountSid": "AC" + "0" * 32,
            "From": phone,
            "To": SERVICE_NUMBER,
            "Body": body,
        }
        signature = self._validator.compute_signature(self.url, params)
        retried = False
        while True:
            started = time.monotonic()
            try:
                status, payload = connection.post("/twilio/sms", urlencode(params), signature)
            except (OSError, http.client.HTTPException):
                connection.reset()
                self._record(None, started)
            else:
                self._record(status, started)
                if status == 200:
                    return _reply_text(payload), retried
                if status < 500:
                    raise _Unexpected(f"HTTP {status} for {body!r}: {payload[:200]!r}")
            retried = True
            time.sleep(BACKOFF_SECONDS)

    def _record(self, status: int | None, started: float) -> None:
        now = time.monotonic()
        with self._lock:
            self.counters.requests += 1
            if status is None:
                self.counters.connection_errors += 1
                return
            self.counters.statuses[status] = self.counters.statuses.get(status, 0) + 1
            self.counters.latencies.append(now - started)
            if status == 503:
                self.counters.times_503.append(now)

    def _count(self, name: str) -> None:
        with self._lock:
            setattr(self.counters, name, getattr(self.counters, name) + 1)

    def _new_sid(self) -> str:
        return f"SM{next(self._sids):032x}"


def plan(rng: random.Random) -> list[Step]:
    """A survey as one person would answer it: trust, drivers (maybe "something else"), a note."""
    trust = rng.randint(1, 5)
    branch = "made_the_difference" if trust >= 4 else "could_be_better"
    other = "positive_other" if trust >= 4 else "negative_other"
    steps = [Step("trust", str(trust), "answered", trust)]
    if rng.random() < 0.1:
        steps.append(Step(branch, "SKIP", "skipped", None))
    else:
        picks = sorted(rng.sample(range(1, 8), rng.randint(1, 3)))
        names = [DRIVERS[pick - 1] for pick in picks]
        steps.append(Step(branch, " ".join(map(str, picks)), "answered", names))
        if "other" in names:
            note = f"other note {rng.getrandbits(40):x}"
            steps.append(Step(other, note, "answered", note))
    if rng.random() < 0.3:
        steps.append(Step("anything_else", "SKIP", "skipped", None))
    else:
        note = f"kind and quick, ref {rng.getrandbits(40):x}"
        steps.append(Step("anything_else", note, "answered", note))
    return steps


def _reply_text(twiml: bytes) -> str:
    return "\n".join(message.text or "" for message in ET.fromstring(twiml).iter("Message"))


def _pairable(step: Step, following: Step) -> bool:
    # Taken in the wrong order, the second answer (two or more driver numbers) is no answer to
    # the trust question, so either order leaves a state the replies make plain.
    return step.question == "trust" and len(following.body.split()) >= 2


def _next_prompt(steps: list[Step], index: int) -> str:
    return steps[index + 1].question if index + 1 < len(steps) else "closing"


def _prompt_of(reply: str) -> str:
    for question, words in PROMPTS.items():
        if words in reply:
            retry = any(mark in reply for mark in RETRY_MARKS)
            return f"retry:{question}" if retry else question
    return ""


def _expect(reply: str, expected: str, body: str) -> None:
    if _prompt_of(reply) != expected:
        raise _Unexpected(f"{body!r} expected {expected}, got {reply[:120]!r}")


class _Unexpected(Exception):
    """A reply the ledger cannot account for: the texter stops, the run fails."""


class _Connection:
    """One keep-alive HTTP connection, reopened after any failure."""

    def __init__(self, base_url: str) -> None:
        self._address = urlparse(base_url)
        self._connection: http.client.HTTPConnection | None = None

    def post(self, path: str, body: str, signature: str) -> tuple[int, bytes]:
        if self._connection is None:
            self._connection = http.client.HTTPConnection(
                self._address.hostname, self._address.port, timeout=30
            )
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": signature,
        }
        self._connection.request("POST", path, body, headers)
        response = self._connection.getresponse()
        return response.status, response.read()

    def reset(self) -> None:
        if self._connection is not None:
            self._connection.close()
        self._connection = None
