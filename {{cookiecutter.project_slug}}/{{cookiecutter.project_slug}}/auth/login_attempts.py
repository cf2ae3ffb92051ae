"""The queries of the login_attempts table, which password_guessing.py counts guesses in."""

from datetime import datetime

from sqlalchemy import ColumnElement, delete, func, select, update
from sqlalchemy.orm import Session

from {{ cookiecutter.project_slug }}.auth.models import LoginAttempt

# The longest client address the column keeps (an IPv6 address takes at most 45 characters;
# a proxy's X-Forwarded-For may say anything).
MAX_CLIENT_LENGTH = 64


def add(session: Session, *, username: str, client: str | None, attempted_at: datetime) -> int:
    """Write down a pending attempt (its outcome not known yet) and return its id."""
    attempt = LoginAttempt(
        username=username,
        client=client,
        attempted_at=attempted_at,
        failed=False,
    )
    session.add(attempt)
    session.flush()
    return attempt.id


def recent(
    session: Session,
    *,
    since: datetime,
    excluding: int,
    username: str | None = None,
    client: str | None = None,
) -> list[tuple[datetime, bool]]:
    """When each attempt of the username, or of the client, since then was made, and if it
    failed; all but one."""
    of = LoginAttempt.username == username if client is None else LoginAttempt.client == client
    query = select(LoginAttempt.attempted_at, LoginAttempt.failed).where(
        of, LoginAttempt.attempted_at >= since, LoginAttempt.id != excluding
    )
    return [(attempted_at, failed) for attempted_at, failed in session.execute(query)]


def mark_failed(session: Session, *, attempt_id: int) -> None:
    """The attempt's password was wrong: from now on it counts for the whole window."""
    session.execute(update(LoginAttempt).where(LoginAttempt.id == attempt_id).values(failed=True))


def withdraw(session: Session, *, attempt_id: int) -> None:
    session.execute(delete(LoginAttempt).where(LoginAttempt.id == attempt_id))


def clear(session: Session, *, username: str) -> int:
    """Delete every attempt of the username; return how many of them had failed."""
    failed = select(func.count()).where(LoginAttempt.username == username, LoginAttempt.failed)
    count = session.scalar(failed) or 0
    _delete(session, LoginAttempt.username == username)
    return count


def forget(session: Session, *, before: datetime, at_most: int = 1000) -> None:
    """Delete attempts made before then, of every username: they no longer count."""
    _delete(session, LoginAttempt.attempted_at < before, at_most)


def _delete(session: Session, condition: ColumnElement[bool], at_most: int | None = None) -> None:
    # Found first, then deleted by id: a DELETE that searched by username and one that
    # searched by time, at once, could lock the same rows in opposite orders (a deadlock
    # on MySQL); by id, every DELETE locks rows in the order of the ids.
    ids = session.scalars(select(LoginAttempt.id).where(condition).limit(at_most)).all()
    if ids:
        session.execute(delete(LoginAttempt).where(LoginAttempt.id.in_(ids)))


def carry(session: Session, renames: dict[str, str]) -> None:
    """Move the login attempts counted for each old username to the new one.

    A rename must not reset the count of password guesses. The rows to move are all found
    before any moves, so that two users who swap names swap their counts too.
    """
    moves = [
        (session.scalars(select(LoginAttempt.id).where(LoginAttempt.username == old)).all(), new)
        for old, new in renames.items()
        if old.lower() != new.lower()  # the same username to the database: nothing to move
    ]
    for ids, new in moves:
        if ids:
            session.execute(
                update(LoginAttempt).where(LoginAttempt.id.in_(ids)).values(username=new)
            )
