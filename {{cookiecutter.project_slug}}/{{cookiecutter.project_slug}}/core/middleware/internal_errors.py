"""Answer an error nothing handled: 500 in JSON like every other error, and log it.

Starlette has a last resort for such errors, but it sits outside every middleware an app
adds: its 500 would leave without CORS's headers (a browser app could then read neither the
answer nor its request id) and without the request id. This one sits inside CORS (app.py),
so the 500 leaves like any other answer: with CORS's headers and X-Request-ID, and counted
and logged as a 500 by request_tracking.py.
"""

import json
import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

BODY = json.dumps({"detail": "Internal server error"}).encode()
HEADERS = [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())]

logger = logging.getLogger(__name__)


class InternalErrors:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        answering = False

        async def send_watched(message: Message) -> None:
            nonlocal answering
            answering = answering or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, send_watched)
        except Exception:
            if answering:
                raise  # too late for a 500: uvicorn logs the error and drops the connection
            # With its traceback; the line names the request (core/logs.py): the id the 500 carries.
            logger.exception("Unhandled error, answered 500")
            await send({"type": "http.response.start", "status": 500, "headers": HEADERS})
            await send({"type": "http.response.body", "body": BODY})
