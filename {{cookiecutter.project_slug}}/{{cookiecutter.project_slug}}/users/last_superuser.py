"""The service always keeps an active superuser: a change that would remove the last one fails."""

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import select
from sqlalchemy.orm import Session

from {{ cookiecutter.project_slug }}.users.models import User

ACTIVE_SUPERUSERS = select(User.id).where(User.is_superuser, User.is_active)


class NoSuperuserLeftError(Exception):
    """The change would leave no active superuser to run the service."""


@contextmanager
def keeping_a_superuser(session: Session, *, may_remove_one: bool) -> Iterator[None]:
    """Around a change that may remove an active superuser: refuse it if none would be left.

    MySQL and PostgreSQL lock the superusers' rows before the change (FOR UPDATE), so that
    of two superusers removing each other at once, the second waits for the first to
    commit, then counts again: one succeeds and the other is refused. Both take those
    locks before they write, so neither holds a row the other waits for (no deadlock).
    SQLite ignores FOR UPDATE, and instead lets one writer at a time through, so the
    count after the change sees every other change.
    """
    if not may_remove_one:
        yield
        return
    before = session.execute(ACTIVE_SUPERUSERS.with_for_update()).all()
    yield
    after = session.execute(ACTIVE_SUPERUSERS.with_for_update()).all()
    if before and not after:
        raise NoSuperuserLeftError
