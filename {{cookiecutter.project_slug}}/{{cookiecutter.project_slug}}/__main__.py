"""Command line: `python -m {{ cookiecutter.project_slug }} COMMAND`.

Commands: serve, create-superuser, unlock-login{% if cookiecutter.database != 'sqlite' %}, create-database{% endif %}, openapi (`--help` says more).
"""

import argparse
import json
import os
import secrets
import sys
from collections.abc import Callable

import uvicorn
from pydantic import SecretStr

from {{ cookiecutter.project_slug }}.app import create_app
from {{ cookiecutter.project_slug }}.core.config import Settings, load_settings
{%- if cookiecutter.database != 'sqlite' %}
from {{ cookiecutter.project_slug }}.core.database.create_database import (
    DEFAULT_ADMIN_URL,
    create_database,
)
{%- endif %}
{%- if cookiecutter.database != 'sqlite' %}
from {{ cookiecutter.project_slug }}.core.database.urls import load_database_urls
{%- endif %}
from {{ cookiecutter.project_slug }}.core.logs import configure_logging
from {{ cookiecutter.project_slug }}.core.metrics import empty_multiprocess_directory
from {{ cookiecutter.project_slug }}.users.commands import create_superuser, unlock_login


def serve(args: argparse.Namespace) -> int:
    """Run uvicorn as the Dockerfile does: the production command, and `make run`'s.

    Logging is set up here, before uvicorn starts, so that the lines of uvicorn's own
    supervisor (which starts the workers and restarts one that dies) are formatted as the
    workers' are: JSON with LOG_FORMAT=json. The app is built here once, as each worker
    will build it: a bad setting stops the command with one line, rather than every worker
    failing, and being restarted, again and again.
    """
    settings = load_settings()
    configure_logging(settings.log_format, settings.log_level)
    try:
        app = create_app(settings)
    except Exception as error:  # whatever it is, the service cannot start
        raise SystemExit(f"The service cannot start: {error}") from None
    app.state.engine.dispose()
    app.state.read_engine.dispose()
    empty_multiprocess_directory()
    uvicorn.run(
        "{{ cookiecutter.project_slug }}.main:app",
        host=args.host,
        port=args.port,
        reload=args.reload,
        workers=args.workers or workers_from_environment(),
        loop="{{ cookiecutter.project_slug }}.core.event_loop:EventLoop",  # see core/event_loop.py
        # uvicorn's httptools protocol, with bounds on each request's head (request_head.py)
        http="{{ cookiecutter.project_slug }}.core.middleware.request_head:BoundedHeadProtocol",
        log_config=None,  # keep the logging set up above
        access_log=False,  # core/middleware/request_tracking.py logs each, with its request id
        timeout_graceful_shutdown=args.timeout_graceful_shutdown,
        root_path=args.root_path,
    )
    return 0


def workers_from_environment() -> int:
    """WEB_CONCURRENCY, as uvicorn reads it, or 1."""
    value = os.environ.get("WEB_CONCURRENCY", "1")
    if not value.isdigit() or int(value) < 1:
        raise SystemExit(f"WEB_CONCURRENCY must be a whole number of workers, 1 or more: {value!r}")
    return int(value)


def at_least(minimum: int, maximum: int | None = None) -> Callable[[str], int]:
    """An argparse type: a whole number from `minimum` (to `maximum`)."""

    def whole_number(text: str) -> int:
        number = int(text)  # argparse turns a ValueError into "invalid whole_number value"
        if number < minimum or (maximum is not None and number > maximum):
            bounds = f"from {minimum} to {maximum}" if maximum else f"{minimum} or more"
            raise argparse.ArgumentTypeError(f"{text} is not {bounds}")
        return number

    return whole_number


{%- if cookiecutter.database != 'sqlite' %}


def create_database_command(args: argparse.Namespace) -> int:
    """Create the database and the users of DATABASE_URL and MIGRATION_DATABASE_URL."""
    urls = load_database_urls()
    if urls.migration_database_url is None:
        raise SystemExit(
            "MIGRATION_DATABASE_URL is not set: the URL of the user that migrates the database"
            " (DATABASE_URL's only reads and writes rows); see .env.example"
        )
    create_database(
        database_url=urls.database_url,
        migration_database_url=urls.migration_database_url,
        admin_url=args.admin_url,
    )
    print("The database and its two users are ready; next: alembic upgrade heads")
    return 0
{%- endif %}


def print_openapi(_: argparse.Namespace) -> int:
    """Print the OpenAPI schema that /openapi.json serves, without a server or a database.

    The schema depends on no setting, but making the app takes a secret key: a throwaway
    one, so that this works on a clone without .env (make client, CI).
    """
    app = create_app(Settings(secret_key=SecretStr(secrets.token_urlsafe(48))))
    print(json.dumps(app.openapi(), indent=2))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m {{ cookiecutter.project_slug }}")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    serve_parser = commands.add_parser("serve", help="run the API with uvicorn")
    serve_parser.add_argument("--host", default="127.0.0.1")
    serve_parser.add_argument("--port", type=at_least(1, 65535), default=8000)
    serve_parser.add_argument("--reload", action="store_true", help="restart on code changes")
    serve_parser.add_argument(
        "--workers", type=at_least(1), help="worker processes (default: WEB_CONCURRENCY, else 1)"
    )
    serve_parser.add_argument(
        "--timeout-graceful-shutdown",
        type=at_least(0),
        metavar="SECONDS",
        help="on SIGTERM, the longest to wait for requests in progress (default: no limit)",
    )
    serve_parser.add_argument(
        "--root-path", default="", help="the path prefix a proxy in front serves the API under"
    )
    serve_parser.set_defaults(handler=serve)

    superuser_parser = commands.add_parser(
        "create-superuser",
        help="create a superuser (password from SUPERUSER_PASSWORD or asked twice)",
    )
    superuser_parser.add_argument("username")
    superuser_parser.set_defaults(handler=create_superuser)

    unlock_parser = commands.add_parser(
        "unlock-login", help="forget a username's failed logins, so that it may log in again"
    )
    unlock_parser.add_argument("username")
    unlock_parser.set_defaults(handler=unlock_login)
{%- if cookiecutter.database != 'sqlite' %}

    database_parser = commands.add_parser(
        "create-database",
        help="create the database and the users of DATABASE_URL and MIGRATION_DATABASE_URL",
    )
    database_parser.add_argument(
        "--admin-url", default=DEFAULT_ADMIN_URL, help=f"an admin's URL ({DEFAULT_ADMIN_URL})"
    )
    database_parser.set_defaults(handler=create_database_command)
{%- endif %}

    openapi_parser = commands.add_parser(
        "openapi", help="print the OpenAPI schema as JSON (what /openapi.json serves)"
    )
    openapi_parser.set_defaults(handler=print_openapi)

    args = parser.parse_args(argv)
    handler = args.handler
    return int(handler(args))


if __name__ == "__main__":
    sys.exit(main())
