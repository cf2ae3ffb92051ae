"""Request ids: the X-Request-ID every answer carries and every log line of its request names.

A client (or a proxy in front) that sends its own id gets it back, so one id follows a
request through several services. Only a sane one: an id is written into headers and log
lines, so anything longer than 128 characters, outside a set that needs no escaping
anywhere, or not starting with a letter or digit (a "-" would pass for a line written
outside any request) is replaced by a fresh id, never echoed.
"""

import os
import random
import re
from contextvars import ContextVar

HEADER = b"x-request-id"
SANE_REQUEST_ID = re.compile(rb"[A-Za-z0-9][A-Za-z0-9._:=+/-]{0,127}")

# The id of the request being served. A context variable, because each request runs in an
# asyncio task of its own and the thread-pool calls FastAPI makes for it copy its context:
# whatever logs while serving the request reads the right id.
current_request_id: ContextVar[str | None] = ContextVar("current_request_id", default=None)

# Fresh ids must be unique, not secret: nothing is granted to whoever guesses one. So they
# come from a generator seeded once per process from the system's, with no system call per
# request: os.urandom (what `secrets` uses) lets go of the GIL, and the event loop then
# waited for a thread of the pool to give it back, often enough under load to measure.
fresh_ids = random.Random(os.urandom(32))  # noqa: S311 (unique, not secret: see above)
# A server that forks its workers from one process (gunicorn --preload) would otherwise
# give each of them the same sequence.
os.register_at_fork(after_in_child=lambda: fresh_ids.seed(os.urandom(32)))


def request_id_from(value: bytes | None) -> str:
    """The client's id when it is sane, else a fresh one (128 random bits, in hex)."""
    if value is not None and SANE_REQUEST_ID.fullmatch(value):
        return value.decode("ascii")
    return f"{fresh_ids.getrandbits(128):032x}"
