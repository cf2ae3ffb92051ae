"""Fixtures: the app on an isolated real database, a client, and users with their tokens."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import Engine, create_engine, delete, select

from {{ cookiecutter.project_slug }}.app import create_app
from {{ cookiecutter.project_slug }}.auth.passwords import PasswordHasher
from {{ cookiecutter.project_slug }}.auth.tokens import create_access_token
from {{ cookiecutter.project_slug }}.core.config import Settings
from {{ cookiecutter.project_slug }}.core.database.sessions import create_session_factory
from {{ cookiecutter.project_slug }}.core.mail.models import OutgoingMail
from {{ cookiecutter.project_slug }}.core.models import Base, import_every_model
from {{ cookiecutter.project_slug }}.sessions.issuing import lifetimes
from {{ cookiecutter.project_slug }}.sessions.queries import start_session
from {{ cookiecutter.project_slug }}.users import queries
from {{ cookiecutter.project_slug }}.users.models import User
from tests.isolated_database import isolated_database
from tests.smtp_server import MailLog, mail_log

# Every package's tables, also of one that has no router yet: the tests empty them all.
import_every_model()

PROJECT_ROOT = Path(__file__).resolve().parents[1]
TEST_SECRET_KEY = "test-secret-key-that-is-long-enough-0123456789"
PASSWORD = "correct horse battery"

UserFactory = Callable[..., User]
Headers = dict[str, str]


def make_settings(database_url: str, **overrides: object) -> Settings:
    """Test settings, from these values only (not the environment, not .env).

    Argon2 gets its cheapest parameters, to keep the tests fast.
    """
    values: dict[str, object] = {
        "database_url": database_url,
        "secret_key": TEST_SECRET_KEY,
        "argon2_time_cost": 1,
        "argon2_memory_cost_kib": 8,
    }
    return Settings.model_validate(values | overrides)


def alembic_upgrade(engine: Engine, revision: str = "heads") -> None:
    config = Config(PROJECT_ROOT / "alembic.ini")
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """A new database for this run, migrated to the latest revision."""
    with isolated_database() as url:
        engine = create_engine(url)
        alembic_upgrade(engine)
        engine.dispose()
        yield url
        for helper in HELPER_ENGINES.values():  # their connections, before the database goes
            helper.dispose()
        HELPER_ENGINES.clear()


# The tests' own engines, by URL, for rows they make beside the app (token_for): never the
# app's, whose pool a test may hold or break. Kept for the run, so that each token does not
# cost a new connection (a few milliseconds on a server, for hundreds of tokens).
HELPER_ENGINES: dict[str, Engine] = {}


def helper_engine(url: str) -> Engine:
    if url not in HELPER_ENGINES:
        HELPER_ENGINES[url] = create_engine(url, pool_pre_ping=True)
    return HELPER_ENGINES[url]


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    return make_settings(database_url)


@contextmanager
def app_with(database_url: str, **overrides: object) -> Iterator[FastAPI]:
    """An app of its own, with these settings changed; its pooled connections closed after."""
    app = create_app(make_settings(database_url, **overrides))
    try:
        yield app
    finally:
        app.state.engine.dispose()
        app.state.read_engine.dispose()


@pytest.fixture(scope="session")
def app(settings: Settings) -> Iterator[FastAPI]:
    app = create_app(settings)
    yield app
    # The connection the last clean-up took (below) is still open: close it, not the GC.
    app.state.engine.dispose()
    app.state.read_engine.dispose()


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """A client for the app; every test starts and ends with empty tables."""
    with TestClient(app) as test_client:
        yield test_client
    empty_every_table(app.state.engine)


def empty_every_table(engine: Engine) -> None:
    with engine.begin() as connection:
        # Every table the models know, those that refer to others first.
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())


@pytest.fixture
def create_user(app: FastAPI, client: TestClient) -> UserFactory:
    """Insert a user straight into the database (no HTTP), with the password PASSWORD."""
    hasher: PasswordHasher = app.state.password_hasher
    session_factory = create_session_factory(app.state.engine)

    def factory(
        username: str = "alice",
        *,
        password: str = PASSWORD,
        is_superuser: bool = False,
        is_active: bool = True,
        age: int | None = None,
    ) -> User:
        with session_factory.begin() as session:
            user = queries.create_user(
                session,
                username=username,
                hashed_password=hasher.hash(password),
                age=age,
                is_superuser=is_superuser,
            )
            user.is_active = is_active
        return user

    return factory


def bearer(token: str) -> Headers:
    return {"Authorization": f"Bearer {token}"}


def log_in(client: TestClient, username: str, password: str = PASSWORD) -> Response:
    """Send the login form."""
    return client.post("/api/v1/auth/token", data={"username": username, "password": password})


def users_table(app: FastAPI) -> list[dict[str, Any]]:
    """Every row of the users table, read straight from the database, ordered by id."""
    with app.state.engine.connect() as connection:
        rows = connection.execute(select(User.__table__).order_by(User.id)).mappings()
        return [dict(row) for row in rows]


def token_for(user: User, settings: Settings, expires_in: timedelta = timedelta(minutes=5)) -> str:
    """An access token of a new session of the user's, as a login would give."""
    with create_session_factory(helper_engine(settings.database_url)).begin() as session:
        issued = start_session(
            session, user=user, user_agent="pytest", lifetimes=lifetimes(settings)
        )
    return create_access_token(
        user_id=user.id,
        token_version=user.token_version,
        session_id=issued.session_id,
        secret_key=settings.secret_key.get_secret_value(),
        expires_in=expires_in,
    )


@pytest.fixture
def user(create_user: UserFactory) -> User:
    return create_user("alice", age=30)


@pytest.fixture
def user_headers(user: User, settings: Settings) -> Headers:
    return bearer(token_for(user, settings))


@pytest.fixture
def superuser(create_user: UserFactory) -> User:
    return create_user("root_admin", is_superuser=True)


@pytest.fixture
def superuser_headers(superuser: User, settings: Settings) -> Headers:
    return bearer(token_for(superuser, settings))


@pytest.fixture
def log() -> Iterator[MailLog]:
    """The mail sender's log records (tests/smtp_server.py)."""
    with mail_log() as handler:
        yield handler


@pytest.fixture
def empty_outbox(database_url: str) -> Iterator[None]:
    """No mail left behind for the next test's senders (the mail tests use no `client`)."""
    yield
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(delete(OutgoingMail))
    engine.dispose()
