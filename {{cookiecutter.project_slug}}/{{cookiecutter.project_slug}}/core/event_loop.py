"""The event loop uvicorn runs the service on (the `--loop` of the Dockerfile's command).

It is asyncio's own loop. uvloop, uvicorn's default, served some connections far later than
the rest under full load (the template's benchmark: a p99 latency many times the p50);
asyncio's loop serves them in turn, at the same throughput.

With two fixes for several workers, which share one listening socket that uvicorn opens:
- uvicorn opens it without naming its protocol, and asyncio then leaves Nagle's algorithm
  on for each connection, which holds back every response on a kept-alive connection until
  the client's delayed acknowledgement (https://github.com/Kludex/uvicorn/issues/3149);
- asyncio takes every connection waiting there at once, so one worker could serve a whole
  burst of clients while the other idles (in the benchmark, two workers sometimes served
  no more than one would).
"""

import asyncio
import socket
from typing import Any

INTERNET = (socket.AF_INET, socket.AF_INET6)


class EventLoop(asyncio.SelectorEventLoop):
    async def create_server(self, *args: Any, **kwargs: Any) -> asyncio.Server:
        shared = kwargs.get("sock")
        if shared is None or shared.family not in INTERNET:
            return await super().create_server(*args, **kwargs)
        # The same socket, under a name that says TCP: asyncio then sets TCP_NODELAY on
        # every connection it accepts. uvicorn keeps (and later closes) the original.
        # fromfd duplicates the socket on every system (os.dup takes no socket on Windows).
        listener = socket.fromfd(shared.fileno(), shared.family, shared.type, socket.IPPROTO_TCP)
        # asyncio accepts up to `backlog` waiting connections each time the socket is
        # ready, so one worker could take a whole burst of them. Taking one at a time
        # leaves the rest to the workers with less to do; listen() then restores the
        # length of the kernel's queue.
        backlog = kwargs.get("backlog", 100)
        server = await super().create_server(*args, **kwargs | {"sock": listener, "backlog": 1})
        listener.listen(backlog)
        return server
