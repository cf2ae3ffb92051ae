"""Build the FastAPI application from settings."""

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from importlib.metadata import version

from fastapi import FastAPI, Request, Response, status
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.routing import APIRoute
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.routing import Mount, Route

from {{ cookiecutter.project_slug }}.body_limit import BodySizeLimit
from {{ cookiecutter.project_slug }}.config import PROJECT_NAME, Settings, load_settings
from {{ cookiecutter.project_slug }}.connection_check import check_connection_options
from {{ cookiecutter.project_slug }}.database import create_session_factory
from {{ cookiecutter.project_slug }}.docs import add_api_docs
from {{ cookiecutter.project_slug }}.engine import create_db_engine
from {{ cookiecutter.project_slug }}.internal_errors import InternalErrors
from {{ cookiecutter.project_slug }}.metrics import prepare_multiprocess_directory, watch_pool
from {{ cookiecutter.project_slug }}.request_tracking import RequestTracking
from {{ cookiecutter.project_slug }}.routers import auth, health, metrics, users
from {{ cookiecutter.project_slug }}.security import PasswordHasher, PasswordHasherBusyError

# Threads for asyncio.to_thread, as many as anyio gives FastAPI's `def` endpoints.
THREADS = 40
# Seconds a client is asked to wait before it tries again after a 503.
RETRY_AFTER_SECONDS = 1

logger = logging.getLogger(__name__)


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


def route_paths(app: FastAPI) -> dict[str, str]:
    """Each operation's full path template, by operation id, as /openapi.json shows it."""
    schema = app.openapi()
    return {
        operation["operationId"]: path
        for path, operations in schema["paths"].items()
        for operation in operations.values()
    }


def endpoint_paths(app: FastAPI) -> dict[object, str]:
    """The path template of each route that names only its endpoint as it answers.

    FastAPI's /openapi.json is a plain Starlette route, and the docs' files a mount
    (/docs-assets/{path}); API routes name themselves, route_paths has them.
    """
    return {
        route.endpoint if isinstance(route, Route) else route.app: route.path_format
        for route in app.routes
        if isinstance(route, Route | Mount) and not isinstance(route, APIRoute)
    }


def operation_id(route: APIRoute) -> str:
    """Each operation's id in the OpenAPI schema: its function's name (read_user, ...).

    Clients generated from the schema name their methods after these ids; FastAPI's own,
    made from the path (read_user_api_v1_users__user_id__get), would make those names long.
    Function names are unique across the routers: a test checks.
    """
    return route.name


def create_engine_from(settings: Settings, *, read_only: bool) -> Engine:
    return create_db_engine(
        settings.database_url,
        read_only=read_only,
        pool_size=settings.database_pool_size,
        pool_timeout=settings.database_pool_timeout_seconds,
        timeout=settings.database_timeout_seconds,
    )


def create_app(settings: Settings | None = None) -> FastAPI:
    """Create the app; without settings, read them from the environment and .env."""
    settings = settings or load_settings()
    engine = create_engine_from(settings, read_only=False)
    check_connection_options(engine)  # a bad option stops the start, not every request
    read_engine = create_engine_from(settings, read_only=True)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # The threads of asyncio.to_thread (where the token check reads a database server):
        # as many as FastAPI's own thread pool has, not Python's default of a few per core,
        # so that a slow database ends in the pool's 503 after DATABASE_POOL_TIMEOUT_SECONDS,
        # not in a queue for a thread.
        threads = ThreadPoolExecutor(max_workers=THREADS, thread_name_prefix="to_thread")
        asyncio.get_running_loop().set_default_executor(threads)
        yield
        engine.dispose()  # close pooled connections on shutdown
        read_engine.dispose()

    app = FastAPI(
        title=PROJECT_NAME,
        description="{{ cookiecutter.description }}",
        version=version("{{ cookiecutter.project_slug }}"),
        lifespan=lifespan,
        generate_unique_id_function=operation_id,
        # FastAPI's own /docs and /redoc load their files from a CDN; docs.py serves its own.
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json" if settings.api_docs else None,
        exception_handlers={
            RequestValidationError: answer_invalid_request,
            PasswordHasherBusyError: answer_try_again,  # every hashing slot stayed taken
            OperationalError: answer_try_again,
            InterfaceError: answer_try_again,
            PoolTimeoutError: answer_try_again,
        },
    )
    # Shared by every request; the dependencies in dependencies.py read them from here.
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = create_session_factory(engine)
    app.state.read_engine = read_engine
    app.state.read_session_factory = create_session_factory(read_engine)
    app.state.password_hasher = PasswordHasher.from_settings(settings)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_request_body_bytes)
    # The 500 of an error nothing handled: inside CORS, which adds its headers to it too.
    app.add_middleware(InternalErrors)
    # CORS wraps the rest (all but RequestTracking, below): its headers reach the browser
    # on every answer, which may show it the request id.
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_credentials=True,
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=["X-Request-ID"],
        )
    if settings.api_docs:
        add_api_docs(app)
    if settings.metrics:
        prepare_multiprocess_directory()
        watch_pool(engine, "write")
        watch_pool(read_engine, "read")
        app.include_router(metrics.router)
    app.include_router(health.router)
    app.include_router(auth.router, prefix="/api/v1")
    app.include_router(users.router, prefix="/api/v1")
    # Added last, so it wraps everything else (CORS too); the routes must be known by now.
    app.add_middleware(
        RequestTracking,
        route_paths=route_paths(app),
        endpoint_paths=endpoint_paths(app),
        request_ids=settings.request_ids,
        count=settings.metrics,
    )
    return app
