"""The users table."""

import secrets
from datetime import datetime

from sqlalchemy import BigInteger, String, false
from sqlalchemy.orm import Mapped, mapped_column

from {{ cookiecutter.project_slug }}.core.models import (
    ID,
    USERNAME_COLLATION,
    Base,
    UTCDateTime,
    utc_now,
)

# The longest address SMTP can deliver to (RFC 5321's limit on a path, less its brackets).
EMAIL_LENGTH = 254


def random_token_version() -> int:
    """Where a new user's token version starts: a random number, not 0.

    Ids are never reused, but should one ever come back (a restored backup, a hand-made
    row), the new user's version still differs from the one in the old user's tokens.
    52 bits leave BIGINT's range far away however often it moves on, and stay exact in
    any JSON reader.
    """
    return secrets.randbits(52)


class User(Base):
    __tablename__ = "users"
    # SQLite would otherwise give a new row the id of the newest deleted one; MySQL and
    # MariaDB never reuse an AUTO_INCREMENT id, and ignore this option.
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    username: Mapped[str] = mapped_column(String(50, collation=USERNAME_COLLATION), unique=True)
    age: Mapped[int | None]
    # Optional, and unique regardless of case like usernames ("Alice@Example.com" is
    # "alice@example.com"). Proven by a mailed link (account_mail/): a new address is
    # unverified until then, and only a verified one is sent password reset links.
    email: Mapped[str | None] = mapped_column(
        String(EMAIL_LENGTH, collation=USERNAME_COLLATION), unique=True, index=True
    )
    # Filled in by the database, as the migration that added it did for existing users.
    email_verified: Mapped[bool] = mapped_column(server_default=false())
    hashed_password: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(default=True)
    is_superuser: Mapped[bool] = mapped_column(default=False)
    # Tokens carry this number, and stop working when it moves on: a new password, or
    # deactivation or reactivation, increments it (queries.retire_tokens).
    token_version: Mapped[int] = mapped_column(BigInteger, default=random_token_version)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now, onupdate=utc_now)
