"""Ids never reused, token versions that start at random, and login attempts.

The users table: token_version becomes a BIGINT, wide enough for the random number each
new user's version now starts at; on SQLite, ids become AUTOINCREMENT, so that the id of
a deleted user is never given out again (MySQL never reuses one). Existing users and
their tokens are kept. The login_attempts table throttles password guessing.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
{%- if cookiecutter.database == "mysql" %}
from sqlalchemy.dialects import mysql
{%- endif %}

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
{%- if cookiecutter.database == "sqlite" %}

# SQLite does not report a column's collation, so the copy of the table states it again.
USERNAME = sa.Column("username", sa.String(length=50, collation="NOCASE"), nullable=False)
{%- endif %}


def upgrade() -> None:
{%- if cookiecutter.database == "sqlite" %}
    # SQLite can change neither a column's type nor AUTOINCREMENT in place: batch mode
    # copies the table into a new one made with them, rows and ids included. The copy is
    # AUTOINCREMENT because the model is (env.py gives every batch copy the model's).
    with op.batch_alter_table("users", recreate="always", reflect_args=(USERNAME,)) as users:
        users.alter_column(
            "token_version", existing_type=sa.Integer(), type_=sa.BigInteger(), nullable=False
        )
{%- else %}
    op.alter_column(
        "users", "token_version", existing_type=sa.Integer(), type_=sa.BigInteger(), nullable=False
    )
{%- endif %}
    op.create_table(
        "login_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        # Compared without case, like users.username.
        sa.Column(
            "username",
            sa.String(length=50, collation="{{ cookiecutter.__username_collation }}"),
            nullable=False,
        ),
{%- if cookiecutter.database == "mysql" %}
        sa.Column("attempted_at", mysql.DATETIME(fsp=6), nullable=False),
{%- else %}
        sa.Column("attempted_at", sa.DateTime(), nullable=False),
{%- endif %}
        sa.PrimaryKeyConstraint("id"),
{%- if cookiecutter.database == 'mysql' %}
        mysql_engine="InnoDB",
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_unicode_ci",
{%- endif %}
    )
    # One username's recent attempts are counted at every login; old ones are deleted by age.
    op.create_index(
        "ix_login_attempts_username_attempted_at", "login_attempts", ["username", "attempted_at"]
    )
    op.create_index("ix_login_attempts_attempted_at", "login_attempts", ["attempted_at"])


def downgrade() -> None:
    op.drop_table("login_attempts")
    # Back into an INT, every version moves to one no token has: on, where it fits (users
    # made before 0002 hold their versions since 0); else to 0, below any random start.
    op.execute(
        sa.text(
            "UPDATE users SET token_version ="
            " CASE WHEN token_version < 2147483647 THEN token_version + 1 ELSE 0 END"
        )
    )
{%- if cookiecutter.database == "sqlite" %}
    with op.batch_alter_table("users", recreate="always", reflect_args=(USERNAME,)) as users:
        users.alter_column(
            "token_version", existing_type=sa.BigInteger(), type_=sa.Integer(), nullable=False
        )
{%- else %}
    op.alter_column(
        "users", "token_version", existing_type=sa.BigInteger(), type_=sa.Integer(), nullable=False
    )
{%- endif %}
