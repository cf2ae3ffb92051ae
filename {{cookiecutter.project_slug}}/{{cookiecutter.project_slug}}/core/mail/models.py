"""The outgoing_mails table: mails queued by requests, waiting for the sender."""

from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from {{ cookiecutter.project_slug }}.core.models import ID, Base, UTCDateTime, utc_now


class OutgoingMail(Base):
    """A mail to send: added in the transaction of the request that queued it, deleted once
    a server took it (or it was refused for good)."""

    __tablename__ = "outgoing_mails"
    # The log names mails by id: on SQLite too, a sent mail's id is never another's.
    __table_args__ = (
        Index("ix_outgoing_mails_next_attempt_at", "next_attempt_at"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    recipient: Mapped[str] = mapped_column(String(320))  # the longest an address can be
    subject: Mapped[str] = mapped_column(String(255))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str | None] = mapped_column(Text)
    # The request that queued it: the sender's log lines about this mail carry it.
    request_id: Mapped[str | None] = mapped_column(String(128))
    # Claims so far. A claim also serves as the row's version: only one worker can move it on.
    attempts: Mapped[int] = mapped_column(default=0)
    # Due from then on; a claim moves it past the time a send may take, so that a worker
    # that died while sending leaves the mail to another one, later.
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
