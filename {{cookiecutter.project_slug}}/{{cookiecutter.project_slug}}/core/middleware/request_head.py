"""Bounds on each request's head (its request line and headers): how large, and how slow.

uvicorn's httptools protocol, which the `serve` command runs (__main__.py), buffers a head
of any size for as long as its client takes to send it: one connection streaming a single
endless header grows a worker's memory without end and slows every other request the worker
serves, and a header trickled a byte at a time holds its connection for as long as the
client goes on. This protocol is uvicorn's own with two bounds, which main.py sets from the
settings:

- a head still incomplete after `max_bytes` gets 431 and its connection is closed, the rest
  unread (what uvicorn's h11 protocol does with its h11_max_incomplete_event_size);
- a head still incomplete `timeout_seconds` after its first byte (on a new connection, after
  the connection opened) loses its connection;
- what a request sends after its head that is not body, a chunked body's framing and its
  trailers (header lines after the last chunk, which uvicorn keeps as it keeps headers),
  may not exceed `max_bytes` either: over it, the connection is closed.

It extends six methods of uvicorn's HttpToolsProtocol, each calling the original
(connection_made, data_received, on_headers_complete, on_body, on_message_complete,
connection_lost),
and uses its `loop` and `transport`, as uvicorn 0.36 to 0.54 have them;
tests/test_request_head.py fails if an upgrade changes them.
"""

import asyncio
import json
import logging
from typing import ClassVar

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

logger = logging.getLogger(__name__)


class BoundedHeadProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, refusing a request head that is too large or too slow."""

    # The settings' defaults; main.py sets each worker's before it takes a connection.
    max_bytes: ClassVar[int] = 32 * 1024
    timeout_seconds: ClassVar[float] = 10.0

    @classmethod
    def configure(cls, *, max_bytes: int, timeout_seconds: float) -> None:
        """Set the bounds of every connection this process serves from now on."""
        cls.max_bytes = max_bytes
        cls.timeout_seconds = timeout_seconds

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.head_open = True  # the parser waits for a head: now, the connection's first
        self.head_bytes = 0  # the open head's, counted in reads that held nothing else
        self.heads_completed = 0
        # When the open head began: for the first, when the connection opened (one that
        # sends nothing is a head that never ends); None until the next one's first byte.
        self.head_began: float | None = self.loop.time()
        self.head_timer: asyncio.TimerHandle | None = None
        self.check_head_in(self.timeout_seconds)
        self.body_bytes = 0  # the open message's body, as the parser hands it over
        self.framing_bytes = 0  # the rest after its head: chunk framing and trailers

    def data_received(self, data: bytes) -> None:
        read_is_head = self.head_open
        if read_is_head and self.head_began is None:  # a kept-alive connection's next request
            self.head_began = self.loop.time()
            if self.head_timer is None:
                self.check_head_in(self.timeout_seconds)
        heads_before = self.heads_completed
        body_before = self.body_bytes
        super().data_received(data)
        if self.transport.is_closing():
            return
        if not read_is_head and not self.head_open:  # all of this read is after the head
            self.framing_bytes += len(data) - (self.body_bytes - body_before)
            if self.framing_bytes > self.max_bytes:
                self.close_endless_framing()
            return
        if not self.head_open:
            return
        if read_is_head and self.heads_completed == heads_before:
            self.head_bytes += len(data)
        # Otherwise this head began within the read, after the previous request's end, at a
        # point the parser does not tell: it is counted from the next read on.
        if self.head_bytes > self.max_bytes:
            self.refuse_large_head()

    def on_headers_complete(self) -> None:
        self.head_open = False
        self.head_began = None
        self.heads_completed += 1
        self.head_bytes = 0
        self.body_bytes = self.framing_bytes = 0
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        self.body_bytes += len(body)
        super().on_body(body)

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self.head_open = True  # whatever comes next on this connection is the next request

    def connection_lost(self, exc: Exception | None) -> None:
        if self.head_timer is not None:
            self.head_timer.cancel()
        super().connection_lost(exc)

    def refuse_large_head(self) -> None:
        """Answer 431 and close the connection, leaving the rest of the head unread."""
        logger.warning("A request head over %d bytes: 431, connection closed", self.max_bytes)
        detail = f"The request head is larger than {self.max_bytes} bytes"
        body = json.dumps({"detail": detail}).encode()
        self.transport.write(
            b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
            b"content-type: application/json\r\n"
            b"content-length: " + str(len(body)).encode() + b"\r\n"
            b"connection: close\r\n\r\n" + body
        )
        self.transport.close()

    def close_endless_framing(self) -> None:
        """Close a connection whose request sends more than max_bytes of chunk framing and
        trailers: the answer may have gone already, so there is nothing left to say."""
        logger.warning(
            "A request's chunk framing and trailers over %d bytes: connection closed",
            self.max_bytes,
        )
        self.transport.close()

    def check_head_in(self, seconds: float) -> None:
        # One timer a connection, which a complete head leaves to run out rather than
        # cancelling it: a request costs no timer of its own.
        self.head_timer = self.loop.call_later(seconds, self.check_head)

    def check_head(self) -> None:
        """Close the connection if its head is late, else look again when it would be."""
        self.head_timer = None
        if self.head_began is None or self.transport.is_closing():
            return  # no head under way: the next one's first byte starts the timer again
        waited = self.loop.time() - self.head_began
        if waited < self.timeout_seconds:
            self.check_head_in(self.timeout_seconds - waited)
            return
        if self.head_bytes:  # not merely a connection opened ahead of need, then left idle
            logger.warning(
                "A request head incomplete after %s s: connection closed", self.timeout_seconds
            )
        self.transport.close()
