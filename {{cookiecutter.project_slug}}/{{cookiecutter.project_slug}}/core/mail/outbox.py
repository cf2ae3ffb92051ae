"""The outbox's queries: queue a mail in the caller's transaction; claim, finish, retry."""

from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from {{ cookiecutter.project_slug }}.core.mail.models import OutgoingMail
from {{ cookiecutter.project_slug }}.core.middleware.request_ids import current_request_id
from {{ cookiecutter.project_slug }}.core.models import utc_now

# A queued mail tells the sender of its worker to look now, once the transaction commits
# (sender.py watches the sessions' commits for this mark).
QUEUED_MARK = "mail_queued"
ERROR_LENGTH = 500


def queue_mail(
    session: Session,
    *,
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    request_id: str | None = None,
) -> OutgoingMail:
    """Add a mail to the outbox, in the session's transaction: it is sent after a commit,
    never if the transaction rolls back. The request id defaults to the current request's."""
    mail = OutgoingMail(
        recipient=to,
        subject=subject,
        text_body=text,
        html_body=html,
        request_id=request_id or current_request_id.get(),
    )
    session.add(mail)
    session.info[QUEUED_MARK] = True
    return mail


def claim_due_mail(session: Session, *, hold: timedelta) -> OutgoingMail | None:
    """Claim the mail due first, for `hold` from now; None when none is due, or another
    worker claimed it first (the caller looks again)."""
    now = utc_now()
    due = session.scalars(
        select(OutgoingMail)
        .where(OutgoingMail.next_attempt_at <= now)
        .order_by(OutgoingMail.next_attempt_at, OutgoingMail.id)
        .limit(1)
    ).first()
    if due is None:
        return None
    # Only one worker's UPDATE finds the attempts it read: the others' change no row.
    claimed = session.execute(
        update(OutgoingMail)
        .where(OutgoingMail.id == due.id, OutgoingMail.attempts == due.attempts)
        .values(attempts=due.attempts + 1, next_attempt_at=now + hold)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return None
    session.refresh(due)
    return due


def delete_mail(session: Session, mail: OutgoingMail) -> None:
    """Sent, or refused for good: out of the outbox."""
    session.execute(delete(OutgoingMail).where(OutgoingMail.id == mail.id))
    session.commit()


def retry_mail_at(session: Session, mail: OutgoingMail, when: datetime, error: str) -> None:
    """Not sent this time: due again at `when`, with the error that stopped it."""
    session.execute(
        update(OutgoingMail)
        .where(OutgoingMail.id == mail.id)
        .values(next_attempt_at=when, last_error=error[:ERROR_LENGTH])
        .execution_options(synchronize_session=False)
    )
    session.commit()
