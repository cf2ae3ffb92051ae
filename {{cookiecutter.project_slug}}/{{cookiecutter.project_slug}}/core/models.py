"""What every table is built from: the model base, the id and time column types."""

import importlib
import pkgutil
from datetime import UTC, datetime

{% if cookiecutter.database == "mysql" -%}
from sqlalchemy import BigInteger, Dialect, MetaData, TypeDecorator
from sqlalchemy.dialects import sqlite
from sqlalchemy.dialects.mysql import DATETIME
{% else -%}
from sqlalchemy import BigInteger, DateTime, Dialect, MetaData, TypeDecorator
from sqlalchemy.dialects import sqlite
{% endif -%}
from sqlalchemy.orm import DeclarativeBase

# Usernames are unique regardless of case ("Alice" is "alice"): with this collation every
# comparison of a column, and its unique index, ignores case (users and login_attempts).
USERNAME_COLLATION = "{{ cookiecutter.__username_collation }}"
# Ids are 64-bit: a counter moves on at every insert, and at every failed one on MySQL and
# PostgreSQL, so a 32-bit one could run out. SQLite's INTEGER PRIMARY KEY is 64-bit already,
# and only that type makes the column SQLite's own row id.
ID = BigInteger().with_variant(sqlite.INTEGER(), "sqlite")


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


def import_every_model() -> None:
    """Import the models.py of every package (users/, auth/, a team's own todos/, ...).

    Base.metadata then holds every table: the migrations compare it with the database, and
    the tests empty each table. Found by name, so that a new package's tables need no line
    anywhere, and this module imports no domain package itself.
    """
    package = importlib.import_module("{{ cookiecutter.project_slug }}")
    for module in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
        if module.name.rpartition(".")[2] == "models":
            importlib.import_module(module.name)
