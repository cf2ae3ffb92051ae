"""Settings, read from environment variables and the .env file."""

import json
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from {{ cookiecutter.project_slug }}.core.mail.settings import MailSettings
from {{ cookiecutter.project_slug }}.core.secret_key import check_secret_key

PROJECT_NAME = "{{ cookiecutter.project_name }}"
{%- if cookiecutter.database == "mysql" %}
# The one MySQL driver this project installs: mysqlclient (database/engine.py says why).
# Projects baked from earlier versions of the template used PyMySQL, and their .env says
# mysql+pymysql://.
MYSQL_DRIVER = "mysqldb"
# Options of PyMySQL's that mysqlclient does not know: in a URL's query string, each would
# fail every connection (a TypeError, not a database error: 500 on every request).
PYMYSQL_ONLY_OPTIONS = (
    "ssl_verify_cert",
    "ssl_verify_identity",
    "ssl_disabled",
    "defer_connect",
    "program_name",
)


def require_mysqlclient(url: str) -> str:
    """Refuse a MySQL URL that mysqlclient would read otherwise than PyMySQL did, or not at
    all, saying what to write instead."""
    scheme, _, rest = url.partition("://")
    dialect, _, driver = scheme.partition("+")
    if dialect not in {"mysql", "mariadb"}:
        return url
    # Without a driver, SQLAlchemy takes mysqlclient.
    if driver not in {"", MYSQL_DRIVER}:
        raise ValueError(
            f"{scheme}:// names the driver {driver}, which this project does not install;"
            f" write {dialect}+{MYSQL_DRIVER}:// instead (the mysqlclient driver)"
        )
    # mysqlclient reaches "localhost" through the Unix socket and ignores the port (PyMySQL
    # took TCP): localhost:PORT would silently reach whichever server owns the socket.
    host = rest.rpartition("@")[2].partition("/")[0].partition("?")[0]
    if host.lower().startswith("localhost:"):
        raise ValueError(
            f"{host} would reach the server on this machine's Unix socket, whatever the"
            f" port (mysqlclient's rule for localhost); write 127.0.0.1:{host.partition(':')[2]}"
        )
    options = {option.partition("=")[0] for option in rest.partition("?")[2].split("&")}
    if pymysql_options := sorted(options.intersection(PYMYSQL_ONLY_OPTIONS)):
        raise ValueError(
            f"the option {pymysql_options[0]} is PyMySQL's, which mysqlclient does not know;"
            " for TLS, mysqlclient's options are ssl_mode and ssl_ca"
        )
    return url
{%- endif %}


class Settings(MailSettings):
    """Every setting has a variable of the same name in upper case (DATABASE_URL, ...).

    The mail settings (MAIL_BACKEND, SMTP_URL, ...) are core/mail/settings.py's.
    """

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")
{#- As ruff formats it: in parentheses when the line is too long but the string alone fits. #}
{%- set url_length = cookiecutter.__database_url | length %}
{%- if url_length + 26 <= 100 or url_length + 10 > 100 %}

    database_url: str = "{{ cookiecutter.__database_url }}"
{%- else %}

    database_url: str = (
        "{{ cookiecutter.__database_url }}"
    )
{%- endif %}
    secret_key: SecretStr
    # An access token is not looked up in the database, so it lasts briefly; a client stays
    # signed in by refreshing (sessions/): each refresh token lasts refresh_token_expire_days
    # from its issue, and a session session_max_days from its login, however often refreshed.
    access_token_expire_minutes: int = Field(default=15, ge=1, le=60 * 24 * 30)
    refresh_token_expire_days: int = Field(default=30, ge=1, le=365)
    session_max_days: int = Field(default=90, ge=1, le=3650)
    # true: login and refresh also set the refresh token as an HttpOnly cookie, which
    # /auth/refresh and /auth/logout read, for a web app (the README says what it asks).
    refresh_token_cookie: bool = False
    # Browsers may call the API from these origins; empty means no cross-origin access.
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Argon2id cost. The defaults are OWASP's minimum; stored hashes carry their own
    # parameters, so raising these re-hashes each password at its owner's next login.
    argon2_time_cost: int = Field(default=2, ge=1)
    argon2_memory_cost_kib: int = Field(default=19_456, ge=8)
    argon2_parallelism: int = Field(default=1, ge=1)
    # Each hash takes argon2_memory_cost_kib of memory while it runs, so a worker hashes at
    # most this many passwords at once (4 x 19 MiB by default); a request that finds every
    # slot taken for password_hash_wait_seconds gets 503 with Retry-After.
    password_hash_concurrency: int = Field(default=4, ge=1)
    password_hash_wait_seconds: float = Field(default=2.0, gt=0)
    # Password guessing (auth/password_guessing.py): after login_max_failures failed password
    # checks for one username (logins, and password changes) within
    # login_failure_window_seconds, its next ones get 429 until the oldest of them is that
    # old, whatever the password. A right password clears the count.
    login_max_failures: int = Field(default=5, ge=1)
    login_failure_window_seconds: int = Field(default=15 * 60, ge=1)
    # And from one client address, across any usernames, within the same window: so that
    # one client cannot lock out many usernames (behind a proxy, see the README); 0 turns
    # this limit off, where the service cannot tell its clients apart.
    login_max_failures_per_client: int = Field(default=50, ge=0)
    # Mailed links (account_mail/): a link to verify an email address lasts
    # email_verification_expire_hours, one to reset a password password_reset_expire_minutes.
    email_verification_expire_hours: int = Field(default=24, ge=1, le=24 * 30)
    password_reset_expire_minutes: int = Field(default=30, ge=1, le=24 * 60)
    # Requests for such mails: at most mail_requests_max_per_address for one address, and
    # mail_requests_max_per_client from one client address (with its links that were
    # wrong), within mail_requests_window_seconds; 0 turns the per-client limit off, as for
    # logins behind a proxy.
    mail_requests_max_per_address: int = Field(default=3, ge=1)
    mail_requests_max_per_client: int = Field(default=20, ge=0)
    mail_requests_window_seconds: int = Field(default=60 * 60, ge=1)
    # Larger request bodies get 413 before they are read (the largest this API takes, a
    # batch of 100 updates, is about 10 KiB).
    max_request_body_bytes: int = Field(default=64 * 1024, ge=1024)
    # A request head (request line and headers) still incomplete after
    # max_request_head_bytes gets 431, or request_head_timeout_seconds after its first byte
    # loses its connection (middleware/request_head.py): a head can neither fill a worker's
    # memory nor hold a connection for ever.
    max_request_head_bytes: int = Field(default=32 * 1024, ge=1024)
    request_head_timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    # Each worker writes through at most database_pool_size connections (and, where the
    # database is a server, reads through as many: the README sizes them against its
    # max_connections). A request that finds none free within
    # database_pool_timeout_seconds gets 503 with Retry-After.
    database_pool_size: int = Field(default=10, ge=1, le=1000)
    database_pool_timeout_seconds: float = Field(default=2.0, gt=0, le=60)
    # The longest a request waits for the database at each step, in seconds: to connect, for
    # an answer, or for another writer's lock. Past it, 503.
    database_timeout_seconds: int = Field(default=5, ge=1, le=300)
    # The API's description: /openapi.json and the pages that show it, /docs and /redoc.
    # false publishes none of them, for a service whose API is nobody else's business.
    api_docs: bool = True
    # Logs on standard output: "text" for people, "json" for log collectors (one object per
    # line, logs.py). Each request writes one line at INFO; WARNING hides those lines.
    log_format: Literal["text", "json"] = "text"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    # X-Request-ID on every answer and in every log line written while serving it.
    request_ids: bool = True
    # Prometheus metrics on /metrics (metrics.py). Off by default: they tell whoever asks
    # how the service is used. On, keep /metrics off the public internet (the README).
    metrics: bool = False

{%- if cookiecutter.database == "mysql" %}

    @field_validator("database_url")
    @classmethod
    def check_mysql_driver(cls, url: str) -> str:
        return require_mysqlclient(url)
{%- endif %}

    @field_validator("secret_key")
    @classmethod
    def refuse_a_weak_secret_key(cls, value: SecretStr) -> SecretStr:
        check_secret_key(value.get_secret_value())
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def upper_case_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("cors_origins", mode="before")
    @classmethod
    def split_origins(cls, value: object) -> object:
        """Accept a JSON list or a comma-separated string."""
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [origin.strip() for origin in text.split(",") if origin.strip()]
        return value

    @field_validator("cors_origins")
    @classmethod
    def forbid_wildcard_origin(cls, origins: list[str]) -> list[str]:
        # Tokens may travel with credentials, and browsers forbid "*" with credentials anyway.
        if "*" in origins:
            raise ValueError("CORS_ORIGINS cannot contain '*'; list each allowed origin")
        return origins


def load_settings() -> Settings:
    """Read the settings, or stop the program with one line per problem."""
    try:
        return Settings()
    except ValidationError as error:
        problems = [
            f"{'.'.join(str(part) for part in item['loc']).upper() or 'settings'}: {item['msg']}"
            for item in error.errors()
        ]
        raise SystemExit("Invalid settings. " + "; ".join(problems)) from None
