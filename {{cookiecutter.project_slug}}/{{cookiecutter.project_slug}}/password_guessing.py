"""Throttling password guessing, per username, in the database.

Every check of a password that a client typed (a login, or the current password of a
password change) counts as an attempt on its username until it succeeds. After
`login_max_failures` of them within `login_failure_window_seconds`, the next get 429 with
Retry-After, and no password is checked, right or wrong. A success clears the count.
Kept in the database, the count is the same on every worker and replica of the service.
Usernames that do not exist are counted alike, so a 429 does not tell which ones do.
"""

import math
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from fastapi import HTTPException, status
from sqlalchemy.orm import Session

from {{ cookiecutter.project_slug }} import crud
from {{ cookiecutter.project_slug }}.config import Settings
from {{ cookiecutter.project_slug }}.models import LoginAttempt, utc_now
from {{ cookiecutter.project_slug }}.security import PasswordHasherBusyError


def count_attempt(session: Session, settings: Settings, username: str) -> LoginAttempt:
    """Write this attempt down and return it, or refuse it with 429 after too many.

    The attempt is committed before its password is checked, so that attempts running at
    the same moment, on any worker, see each other: at most login_max_failures of them get
    a password check in any window.
    """
    now = utc_now()
    window = timedelta(seconds=settings.login_failure_window_seconds)
    attempt = crud.add_login_attempt(session, username=username, attempted_at=now)
    session.commit()
    count, oldest = crud.count_login_attempts(session, username=username, since=now - window)
    if oldest is None or count <= settings.login_max_failures:
        return attempt
    withdraw_attempt(session, attempt)  # a refused attempt is not counted
    retry_after = max(1, math.ceil((oldest + window - now).total_seconds()))
    raise HTTPException(
        status_code=status.HTTP_429_TOO_MANY_REQUESTS,
        detail=f"Too many failed password checks for this username; try again in {retry_after} s",
        headers={"Retry-After": str(retry_after)},
    )


@contextmanager
def counted_attempt(session: Session, settings: Settings, username: str) -> Iterator[None]:
    """Count the password check this wraps; uncount it if the hasher was too busy to check.

    Counting may refuse with 429 (see count_attempt); the 503 of a busy hasher leaves the
    count as it was.
    """
    attempt = count_attempt(session, settings, username)
    try:
        yield
    except PasswordHasherBusyError:
        withdraw_attempt(session, attempt)  # no password was checked
        raise


def withdraw_attempt(session: Session, attempt: LoginAttempt) -> None:
    """Uncount an attempt whose password was never checked (refused, or the hasher busy)."""
    crud.delete_login_attempt(session, attempt=attempt)
    session.commit()


def succeed(session: Session, username: str) -> None:
    """The password was right: the username's attempts no longer count. The caller commits."""
    crud.clear_login_attempts(session, username=username)


def fail(session: Session, settings: Settings) -> None:
    """The password was wrong: its attempt stays counted.

    Attempts too old to count are deleted here, of every username, so the table stays small.
    """
    cutoff = utc_now() - timedelta(seconds=settings.login_failure_window_seconds)
    crud.forget_login_attempts(session, before=cutoff)
    session.commit()
