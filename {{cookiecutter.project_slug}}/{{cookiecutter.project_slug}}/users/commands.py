"""The commands that manage accounts: create-superuser and unlock-login (see __main__.py)."""

import argparse
import getpass
import os
import sys
from collections.abc import Callable

from pydantic import TypeAdapter, ValidationError
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import Session

from {{ cookiecutter.project_slug }}.auth import password_guessing
from {{ cookiecutter.project_slug }}.auth.passwords import PasswordHasher
from {{ cookiecutter.project_slug }}.core.config import load_settings
from {{ cookiecutter.project_slug }}.core.database.engine import create_db_engine
from {{ cookiecutter.project_slug }}.core.database.sessions import create_session_factory
from {{ cookiecutter.project_slug }}.users import queries
from {{ cookiecutter.project_slug }}.users.schemas import Password, Username


def read_password() -> str:
    """The password from SUPERUSER_PASSWORD, or typed twice without echo."""
    password = os.environ.get("SUPERUSER_PASSWORD")
    if password is not None:
        return password
    if not sys.stdin.isatty():
        raise SystemExit("No terminal to ask for the password on: set SUPERUSER_PASSWORD.")
    password = getpass.getpass("Password: ")
    if getpass.getpass("Password (again): ") != password:
        raise SystemExit("The passwords do not match.")
    return password


def valid_username(text: str) -> str:
    try:
        return TypeAdapter(Username).validate_python(text)
    except ValidationError:
        raise SystemExit("The username needs 3-50 letters, digits, '_', '.' or '-'.") from None


def in_one_transaction(work: Callable[[Session], str]) -> None:
    """Run the work on DATABASE_URL's database, commit, and print what it says it did."""
    settings = load_settings()
    engine = create_db_engine(settings.database_url)
    try:
        with create_session_factory(engine).begin() as session:
            done = work(session)
    except (OperationalError, ProgrammingError) as error:  # down, or without its tables
        reason = str(error.orig).splitlines()[0]  # PostgreSQL adds the statement's lines
        message = f"Cannot use the database ({reason}); is it up, and migrated with"
        raise SystemExit(f"{message} `alembic upgrade heads`?") from None
    finally:
        engine.dispose()
    print(done)


def create_superuser(args: argparse.Namespace) -> int:
    """Create a superuser, or make an existing user one (keeping their password)."""
    username = valid_username(args.username)
    hasher = PasswordHasher.from_settings(load_settings())
    in_one_transaction(lambda session: make_superuser(session, username, hasher))
    return 0


def make_superuser(session: Session, username: str, hasher: PasswordHasher) -> str:
    """Promote the user, or create them with a password, and lift any lock on their logins;
    return what was done."""
    user = queries.get_user_by_username(session, username=username)
    if user is not None:
        queries.update_user(session, user=user, changes={"is_superuser": True, "is_active": True})
        done = f"{user.username} is now a superuser (the password is unchanged)."
    else:
        try:
            password = TypeAdapter(Password).validate_python(read_password())
        except ValidationError:
            raise SystemExit("The password needs 8-128 characters.") from None
        queries.create_user(
            session, username=username, hashed_password=hasher.hash(password), is_superuser=True
        )
        done = f"Superuser {username} created."
    # Its logins may be locked by someone guessing; the command's word is that they work.
    failures = password_guessing.unlock(session, username)
    return f"{done} {unlocked(username, failures)}" if failures else done


def unlock_login(args: argparse.Namespace) -> int:
    """Forget a username's failed logins, so that its logins are no longer refused."""
    username = valid_username(args.username)
    in_one_transaction(
        lambda session: unlocked(username, password_guessing.unlock(session, username))
    )
    return 0


def unlocked(username: str, failures: int) -> str:
    if not failures:
        return f"{username} had no failed logins to forget; its logins were not refused."
    return f"Forgot {failures} failed logins of {username}: its logins are no longer refused."
