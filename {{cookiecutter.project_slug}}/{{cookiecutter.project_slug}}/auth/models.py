"""The login_attempts table: the password checks that throttling counts."""

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from {{ cookiecutter.project_slug }}.core.models import ID, USERNAME_COLLATION, Base, UTCDateTime


class LoginAttempt(Base):
    """A password check (a login, or a password change): pending, or found wrong.

    Counting these in the database, not in memory, throttles password guessing across
    every worker and replica of the service (see password_guessing.py).
    """

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_username_attempted_at", "username", "attempted_at"),
        Index("ix_login_attempts_attempted_at", "attempted_at"),
        Index("ix_login_attempts_client_attempted_at", "client", "attempted_at"),
    )

    # Every login, and every 429, takes an id: they run out faster than users' ids.
    id: Mapped[int] = mapped_column(ID, primary_key=True)
    # Any name that could be a username, existing or not, so that throttling does not
    # tell which ones exist. Compared without case, like usernames.
    username: Mapped[str] = mapped_column(String(50, collation=USERNAME_COLLATION))
    # The client's address, counted across usernames; None when the server knows none.
    client: Mapped[str | None] = mapped_column(String(64))
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # False while the password is being checked (or the request failed before it could say).
    failed: Mapped[bool] = mapped_column(default=False)
