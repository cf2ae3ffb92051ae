"""Start, refresh, list and end sign-in sessions; the caller commits.

Refreshing follows OAuth 2.0 Security BCP (RFC 9700, 4.14.2): every refresh token is used
once. Presented again, it was copied (by an attacker, or the client is broken): which of
the two holders is the rightful one cannot be told, so the whole session ends, and both
must sign in again.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, delete, or_, select, update
from sqlalchemy.orm import Session

from {{ cookiecutter.project_slug }}.core.models import utc_now
from {{ cookiecutter.project_slug }}.core.opaque_tokens import digest, new_token
from {{ cookiecutter.project_slug }}.sessions.models import (
    MAX_USER_AGENT_LENGTH,
    RefreshToken,
    UserSession,
)
from {{ cookiecutter.project_slug }}.users.models import User

# The updates here change rows by condition; the session's objects are not brought in line.
NO_SYNC = {"synchronize_session": False}


@dataclass(frozen=True)
class Lifetimes:
    """How long a refresh token lasts (each refresh slides it), and a session at most."""

    refresh_token: timedelta
    session: timedelta


@dataclass(frozen=True)
class IssuedToken:
    """A refresh token to hand to the client (the only time it exists outside it)."""

    token: str
    session_id: int
    expires_at: datetime
    # What the session's access tokens carry.
    user_id: int
    token_version: int


class RefreshRefusedError(Exception):
    """The token refreshes nothing. `replayed`: it had been used, and its session ended."""

    def __init__(self, reason: str, *, replayed: bool = False) -> None:
        super().__init__(reason)
        self.replayed = replayed


def start_session(
    session: Session, *, user: User, user_agent: str | None, lifetimes: Lifetimes
) -> IssuedToken:
    now = utc_now()
    # The user's sessions that are over go, their tokens with them (ON DELETE CASCADE):
    # ended, expired, or begun before the user's token version moved on (a new password,
    # a deactivation, "sign out everywhere"). The tables hold live sessions, and the last
    # ones of each user.
    over = or_(
        UserSession.ended_at.is_not(None),
        UserSession.expires_at <= now,
        UserSession.token_version != user.token_version,
    )
    session.execute(delete(UserSession).where(UserSession.user_id == user.id, over))
    user_session = UserSession(
        user_id=user.id,
        token_version=user.token_version,
        user_agent=None if user_agent is None else user_agent[:MAX_USER_AGENT_LENGTH],
        created_at=now,
        last_used_at=now,
        expires_at=now + lifetimes.session,
    )
    session.add(user_session)
    session.flush()  # gives it its id
    return _issue(session, user_session, now, lifetimes)


def refresh(session: Session, *, token: str, lifetimes: Lifetimes) -> IssuedToken:
    """Retire this refresh token and issue the next one of its session.

    Raises RefreshRefusedError if the token is unknown, expired, or its session has ended;
    and, ending the session, if the token had been used already. The caller commits then
    too, so that the session stays ended.
    """
    now = utc_now()
    found = session.execute(
        select(RefreshToken, UserSession, User.token_version, User.is_active)
        .join(UserSession, RefreshToken.session_id == UserSession.id)
        .join(User, UserSession.user_id == User.id)
        .where(RefreshToken.token_hash == digest(token))
    ).one_or_none()
    if found is None:
        raise RefreshRefusedError("unknown refresh token")
    refresh_token, user_session, token_version, is_active = found
    if refresh_token.retired_at is not None:
        end_session(session, session_id=user_session.id)
        raise RefreshRefusedError("refresh token used twice", replayed=True)
    if not (
        user_session.ended_at is None
        and now < user_session.expires_at
        and now < refresh_token.expires_at
        and user_session.token_version == token_version
        and is_active
    ):
        raise RefreshRefusedError("the session has ended")
    # Of two requests presenting the same token at once, only one finds it unretired
    # here (the database orders the two updates); the other is a replay like any other.
    retire = (
        update(RefreshToken)
        .where(RefreshToken.id == refresh_token.id, RefreshToken.retired_at.is_(None))
        .values(retired_at=now)
    )
    retired = session.execute(retire, execution_options=NO_SYNC)
    if cast(CursorResult[Any], retired).rowcount != 1:
        end_session(session, session_id=user_session.id)
        raise RefreshRefusedError("refresh token used twice", replayed=True)
    user_session.last_used_at = now
    # A refresh every few minutes adds a row each time: those past their expiry go (one
    # presented again is refused as unknown, which it would be as expired).
    expired = RefreshToken.session_id == user_session.id, RefreshToken.expires_at <= now
    session.execute(delete(RefreshToken).where(*expired))
    return _issue(session, user_session, now, lifetimes)


def end_session(session: Session, *, session_id: int, user_id: int | None = None) -> bool:
    """End a session (only the user's own, given a user_id); whether one was live."""
    ending = update(UserSession).where(UserSession.id == session_id, UserSession.ended_at.is_(None))
    if user_id is not None:
        ending = ending.where(UserSession.user_id == user_id)
    result = session.execute(ending.values(ended_at=utc_now()), execution_options=NO_SYNC)
    return cast(CursorResult[Any], result).rowcount == 1


def end_session_of_token(session: Session, *, token: str) -> None:
    """Sign out: end the session this refresh token belongs to, if it is any's."""
    owner = select(RefreshToken.session_id).where(RefreshToken.token_hash == digest(token))
    session_id = session.scalar(owner)
    if session_id is not None:
        end_session(session, session_id=session_id)


def live_sessions(session: Session, *, user: User) -> list[UserSession]:
    """The user's sessions that can still be refreshed, the most recently used first."""
    query = (
        select(UserSession)
        .where(
            UserSession.user_id == user.id,
            UserSession.ended_at.is_(None),
            UserSession.expires_at > utc_now(),
            UserSession.token_version == user.token_version,
        )
        .order_by(UserSession.last_used_at.desc(), UserSession.id.desc())
    )
    return list(session.scalars(query))


def _issue(
    session: Session, user_session: UserSession, now: datetime, lifetimes: Lifetimes
) -> IssuedToken:
    token = new_token()
    expires_at = min(now + lifetimes.refresh_token, user_session.expires_at)
    session.add(
        RefreshToken(
            session_id=user_session.id,
            token_hash=digest(token),
            created_at=now,
            expires_at=expires_at,
        )
    )
    return IssuedToken(
        token=token,
        session_id=user_session.id,
        expires_at=expires_at,
        user_id=user_session.user_id,
        token_version=user_session.token_version,
    )
