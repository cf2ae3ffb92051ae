"""The mail tests' apps: each with its sender running, and mails queued straight into it."""

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from {{ cookiecutter.project_slug }}.core.mail.models import OutgoingMail
from {{ cookiecutter.project_slug }}.core.mail.outbox import queue_mail
from tests.conftest import app_with

SENDER = "service@example.com"
LINK = "https://app.example.com/verify-email?token=abc123"
# Retries and polls in fractions of a second: the tests wait for what happens, not for time.
FAST = {"mail_retry_first_seconds": 0.05, "mail_retry_max_seconds": 0.2, "mail_poll_seconds": 0.2}


@contextmanager
def running(database_url: str, **overrides: object) -> Iterator[FastAPI]:
    """An app with its mail sender running (its lifespan), with these settings."""
    with app_with(database_url, mail_from=SENDER, **FAST | overrides) as app, TestClient(app):
        yield app


def smtp_app(database_url: str, url: str, **overrides: object) -> AbstractContextManager[FastAPI]:
    return running(database_url, mail_backend="smtp", smtp_url=url, **overrides)


def queue(app: FastAPI, *, subject: str = "Verify your address", request_id: str = "r-1") -> None:
    with app.state.session_factory.begin() as session:
        queue_mail(
            session,
            to="alice@example.com",
            subject=subject,
            text=f"Open {LINK}",
            html=f'<a href="{LINK}">Verify</a>',
            request_id=request_id,
        )


def outbox_size(app: FastAPI) -> int:
    with app.state.session_factory() as session:
        return session.scalar(select(func.count()).select_from(OutgoingMail)) or 0
