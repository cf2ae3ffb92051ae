"""A request head (request line and headers) can neither fill a worker's memory nor hold its
connection for ever, under the service's own command; ordinary requests are served as before."""

import contextlib
import http.client
import socket
import time
from collections.abc import Iterator

import pytest
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from tests.served import served

GET = b"GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n"
# The default bound the README states: a head still incomplete after 32 KiB gets 431.
MAX_HEAD_BYTES = 32 * 1024
# The head timeout these tests set: short, to keep them quick.
HEAD_TIMEOUT_SECONDS = 2
# Five times the longest bound here takes to act (the head timeout): an answer later than
# this is no answer. It is also how long a test takes to fail when a bound is gone.
WAIT_SECONDS = 10


@pytest.fixture(scope="module")
def port(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """The service with the default size bound, and a head timeout no test here reaches."""
    log = tmp_path_factory.mktemp("request-head") / "serve.log"
    with served(database_url, log, REQUEST_HEAD_TIMEOUT_SECONDS=str(4 * WAIT_SECONDS)) as port:
        yield port


@pytest.fixture(scope="module")
def impatient_port(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """The service with a short head timeout."""
    log = tmp_path_factory.mktemp("request-head-timeout") / "serve.log"
    timeout = str(HEAD_TIMEOUT_SECONDS)
    with served(database_url, log, REQUEST_HEAD_TIMEOUT_SECONDS=timeout) as port:
        yield port


def connect(port: int) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=WAIT_SECONDS)


def exchange(connection: socket.socket, request: bytes) -> str:
    """Send `request`; the status of the answer, or "closed" if the server closed instead.

    A request that never ends its head waits for the server to act on what it has read.
    """
    with contextlib.suppress(ConnectionError):  # closed while sending: an answer may be there
        connection.sendall(request)
    answer = http.client.HTTPResponse(connection)
    try:
        answer.begin()
        answer.read()
    except ConnectionError:  # closed (or reset, the rest of the head unread) with no answer
        return "closed"
    return str(answer.status)


def trickle(connection: socket.socket, header: bytes, pause: float = 0.25) -> str:
    """Send `header` a byte at a time; "closed" if the server closed the connection first."""
    connection.settimeout(pause)
    for byte in header:
        try:
            connection.sendall(bytes([byte]))
            if connection.recv(1) == b"":
                return "closed"
            return "answered"
        except TimeoutError:
            continue  # nothing from the server yet: the next byte
        except ConnectionError:
            return "closed"
    return "still open"


def test_an_ordinary_request_and_the_next_on_the_same_connection_are_answered(port: int) -> None:
    with connect(port) as connection:
        assert exchange(connection, GET + b"\r\n") == "200"
        assert exchange(connection, GET + b"\r\n") == "200"


def test_a_head_under_the_bound_is_answered(port: int) -> None:
    header = b"X-Padding: " + b"a" * (MAX_HEAD_BYTES - 1024) + b"\r\n"
    with connect(port) as connection:
        assert exchange(connection, GET + header + b"\r\n") == "200"


@pytest.mark.parametrize("size", [MAX_HEAD_BYTES + 8 * 1024, 1024 * 1024])
def test_a_head_over_the_bound_is_refused_before_it_ends(port: int, size: int) -> None:
    # The head never ends: the server must act on the part it has read.
    endless_header = b"X-Big: " + b"a" * size
    with connect(port) as connection:
        assert exchange(connection, GET + endless_header) in {"431", "closed"}


def test_the_bound_holds_for_the_next_request_on_a_kept_alive_connection(port: int) -> None:
    endless_header = b"X-Big: " + b"a" * 1024 * 1024
    with connect(port) as connection:
        assert exchange(connection, GET + b"\r\n") == "200"
        assert exchange(connection, GET + endless_header) in {"431", "closed"}


def until_closed(connection: socket.socket) -> str:
    """Read what the server sends; "closed" once it closes, "still open" if it never does."""
    try:
        while connection.recv(65536):
            pass
    except TimeoutError:
        return "still open"
    except ConnectionError:
        pass  # reset: closed with what was sent still unread
    return "closed"


def chunked(path: str, body: bytes, chunk_size: int) -> bytes:
    """A POST whose body is sent in chunks of `chunk_size` bytes, then its last chunk."""
    head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    chunks = [body[start : start + chunk_size] for start in range(0, len(body), chunk_size)]
    framed = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for chunk in chunks)
    return head.encode() + b"Transfer-Encoding: chunked\r\n\r\n" + framed + b"0\r\n"


def test_a_chunked_body_with_a_few_trailers_is_answered(port: int) -> None:
    body = b'{"username": "chunked_sender", "password": "correct horse battery"}'
    request = chunked("/api/v1/users", body, chunk_size=16) + b"X-Checksum: 1234\r\n\r\n"
    with connect(port) as connection:
        assert exchange(connection, request) == "201"


def test_endless_trailers_lose_their_connection(port: int) -> None:
    # Trailers are header lines after a chunked body's last chunk, which uvicorn keeps as it
    # keeps headers: without a bound, one connection grew a worker by gigabytes in seconds.
    trailer = b"X-Trailer: " + b"t" * 50 + b"\r\n"
    with connect(port) as connection:
        with contextlib.suppress(ConnectionError):  # closed while sending: what we expect
            connection.sendall(chunked("/api/v1/users", b"{}", chunk_size=2))
            for _ in range(64 * MAX_HEAD_BYTES // len(trailer)):  # 64 times the bound
                connection.sendall(trailer)
        assert until_closed(connection) == "closed"


def test_a_trickled_head_loses_its_connection(impatient_port: int) -> None:
    # A byte every 0.25 s: 12 s for the whole header, far beyond the timeout.
    with connect(impatient_port) as connection:
        connection.sendall(GET)
        assert trickle(connection, b"X-Slow: " + b"b" * 40) == "closed"


def test_a_trickled_head_loses_its_kept_alive_connection(impatient_port: int) -> None:
    with connect(impatient_port) as connection:
        assert exchange(connection, GET + b"\r\n") == "200"
        assert trickle(connection, GET + b"X-Slow: " + b"b" * 40) == "closed"


def test_a_connection_that_sends_nothing_is_closed(impatient_port: int) -> None:
    with connect(impatient_port) as connection:
        assert connection.recv(1) == b""


def test_the_head_timeout_runs_from_each_heads_first_byte(impatient_port: int) -> None:
    # Idle between requests for longer than the head timeout, within uvicorn's keep-alive
    # timeout (5 s): the second request is still answered.
    with connect(impatient_port) as connection:
        assert exchange(connection, GET + b"\r\n") == "200"
        time.sleep(HEAD_TIMEOUT_SECONDS + 1.5)
        assert exchange(connection, GET + b"\r\n") == "200"


@pytest.mark.parametrize(
    "method",
    [
        "connection_made",
        "data_received",
        "on_headers_complete",
        "on_body",
        "on_message_complete",
        "connection_lost",
    ],
)
def test_uvicorn_still_has_what_the_bounds_build_on(method: str) -> None:
    # request_head.py extends these methods of uvicorn's protocol; if an upgrade renames
    # one, the bounds silently stop working: update request_head.py.
    assert method in vars(HttpToolsProtocol), f"uvicorn's HttpToolsProtocol has no {method}"
