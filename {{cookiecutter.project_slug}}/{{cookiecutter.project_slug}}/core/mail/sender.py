"""The sender: one per worker, in the background, delivering the outbox one mail at a time.

Everything blocking (the database, the SMTP conversation) runs in a thread, so the event
loop and the requests' answers never wait for it. No error leaves the loop: a failed
attempt is logged, with the request id of the request that queued the mail, and retried.
"""

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta

from sqlalchemy import event
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from {{ cookiecutter.project_slug }}.core.mail.models import OutgoingMail
from {{ cookiecutter.project_slug }}.core.mail.outbox import (
    QUEUED_MARK,
    claim_due_mail,
    delete_mail,
    retry_mail_at,
)
from {{ cookiecutter.project_slug }}.core.mail.settings import MailSettings
from {{ cookiecutter.project_slug }}.core.mail.transports import PermanentMailError, deliver
from {{ cookiecutter.project_slug }}.core.middleware.request_ids import current_request_id
from {{ cookiecutter.project_slug }}.core.models import utc_now

logger = logging.getLogger(__name__)


class MailSender:
    """Delivers due mails from start() until stop(); wake() makes it look at once."""

    def __init__(self, settings: MailSettings, session_factory: sessionmaker[Session]) -> None:
        self.settings = settings
        self.session_factory = session_factory
        self.loop: asyncio.AbstractEventLoop | None = None
        self.wanted = asyncio.Event()
        self.task: asyncio.Task[None] | None = None
        self.stopping = False
        # A claimed mail is left alone this long, time enough to send it: the SMTP timeout
        # for each step of the conversation (connect, EHLO, STARTTLS, AUTH, MAIL and RCPT,
        # DATA). A worker that died meanwhile leaves it to the others after that.
        self.hold = timedelta(seconds=settings.smtp_timeout_seconds * 6)
        # When a mail this sender failed to send is due again: it looks then, not only at
        # its next poll, so that a retry comes when the log said it would.
        self.next_retry: datetime | None = None

    def watch(self, session_factory: sessionmaker[Session]) -> None:
        """Wake up when a session of this factory commits a queued mail (outbox.queue_mail)."""
        event.listen(session_factory, "after_commit", self._after_commit)
        event.listen(session_factory, "after_rollback", self._after_rollback)

    def _after_commit(self, session: Session) -> None:
        if session.info.pop(QUEUED_MARK, False):
            self.wake()

    def _after_rollback(self, session: Session) -> None:
        session.info.pop(QUEUED_MARK, None)  # rolled back: nothing was queued after all

    def wake(self) -> None:
        """Look for due mails now; callable from any thread (commits happen in threads)."""
        loop = self.loop
        # A loop that closed meanwhile (the app stopping): the next start looks anyway, and
        # the commit that called this must not fail for it.
        with contextlib.suppress(RuntimeError):
            if loop is not None:
                loop.call_soon_threadsafe(self.wanted.set)

    async def start(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.wanted = asyncio.Event()  # of this loop: a test may run several loops in turn
        self.stopping = False
        self.task = asyncio.create_task(self._run(), name="mail sender")

    async def stop(self) -> None:
        """Stop, after the mail being sent if any: it is deleted or rescheduled first, not
        left claimed (a thread cannot be cancelled anyway)."""
        self.stopping = True
        self.wanted.set()
        if self.task is not None:
            await self.task
        self.loop = self.task = None

    async def _run(self) -> None:
        while not self.stopping:
            self.wanted.clear()
            try:
                # One mail at a time, until none is due.
                while not self.stopping and await asyncio.to_thread(self.send_next):
                    pass
            except SQLAlchemyError:
                logger.warning("The outbox could not be read; trying again later", exc_info=True)
            except Exception:  # a bug: logged, and the sender lives on to send the rest
                logger.exception("The mail sender failed; trying again later")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wanted.wait(), self.seconds_to_sleep())

    def seconds_to_sleep(self) -> float:
        """Until the next poll, or the next retry of this sender's, whichever comes first."""
        seconds = self.settings.mail_poll_seconds
        if self.next_retry is not None:
            until = (self.next_retry - utc_now()).total_seconds()
            if until > 0:
                return min(seconds, until)
            self.next_retry = None  # due already: the loop above has just sent what was due
        return seconds

    def send_next(self) -> bool:
        """Claim and send the mail due first; False when none is due."""
        with self.session_factory() as session:
            mail = claim_due_mail(session, hold=self.hold)
            if mail is None:
                return False
            # The log lines about this mail name the request that queued it.
            current_request_id.set(mail.request_id)
            try:
                deliver(mail, self.settings)
            except PermanentMailError as error:
                delete_mail(session, mail)
                logger.error("Mail %s to %s refused, dropped: %s", mail.id, mail.recipient, error)
            except Exception as error:  # any failure may pass: try again later
                self.retry_later(session, mail, f"{type(error).__name__}: {error}")
            else:
                delete_mail(session, mail)
                logger.info("Mail %s to %s sent", mail.id, mail.recipient)
            finally:
                current_request_id.set(None)
        return True

    def retry_later(self, session: Session, mail: OutgoingMail, error: str) -> None:
        """Back off exponentially, or give up on a mail that waited too long."""
        now = utc_now()
        if now - mail.created_at >= timedelta(seconds=self.settings.mail_give_up_seconds):
            delete_mail(session, mail)
            logger.error(
                "Mail %s to %s unsent for too long, dropped: %s", mail.id, mail.recipient, error
            )
            return
        wait = min(
            self.settings.mail_retry_first_seconds * 2 ** min(mail.attempts - 1, 30),
            self.settings.mail_retry_max_seconds,
        )
        when = now + timedelta(seconds=wait)
        retry_mail_at(session, mail, when, error)
        # The soonest of this sender's retries still to come (one past was just made).
        if self.next_retry is None or self.next_retry <= now or when < self.next_retry:
            self.next_retry = when
        logger.warning(
            "Mail %s to %s not sent (attempt %s), trying again in %.3g s: %s",
            *(mail.id, mail.recipient, mail.attempts, wait, error),
        )
