"""Create the login_attempts table, which throttles password guessing.

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


def upgrade() -> None:
    op.create_table(
        "login_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        # Compared without case, like users.username.
        sa.Column(
            "username",
            sa.String(length=50, collation="{{ 'NOCASE' if cookiecutter.database == 'sqlite' else 'utf8mb4_unicode_ci' }}"),
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
