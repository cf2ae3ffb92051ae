"""Sessions and their refresh tokens: each token refreshes once; a token used twice ends
its session (RFC 9700); a new password or a deleted user ends every session."""

import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from {{ cookiecutter.project_slug }}.core.database.sessions import create_session_factory
from {{ cookiecutter.project_slug }}.core.opaque_tokens import digest
from {{ cookiecutter.project_slug }}.sessions import queries
from {{ cookiecutter.project_slug }}.sessions.models import RefreshToken, UserSession
from {{ cookiecutter.project_slug }}.sessions.queries import (
    IssuedToken,
    Lifetimes,
    RefreshRefusedError,
)
from {{ cookiecutter.project_slug }}.users import queries as user_queries
from {{ cookiecutter.project_slug }}.users.models import User
from tests.conftest import UserFactory

LIFETIMES = Lifetimes(refresh_token=timedelta(days=30), session=timedelta(days=90))
HANG_LIMIT_SECONDS = 60

Transaction = Callable[[], AbstractContextManager[Session]]


@pytest.fixture
def transaction(app: FastAPI, client: TestClient) -> Transaction:
    """A new database session in a transaction that commits when the block ends."""
    factory = create_session_factory(app.state.engine)

    @contextmanager
    def begin() -> Iterator[Session]:
        with factory.begin() as session:
            yield session

    return begin


def sign_in(transaction: Transaction, user: User, agent: str | None = "pytest") -> IssuedToken:
    with transaction() as session:
        signed_in = session.get_one(User, user.id)
        return queries.start_session(session, user=signed_in, user_agent=agent, lifetimes=LIFETIMES)


def refresh(transaction: Transaction, token: str) -> IssuedToken:
    """Refresh as the endpoint does: a refused refresh still commits what it ended."""
    with transaction() as session:
        try:
            return queries.refresh(session, token=token, lifetimes=LIFETIMES)
        except RefreshRefusedError as error:
            session.commit()
            raise error


def session_row(transaction: Transaction, session_id: int) -> UserSession | None:
    with transaction() as session:
        return session.get(UserSession, session_id)


def test_each_refresh_gives_a_new_token_of_the_same_session(
    transaction: Transaction, user: User
) -> None:
    first = sign_in(transaction, user)
    second = refresh(transaction, first.token)
    third = refresh(transaction, second.token)

    assert len({first.token, second.token, third.token}) == 3
    assert first.session_id == second.session_id == third.session_id


def test_a_token_used_twice_ends_its_session_and_the_newer_tokens_with_it(
    transaction: Transaction, user: User
) -> None:
    first = sign_in(transaction, user)
    second = refresh(transaction, first.token)

    with pytest.raises(RefreshRefusedError) as replay:
        refresh(transaction, first.token)
    assert replay.value.replayed
    with pytest.raises(RefreshRefusedError) as after:
        refresh(transaction, second.token)  # the rightful holder's token dies too

    assert not after.value.replayed
    ended = session_row(transaction, first.session_id)
    assert ended is not None
    assert ended.ended_at is not None


def test_an_unknown_token_refreshes_nothing_and_ends_nothing(
    transaction: Transaction, user: User
) -> None:
    issued = sign_in(transaction, user)
    with pytest.raises(RefreshRefusedError) as refused:
        refresh(transaction, issued.token + "x")

    assert not refused.value.replayed
    assert refresh(transaction, issued.token).session_id == issued.session_id


def test_the_database_keeps_only_a_hash_of_each_token(transaction: Transaction, user: User) -> None:
    issued = sign_in(transaction, user)
    with transaction() as session:
        [stored] = session.scalars(select(RefreshToken.token_hash))

    assert issued.token not in stored
    assert len(stored) == 64  # SHA-256, in hexadecimal
    assert len(issued.token) >= 43  # 256 random bits, URL-safe base64


def test_an_expired_token_refreshes_nothing(transaction: Transaction, user: User) -> None:
    issued = sign_in(transaction, user)
    with transaction() as session:
        aged = update(RefreshToken).values(expires_at=RefreshToken.created_at)
        session.execute(aged)

    with pytest.raises(RefreshRefusedError):
        refresh(transaction, issued.token)


def test_refreshing_never_takes_a_token_past_the_sessions_limit(
    transaction: Transaction, user: User
) -> None:
    issued = sign_in(transaction, user)
    with transaction() as session:
        ending_soon = session.get_one(UserSession, issued.session_id)
        ending_soon.expires_at = ending_soon.created_at + timedelta(days=1)
    refreshed = refresh(transaction, issued.token)

    limit = session_row(transaction, issued.session_id)
    assert limit is not None
    assert refreshed.expires_at == limit.expires_at  # not 30 days on


def test_a_new_password_ends_every_session(transaction: Transaction, user: User) -> None:
    phone, laptop = sign_in(transaction, user, "phone"), sign_in(transaction, user, "laptop")
    with transaction() as session:
        user_queries.retire_tokens(session, user=session.get_one(User, user.id))

    for device in (phone, laptop):
        with pytest.raises(RefreshRefusedError):
            refresh(transaction, device.token)
    with transaction() as session:
        assert queries.live_sessions(session, user=session.get_one(User, user.id)) == []


def test_deleting_a_user_deletes_their_sessions_and_tokens(
    transaction: Transaction, user: User
) -> None:
    sign_in(transaction, user)
    with transaction() as session:
        user_queries.delete_user(session, user=session.get_one(User, user.id))

    with transaction() as session:
        assert session.scalars(select(UserSession)).all() == []
        assert session.scalars(select(RefreshToken)).all() == []


def test_signing_out_ends_only_that_session(transaction: Transaction, user: User) -> None:
    phone, laptop = sign_in(transaction, user, "phone"), sign_in(transaction, user, "laptop")
    with transaction() as session:
        queries.end_session_of_token(session, token=phone.token)
        queries.end_session_of_token(session, token="not a token of anyone's")

    with pytest.raises(RefreshRefusedError):
        refresh(transaction, phone.token)
    assert refresh(transaction, laptop.token).session_id == laptop.session_id


def test_the_list_holds_the_users_live_sessions_only(
    transaction: Transaction, user: User, create_user: UserFactory
) -> None:
    bob = create_user("bob")
    phone, laptop = sign_in(transaction, user, "phone"), sign_in(transaction, user, "laptop")
    sign_in(transaction, bob, "bob's")
    with transaction() as session:
        assert not queries.end_session(session, session_id=laptop.session_id, user_id=bob.id)
        assert queries.end_session(session, session_id=laptop.session_id, user_id=user.id)

    with transaction() as session:
        live = queries.live_sessions(session, user=session.get_one(User, user.id))
    assert [(s.id, s.user_agent) for s in live] == [(phone.session_id, "phone")]


def test_of_two_refreshes_with_one_token_at_once_exactly_one_wins(
    transaction: Transaction, user: User
) -> None:
    issued = sign_in(transaction, user)
    start = threading.Barrier(2, timeout=HANG_LIMIT_SECONDS)
    outcomes: list[str] = []

    def present() -> None:
        start.wait()
        try:
            refresh(transaction, issued.token)
            outcomes.append("refreshed")
        except RefreshRefusedError:
            outcomes.append("refused")

    threads = [threading.Thread(target=present) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(HANG_LIMIT_SECONDS)

    assert sorted(outcomes) == ["refreshed", "refused"]


def test_a_login_clears_the_users_sessions_that_are_over(
    transaction: Transaction, user: User, create_user: UserFactory
) -> None:
    ended, expired, live = (sign_in(transaction, user) for _ in range(3))
    others = sign_in(transaction, create_user("bob"))
    with transaction() as session:
        queries.end_session(session, session_id=ended.session_id)
        past = session.get_one(UserSession, expired.session_id)
        past.expires_at = past.created_at
        queries.end_session(session, session_id=others.session_id)

    newest = sign_in(transaction, user)

    with transaction() as session:
        left = set(session.scalars(select(UserSession.id)))
    assert left == {live.session_id, newest.session_id, others.session_id}


def test_a_login_clears_the_sessions_begun_before_a_new_password(
    transaction: Transaction, user: User
) -> None:
    before = sign_in(transaction, user)
    with transaction() as session:
        user_queries.retire_tokens(session, user=session.get_one(User, user.id))

    after = sign_in(transaction, user)

    with transaction() as session:
        left = set(session.scalars(select(UserSession.id)))
    assert before.session_id not in left
    assert left == {after.session_id}


def test_a_refresh_clears_its_sessions_expired_tokens(transaction: Transaction, user: User) -> None:
    first = sign_in(transaction, user)
    second = refresh(transaction, first.token)
    with transaction() as session:
        aged = update(RefreshToken).where(RefreshToken.token_hash == digest(first.token))
        session.execute(aged.values(expires_at=RefreshToken.created_at))

    third = refresh(transaction, second.token)

    with transaction() as session:
        left = set(session.scalars(select(RefreshToken.token_hash)))
    assert left == {digest(second.token), digest(third.token)}
