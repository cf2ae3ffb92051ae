"""The event loop the Dockerfile's uvicorn runs: each connection sends its responses at once."""

import asyncio
import socket

from {{ cookiecutter.project_slug }}.core.event_loop import EventLoop


async def nodelay_of_a_connection_accepted_on(listener: socket.socket) -> int:
    """Serve on the listening socket, connect once, and read TCP_NODELAY on the server's side."""
    loop = asyncio.get_running_loop()
    nodelay: asyncio.Future[int] = loop.create_future()

    class Probe(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            connection = transport.get_extra_info("socket")
            nodelay.set_result(connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            transport.close()

    async with await loop.create_server(Probe, sock=listener):
        _, writer = await asyncio.open_connection(*listener.getsockname())
        result = await nodelay
        writer.close()
    return result


def test_connections_on_a_socket_uvicorn_opened_for_its_workers_send_at_once() -> None:
    # uvicorn --workers opens it this way: with no protocol named (uvicorn issue 3149).
    with socket.socket(socket.AF_INET) as listener:
        listener.bind(("127.0.0.1", 0))
        with asyncio.Runner(loop_factory=EventLoop) as runner:
            assert runner.run(nodelay_of_a_connection_accepted_on(listener)) != 0
