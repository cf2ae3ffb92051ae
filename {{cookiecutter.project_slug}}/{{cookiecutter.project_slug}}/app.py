"""Build the FastAPI application from settings."""

import asyncio
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from importlib.metadata import version

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.routing import APIRoute
from sqlalchemy import Engine
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.routing import Mount, Route

from {{ cookiecutter.project_slug }}.account_mail.router import router as account_mail_router
from {{ cookiecutter.project_slug }}.auth.passwords import PasswordHasher, PasswordHasherBusyError
from {{ cookiecutter.project_slug }}.auth.router import router as auth_router
from {{ cookiecutter.project_slug }}.core.config import PROJECT_NAME, Settings, load_settings
from {{ cookiecutter.project_slug }}.core.database.connection_check import check_connection_options
from {{ cookiecutter.project_slug }}.core.database.engine import create_db_engine
from {{ cookiecutter.project_slug }}.core.database.sessions import create_session_factory
from {{ cookiecutter.project_slug }}.core.docs import add_api_docs
from {{ cookiecutter.project_slug }}.core.errors import answer_invalid_request, answer_try_again
from {{ cookiecutter.project_slug }}.core.mail.sender import MailSender
from {{ cookiecutter.project_slug }}.core.metrics import prepare_multiprocess_directory, watch_pool
from {{ cookiecutter.project_slug }}.core.middleware.body_limit import BodySizeLimit
from {{ cookiecutter.project_slug }}.core.middleware.internal_errors import InternalErrors
from {{ cookiecutter.project_slug }}.core.middleware.request_tracking import RequestTracking
from {{ cookiecutter.project_slug }}.health.metrics_router import router as metrics_router
from {{ cookiecutter.project_slug }}.health.router import router as health_router
from {{ cookiecutter.project_slug }}.sessions.router import router as sessions_router
from {{ cookiecutter.project_slug }}.users.admin_router import router as users_admin_router
from {{ cookiecutter.project_slug }}.users.router import router as users_router

# Threads for asyncio.to_thread, as many as anyio gives FastAPI's `def` endpoints.
THREADS = 40


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
        await mail_sender.start()
        yield
        await mail_sender.stop()
        engine.dispose()  # close pooled connections on shutdown
        read_engine.dispose()

    app = FastAPI(
        title=PROJECT_NAME,
        description="{{ cookiecutter.description }}",
        version=version("{{ cookiecutter.project_slug }}"),
        lifespan=lifespan,
        generate_unique_id_function=operation_id,
        # FastAPI's own /docs and /redoc load their files from a CDN; core/docs.py serves its own.
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
    # Shared by every request; core/dependencies.py and auth/dependencies.py read them here.
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = create_session_factory(engine)
    app.state.read_engine = read_engine
    app.state.read_session_factory = create_session_factory(read_engine)
    app.state.password_hasher = PasswordHasher.from_settings(settings)
    # Sends the outbox in the background, woken by the commits that queued a mail.
    mail_sender = MailSender(settings, app.state.session_factory)
    mail_sender.watch(app.state.session_factory)
    app.state.mail_sender = mail_sender
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
        app.include_router(metrics_router)
    app.include_router(health_router)
    # Each domain's endpoints, under /api/v1: a new package includes its router here.
    app.include_router(auth_router, prefix="/api/v1")
    app.include_router(sessions_router, prefix="/api/v1")
    app.include_router(account_mail_router, prefix="/api/v1")
    app.include_router(users_router, prefix="/api/v1")
    app.include_router(users_admin_router, prefix="/api/v1")
    # Added last, so it wraps everything else (CORS too); the routes must be known by now.
    app.add_middleware(
        RequestTracking,
        route_paths=route_paths(app),
        endpoint_paths=endpoint_paths(app),
        request_ids=settings.request_ids,
        count=settings.metrics,
    )
    return app
