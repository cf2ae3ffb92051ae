"""The token check waits for the server in a thread: a stalled server stalls no other request."""

import asyncio
import threading
from collections.abc import Callable
from contextlib import ExitStack
from datetime import timedelta
from typing import Any

import httpx2
from fastapi import FastAPI
from sqlalchemy import Engine, event

from {{ cookiecutter.project_slug }}.app import create_app
from {{ cookiecutter.project_slug }}.auth.tokens import create_access_token
from tests.conftest import TEST_SECRET_KEY, bearer, make_settings
from tests.isolated_database import stalled_database

# How long the token check may wait for the stalled server: far longer than the other
# request takes to be answered, so that the check is still waiting when it is.
STALL_SECONDS = 5
# Bounds the whole exchange, should anything hang.
HANG_LIMIT_SECONDS = 60


async def live_while_a_token_check_waits(
    app: FastAPI, connecting: threading.Event, end_the_stall: Callable[[], None]
) -> tuple[int, bool, int]:
    """Send a token check, then /health/live while it waits; their statuses, and whether it did."""
    token = create_access_token(
        user_id=1,
        token_version=1,
        session_id=1,
        secret_key=TEST_SECRET_KEY,
        expires_in=timedelta(minutes=5),
    )
    transport = httpx2.ASGITransport(app=app)
    async with (
        httpx2.AsyncClient(transport=transport, base_url="http://test") as client,
        asyncio.timeout(HANG_LIMIT_SECONDS),
    ):
        token_check = asyncio.create_task(client.get("/api/v1/users/me", headers=bearer(token)))
        # Until the check is connecting to the server; or done, if it held the event loop.
        while not (connecting.is_set() or token_check.done()):
            await asyncio.sleep(0.01)
        live = await client.get("/health/live")
        was_waiting = not token_check.done()
        end_the_stall()  # the server goes away: the check fails at once
        checked = await token_check
    return live.status_code, was_waiting, checked.status_code


def test_other_requests_are_answered_while_a_token_check_waits_on_a_stalled_server(
    database_url: str,
) -> None:
    with ExitStack() as stall:
        url = stall.enter_context(stalled_database(database_url))
        app = create_app(make_settings(url, database_timeout_seconds=STALL_SECONDS))
        read_engine: Engine = app.state.read_engine
        connecting = threading.Event()

        def note_connecting(*_: Any) -> None:
            connecting.set()

        event.listen(read_engine, "do_connect", note_connecting)
        try:
            live, was_waiting, checked = asyncio.run(
                live_while_a_token_check_waits(app, connecting, stall.close)
            )
        finally:  # no lifespan ran (ASGITransport starts none) to close the connections
            app.state.engine.dispose()
            read_engine.dispose()

    assert live == 200
    assert was_waiting, "the token check held the event loop until the server gave up"
    assert checked == 503  # a server gone: try again
