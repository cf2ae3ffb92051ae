"""A team's first weeks: a new column, a new table, through the generated README's commands.

On a copy of each database's installed project: a unique `email` column on users and a
`notes` table that refers to users, with timestamps, written into models.py as a newcomer
would; then `make revision`, `make migrate`, a downgrade and an upgrade again, `make lint`
(every file, also those git does not track yet) and `make test` (whose drift check
compares models and database).
"""

import re
from pathlib import Path

from tests.conftest import InstalledProject, run

EMAIL_COLUMN = "    email: Mapped[str | None] = mapped_column(String(255), unique=True)\n"
NOTES_TABLE = """

class Note(Base):
    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now, onupdate=utc_now)
"""


def add_email_and_notes(models: Path) -> None:
    """Edit models.py: the email column, the Note model, and what they import."""
    text = models.read_text()
    [line] = re.findall(r"^from sqlalchemy import .+$", text, flags=re.MULTILINE)
    names = sorted(
        {*line.removeprefix("from sqlalchemy import ").split(", "), "ForeignKey", "Text"}
    )
    block = "from sqlalchemy import (\n" + "".join(f"    {name},\n" for name in names) + ")"
    text = text.replace(line, block)
    username = re.search(r"^    username: Mapped\[str\].*\n", text, flags=re.MULTILINE)
    assert username is not None, "models.py has no username column to add email after"
    text = text[: username.end()] + EMAIL_COLUMN + text[username.end() :]
    models.write_text(text + NOTES_TABLE)


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
        add_email_and_notes(project_copy / project.slug / "models.py")

        run([*make, "revision", "m=add email and notes"], cwd=project_copy, env=env)

        revision = project_copy / "migrations" / "versions" / "0003_add_email_and_notes.py"
        assert revision.is_file(), sorted(p.name for p in revision.parent.iterdir())
        run([*make, "migrate"], cwd=project_copy, env=env)
        run([project.command("alembic"), "downgrade", "-1"], cwd=project_copy, env=env)
        run([*make, "migrate"], cwd=project_copy, env=env)
        run([*make, "lint"], cwd=project_copy, env=env)
        result = run([*make, "test"], cwd=project_copy, env=env)
        assert " passed" in result.stdout
        assert "failed" not in result.stdout

        # make lint looks at a file git does not track yet, and fails on what it fixes.
        draft = project_copy / project.slug / "draft.py"
        draft.write_text("greeting = 'hello'\n")
        lint = run([*make, "lint"], cwd=project_copy, env=env, check=False)
    assert lint.returncode != 0, lint.stdout
    assert draft.read_text() == 'greeting = "hello"\n', "ruff format never saw the new file"
