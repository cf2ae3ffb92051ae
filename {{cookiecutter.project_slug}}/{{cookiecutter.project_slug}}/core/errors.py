"""The error answers every endpoint shares: 422 for a request that is not valid, 503 with
Retry-After for one that will work a moment later; and how the OpenAPI docs describe them."""

import json
import logging
from typing import Any

from fastapi import Request, Response, status
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

# Seconds a client is asked to wait before it tries again after a 503.
RETRY_AFTER_SECONDS = 1

logger = logging.getLogger(__name__)


class ErrorDetail(BaseModel):
    """The body of every error answer but 422 (FastAPI's HTTPValidationError lists problems)."""

    detail: str = Field(description="What went wrong, in a sentence")


# An endpoint's answers besides its success and 422, which FastAPI documents itself: the
# `responses` of an APIRouter (for each of its routes) or of one route's decorator. Each names
# ErrorDetail, so that /docs shows the body and a generated client parses it (not None).
Responses = dict[int | str, dict[str, Any]]
RETRY_AFTER: dict[str, Any] = {
    "Retry-After": {"description": "Seconds to wait before a retry", "schema": {"type": "integer"}}
}
# Any endpoint that reads or writes the database, or hashes a password: every one under /api/v1.
TRY_AGAIN: Responses = {
    503: {
        "model": ErrorDetail,
        "description": "Busy or unreachable database, or busy password hashing: try again later",
        "headers": RETRY_AFTER,
    }
}
# Any endpoint that takes a body: the body limit answers it (middleware/body_limit.py). A body
# sent to an endpoint that takes none gets it too, but no client sends one.
BODY_TOO_LARGE: Responses = {
    413: {"model": ErrorDetail, "description": "The body is over MAX_REQUEST_BODY_BYTES"}
}


def invalid_request(location: tuple[str | int, ...], message: str) -> RequestValidationError:
    """A 422 that no field's own validation finds (two fields together), raised by an endpoint.

    In FastAPI's shape, a list of problems, like every other 422: a client generated from the
    schema parses it as the HTTPValidationError declared there, where `{"detail": str}` fails.
    """
    return RequestValidationError([{"type": "value_error", "loc": location, "msg": message}])


async def answer_invalid_request(_: Request, error: RequestValidationError) -> Response:
    """422 with FastAPI's list of problems, minus the input of each.

    The input may be a password, which no response repeats, or text with a lone surrogate
    (JSON's "\\ud800") that UTF-8 cannot encode; ASCII-only JSON, with \\u escapes, can
    carry what remains (a field name is part of a problem's location).
    """
    problems = [
        {key: value for key, value in problem.items() if key != "input"}
        for problem in error.errors()
    ]
    body = json.dumps({"detail": jsonable_encoder(problems)})
    return Response(body, status.HTTP_422_UNPROCESSABLE_CONTENT, media_type="application/json")


async def answer_try_again(_: Request, error: Exception) -> Response:
    """503 with Retry-After, for a request that will work a moment later.

    The database errors here say so: a deadlock between two transactions (MySQL asks to
    restart one), a lock that stayed taken, a server that refused the connection, did not
    answer in time or dropped it (OperationalError; InterfaceError when the driver finds its
    connection closed); or every connection of the pool busy (PoolTimeoutError).
    """
    if isinstance(error, DBAPIError):
        # The driver's message only: the statement's parameters may hold a password hash.
        logger.warning("Answered 503: %s", error.orig)
    elif isinstance(error, PoolTimeoutError):
        logger.warning("Answered 503: %s", error)
    body = json.dumps({"detail": "The service cannot answer this now; try again shortly"})
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    return Response(body, status.HTTP_503_SERVICE_UNAVAILABLE, headers, "application/json")
