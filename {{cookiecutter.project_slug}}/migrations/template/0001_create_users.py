"""Create the users table.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
{%- if cookiecutter.database == "mysql" %}
from sqlalchemy.dialects import mysql
{%- endif %}

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
{%- if cookiecutter.database == "postgresql" %}
    # PostgreSQL's equivalent of a case-insensitive collation: ICU's, at the strength that
    # compares letters without their case ("ks-level2"); not deterministic, so equal means
    # equal under it, in comparisons and in the unique index alike.
    op.execute(
        "CREATE COLLATION IF NOT EXISTS case_insensitive"
        " (provider = icu, locale = 'und-u-ks-level2', deterministic = false)"
    )
{%- endif %}
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        # Case-insensitive: "Alice" and "alice" are the same username.
        sa.Column(
            "username",
            sa.String(length=50, collation="{{ cookiecutter.__username_collation }}"),
            nullable=False,
        ),
        sa.Column("age", sa.Integer(), nullable=True),
        sa.Column("hashed_password", sa.String(length=255), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("is_superuser", sa.Boolean(), nullable=False),
        sa.Column("token_version", sa.Integer(), nullable=False),
{%- if cookiecutter.database == "mysql" %}
        sa.Column("created_at", mysql.DATETIME(fsp=6), nullable=False),
        sa.Column("updated_at", mysql.DATETIME(fsp=6), nullable=False),
{%- else %}
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
{%- endif %}
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("username"),
{%- if cookiecutter.database == 'mysql' %}
        # utf8mb4 whatever the database's default, so any Unicode text round-trips.
        mysql_engine="InnoDB",
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_unicode_ci",
{%- endif %}
    )


def downgrade() -> None:
    op.drop_table("users")
{%- if cookiecutter.database == "postgresql" %}
    op.execute("DROP COLLATION IF EXISTS case_insensitive")
{%- endif %}
