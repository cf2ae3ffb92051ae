"""Logs: one line per request, JSON with LOG_FORMAT=json, every line naming its request.

No password, token or Authorization header is ever written, at any level.
"""

import io
import json
import logging
import re
import secrets
import warnings
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import ValidationError

from {{ cookiecutter.project_slug }}.core.logs import configure_logging
from tests.conftest import PASSWORD, Headers, app_with, bearer, log_in, make_settings

LOGGERS = ["", "uvicorn", "uvicorn.error", "uvicorn.access"]
# The start of every line of the text format: time, level, logger, [request id].
TEXT_LINE = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} [A-Z]+ \S+ \[\S+\] ")
ORIGIN = "https://app.example.com"
# A browser's CORS preflight, which CORS answers itself, before any route: to any path.
PREFLIGHT = {"Origin": ORIGIN, "Access-Control-Request-Method": "GET"}
# What a client would like the log to show, after a line break it sends in a path.
FORGED = "2026-12-07 02:28:40,001 WARNING {{ cookiecutter.project_slug }}.auth superuser reset"
# The test client's own loggers: they write each URL it asks for, query string and all.
CLIENT_LOGGERS = ["httpx", "httpx2"]


@pytest.fixture
def log_output() -> Iterator[io.StringIO]:
    """Somewhere to log to; the loggers this test changes are put back afterwards.

    The service's messages only: the test client's are not the service's to keep secret.
    """
    saved = [
        (logger, logger.handlers[:], logger.level, logger.propagate, logger.disabled)
        for logger in map(logging.getLogger, LOGGERS + CLIENT_LOGGERS)
    ]
    for name in CLIENT_LOGGERS:
        logging.getLogger(name).disabled = True
    yield io.StringIO()
    for logger, handlers, level, propagate, disabled in saved:
        logger.handlers[:] = handlers
        logger.setLevel(level)
        logger.propagate = propagate
        logger.disabled = disabled


def json_lines(output: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.getvalue().splitlines()]


def request_lines(output: io.StringIO) -> list[dict[str, Any]]:
    return [line for line in json_lines(output) if "route" in line]


def test_each_request_writes_one_json_line_with_its_route_template(
    client: TestClient, superuser_headers: Headers, log_output: io.StringIO
) -> None:
    configure_logging("json", "INFO", log_output)
    headers = superuser_headers | {"X-Request-ID": "r-1"}

    response = client.get("/api/v1/users/12345", headers=headers)

    [line] = request_lines(log_output)
    assert response.status_code == 404
    assert line["method"] == "GET"
    assert line["route"] == "/api/v1/users/{user_id}"  # the template: no user id
    assert line["status"] == 404
    assert line["request_id"] == "r-1"
    assert line["level"] == "INFO"
    assert line["client"] == "testclient"
    assert isinstance(line["duration_ms"], float)
    assert line["duration_ms"] >= 0
    assert datetime.fromisoformat(line["time"]).utcoffset() == timedelta(0)
    assert "12345" not in log_output.getvalue()


def test_a_path_no_route_matches_is_logged_as_unmatched(
    client: TestClient, log_output: io.StringIO
) -> None:
    configure_logging("json", "INFO", log_output)

    client.get("/wp-admin/setup.php")

    [line] = request_lines(log_output)
    assert (line["route"], line["status"]) == ("unmatched", 404)
    assert "wp-admin" not in log_output.getvalue()


@pytest.fixture
def cors_client(database_url: str, client: TestClient) -> Iterator[TestClient]:
    """A client of the app with one CORS origin; `client` empties the tables afterwards."""
    with app_with(database_url, cors_origins=[ORIGIN]) as app, TestClient(app) as test_client:
        yield test_client


def test_a_preflight_to_any_path_is_logged_as_unmatched(
    cors_client: TestClient, log_output: io.StringIO
) -> None:
    configure_logging("json", "INFO", log_output)

    answer = cors_client.options("/wp-admin/setup.php", headers=PREFLIGHT)

    [line] = request_lines(log_output)
    assert answer.status_code == 200  # CORS answered it: no route did
    assert (line["method"], line["route"], line["status"]) == ("OPTIONS", "unmatched", 200)
    assert "wp-admin" not in log_output.getvalue()


def test_a_warning_is_a_log_line_of_its_own(log_output: io.StringIO) -> None:
    # Python writes a warning as two raw lines on standard error: no request id, and
    # nothing a JSON log collector could parse.
    configure_logging("json", "INFO", log_output)
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.warn("expected to delete 1 row(s)\n0 were matched", UserWarning, stacklevel=1)

    [line] = log_output.getvalue().splitlines()
    entry = json.loads(line)
    assert entry["level"] == "WARNING"
    assert "UserWarning: expected to delete 1 row(s)\n0 were matched" in entry["message"]


def test_a_line_break_in_a_path_writes_no_line_of_its_own(
    cors_client: TestClient, log_output: io.StringIO
) -> None:
    configure_logging("text", "INFO", log_output)
    forging = "/x%0a" + FORGED.replace(" ", "%20")

    cors_client.options(forging, headers=PREFLIGHT)
    cors_client.get(forging)
    cors_client.get(f"/api/v1/users/1%0d%0a{FORGED.replace(' ', '%20')}/", follow_redirects=False)

    lines = log_output.getvalue().splitlines()
    assert len(lines) == 3
    assert all(TEXT_LINE.match(line) and " unmatched " in line for line in lines), lines
    assert "superuser" not in log_output.getvalue()


def test_random_paths_write_one_text_line_each(
    cors_client: TestClient, log_output: io.StringIO
) -> None:
    configure_logging("text", "INFO", log_output)
    paths = [f"/{secrets.token_hex(8)}%0a%0d%1b%e2%80%a8{number}" for number in range(100)]

    for path in paths:
        cors_client.options(path, headers=PREFLIGHT)
        cors_client.get(path)

    lines = log_output.getvalue().splitlines()
    assert len(lines) == 200
    assert all(TEXT_LINE.match(line) for line in lines)
    assert not any(path[1:17] in log_output.getvalue() for path in paths)


def test_a_message_with_control_characters_stays_one_escaped_line(
    log_output: io.StringIO,
) -> None:
    configure_logging("text", "INFO", log_output)

    logging.getLogger("{{ cookiecutter.project_slug }}.test").warning("a\r\nb\x1b[31mc\u2028d")

    [line] = log_output.getvalue().splitlines()
    assert line.endswith(" a\\r\\nb\\x1b[31mc\\u2028d")
    assert not any(character in line for character in "\r\x1b\u2028")


@pytest.fixture
def failing_app(database_url: str) -> Iterator[FastAPI]:
    """The app with one more route, which fails as a bug would."""
    with app_with(database_url) as app:

        @app.get("/fail")
        def fail() -> None:
            raise RuntimeError("a bug\nwhose message has two lines")

        yield app


def test_an_unhandled_error_is_logged_with_its_traceback_and_request_id(
    failing_app: FastAPI, log_output: io.StringIO
) -> None:
    configure_logging("json", "INFO", log_output)
    with TestClient(failing_app) as client:
        response = client.get("/fail", headers={"X-Request-ID": "trace-me"})

    [error] = [line for line in json_lines(log_output) if line["level"] == "ERROR"]
    [request] = request_lines(log_output)
    assert response.status_code == 500
    assert error["request_id"] == "trace-me"
    assert error["exception"].startswith("Traceback (most recent call last):\n")
    assert error["exception"].endswith("RuntimeError: a bug\nwhose message has two lines")
    assert (request["route"], request["status"]) == ("/fail", 500)
    assert request["request_id"] == "trace-me"


def test_a_traceback_stays_on_its_messages_line_in_the_text_format(
    failing_app: FastAPI, log_output: io.StringIO
) -> None:
    configure_logging("text", "INFO", log_output)
    with TestClient(failing_app) as client:
        client.get("/fail", headers={"X-Request-ID": "trace-me"})

    error, request = log_output.getvalue().splitlines()
    assert TEXT_LINE.match(error)
    assert " ERROR " in error
    assert "[trace-me]" in error
    assert "\\nTraceback (most recent call last):\\n" in error
    assert error.endswith("RuntimeError: a bug\\nwhose message has two lines")
    assert "[trace-me] GET /fail 500" in request


@pytest.fixture
def chatty_app(database_url: str) -> Iterator[FastAPI]:
    """The app with one more route, which logs from the thread pool as sync routes run."""
    with app_with(database_url) as app:

        @app.get("/chatty")
        def chatty() -> None:
            logging.getLogger("{{ cookiecutter.project_slug }}.chatty").warning("working on it")

        yield app


def test_a_message_logged_while_serving_names_the_request(
    chatty_app: FastAPI, log_output: io.StringIO
) -> None:
    configure_logging("json", "INFO", log_output)
    with TestClient(chatty_app) as client:
        request_id = client.get("/chatty").headers["X-Request-ID"]

    [message] = [line for line in json_lines(log_output) if line["message"] == "working on it"]
    assert message["request_id"] == request_id
    assert message["level"] == "WARNING"
    assert message["logger"] == "{{ cookiecutter.project_slug }}.chatty"


def test_text_format_writes_one_readable_line_per_request(
    client: TestClient, log_output: io.StringIO
) -> None:
    configure_logging("text", "INFO", log_output)

    client.get("/health/live", headers={"X-Request-ID": "r-2"})

    [line] = log_output.getvalue().splitlines()
    assert "INFO" in line
    assert "[r-2]" in line
    assert "GET /health/live 200" in line


def test_warning_level_writes_no_request_lines(client: TestClient, log_output: io.StringIO) -> None:
    configure_logging("json", "WARNING", log_output)

    client.get("/health/live")

    assert log_output.getvalue() == ""


def test_uvicorns_access_log_gives_way_to_the_services(log_output: io.StringIO) -> None:
    configure_logging("json", "INFO", log_output)
    logging.getLogger("uvicorn.access").info('127.0.0.1 - "GET / HTTP/1.1" 200')
    logging.getLogger("uvicorn.error").info("Started server process")

    [line] = json_lines(log_output)
    assert line["logger"] == "uvicorn.error"


def test_no_password_token_or_authorization_header_is_ever_logged(
    client: TestClient, log_output: io.StringIO
) -> None:
    configure_logging("json", "DEBUG", log_output)
    new_password = "another horse battery"

    client.post("/api/v1/users", json={"username": "carol", "password": PASSWORD})
    token = log_in(client, "carol").json()["access_token"]
    log_in(client, "carol", "wrong password!")  # 401
    client.post("/api/v1/users", json={"username": "dave", "password": "short"})  # 422
    client.get("/api/v1/users/me", headers=bearer(token))
    client.get(f"/api/v1/users/me?access_token={token}")
    client.put(
        "/api/v1/users/me/password",
        headers=bearer(token),
        json={"current_password": PASSWORD, "new_password": new_password},
    )
    client.get("/api/v1/users/me", headers=bearer(token + "x"))  # 401

    written = log_output.getvalue()
    assert len(request_lines(log_output)) == 8
    for secret in [PASSWORD, new_password, "wrong password!", "short", token, "Bearer"]:
        assert secret not in written
    assert "authorization" not in written.lower()


@pytest.mark.parametrize(("setting", "value"), [("log_format", "xml"), ("log_level", "LOUD")])
def test_an_unknown_log_setting_is_refused(database_url: str, setting: str, value: str) -> None:
    with pytest.raises(ValidationError, match=setting):
        make_settings(database_url, **{setting: value})


def test_the_log_level_may_be_written_in_lower_case(database_url: str) -> None:
    assert make_settings(database_url, log_level="debug").log_level == "DEBUG"
