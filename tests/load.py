"""Load for the overload and outage tests: many clients at once, each answer counted.

A small HTTP/1.1 client on asyncio streams, so that hundreds of connections need no extra
tool, and a request that never ends is counted as such instead of hanging the test.
"""

import asyncio
import time
from collections import Counter
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Answer:
    started: float  # time.monotonic() when the request was sent
    seconds: float
    outcome: str  # the status code, "timeout", or "no answer" (connection refused or dropped)


async def request(
    url: str, headers: dict[str, str], method: str, body: bytes, timeout: float
) -> Answer:
    """Send one request on a connection of its own; return how it ended."""
    parts = urlsplit(url)
    started = time.monotonic()
    writer = None
    try:
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
            head = [f"{method} {parts.path}?{parts.query} HTTP/1.1", f"Host: {parts.netloc}"]
            head += [f"{name}: {value}" for name, value in headers.items()]
            head += [f"Content-Length: {len(body)}", "Connection: close"]
            writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
            await writer.drain()
            status_line = await reader.readline()
            await reader.read()  # the rest, until the server closes
        outcome = status_line.split()[1].decode() if status_line else "no answer"
    except TimeoutError:
        outcome = "timeout"
    except OSError:
        outcome = "no answer"
    finally:
        if writer is not None:
            writer.close()
    return Answer(started, time.monotonic() - started, outcome)


async def clients(
    url: str,
    *,
    headers: dict[str, str],
    count: int,
    seconds: float,
    timeout: float,
    method: str = "GET",
    body: bytes = b"",
    pause: float = 0.0,
) -> list[Answer]:
    """`count` clients, each sending one request after another (waiting `pause` between
    them) until `seconds` have passed; every answer, in the order they came."""
    answers: list[Answer] = []
    deadline = time.monotonic() + seconds

    async def client() -> None:
        while time.monotonic() < deadline:
            answers.append(await request(url, headers, method, body, timeout))
            await asyncio.sleep(pause)

    await asyncio.gather(*(client() for _ in range(count)))
    return answers


def tally(answers: list[Answer]) -> Counter[str]:
    return Counter(answer.outcome for answer in answers)
