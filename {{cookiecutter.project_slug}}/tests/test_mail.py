"""Mail delivery: the outbox sent after the commit, through a real SMTP server (aiosmtpd)."""

import logging
from email.utils import parsedate_to_datetime

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient

from {{ cookiecutter.project_slug }}.core.dependencies import SessionDep
from {{ cookiecutter.project_slug }}.core.mail.outbox import queue_mail
from tests.conftest import app_with
from tests.mail_apps import LINK, SENDER, outbox_size, queue, running, smtp_app
from tests.smtp_server import (
    HANG_LIMIT_SECONDS,
    Inbox,
    MailLog,
    SilentServer,
    free_port,
    smtp_server,
)

pytestmark = pytest.mark.usefixtures("empty_outbox")

# What an account endpoint does: queue a mail in its request's transaction, then commit.
mail_router = APIRouter()


@mail_router.post("/send-test-mail", status_code=202)
def send_test_mail(session: SessionDep) -> None:
    queue_mail(session, to="alice@example.com", subject="Later", text=f"Open {LINK}")
    session.commit()


def test_a_queued_mail_arrives_with_both_bodies(database_url: str, log: MailLog) -> None:
    inbox, port = Inbox(), free_port()
    with smtp_server(inbox, port), smtp_app(database_url, f"smtp://127.0.0.1:{port}") as app:
        queue(app)
        [message] = inbox.wait_for(1)
        log.wait_for(logging.INFO, "sent")

        assert outbox_size(app) == 0
    assert (message["From"], message["To"]) == (SENDER, "alice@example.com")
    assert message["Subject"] == "Verify your address"
    # RFC 5322's one required header besides From: when it was sent.
    assert parsedate_to_datetime(message["Date"]).tzinfo is not None
    assert message.get_content_type() == "multipart/alternative"
    plain, html = message.get_body(("plain",)), message.get_body(("html",))
    assert plain is not None
    assert html is not None
    assert LINK in plain.get_content()
    assert f'href="{LINK}"' in html.get_content()


def test_a_commit_that_queued_a_mail_wakes_the_sender(database_url: str) -> None:
    # Polling only once an hour: each mail goes out because its commit woke the sender.
    inbox, port = Inbox(), free_port()
    url = f"smtp://127.0.0.1:{port}"
    with smtp_server(inbox, port), smtp_app(database_url, url, mail_poll_seconds=3600) as app:
        queue(app, subject="First")
        inbox.wait_for(1)
        queue(app, subject="Second")
        inbox.wait_for(2)

    assert [message["Subject"] for message in inbox.messages] == ["First", "Second"]


def test_nothing_is_sent_when_the_transaction_rolls_back(database_url: str, log: MailLog) -> None:
    inbox, port = Inbox(), free_port()
    with smtp_server(inbox, port), smtp_app(database_url, f"smtp://127.0.0.1:{port}") as app:
        with app.state.session_factory() as session:
            queue_mail(session, to="bob@example.com", subject="Rolled back", text="No")
            session.flush()  # the row is in the transaction, until it rolls back
            session.rollback()  # as a failed request's
        queue(app, subject="Committed")
        log.wait_for(logging.INFO, "sent")

        assert outbox_size(app) == 0
    assert [message["Subject"] for message in inbox.messages] == ["Committed"]


def test_a_refused_mail_is_logged_as_an_error_and_not_retried(
    database_url: str, log: MailLog
) -> None:
    inbox, port = Inbox(refuse_with="550 5.1.1 No such mailbox"), free_port()
    with smtp_server(inbox, port), smtp_app(database_url, f"smtp://127.0.0.1:{port}") as app:
        queue(app, request_id="refused-1")
        [error] = log.wait_for(logging.ERROR, "refused")

        assert outbox_size(app) == 0  # dropped: nothing left to retry
    assert inbox.refused == 1
    assert "550" in error.getMessage()
    assert error.request_id == "refused-1"  # type: ignore[attr-defined]


def test_a_server_that_is_down_delays_the_mail_until_it_is_up(
    database_url: str, log: MailLog
) -> None:
    inbox, port = Inbox(), free_port()  # nothing listens there yet
    # Polling only once an hour: each retry comes when the sender said it would.
    with smtp_app(database_url, f"smtp://127.0.0.1:{port}", mail_poll_seconds=3600) as app:
        app.include_router(mail_router)
        answer = TestClient(app).post("/send-test-mail", headers={"X-Request-ID": "outage-1"})
        warnings = log.wait_for(logging.WARNING, "not sent", count=2)  # tried, and again
        with smtp_server(inbox, port):
            [message] = inbox.wait_for(1)

    assert answer.status_code == 202
    assert message["Subject"] == "Later"
    assert {record.request_id for record in warnings} == {"outage-1"}  # type: ignore[attr-defined]
    assert all("ConnectionRefusedError" in record.getMessage() for record in warnings)


def test_a_server_that_hangs_holds_up_no_request(database_url: str, log: MailLog) -> None:
    server = SilentServer()
    url = f"smtp://127.0.0.1:{server.port}"
    # An SMTP timeout longer than the server holds on: only the server lets go. The client
    # that runs the app's lifespan: its requests share the sender's event loop.
    with (
        app_with(database_url, mail_backend="smtp", smtp_url=url, smtp_timeout_seconds=300) as app,
        TestClient(app) as client,
    ):
        app.include_router(mail_router)
        answer = client.post("/send-test-mail", headers={"X-Request-ID": "hung-1"})
        assert server.connected.wait(HANG_LIMIT_SECONDS)  # the sender waits for a greeting
        live = client.get("/health/live")
        still_held = server.holding()
        server.let_go()
        [warning, *_] = log.wait_for(logging.WARNING, "not sent")

    assert still_held  # both requests were answered while the sender waited
    assert (answer.status_code, live.status_code) == (202, 200)
    assert warning.request_id == "hung-1"  # type: ignore[attr-defined]


def test_a_mail_unsent_past_the_give_up_age_is_dropped(database_url: str, log: MailLog) -> None:
    url = f"smtp://127.0.0.1:{free_port()}"  # down
    with smtp_app(database_url, url, mail_give_up_seconds=0.001) as app:
        queue(app)
        log.wait_for(logging.ERROR, "unsent for too long")

        assert outbox_size(app) == 0


def test_two_senders_never_send_one_mail_twice(database_url: str, log: MailLog) -> None:
    # Three workers' senders (an app each, on one database) race for the same mails: each
    # claim goes to one of them, so each mail is sent once.
    inbox, port, count = Inbox(), free_port(), 20
    url = f"smtp://127.0.0.1:{port}"
    with smtp_server(inbox, port):
        with (
            smtp_app(database_url, url) as first,
            smtp_app(database_url, url),
            smtp_app(database_url, url),
        ):
            with first.state.session_factory.begin() as session:
                for number in range(count):
                    queue_mail(session, to="a@example.com", subject=f"#{number}", text="Hi")
            log.wait_for(logging.INFO, "sent", count=count)
        # The senders have stopped, after any send they had begun.
        subjects = [message["Subject"] for message in inbox.messages]

    assert sorted(subjects) == sorted(f"#{number}" for number in range(count))


def test_the_console_backend_logs_the_whole_mail(database_url: str, log: MailLog) -> None:
    with running(database_url) as app:  # MAIL_BACKEND's default: console
        queue(app)
        [record] = log.wait_for(logging.INFO, "MAIL_BACKEND=console")
        log.wait_for(logging.INFO, "sent")

        assert outbox_size(app) == 0
    text = record.getMessage()
    assert "To: alice@example.com" in text
    assert "Subject: Verify your address" in text
    assert LINK in text
