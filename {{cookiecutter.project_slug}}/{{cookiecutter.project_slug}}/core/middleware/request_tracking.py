"""Follow each request: give it an id, then log it and count it once it is answered.

A pure ASGI middleware, the cheapest kind (body_limit.py says why): it reads one header,
adds one to the answer, and does the rest after the answer has gone.

Logs and metrics name a request's route by its path template as /openapi.json shows it
(/api/v1/users/{user_id}), never by its path: ids in paths would make every user a new
series in Prometheus. FastAPI 0.165 puts the route it matched in the ASGI scope, but with
the path written in its router, without the prefix of `include_router`; the schema has the
full template, under the route's operation id (its name, app.py); the few routes outside
the schema are known by their endpoints (app.py). A request that matched no route is
"unmatched", whatever answered it: a name taken from its path would let any client add
series without end and write what it likes into the logs.
"""

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from {{ cookiecutter.project_slug }}.core import metrics
from {{ cookiecutter.project_slug }}.core.middleware.request_ids import (
    HEADER,
    current_request_id,
    request_id_from,
)

# Any other method is counted as "other": a client cannot add series by inventing methods.
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "unmatched"  # no route: a 404, a redirect, a CORS preflight, a 413

logger = logging.getLogger(__name__)


class RequestTracking:
    def __init__(
        self,
        app: ASGIApp,
        *,
        route_paths: dict[str, str],
        endpoint_paths: dict[object, str],
        request_ids: bool,
        count: bool,
    ) -> None:
        self.app = app
        self.route_paths = route_paths  # operation id -> path template
        self.endpoint_paths = endpoint_paths  # the others' endpoints -> path template
        self.request_ids = request_ids
        self.count = count

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        method = scope["method"] if scope["method"] in KNOWN_METHODS else "other"
        status = 500  # unless the app answers: an error it did not handle
        id_header = None
        if self.request_ids:
            sent_id = next((value for name, value in scope["headers"] if name == HEADER), None)
            request_id = request_id_from(sent_id)
            # Not reset at the end: the request's task, and its context, end with it; the
            # id stays readable for the 500 handler and for uvicorn's log of the error.
            current_request_id.set(request_id)
            id_header = (HEADER, request_id.encode("ascii"))

        async def send_tracked(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                if id_header is not None:
                    message["headers"] = [*message.get("headers", ()), id_header]
            await send(message)

        in_progress = metrics.in_progress(method) if self.count else None
        if in_progress is not None:
            in_progress.inc()
        try:
            await self.app(scope, receive, send_tracked)
        finally:
            log_it = logger.isEnabledFor(logging.INFO)  # not with LOG_LEVEL=WARNING
            seconds = time.perf_counter() - started
            # Only when something names it: finding the route costs a few lookups.
            counted = in_progress is not None
            route = self.route_of(scope) if log_it or counted else ""
            if in_progress is not None:
                in_progress.dec()
                metrics.count_request(method, route, status, seconds)
            if log_it:
                duration_ms = round(seconds * 1000, 1)
                client = scope["client"][0] if scope.get("client") else None
                fields = {"method": method, "route": route, "status": status}
                fields |= {"duration_ms": duration_ms, "client": client}
                logger.info("%s %s %s %.1f ms", method, route, status, duration_ms, extra=fields)

    def route_of(self, scope: Scope) -> str:
        """The path template of the route that served the request, or "unmatched"."""
        # The router names what it matched in the scope: an API route (or one of other
        # methods, which answers 405), or, for a plain route (FastAPI's /openapi.json) or a
        # mount (the docs' files), only its endpoint. Nothing else names a route: CORS
        # answers a preflight before routing, the router a redirect or a 404 without one.
        route = scope.get("route")
        if route is not None:
            template: str = route.path_format
            return self.route_paths.get(route.name, template)
        return self.endpoint_paths.get(scope.get("endpoint"), UNMATCHED)
