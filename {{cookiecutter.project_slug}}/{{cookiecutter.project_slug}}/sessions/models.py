"""The user_sessions and refresh_tokens tables.

A session (RFC 9700 calls it a refresh token family) begins at a login and ends at a
logout, at its absolute limit, or when one of its refresh tokens is presented twice. Each
refresh retires the token presented and adds the next one, so the rows of a session are
its chain of tokens: the retired ones stay, to recognise a replay.
"""

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from {{ cookiecutter.project_slug }}.core.models import ID, Base, UTCDateTime, utc_now
from {{ cookiecutter.project_slug }}.core.opaque_tokens import DIGEST_LENGTH

MAX_USER_AGENT_LENGTH = 255


class UserSession(Base):
    __tablename__ = "user_sessions"
    # Access tokens name their session by id: an id is never given to another session.
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    # Deleting a user deletes their sessions, and with them every token of theirs.
    user_id: Mapped[int] = mapped_column(ID, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # The user's token version when the session began: a new password, or deactivation,
    # moves it on (users/queries.py), which ends every session begun before.
    token_version: Mapped[int] = mapped_column(BigInteger)
    # Shown in the user's list of sessions, to tell their devices apart; cut to fit.
    user_agent: Mapped[str | None] = mapped_column(String(MAX_USER_AGENT_LENGTH))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    last_used_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    # The absolute limit: refreshing slides a token's expiry, never past this.
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RefreshToken(Base):
    __tablename__ = "refresh_tokens"
    # A session refreshed every few minutes for weeks keeps thousands of retired tokens (to
    # know a replay): each refresh finds its session's expired ones by this index, not by
    # reading them all.
    __table_args__ = (Index("ix_refresh_tokens_session_id_expires_at", "session_id", "expires_at"),)

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    session_id: Mapped[int] = mapped_column(ID, ForeignKey("user_sessions.id", ondelete="CASCADE"))
    # core/opaque_tokens.py: the token itself is never stored.
    token_hash: Mapped[str] = mapped_column(String(DIGEST_LENGTH), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Set when the token was exchanged for the next one; presented again, it ends the session.
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
