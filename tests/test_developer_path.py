"""A team's first weeks: new columns, a new table, through the generated README's commands.

On a copy of each database's installed project, written as a newcomer would: a unique `nickname`
column in users/models.py and a `notes` table in a package of its own, notes/models.py, that
refers to users (an indexed foreign key that cascades deletes, timestamps); `make revision`,
`make migrate`. Then a note is written, a migration is written by hand (`alembic revision`), and
a unique `phone` column makes a second revision, which SQLite applies by copying the users
table: the note must survive. A downgrade past both and an upgrade again, then `make lint`
(every file, also those git does not track yet) and `make test` (whose drift check compares
models and database; on a server, the migration tests alone) must pass.
"""

import re
from pathlib import Path

from tests.conftest import InstalledProject, run

NICKNAME_COLUMN = "    nickname: Mapped[str | None] = mapped_column(String(50), unique=True)\n"
PHONE_COLUMN = "    phone: Mapped[str | None] = mapped_column(String(30), unique=True)\n"
# notes/models.py: a package's tables need no line elsewhere for the migrations to see them.
NOTES_MODELS = """\
\"\"\"The notes table: each note belongs to a user.\"\"\"

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from {slug}.core.models import Base, UTCDateTime, utc_now


class Note(Base):
    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now, onupdate=utc_now)
"""
# Run by the project's interpreter: a user and a note of theirs, or the number of notes.
WRITE_A_NOTE = """
import os
from sqlalchemy import create_engine, text
engine = create_engine(os.environ["DATABASE_URL"])
with engine.begin() as connection:
    connection.execute(text(
        "INSERT INTO users (username, age, hashed_password, is_active, is_superuser,"
        " token_version, created_at, updated_at) VALUES"
        " ('ada', 36, 'x', TRUE, FALSE, 1, '2026-01-01', '2026-01-01'),"
        " ('bob', 36, 'x', TRUE, FALSE, 1, '2026-01-01', '2026-01-01')"
    ))
    connection.execute(text(
        "INSERT INTO notes (owner_id, title, body, created_at, updated_at)"
        " SELECT id, 'kept', 'a note', created_at, updated_at FROM users WHERE username = 'ada'"
    ))
"""
COUNT_NOTES = """
import os
from sqlalchemy import create_engine, text
with create_engine(os.environ["DATABASE_URL"]).connect() as connection:
    print(connection.execute(text("SELECT count(*) FROM notes")).scalar_one())
"""
# The tables and version a failed migration must leave as they were.
DESCRIBE_DATABASE = """
import os
from sqlalchemy import create_engine, inspect, text
engine = create_engine(os.environ["DATABASE_URL"])
with engine.connect() as connection:
    version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
print(sorted(inspect(engine).get_table_names()), version)
"""
UNIQUE_AGE = "    age: Mapped[int | None] = mapped_column(unique=True)\n"


def add_after_username(models: Path, column: str) -> None:
    text = models.read_text()
    username = re.search(r"^    username: Mapped\[str\].*\n", text, flags=re.MULTILINE)
    assert username is not None, "users/models.py has no username column to add a column after"
    models.write_text(text[: username.end()] + column + text[username.end() :])


def add_nickname_and_notes(models: Path, slug: str) -> None:
    """Add the nickname column to users/models.py, and the notes package beside users/."""
    add_after_username(models, NICKNAME_COLUMN)
    notes = models.parents[1] / "notes"
    notes.mkdir()
    (notes / "__init__.py").write_text('"""Notes that users keep."""\n')
    (notes / "models.py").write_text(NOTES_MODELS.format(slug=slug))


def suite_command(project: InstalledProject, make: list[str]) -> list[str | Path]:
    """`make test` with the migration tests (the drift check among them): what differs is how
    each database migrates and reflects the new tables, while the whole suite runs on each
    database in the run tier (test_run.py)."""
    return [*make, "test", "PYTEST_ARGS=tests/test_migrations.py"]


def test_a_new_column_and_table_migrate_lint_and_test_the_documented_way(
    installed_project: InstalledProject, project_copy: Path
) -> None:
    project = installed_project
    (project_copy / ".venv").symlink_to(project.venv)
    # The venv is installed already: a stamp newer than pyproject.toml tells make so.
    (project_copy / "installed-stamp").touch()
    make = ["make", "INSTALLED=installed-stamp"]
    with project.database_settings(sqlite_file=project_copy / "service.db") as settings:
        env = project.env(**settings, PYTHONPATH=str(project_copy))
        run([*make, "migrate"], cwd=project_copy, env=env)
        # The baked project, as git knows it: the files written below stay new to git.
        run(["git", "init", "--quiet"], cwd=project_copy)
        run(["git", "add", "--all"], cwd=project_copy)
        models = project_copy / project.slug / "users" / "models.py"
        versions = project_copy / "migrations" / "versions"
        python, alembic = project.command("python"), project.command("alembic")
        add_nickname_and_notes(models, project.slug)

        run([*make, "revision", "m=add nickname and notes"], cwd=project_copy, env=env)
        assert (versions / "service_0001_add_nickname_and_notes.py").is_file(), sorted(
            versions.iterdir()
        )
        run([*make, "migrate"], cwd=project_copy, env=env)
        run([python, "-c", WRITE_A_NOTE], cwd=project_copy, env=env)

        # A migration written by hand is numbered like the others.
        run([alembic, "revision", "-m", "backfill notes"], cwd=project_copy, env=env)
        assert (versions / "service_0002_backfill_notes.py").is_file(), sorted(versions.iterdir())
        run([*make, "migrate"], cwd=project_copy, env=env)
        add_after_username(models, PHONE_COLUMN)
        run([*make, "revision", "m=add phone"], cwd=project_copy, env=env)
        assert (versions / "service_0003_add_phone.py").is_file(), sorted(versions.iterdir())
        run([*make, "migrate"], cwd=project_copy, env=env)
        notes = run([python, "-c", COUNT_NOTES], cwd=project_copy, env=env)
        assert notes.stdout.strip() == "1", "the copy of users took the notes with it"

        # Nothing changed since: the empty revision is written, and said to be empty.
        unchanged = run([*make, "revision", "m=nothing"], cwd=project_copy, env=env)
        assert "No change to the models found" in unchanged.stderr, unchanged.stderr
        (versions / "service_0004_nothing.py").unlink()

        # A migration that fails (ada and bob are both 36) leaves the database as it was.
        before = run([python, "-c", DESCRIBE_DATABASE], cwd=project_copy, env=env).stdout
        original_models = models.read_text()
        assert "    age: Mapped[int | None]\n" in original_models, (
            "users/models.py has no age to change"
        )
        models.write_text(original_models.replace("    age: Mapped[int | None]\n", UNIQUE_AGE))
        run([*make, "revision", "m=unique ages"], cwd=project_copy, env=env)
        failed = run([*make, "migrate"], cwd=project_copy, env=env, check=False)
        assert failed.returncode != 0, "ages that are not unique were made unique"
        after = run([python, "-c", DESCRIBE_DATABASE], cwd=project_copy, env=env).stdout
        assert after == before, "the failed migration left a trace"
        (versions / "service_0004_unique_ages.py").unlink()
        models.write_text(original_models)

        # Down past the new table (MySQL drops a foreign key's index only with its table).
        run([alembic, "downgrade", "0002"], cwd=project_copy, env=env)
        run([*make, "migrate"], cwd=project_copy, env=env)
        run([*make, "lint"], cwd=project_copy, env=env)
        result = run(suite_command(project, make), cwd=project_copy, env=env)
        assert " passed" in result.stdout
        assert "failed" not in result.stdout

        # make lint looks at a file git does not track yet, and fails on what it fixes.
        draft = project_copy / project.slug / "draft.py"
        draft.write_text("greeting = 'hello'\n")
        lint = run([*make, "lint"], cwd=project_copy, env=env, check=False)
    assert lint.returncode != 0, lint.stdout
    assert draft.read_text() == 'greeting = "hello"\n', "ruff format never saw the new file"
