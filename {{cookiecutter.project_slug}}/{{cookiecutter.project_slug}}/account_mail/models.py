"""The mail_tokens and mail_requests tables.

A mail token is the secret in a mailed link: whoever can read the mailbox can use it, once,
before it expires. Like a refresh token, only its SHA-256 is stored (core/opaque_tokens.py).
A mail request is written down for every request to mail a link, whoever the address is
anyone's, so that throttling counts them alike and tells nothing (throttling.py).
"""

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from {{ cookiecutter.project_slug }}.auth.login_attempts import MAX_CLIENT_LENGTH
from {{ cookiecutter.project_slug }}.core.models import (
    ID,
    USERNAME_COLLATION,
    Base,
    UTCDateTime,
    utc_now,
)
from {{ cookiecutter.project_slug }}.core.opaque_tokens import DIGEST_LENGTH
from {{ cookiecutter.project_slug }}.users.models import EMAIL_LENGTH

# What a token, or a request, is for.
VERIFY_EMAIL = "verify_email"
RESET_PASSWORD = "reset_password"
# A request that presented a link token which was wrong: counted against its client.
WRONG_TOKEN = "wrong_token"


class MailToken(Base):
    __tablename__ = "mail_tokens"

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    # Deleting a user deletes their tokens.
    user_id: Mapped[int] = mapped_column(ID, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(DIGEST_LENGTH), unique=True)
    # The address it was mailed to: it proves only that one, so it is refused once the
    # user's address is another.
    email: Mapped[str] = mapped_column(String(EMAIL_LENGTH))
    # The user's token version at the mailing: a new password, or deactivation, moves it
    # on, and every link mailed before stops working, as their access tokens do.
    token_version: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class MailRequest(Base):
    __tablename__ = "mail_requests"
    __table_args__ = (
        Index("ix_mail_requests_email_requested_at", "email", "requested_at"),
        Index("ix_mail_requests_client_requested_at", "client", "requested_at"),
        Index("ix_mail_requests_requested_at", "requested_at"),
    )

    # Every request takes an id, existing address or not: 64-bit, like login attempts'.
    id: Mapped[int] = mapped_column(ID, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    # The address a link was asked for (compared without case, like users' addresses); None
    # for a wrong token, which names none.
    email: Mapped[str | None] = mapped_column(String(EMAIL_LENGTH, collation=USERNAME_COLLATION))
    client: Mapped[str | None] = mapped_column(String(MAX_CLIENT_LENGTH))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
