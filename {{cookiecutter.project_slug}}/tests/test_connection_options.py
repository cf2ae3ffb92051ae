"""DATABASE_URL's connection options: one the driver refuses stops the start with one line.

Without the check, the settings would pass it and every request would answer 500: each
connection is made from the URL, and the driver refuses each one the same way.
"""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import make_url

from {{ cookiecutter.project_slug }}.app import create_app
from tests.conftest import make_settings
from tests.test_serve_command import serve

# Options of another driver's, or of none: the driver refuses each before it connects.
{%- if cookiecutter.database == "mysql" %}
REFUSED_OPTIONS = ["sslmode=require", "foo=bar"]  # libpq's TLS option; no one's
{%- else %}
REFUSED_OPTIONS = ["foo=bar", "ssl_mode=REQUIRED"]  # no one's; MySQL's TLS option
{%- endif %}


def with_option(database_url: str, option: str) -> str:
    """The URL with this option added to its query string, and a password to keep secret."""
    url = make_url(database_url).set(password="leaked-password")
    name, _, value = option.partition("=")
    return url.update_query_dict({name: value}).render_as_string(hide_password=False)


@pytest.mark.parametrize("option", REFUSED_OPTIONS)
def test_the_app_refuses_an_option_the_driver_does_not_take(database_url: str, option: str) -> None:
    with pytest.raises(ValueError, match="DATABASE_URL") as refused:
        create_app(make_settings(with_option(database_url, option)))

    message = str(refused.value)
    assert option.partition("=")[0] in message  # names the option
    assert "leaked-password" not in message
    assert "\n" not in message


@pytest.mark.parametrize("option", REFUSED_OPTIONS)
def test_serve_stops_with_one_line_naming_the_option(database_url: str, option: str) -> None:
    result = serve(DATABASE_URL=with_option(database_url, option))

    assert result.returncode != 0
    assert "DATABASE_URL" in result.stderr
    assert option.partition("=")[0] in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr
    assert "Uvicorn running" not in result.stdout + result.stderr


def test_an_option_the_driver_takes_is_used(database_url: str) -> None:
    # The check refuses what the driver refuses, nothing more.
    url = make_url(database_url).update_query_dict({"connect_timeout": "3"})
    app = create_app(make_settings(url.render_as_string(hide_password=False)))

    with TestClient(app) as client:
        assert client.get("/health").status_code == 200
    app.state.engine.dispose()
    app.state.read_engine.dispose()
