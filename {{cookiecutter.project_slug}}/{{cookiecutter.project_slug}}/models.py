"""Database tables, as typed SQLAlchemy 2 models."""

from datetime import UTC, datetime

{% if cookiecutter.database == "mysql" -%}
from sqlalchemy import Dialect, String, TypeDecorator
from sqlalchemy.dialects.mysql import DATETIME
{% else -%}
from sqlalchemy import DateTime, Dialect, String, TypeDecorator
{% endif -%}
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Usernames are unique regardless of case ("Alice" is "alice"): with this collation every
# comparison of the column, and its unique index, ignores case.
USERNAME_COLLATION = "{{ 'NOCASE' if cookiecutter.database == 'sqlite' else 'utf8mb4_unicode_ci' }}"


def utc_now() -> datetime:
    return datetime.now(UTC)


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
    pass


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(50, collation=USERNAME_COLLATION), unique=True)
    age: Mapped[int | None]
    hashed_password: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(default=True)
    is_superuser: Mapped[bool] = mapped_column(default=False)
    # Tokens carry this number; changing the password increments it, which retires
    # every token issued before the change.
    token_version: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now, onupdate=utc_now)
