"""The event loop uvicorn runs the service on (the `--loop` of the Dockerfile's command).

It is asyncio's own loop. uvloop, uvicorn's default, served some connections ten times later
than the rest under full load (the template's benchmark: p99 latency 484 ms against a p50 of
49 ms); asyncio's loop serves them in turn, at the same throughput.

With one fix: when uvicorn runs several workers it opens the listening socket itself
without naming its protocol, and asyncio then leaves Nagle's algorithm on for each
connection, which holds back every response on a kept-alive connection for about 40 ms
(https://github.com/Kludex/uvicorn/issues/3149).
"""

import asyncio
import os
import socket
from typing import Any

INTERNET = (socket.AF_INET, socket.AF_INET6)


class EventLoop(asyncio.SelectorEventLoop):
    async def create_server(self, *args: Any, **kwargs: Any) -> asyncio.Server:
        listener = kwargs.get("sock")
        if listener is not None and listener.family in INTERNET and listener.proto == 0:
            # The same socket, under a name that says TCP: asyncio then sets TCP_NODELAY on
            # every connection it accepts. uvicorn keeps (and later closes) the original.
            kwargs["sock"] = socket.socket(
                listener.family, listener.type, socket.IPPROTO_TCP, os.dup(listener.fileno())
            )
        return await super().create_server(*args, **kwargs)
