"""Request ids: the X-Request-ID every answer carries and every log line of its request names.

A client (or a proxy in front) that sends its own id gets it back, so one id follows a
request through several services. Only a sane one: an id is written into headers and log
lines, so anything longer than 128 characters, outside a set that needs no escaping
anywhere, or not starting with a letter or digit (a "-" would pass for a line written
outside any request) is replaced by a fresh id, never echoed.
"""

import re
import secrets
from contextvars import ContextVar

HEADER = b"x-request-id"
SANE_REQUEST_ID = re.compile(rb"[A-Za-z0-9][A-Za-z0-9._:=+/-]{0,127}")

# The id of the request being served. A context variable, because each request runs in an
# asyncio task of its own and the thread-pool calls FastAPI makes for it copy its context:
# whatever logs while serving the request reads the right id.
current_request_id: ContextVar[str | None] = ContextVar("current_request_id", default=None)


def request_id_from(value: bytes | None) -> str:
    """The client's id when it is sane, else a fresh one (128 random bits, in hex)."""
    if value is not None and SANE_REQUEST_ID.fullmatch(value):
        return value.decode("ascii")
    return secrets.token_hex(16)
