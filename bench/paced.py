"""An open-loop load at a fixed rate (e.g. 200 turns/s): latency counted from each turn's
scheduled time, so a slow server cannot hide its queueing (no coordinated omission)."""

from __future__ import annotations

import http.client
import threading
import time
from urllib.parse import urlencode, urlparse

from twilio.request_validator import RequestValidator

from bench.infra import BENCH_AUTH_TOKEN
from bench.webhooks import CONVERSATIONS, SERVICE_NUMBER


def paced_sms(base_url: str, rate: float, seconds: float, threads: int = 20) -> dict[str, float]:
    """Send SMS turns at `rate` per second for `seconds`; return p50/p99 latency (ms)."""
    validator = RequestValidator(BENCH_AUTH_TOKEN)
    url = base_url + "/twilio/sms"
    host = urlparse(base_url)
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    started = time.perf_counter() + 0.2
    interval = threads / rate
    per_thread = int(seconds * rate / threads)

    def texter_thread(index: int) -> None:
        connection = http.client.HTTPConnection(host.hostname, host.port, timeout=15)
        for turn_number in range(per_thread):
            texter, turn = divmod(turn_number, 5)
            body = CONVERSATIONS[texter % 2][turn]
            params = {
                "MessageSid": f"SMp{index:04d}{texter:06d}{turn:02d}".ljust(34, "0"),
                "From": f"+1303{index:03d}{texter:04d}",
                "To": SERVICE_NUMBER,
                "Body": body,
            }
            headers = {
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Twilio-Signature": validator.compute_signature(url, params),
            }
            scheduled = started + index * interval / threads + turn_number * interval
            delay = scheduled - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            connection.request("POST", "/twilio/sms", urlencode(params), headers)
            response = connection.getresponse()
            response.read()
            with lock:
                latencies.append((time.perf_counter() - scheduled) * 1000)
                errors[0] += response.status != 200

    workers = [threading.Thread(target=texter_thread, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    latencies.sort()
    elapsed = time.perf_counter() - started
    return {
        "rate": len(latencies) / elapsed,
        "p50_ms": latencies[len(latencies) // 2],
        "p99_ms": latencies[int(len(latencies) * 0.99)],
        "errors": errors[0],
    }
