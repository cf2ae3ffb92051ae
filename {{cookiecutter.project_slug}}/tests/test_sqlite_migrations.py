"""A service's own migrations on SQLite: a table copy keeps the rules the model states, and
a migration that fails leaves the database as it found it."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, insert, inspect, select, text
from sqlalchemy.exc import IntegrityError

from {{ cookiecutter.project_slug }}.users.models import User
from tests.conftest import PROJECT_ROOT, TEST_SECRET_KEY
from tests.isolated_database import isolated_database

# What `make revision` writes for a change SQLite cannot make in place (here, the model's
# age made a SmallInteger): batch mode, which copies the table into a new one. The
# revision runs on whatever the project's newest revisions are.
REVISION = """
import sqlalchemy as sa
from alembic import op

revision = "test_sqlite_batch_copy"  # an id no revision of the service has
down_revision = {down_revision!r}
branch_labels = None
depends_on = None


def upgrade() -> None:
    {before}
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.alter_column(
            "age", existing_type=sa.INTEGER(), type_=sa.SmallInteger(), existing_nullable=True
        )
    {after}


def downgrade() -> None:
    pass
"""


@pytest.fixture
def engine() -> Iterator[Engine]:
    """An empty database of its own, migrated by the project's own revisions."""
    with isolated_database("service_migrations") as url:
        engine = create_engine(url)
        upgrade(engine, Config(PROJECT_ROOT / "alembic.ini"))
        yield engine
        engine.dispose()


def with_service_revision(folder: Path, *, before: str = "pass", after: str = "pass") -> Config:
    """The project's Alembic settings, with REVISION in a folder of the service's revisions."""
    config = Config(PROJECT_ROOT / "alembic.ini")
    heads = ScriptDirectory.from_config(config).get_heads()
    down_revision = heads[0] if len(heads) == 1 else tuple(heads)
    source = REVISION.format(down_revision=down_revision, before=before, after=after)
    (folder / "test_sqlite_batch_copy.py").write_text(source, encoding="utf-8")
    locations = [PROJECT_ROOT / "migrations" / "template", PROJECT_ROOT / "migrations" / "versions"]
    config.set_main_option("version_locations", "\n".join(map(str, [*locations, folder])))
    return config


def upgrade(engine: Engine, config: Config) -> None:
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "heads")


def schema(engine: Engine) -> dict[str, object]:
    """Each table's columns and their types, and the revisions the database is at."""
    inspector = inspect(engine)
    tables: dict[str, object] = {
        name: [(column["name"], str(column["type"])) for column in inspector.get_columns(name)]
        for name in inspector.get_table_names()
    }
    with engine.connect() as connection:
        tables["revisions"] = sorted(connection.scalars(text("SELECT * FROM alembic_version")))
    return tables


def test_a_batch_migration_of_users_keeps_usernames_unique_regardless_of_case(
    engine: Engine, tmp_path: Path
) -> None:
    upgrade(engine, with_service_revision(tmp_path))
    ages = {column["name"]: column["type"] for column in inspect(engine).get_columns("users")}
    assert str(ages["age"]) == "SMALLINT"  # the table was copied

    with engine.begin() as connection:
        connection.execute(insert(User).values(username="Alice", hashed_password="x"))
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(insert(User).values(username="alice", hashed_password="x"))

    with engine.connect() as connection:
        assert connection.scalars(select(User.username)).all() == ["Alice"]


def test_a_migration_that_fails_halfway_leaves_the_database_as_it_was(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `alembic upgrade heads` as the service runs it (env.py reads DATABASE_URL): a new
    # table, the copy of users, and then an error.
    config = with_service_revision(
        tmp_path,
        before='op.create_table("half_done", sa.Column("id", sa.Integer(), primary_key=True))',
        after='raise RuntimeError("the migration fails halfway")',
    )
    before = schema(engine)
    monkeypatch.chdir(tmp_path)  # away from the project's .env
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("SECRET_KEY", TEST_SECRET_KEY)

    with pytest.raises(RuntimeError, match="halfway"):
        command.upgrade(config, "heads")

    assert schema(engine) == before
