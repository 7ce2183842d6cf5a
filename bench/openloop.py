"""An open-loop load generator: requests sent at a fixed offered rate, whatever the server's
answers do, with each latency counted from the moment the request was due (not from when it
was sent), so a server that falls behind shows it in the tail instead of slowing the
generator down with it (coordinated omission).

Unlike `hey -q`, each request can carry its own body: a gate scan needs a fresh pass and a
fresh scan id each time (a repeated scan id is answered from the stored scan, which is not
the scan path).

    run(host, port, path, rate, seconds, body=lambda n: bytes, headers={...}) -> Result
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Result:
    sent: int
    errors: int  # not 2xx, or no answer
    latencies_ms: list[float]  # every request's, failures included
    statuses: Counter = field(default_factory=Counter)  # 0: no answer

    def percentile(self, p: float) -> float:
        samples = sorted(self.latencies_ms)
        if not samples:
            return float("nan")
        return samples[min(len(samples) - 1, int(round(p / 100 * (len(samples) - 1))))]


async def _one(host: str, port: int, request: bytes, timeout: float) -> int:
    reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
    try:
        writer.write(request)
        await writer.drain()
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout)
        status = int(head.split(b" ", 2)[1])
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        if length:
            await asyncio.wait_for(reader.readexactly(length), timeout)
        return status
    finally:
        writer.close()


async def _run(host, port, path, rate, seconds, body, headers, timeout) -> Result:
    method = "POST" if body is not None else "GET"
    head = f"{method} {path} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    total = int(rate * seconds)
    latencies: list[float] = []
    statuses: Counter = Counter()
    errors = 0
    loop = asyncio.get_running_loop()
    start = loop.time() + 0.05

    async def fire(n: int) -> None:
        nonlocal errors
        due = start + n / rate
        data = b""
        if body is not None:
            data = body(n)
        request = (head + f"Content-Length: {len(data)}\r\n\r\n").encode() + data
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        try:
            status = await _one(host, port, request, timeout)
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
            status = 0
        statuses[status] += 1
        if not 200 <= status < 300:
            errors += 1
        # A failure counts too, at the time it took to fail (a timeout is a long wait at the
        # gate, not a request that did not happen).
        latencies.append((loop.time() - due) * 1000)

    tasks = []
    for n in range(total):
        # Create the tasks a little ahead of their time, not all at once (memory, and the
        # loop's timer heap).
        ahead = start + n / rate - 0.5
        if ahead > loop.time():
            await asyncio.sleep(ahead - loop.time())
        tasks.append(asyncio.create_task(fire(n)))
    await asyncio.gather(*tasks)
    return Result(sent=total, errors=errors, latencies_ms=latencies, statuses=statuses)


def run(
    host: str,
    port: int,
    path: str,
    rate: float,
    seconds: float,
    body: Callable[[int], bytes] | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 10.0,
) -> Result:
    started = time.perf_counter()
    result = asyncio.run(_run(host, port, path, rate, seconds, body, headers or {}, timeout))
    result.elapsed = time.perf_counter() - started
    return result
