"""Mail tokens at the query level: one purpose each, and used once even when raced."""

import threading
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from {{ cookiecutter.project_slug }}.account_mail.models import (
    RESET_PASSWORD,
    VERIFY_EMAIL,
    MailToken,
)
from {{ cookiecutter.project_slug }}.account_mail.tokens import (
    issue_mail_token,
    redeem_mail_token,
)
from {{ cookiecutter.project_slug }}.core.database.sessions import create_session_factory
from {{ cookiecutter.project_slug }}.core.opaque_tokens import digest
from {{ cookiecutter.project_slug }}.users.models import User
from tests.conftest import UserFactory
from tests.smtp_server import HANG_LIMIT_SECONDS

LIFETIME = timedelta(minutes=30)


@pytest.fixture
def sessions(app: FastAPI, client: TestClient) -> sessionmaker[Session]:
    return create_session_factory(app.state.engine)


@pytest.fixture
def alice(create_user: UserFactory, sessions: sessionmaker[Session]) -> User:
    user = create_user("alice")
    with sessions.begin() as session:
        session.get_one(User, user.id).email = "alice@example.com"
    return user


def issue(sessions: sessionmaker[Session], user: User, purpose: str) -> str:
    with sessions.begin() as session:
        return issue_mail_token(
            session, user=session.get_one(User, user.id), purpose=purpose, lifetime=LIFETIME
        )


def redeem(sessions: sessionmaker[Session], token: str, purpose: str) -> int | None:
    """The id of the user the token was redeemed for, or None."""
    with sessions.begin() as session:
        user = redeem_mail_token(session, token=token, purpose=purpose)
        return None if user is None else user.id


def test_a_token_is_stored_only_as_its_hash(sessions: sessionmaker[Session], alice: User) -> None:
    token = issue(sessions, alice, RESET_PASSWORD)

    with sessions() as session:
        [stored] = session.scalars(select(MailToken.token_hash))
    assert stored == digest(token) != token


def test_a_token_works_only_for_its_purpose(sessions: sessionmaker[Session], alice: User) -> None:
    verification = issue(sessions, alice, VERIFY_EMAIL)

    assert redeem(sessions, verification, RESET_PASSWORD) is None
    assert redeem(sessions, verification, VERIFY_EMAIL) == alice.id


def test_of_two_redeems_of_one_token_at_once_exactly_one_wins(
    sessions: sessionmaker[Session], alice: User
) -> None:
    token = issue(sessions, alice, RESET_PASSWORD)
    start = threading.Barrier(2, timeout=HANG_LIMIT_SECONDS)
    outcomes: list[int | None] = []

    def present() -> None:
        start.wait()
        outcomes.append(redeem(sessions, token, RESET_PASSWORD))

    threads = [threading.Thread(target=present) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(HANG_LIMIT_SECONDS)

    # One redeem gets the user; the other finds the token used.
    assert sorted(outcomes, key=lambda outcome: outcome is None) == [alice.id, None]
