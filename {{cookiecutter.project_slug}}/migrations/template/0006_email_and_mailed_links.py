"""Users' email addresses, and the tokens and requests of mailed links.

users gains `email` (optional, unique regardless of case, like usernames) and
`email_verified` (false for every existing user: nobody has an address yet). mail_tokens
keeps the SHA-256 of each link's token; mail_requests each request for a link, which
throttling counts. Deleting a user deletes their tokens.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
{%- if cookiecutter.database == "mysql" %}
from sqlalchemy.dialects import mysql
{%- endif %}

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Compared without case, like usernames.
EMAIL = sa.String(length=254, collation="{{ cookiecutter.__username_collation }}")
{%- if cookiecutter.database == "sqlite" %}
ID = sa.Integer()  # SQLite's INTEGER PRIMARY KEY: its 64-bit row id
TIME = sa.DateTime()
{%- elif cookiecutter.database == "mysql" %}
ID = sa.BigInteger()
TIME = mysql.DATETIME(fsp=6)  # microseconds kept
{%- else %}
ID = sa.BigInteger()
TIME = sa.DateTime()
{%- endif %}


def upgrade() -> None:
    op.add_column("users", sa.Column("email", EMAIL, nullable=True))
    # The default fills the existing rows; new ones get the model's.
    op.add_column(
        "users",
        sa.Column("email_verified", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_index("ix_users_email", "users", ["email"], unique=True)
    op.create_table(
        "mail_tokens",
        sa.Column("id", ID, nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("token_version", sa.BigInteger(), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("expires_at", TIME, nullable=False),
        sa.Column("used_at", TIME, nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_mail_tokens_user_id_users", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_mail_tokens"),
        sa.UniqueConstraint("token_hash", name="uq_mail_tokens_token_hash"),
{%- if cookiecutter.database == "mysql" %}
        mysql_engine="InnoDB",
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_unicode_ci",
{%- endif %}
    )
    op.create_index("ix_mail_tokens_user_id", "mail_tokens", ["user_id"])
    op.create_table(
        "mail_requests",
        sa.Column("id", ID, nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("email", EMAIL, nullable=True),
        sa.Column("client", sa.String(length=64), nullable=True),
        sa.Column("requested_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_mail_requests"),
{%- if cookiecutter.database == "mysql" %}
        mysql_engine="InnoDB",
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_unicode_ci",
{%- endif %}
    )
    op.create_index(
        "ix_mail_requests_email_requested_at", "mail_requests", ["email", "requested_at"]
    )
    op.create_index(
        "ix_mail_requests_client_requested_at", "mail_requests", ["client", "requested_at"]
    )
    op.create_index("ix_mail_requests_requested_at", "mail_requests", ["requested_at"])


def downgrade() -> None:
    op.drop_table("mail_requests")
    op.drop_table("mail_tokens")
    op.drop_index("ix_users_email", table_name="users")
    op.drop_column("users", "email_verified")
    op.drop_column("users", "email")
