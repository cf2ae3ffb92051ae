"""The outgoing_mails table: the outbox that core/mail/ sends from.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
{%- if cookiecutter.database == "mysql" %}
from sqlalchemy.dialects import mysql
{%- endif %}

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
{%- if cookiecutter.database == "mysql" %}

ID = sa.BigInteger()
MOMENT = mysql.DATETIME(fsp=6)
{%- elif cookiecutter.database == "postgresql" %}

ID = sa.BigInteger()
MOMENT = sa.DateTime()
{%- else %}

ID = sa.Integer()  # SQLite's INTEGER PRIMARY KEY: its 64-bit row id
MOMENT = sa.DateTime()
{%- endif %}


def upgrade() -> None:
    op.create_table(
        "outgoing_mails",
        sa.Column("id", ID, nullable=False),
        sa.Column("recipient", sa.String(length=320), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("text_body", sa.Text(), nullable=False),
        sa.Column("html_body", sa.Text(), nullable=True),
        sa.Column("request_id", sa.String(length=128), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", MOMENT, nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outgoing_mails")),
{%- if cookiecutter.database == 'sqlite' %}
        sqlite_autoincrement=True,  # ids never reused: the log names mails by id
{%- elif cookiecutter.database == 'mysql' %}
        mysql_engine="InnoDB",
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_unicode_ci",
{%- endif %}
    )
    op.create_index("ix_outgoing_mails_next_attempt_at", "outgoing_mails", ["next_attempt_at"])


def downgrade() -> None:
    op.drop_index("ix_outgoing_mails_next_attempt_at", table_name="outgoing_mails")
    op.drop_table("outgoing_mails")
