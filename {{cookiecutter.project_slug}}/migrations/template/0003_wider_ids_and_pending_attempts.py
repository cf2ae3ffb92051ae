"""64-bit ids, and login attempts that are pending until their outcome is known.

On MySQL and PostgreSQL, ids become BIGINT (SQLite's are 64-bit already): every login,
and every 429, takes an id of login_attempts (a 32-bit counter ran out, and every login
then failed), and even a sign-up that fails takes one of users. Login
attempts gain `failed` (false while the password is being checked: a request that fails
withdraws its attempt) and `client`, the address that per-client throttling counts.
Existing attempts stay counted as failures.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
{%- if cookiecutter.database == "sqlite" %}

# SQLite does not report a column's collation, so the copy of the table states it again.
USERNAME = sa.Column("username", sa.String(length=50, collation="NOCASE"), nullable=False)
{%- else %}
TABLES = ("users", "login_attempts")
{%- endif %}


def upgrade() -> None:
{%- if cookiecutter.database == "mysql" %}
    for table in TABLES:
        op.alter_column(
            table,
            "id",
            existing_type=sa.Integer(),
            type_=sa.BigInteger(),
            existing_nullable=False,
            autoincrement=True,
        )
{%- elif cookiecutter.database == "postgresql" %}
    for table in TABLES:
        op.alter_column(table, "id", existing_type=sa.Integer(), type_=sa.BigInteger())
        # The counter is a sequence of its own, made for an integer column: widen it too.
        op.execute(f"ALTER SEQUENCE {table}_id_seq AS bigint")
{%- endif %}
    op.add_column("login_attempts", sa.Column("client", sa.String(length=64), nullable=True))
    op.add_column(
        "login_attempts",
        sa.Column("failed", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.execute(sa.text("UPDATE login_attempts SET failed = true"))
    op.create_index(
        "ix_login_attempts_client_attempted_at", "login_attempts", ["client", "attempted_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_login_attempts_client_attempted_at", table_name="login_attempts")
    # Before 0003, every attempt counted as a failure: the pending ones are let go.
    op.execute(sa.text("DELETE FROM login_attempts WHERE failed = false"))
{%- if cookiecutter.database == "sqlite" %}
    with op.batch_alter_table(
        "login_attempts", recreate="always", reflect_args=(USERNAME,)
    ) as login_attempts:
        login_attempts.drop_column("failed")
        login_attempts.drop_column("client")
{%- else %}
    op.drop_column("login_attempts", "failed")
    op.drop_column("login_attempts", "client")
{%- endif %}
{%- if cookiecutter.database == "mysql" %}
    for table in TABLES:
        op.alter_column(
            table,
            "id",
            existing_type=sa.BigInteger(),
            type_=sa.Integer(),
            existing_nullable=False,
            autoincrement=True,
        )
{%- elif cookiecutter.database == "postgresql" %}
    for table in TABLES:
        op.execute(f"ALTER SEQUENCE {table}_id_seq AS integer")
        op.alter_column(table, "id", existing_type=sa.BigInteger(), type_=sa.Integer())
{%- endif %}
