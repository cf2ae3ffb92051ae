"""Settings: what the service refuses to start with, and how it reads its variables."""

import runpy
import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from {{ cookiecutter.project_slug }}.app import create_app
from {{ cookiecutter.project_slug }}.core.config import Settings, load_settings
from tests.conftest import PROJECT_ROOT, TEST_SECRET_KEY, make_settings

HOW_TO_MAKE_A_KEY = "secrets.token_urlsafe"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No setting from the developer's shell, and no .env file (the project's is elsewhere)."""
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.chdir(tmp_path)


def load_settings_error(monkeypatch: pytest.MonkeyPatch, **environment: str) -> str:
    """Set the variables, call load_settings(), and return the message it stops with."""
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit) as stopped:
        load_settings()
    assert isinstance(stopped.value.code, str)
    return stopped.value.code


@pytest.mark.parametrize(
    "secret_key",
    [
        pytest.param("", id="empty"),
        pytest.param("change-me", id="placeholder"),
        pytest.param(" CHANGE-ME ", id="placeholder-in-capitals"),
        pytest.param("secret", id="secret"),
        pytest.param("x" * 31, id="31-characters"),
        # Long enough, but no generator made them: one character, or a piece repeated.
        pytest.param("a" * 32, id="one-letter"),
        pytest.param(" " * 32, id="spaces"),
        pytest.param("0123456789" * 4, id="digits-repeated"),
        pytest.param("password1234" * 3, id="word-repeated"),
    ],
)
def test_settings_refuse_a_weak_secret_key(secret_key: str) -> None:
    with pytest.raises(ValidationError, match=HOW_TO_MAKE_A_KEY):
        Settings.model_validate({"secret_key": secret_key})


@pytest.mark.parametrize(
    "secret_key",
    [
        pytest.param(TEST_SECRET_KEY, id="the-tests-key"),
        # 128 random bits in hex, as `openssl rand -hex 16` makes them: 32 characters.
        pytest.param("3f9c0e7a51d2b84c6e0f1a9d27b3c58e", id="hex-of-32-characters"),
    ],
)
def test_settings_accept_a_random_secret_key(secret_key: str) -> None:
    settings = Settings.model_validate({"secret_key": secret_key})

    assert settings.secret_key.get_secret_value() == secret_key


def test_settings_accept_every_key_the_projects_env_writer_makes(tmp_path: Path) -> None:
    # scripts/make_env.py writes .env when the project is made, and on a fresh clone.
    make_env = runpy.run_path(str(PROJECT_ROOT / "scripts" / "make_env.py"))["make_env"]
    shutil.copy(PROJECT_ROOT / ".env.example", tmp_path / ".env.example")
    # A key is 48 random bytes, far from what the weak-key rules refuse (a repeat, few
    # different characters): a writer that made weak keys even one time in 20 would be
    # caught by a hundred draws, 99 times in 100.
    for _ in range(100):
        env_file = make_env(tmp_path)
        lines = env_file.read_text(encoding="utf-8").splitlines()
        key = next(line for line in lines if line.startswith("SECRET_KEY=")).partition("=")[2]
        env_file.unlink()

        Settings.model_validate({"secret_key": key})


def test_the_defaults_are_the_documented_ones() -> None:
    # The README's settings table, as a newcomer reads it; nothing set but the key.
    settings = Settings.model_validate({"secret_key": TEST_SECRET_KEY})

    # Access tokens last 15 minutes; staying signed in is refreshing, for 30 days from the
    # last refresh and 90 from the login at most; no cookie unless asked.
    assert settings.access_token_expire_minutes == 15
    assert (settings.refresh_token_expire_days, settings.session_max_days) == (30, 90)
    assert settings.refresh_token_cookie is False
    assert (settings.login_max_failures, settings.login_failure_window_seconds) == (5, 900)
    assert settings.password_hash_concurrency == 4
    assert settings.password_hash_wait_seconds == 2
    assert settings.max_request_body_bytes == 64 * 1024
    assert settings.cors_origins == []
    # 2 workers x 2 pools x 10 fit well inside MySQL's default of 151 connections.
    assert (settings.database_pool_size, settings.database_pool_timeout_seconds) == (10, 2)
    assert settings.database_timeout_seconds == 5


def test_the_secret_key_is_hidden_when_settings_are_printed() -> None:
    settings = Settings.model_validate({"secret_key": TEST_SECRET_KEY})

    assert TEST_SECRET_KEY not in repr(settings)
    assert TEST_SECRET_KEY not in str(settings)


@pytest.mark.parametrize(
    ("variable", "expected"),
    [
        pytest.param("", [], id="empty"),
        pytest.param("https://a.example", ["https://a.example"], id="one"),
        pytest.param(
            " https://a.example, https://b.example ,",
            ["https://a.example", "https://b.example"],
            id="comma-separated",
        ),
        pytest.param(
            '["https://a.example", "https://b.example"]',
            ["https://a.example", "https://b.example"],
            id="json-list",
        ),
    ],
)
def test_cors_origins_are_read_from_a_list_or_commas(
    monkeypatch: pytest.MonkeyPatch, variable: str, expected: list[str]
) -> None:
    monkeypatch.setenv("SECRET_KEY", TEST_SECRET_KEY)
    monkeypatch.setenv("CORS_ORIGINS", variable)

    assert load_settings().cors_origins == expected


@pytest.mark.parametrize("variable", ["*", '["*"]', "https://a.example,*"])
def test_cors_origins_refuse_the_wildcard(monkeypatch: pytest.MonkeyPatch, variable: str) -> None:
    message = load_settings_error(monkeypatch, SECRET_KEY=TEST_SECRET_KEY, CORS_ORIGINS=variable)

    assert "CORS_ORIGINS" in message


def test_load_settings_stops_with_one_line_naming_a_missing_secret_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    message = load_settings_error(monkeypatch)

    assert "SECRET_KEY" in message
    assert "\n" not in message


def test_load_settings_stops_with_one_line_saying_how_to_make_a_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    message = load_settings_error(monkeypatch, SECRET_KEY="change-me")

    assert "SECRET_KEY" in message
    assert HOW_TO_MAKE_A_KEY in message
    assert "\n" not in message


def test_load_settings_reports_every_problem_on_one_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    message = load_settings_error(
        monkeypatch, SECRET_KEY="short", ACCESS_TOKEN_EXPIRE_MINUTES="0", CORS_ORIGINS="[oops"
    )

    for variable in ("SECRET_KEY", "ACCESS_TOKEN_EXPIRE_MINUTES", "CORS_ORIGINS"):
        assert variable in message
    assert "\n" not in message


def test_load_settings_does_not_repeat_a_rejected_secret_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    message = load_settings_error(monkeypatch, SECRET_KEY="my-own-leaked-key")

    assert "my-own-leaked-key" not in message
{%- if cookiecutter.database == "mysql" %}


@pytest.mark.parametrize("scheme", ["mysql+pymysql", "mysql+mysqlconnector", "mariadb+pymysql"])
def test_load_settings_refuses_a_mysql_driver_the_project_does_not_install(
    monkeypatch: pytest.MonkeyPatch, scheme: str
) -> None:
    # Projects baked before the template moved to mysqlclient have mysql+pymysql:// in .env.
    url = f"{scheme}://service:leaked-password@127.0.0.1:3306/service"

    message = load_settings_error(monkeypatch, SECRET_KEY=TEST_SECRET_KEY, DATABASE_URL=url)

    assert "DATABASE_URL" in message
    assert f"{scheme.partition('+')[0]}+mysqldb://" in message  # what to write instead
    assert "leaked-password" not in message
    assert "\n" not in message


@pytest.mark.parametrize("host", ["localhost:3307", "LocalHost:3306"])
def test_load_settings_refuses_localhost_with_a_port(
    monkeypatch: pytest.MonkeyPatch, host: str
) -> None:
    # mysqlclient takes the Unix socket for localhost, and the port is then ignored.
    url = f"mysql+mysqldb://service:password@{host}/service"

    message = load_settings_error(monkeypatch, SECRET_KEY=TEST_SECRET_KEY, DATABASE_URL=url)

    assert f"127.0.0.1:{host.partition(':')[2]}" in message
    assert "\n" not in message


@pytest.mark.parametrize("option", ["ssl_verify_identity=true", "charset=utf8mb4&ssl_disabled=1"])
def test_load_settings_refuses_an_option_only_pymysql_knows(
    monkeypatch: pytest.MonkeyPatch, option: str
) -> None:
    # mysqlclient's connect() would raise TypeError at every connection: 500 on every request.
    url = f"mysql+mysqldb://service:password@127.0.0.1:3306/service?{option}"

    message = load_settings_error(monkeypatch, SECRET_KEY=TEST_SECRET_KEY, DATABASE_URL=url)

    assert "PyMySQL" in message
    assert "ssl_mode" in message  # what to use instead
    assert "\n" not in message


@pytest.mark.parametrize("scheme", ["mysql+mysqldb", "mysql", "mariadb+mysqldb"])
def test_settings_accept_a_mysql_url_of_the_mysqlclient_driver(scheme: str) -> None:
    # Without a driver, SQLAlchemy takes mysqlclient's.
    url = f"{scheme}://service:password@127.0.0.1:3306/service"

    settings = Settings.model_validate({"secret_key": TEST_SECRET_KEY, "database_url": url})

    assert settings.database_url == url
{%- endif %}


def test_load_settings_reads_the_env_file_in_the_working_directory(tmp_path: Path) -> None:
    env_file = f"SECRET_KEY={TEST_SECRET_KEY}\nDATABASE_URL=sqlite:///./from-env-file.db\n"
    (tmp_path / ".env").write_text(env_file, encoding="utf-8")

    settings = load_settings()

    assert settings.secret_key.get_secret_value() == TEST_SECRET_KEY
    assert settings.database_url == "sqlite:///./from-env-file.db"


def test_environment_variables_win_over_the_env_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    env_file = f"SECRET_KEY={TEST_SECRET_KEY}\nACCESS_TOKEN_EXPIRE_MINUTES=10\n"
    (tmp_path / ".env").write_text(env_file, encoding="utf-8")
    monkeypatch.setenv("ACCESS_TOKEN_EXPIRE_MINUTES", "20")

    assert load_settings().access_token_expire_minutes == 20


# What CORS_ORIGINS does to the app


def preflight(client: TestClient, origin: str) -> dict[str, str]:
    headers = {"Origin": origin, "Access-Control-Request-Method": "GET"}
    return dict(client.options("/api/v1/users/me", headers=headers).headers)


def test_a_listed_origin_may_call_the_api_from_a_browser(database_url: str) -> None:
    app = create_app(make_settings(database_url, cors_origins=["https://app.example"]))

    with TestClient(app) as client:
        allowed = preflight(client, "https://app.example")
        other = preflight(client, "https://evil.example")

    assert allowed.get("access-control-allow-origin") == "https://app.example"
    assert "access-control-allow-origin" not in other


def test_without_cors_origins_no_browser_origin_is_allowed(database_url: str) -> None:
    app = create_app(make_settings(database_url))

    with TestClient(app) as client:
        headers = preflight(client, "https://app.example")

    assert "access-control-allow-origin" not in headers
