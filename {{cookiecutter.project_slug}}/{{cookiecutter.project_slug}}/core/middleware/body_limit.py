"""Refuse request bodies over a size limit with 413, before reading them whole.

Without a limit, a worker reads whatever a client sends into memory before it even looks
at it (a large JSON body to the sign-up grew a worker by several times its size before its
422).

FastAPI has a `max_body_size` of its own, but it answers a body whose Content-Length is too
large in plain text, where every other error of this API is JSON, and it wraps every
request's receive and send, which costs every request several times what this pure ASGI
middleware does (measured): this one only reads two headers, unless the body is chunked.
"""

import json

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyTooLargeError(HTTPException):
    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, detail=f"The request body is larger than {max_bytes} bytes")


class BodySizeLimit:
    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        declared = headers.get(b"content-length", b"").strip()
        if declared and not (declared.isdigit() and int(declared) <= self.max_bytes):
            await self.refuse(send)
            return
        if b"transfer-encoding" not in headers:
            # The server delivers no more than the declared length (none if undeclared).
            await self.app(scope, receive, send)
            return
        # A chunked body announces no length (and a Content-Length beside it may be a lie
        # that some servers ignore): count the bytes as the app reads them.
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                # Raised while FastAPI reads the body for an endpoint; it passes an
                # HTTPException on to the app's handlers, which answer 413 with its detail.
                raise BodyTooLargeError(self.max_bytes)
            return message

        await self.app(scope, counting_receive, send)

    async def refuse(self, send: Send) -> None:
        body = json.dumps({"detail": BodyTooLargeError(self.max_bytes).detail}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
