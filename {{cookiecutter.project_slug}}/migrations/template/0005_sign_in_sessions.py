"""Sign-in sessions and their refresh tokens.

A login starts a session (user_sessions); each refresh retires its refresh token and adds
the next (refresh_tokens), which keeps only each token's SHA-256. Deleting a user deletes
their sessions, and a session its tokens.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
{%- if cookiecutter.database == "mysql" %}
from sqlalchemy.dialects import mysql
{%- endif %}

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
{%- if cookiecutter.database == "sqlite" %}

# SQLite's INTEGER PRIMARY KEY is its 64-bit row id.
ID = sa.Integer()
TIME = sa.DateTime()
{%- elif cookiecutter.database == "mysql" %}

ID = sa.BigInteger()
TIME = mysql.DATETIME(fsp=6)  # microseconds kept
{%- else %}

ID = sa.BigInteger()
TIME = sa.DateTime()
{%- endif %}


def upgrade() -> None:
    op.create_table(
        "user_sessions",
        sa.Column("id", ID, nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("token_version", sa.BigInteger(), nullable=False),
        sa.Column("user_agent", sa.String(length=255), nullable=True),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("last_used_at", TIME, nullable=False),
        sa.Column("expires_at", TIME, nullable=False),
        sa.Column("ended_at", TIME, nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name="fk_user_sessions_user_id_users",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_user_sessions"),
{%- if cookiecutter.database == "sqlite" %}
        sqlite_autoincrement=True,
{%- elif cookiecutter.database == "mysql" %}
        # utf8mb4 whatever the database's default, as for every table.
        mysql_engine="InnoDB",
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_unicode_ci",
{%- endif %}
    )
    op.create_index("ix_user_sessions_user_id", "user_sessions", ["user_id"])
    op.create_table(
        "refresh_tokens",
        sa.Column("id", ID, nullable=False),
        sa.Column("session_id", ID, nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("expires_at", TIME, nullable=False),
        sa.Column("retired_at", TIME, nullable=True),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["user_sessions.id"],
            name="fk_refresh_tokens_session_id_user_sessions",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_refresh_tokens"),
        sa.UniqueConstraint("token_hash", name="uq_refresh_tokens_token_hash"),
{%- if cookiecutter.database == "mysql" %}
        mysql_engine="InnoDB",
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_unicode_ci",
{%- endif %}
    )
    op.create_index(
        "ix_refresh_tokens_session_id_expires_at", "refresh_tokens", ["session_id", "expires_at"]
    )


def downgrade() -> None:
    op.drop_table("refresh_tokens")
    op.drop_table("user_sessions")
