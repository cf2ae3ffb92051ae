"""The Alembic migrations: they run both ways, and they build the tables the models describe."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, inspect

from {{ cookiecutter.project_slug }}.models import Base
from tests.conftest import PROJECT_ROOT, TEST_SECRET_KEY, alembic_upgrade
from tests.isolated_database import isolated_database


@pytest.fixture
def migrations_database_url() -> Iterator[str]:
    """An empty database of its own, so that these tests never touch the shared one."""
    with isolated_database("migrations") as url:
        yield url


@pytest.fixture
def engine(migrations_database_url: str) -> Iterator[Engine]:
    engine = create_engine(migrations_database_url)
    yield engine
    engine.dispose()


def alembic_downgrade(engine: Engine, revision: str = "base") -> None:
    config = Config(PROJECT_ROOT / "alembic.ini")
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def table_names(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def model_differences(engine: Engine) -> list[object]:
    with engine.connect() as connection:
        return list(compare_metadata(MigrationContext.configure(connection), Base.metadata))


def test_there_is_a_single_head_revision() -> None:
    scripts = ScriptDirectory.from_config(Config(PROJECT_ROOT / "alembic.ini"))

    assert len(scripts.get_heads()) == 1


def test_upgrade_creates_the_users_table(engine: Engine) -> None:
    alembic_upgrade(engine)

    assert "users" in table_names(engine)


def test_downgrade_to_base_drops_the_users_table(engine: Engine) -> None:
    alembic_upgrade(engine)

    alembic_downgrade(engine)

    assert "users" not in table_names(engine)


def test_upgrade_after_downgrade_recreates_the_users_table(engine: Engine) -> None:
    alembic_upgrade(engine)
    alembic_downgrade(engine)

    alembic_upgrade(engine)

    assert "users" in table_names(engine)
    assert model_differences(engine) == []


def test_the_migrations_build_what_the_models_describe(engine: Engine) -> None:
    alembic_upgrade(engine)

    assert model_differences(engine) == []


def test_the_alembic_command_migrates_the_database_in_database_url(
    migrations_database_url: str,
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    # What `alembic upgrade head` does: env.py reads DATABASE_URL from the settings.
    monkeypatch.chdir(tmp_path)  # away from the project's .env
    monkeypatch.setenv("DATABASE_URL", migrations_database_url)
    monkeypatch.setenv("SECRET_KEY", TEST_SECRET_KEY)

    command.upgrade(Config(PROJECT_ROOT / "alembic.ini"), "head")

    assert "users" in table_names(engine)
