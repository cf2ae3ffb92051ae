"""Throttling password guessing, per username and per client, in the database.

Every check of a password that a client typed (a login, or the current password of a
password change) is an attempt. It is written down, pending, before the password is
checked, so that attempts running at the same moment, on any worker, see each other. A
wrong password marks it failed; any other outcome withdraws it: a right password, a 503,
an error, even after the password was checked. A username with `login_max_failures`
failed or pending attempts within `login_failure_window_seconds`, or a client address
with `login_max_failures_per_client` of them across any usernames, gets 429 with
Retry-After, and no password is checked, right or wrong. A right password clears the
username's count. Kept in the database, the counts are the same on every worker and
replica. Usernames that do not exist are counted alike, so a 429 does not tell which do.
"""

import logging
import math
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from fastapi import HTTPException, Request, status
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from {{ cookiecutter.project_slug }}.auth import login_attempts
from {{ cookiecutter.project_slug }}.core.config import Settings
from {{ cookiecutter.project_slug }}.core.errors import RETRY_AFTER, ErrorDetail, Responses
from {{ cookiecutter.project_slug }}.core.models import utc_now

# An attempt whose outcome could not be written (the database failed meanwhile) counts for
# at least this long, and more with a longer DATABASE_TIMEOUT_SECONDS (see pending_limit).
PENDING_MINIMUM_SECONDS = 60

logger = logging.getLogger(__name__)

# For the OpenAPI docs of the endpoints that check a password through counted_attempt.
THROTTLED: Responses = {
    429: {
        "model": ErrorDetail,
        "description": "Too many failed password checks for this username or from this client",
        "headers": RETRY_AFTER,
    }
}


class Attempt:
    """One password check, pending until the caller says how it went."""

    def __init__(self, session: Session, settings: Settings, username: str, id_: int) -> None:
        self.session, self.settings, self.username, self.id = session, settings, username, id_
        self.failed = self.succeeded = False

    def fail(self) -> None:
        """The password was wrong: the attempt counts for the whole window. Commits."""
        self.failed = True  # if this write fails, the attempt stays pending: it still counts
        login_attempts.mark_failed(self.session, attempt_id=self.id)
        # Attempts too old to count are deleted here, of every username: the table stays small.
        cutoff = utc_now() - timedelta(seconds=self.settings.login_failure_window_seconds)
        login_attempts.forget(self.session, before=cutoff)
        self.session.commit()

    def succeed(self) -> None:
        """The password was right: the username's attempts no longer count. The caller commits."""
        self.succeeded = True
        login_attempts.clear(self.session, username=self.username)


def pending_limit(settings: Settings) -> timedelta:
    """How long a pending attempt counts: longer than any request in flight, at most the window.

    A login waits for the database a few times, each for at most database_timeout_seconds,
    and for the hasher; an attempt still pending after that was left by a request that
    failed, and could not even withdraw it.
    """
    seconds = max(PENDING_MINIMUM_SECONDS, 10 * settings.database_timeout_seconds)
    return timedelta(seconds=min(seconds, settings.login_failure_window_seconds))


def client_address(request: Request) -> str | None:
    """The address attempts are counted against: the peer's, or a trusted proxy's word for it.

    uvicorn takes X-Forwarded-For only from the addresses in FORWARDED_ALLOW_IPS.
    """
    return request.client.host[: login_attempts.MAX_CLIENT_LENGTH] if request.client else None


@contextmanager
def counted_attempt(
    session: Session, settings: Settings, username: str, client: str | None
) -> Iterator[Attempt]:
    """Count the password check this wraps, or refuse it with 429 after too many.

    Unless the block calls fail(), the attempt is withdrawn: when the block raises (a busy
    hasher, a database error, even after succeed()), and when succeed() did not clear it.
    """
    now = utc_now()
    attempt_id = login_attempts.add(session, username=username, client=client, attempted_at=now)
    session.commit()
    attempt = Attempt(session, settings, username, attempt_id)
    try:
        refuse_too_many(session, settings, attempt, client, now)
        yield attempt
    except BaseException:
        if not attempt.failed:
            withdraw(session, attempt.id)
        raise
    if not (attempt.failed or attempt.succeeded):
        withdraw(session, attempt.id)


def refuse_too_many(
    session: Session, settings: Settings, attempt: Attempt, client: str | None, now: datetime
) -> None:
    """Raise 429 if the username, or the client, has too many other attempts that count."""
    window = timedelta(seconds=settings.login_failure_window_seconds)
    pending = pending_limit(settings)
    limits = [("this username", settings.login_max_failures, {"username": attempt.username})]
    if client is not None and settings.login_max_failures_per_client:  # 0: no such limit
        limits.append(("this client", settings.login_max_failures_per_client, {"client": client}))
    for whom, limit, of in limits:
        others = login_attempts.recent(session, since=now - window, excluding=attempt.id, **of)
        # When each attempt that counts now stops counting, soonest first.
        ends = sorted(at + (window if failed else pending) for at, failed in others)
        ends = [end for end in ends if end > now]
        if len(ends) < limit:
            continue
        # This one may go ahead when enough of the others have stopped counting.
        retry_after = max(1, math.ceil((ends[len(ends) - limit] - now).total_seconds()))
        raise HTTPException(
            status_code=status.HTTP_429_TOO_MANY_REQUESTS,
            detail=f"Too many failed password checks for {whom}; try again in {retry_after} s",
            headers={"Retry-After": str(retry_after)},
        )


def withdraw(session: Session, attempt_id: int) -> None:
    """Uncount an attempt that was not a wrong password; the request's own error goes on.

    If the database cannot take even this, the attempt stays pending, and stops counting
    after pending_limit.
    """
    try:
        session.rollback()  # whatever the request left unfinished
        login_attempts.withdraw(session, attempt_id=attempt_id)
        session.commit()
    except SQLAlchemyError as error:
        session.rollback()
        logger.warning("A login attempt stays pending: %s", getattr(error, "orig", error))


def unlock(session: Session, username: str) -> int:
    """Forget the username's attempts: its logins are no longer refused. The caller commits.

    Return how many of them had failed.
    """
    return login_attempts.clear(session, username=username)
