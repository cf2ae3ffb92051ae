"""Database tables, as typed SQLAlchemy 2 models."""

import secrets
from datetime import UTC, datetime

{% if cookiecutter.database == "mysql" -%}
from sqlalchemy import BigInteger, Dialect, Index, MetaData, String, TypeDecorator
from sqlalchemy.dialects import sqlite
from sqlalchemy.dialects.mysql import DATETIME
{% else -%}
from sqlalchemy import BigInteger, DateTime, Dialect, Index, MetaData, String, TypeDecorator
from sqlalchemy.dialects import sqlite
{% endif -%}
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Usernames are unique regardless of case ("Alice" is "alice"): with this collation every
# comparison of the column, and its unique index, ignores case.
USERNAME_COLLATION = "{{ cookiecutter.__username_collation }}"
# Ids are 64-bit: a counter moves on at every insert, and at every failed one on MySQL and
# PostgreSQL, so a 32-bit one could run out. SQLite's INTEGER PRIMARY KEY is 64-bit already,
# and only that type makes the column SQLite's own row id.
ID = BigInteger().with_variant(sqlite.INTEGER(), "sqlite")


def utc_now() -> datetime:
    return datetime.now(UTC)


def random_token_version() -> int:
    """Where a new user's token version starts: a random number, not 0.

    Ids are never reused, but should one ever come back (a restored backup, a hand-made
    row), the new user's version still differs from the one in the old user's tokens.
    52 bits leave BIGINT's range far away however often it moves on, and stay exact in
    any JSON reader.
    """
    return secrets.randbits(52)


class UTCDateTime(TypeDecorator[datetime]):
    """A point in time, stored as UTC and always read back timezone-aware.

    The database column keeps no time zone, so this type converts to UTC on the way in
    and attaches UTC again on the way out.
    """
{%- if cookiecutter.database == "mysql" %}

    impl = DATETIME(fsp=6)  # MySQL drops the microseconds unless asked to keep them
{%- else %}

    impl = DateTime
{%- endif %}
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("UTCDateTime needs a timezone-aware datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    # Every constraint gets a name, so that a later migration can drop or change it: Alembic
    # needs the name, and SQLite's batch mode cannot find an unnamed one.
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


class User(Base):
    __tablename__ = "users"
    # SQLite would otherwise give a new row the id of the newest deleted one; MySQL and
    # MariaDB never reuse an AUTO_INCREMENT id, and ignore this option.
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    username: Mapped[str] = mapped_column(String(50, collation=USERNAME_COLLATION), unique=True)
    age: Mapped[int | None]
    hashed_password: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(default=True)
    is_superuser: Mapped[bool] = mapped_column(default=False)
    # Tokens carry this number, and stop working when it moves on: a new password, or
    # deactivation or reactivation, increments it (crud.retire_tokens).
    token_version: Mapped[int] = mapped_column(BigInteger, default=random_token_version)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now, onupdate=utc_now)


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
