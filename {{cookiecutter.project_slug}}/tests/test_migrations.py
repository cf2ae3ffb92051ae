"""The Alembic migrations: they run both ways, and they build the tables the models describe."""

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import (
    Engine,
    column,
    create_engine,
    delete,
    func,
    insert,
    inspect,
    select,
    table,
)
from sqlalchemy.orm import sessionmaker

from {{ cookiecutter.project_slug }}.auth.models import LoginAttempt
from {{ cookiecutter.project_slug }}.core.models import Base, UTCDateTime, utc_now
from {{ cookiecutter.project_slug }}.users import queries
from {{ cookiecutter.project_slug }}.users.models import User
from tests.conftest import PROJECT_ROOT, alembic_upgrade
from tests.isolated_database import UNREACHABLE_DATABASE_URL, isolated_database


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


def test_each_folder_of_revisions_has_one_newest() -> None:
    # The template's revisions and the service's may end in two heads (after an update that
    # brought a template migration), never in two of one folder: that would be a fork.
    scripts = ScriptDirectory.from_config(Config(PROJECT_ROOT / "alembic.ini"))
    heads = [script for script in scripts.walk_revisions() if script.is_head]
    folders = [Path(head.path).parent.name for head in heads]

    assert sorted(set(folders)) == sorted(folders)
    assert set(folders) <= {"template", "versions"}


def test_the_template_and_the_service_number_their_revisions_apart() -> None:
    # migrations/template: the template's, 0001, 0002, ...; migrations/versions: the
    # service's, service_0001, ... (make revision writes them), so neither takes the other's.
    scripts = ScriptDirectory.from_config(Config(PROJECT_ROOT / "alembic.ini"))
    for script in scripts.walk_revisions():
        folder = Path(script.path).parent.name
        pattern = r"[0-9]{4}" if folder == "template" else r"service_[0-9]{4,}"
        assert folder in {"template", "versions"}, script.path
        assert re.fullmatch(pattern, script.revision), f"{script.path}: {script.revision}"


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


@pytest.mark.parametrize(
    "migration_url_set", [False, True], ids=["database_url", "migration_database_url"]
)
def test_the_alembic_command_migrates_the_database_of_its_url(
    migrations_database_url: str,
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    migration_url_set: bool,
) -> None:
    # What `alembic upgrade heads` does: it takes MIGRATION_DATABASE_URL, or DATABASE_URL when
    # that is not set, and needs no other setting (no SECRET_KEY). With both set, DATABASE_URL
    # names a database that is down: the migrations must not use it.
    monkeypatch.chdir(tmp_path)  # away from the project's .env
    monkeypatch.delenv("SECRET_KEY", raising=False)
    if migration_url_set:
        monkeypatch.setenv("DATABASE_URL", UNREACHABLE_DATABASE_URL)
        monkeypatch.setenv("MIGRATION_DATABASE_URL", migrations_database_url)
    else:
        monkeypatch.setenv("DATABASE_URL", migrations_database_url)
        monkeypatch.delenv("MIGRATION_DATABASE_URL", raising=False)

    command.upgrade(Config(PROJECT_ROOT / "alembic.ini"), "heads")

    assert "users" in table_names(engine)


def test_a_database_made_before_the_security_fixes_upgrades_and_keeps_its_users(
    engine: Engine,
) -> None:
    # A service that ran 0001 alone: three users with token version 0, then ben and cid
    # deleted. Their tokens carry version 0.
    alembic_upgrade(engine, "0001")
    now = utc_now()
    old_user = {"hashed_password": "x", "is_active": True, "is_superuser": False}
    old_user |= {"token_version": 0, "created_at": now, "updated_at": now}
    with engine.begin() as connection:
        for name in ("ann", "ben", "cid"):
            connection.execute(insert(User), [old_user | {"username": name}])
        connection.execute(delete(User).where(User.username.in_(["ben", "cid"])))

    alembic_upgrade(engine)

    sessions = sessionmaker(engine, expire_on_commit=False)
    with sessions.begin() as session:
        dan = queries.create_user(session, username="dan", hashed_password="x")
        session.get_one(User, 1).token_version = 2**52 - 1  # as large as a random start
    with sessions.begin() as session:
        queries.delete_user(session, user=session.get_one(User, dan.id))
        eve = queries.create_user(session, username="eve", hashed_password="x")
    with engine.connect() as connection:
        rows = connection.execute(select(User.username, User.token_version)).all()
    assert [row.username for row in rows] == ["ann", "eve"]  # ann kept
    assert rows[0].token_version == 2**52 - 1  # the column holds any version
    # SQLite may give dan an id deleted before the upgrade, but a version no old token has.
    assert dan.token_version != 0
    assert eve.id > dan.id  # from now on, no id is given out twice
    assert model_differences(engine) == []


def test_a_downgrade_retires_every_token(engine: Engine) -> None:
    # ann, made before 0002, had tokens of versions 0 and then 1; bob's start at random.
    alembic_upgrade(engine, "0001")
    now = utc_now()
    ann = {"username": "ann", "hashed_password": "x", "is_active": True, "is_superuser": False}
    ann |= {"token_version": 0, "created_at": now, "updated_at": now}
    with engine.begin() as connection:
        connection.execute(insert(User), [ann])
    alembic_upgrade(engine)
    sessions = sessionmaker(engine, expire_on_commit=False)
    with sessions.begin() as session:
        queries.retire_tokens(session, user=session.get_one(User, 1))
        bob = queries.create_user(session, username="bob", hashed_password="x")
    held = {"ann": {0, 1}, "bob": {bob.token_version}}

    alembic_downgrade(engine, "0001")

    with engine.connect() as connection:
        rows = connection.execute(select(User.username, User.token_version)).all()
    for username, version in rows:
        assert version not in held[username], f"{username}'s old tokens would work again"


def test_0003_widens_the_ids_and_keeps_the_login_attempts_both_ways(engine: Engine) -> None:
    # A service at 0002: a user, and two failed logins (every attempt then was a failure).
    alembic_upgrade(engine, "0002")
    now = utc_now()
    ann = {"username": "ann", "hashed_password": "x", "is_active": True, "is_superuser": False}
    ann |= {"token_version": 7, "created_at": now, "updated_at": now}
    attempts = [{"username": "ann", "attempted_at": now} for _ in range(2)]
    before_0003 = table("login_attempts", column("username"), column("attempted_at", UTCDateTime))
    with engine.begin() as connection:
        connection.execute(insert(User), [ann])
        connection.execute(insert(before_0003), attempts)

    alembic_upgrade(engine)

    big = 2**31 + 5  # past any 32-bit id
    with engine.begin() as connection:
        assert connection.scalars(select(LoginAttempt.failed)).all() == [True, True]
        connection.execute(insert(User), [ann | {"id": big, "username": "bob"}])
        connection.execute(insert(LoginAttempt), [{"id": big, **attempts[0], "failed": True}])
        assert connection.scalar(select(User.id).where(User.username == "bob")) == big
        # Back to ids that fit 0002's columns, and an attempt in flight.
        connection.execute(delete(User).where(User.id == big))
        connection.execute(delete(LoginAttempt).where(LoginAttempt.id == big))
        connection.execute(insert(LoginAttempt), [attempts[0] | {"failed": False}])
    assert model_differences(engine) == []

    alembic_downgrade(engine, "0002")

    with engine.connect() as connection:
        assert connection.scalars(select(User.username)).all() == ["ann"]
        # The failures still count; the pending attempt, which 0002 would count as one, is gone.
        assert connection.scalar(select(func.count()).select_from(LoginAttempt.__table__)) == 2
