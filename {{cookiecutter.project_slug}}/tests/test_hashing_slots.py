"""Logins take one of a few hashing slots: a busy hasher waits for one, then answers 503."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from {{ cookiecutter.project_slug }}.auth.passwords import PasswordHasher
from {{ cookiecutter.project_slug }}.users.models import User
from tests.conftest import PASSWORD, app_with, log_in


@contextmanager
def one_slot_app(database_url: str, wait_seconds: float) -> Iterator[FastAPI]:
    """An app that hashes one password at a time, and waits this long for the slot."""
    overrides = {"password_hash_concurrency": 1, "password_hash_wait_seconds": wait_seconds}
    with app_with(database_url, **overrides) as app:
        yield app


@pytest.fixture
def patient_app(database_url: str, client: TestClient) -> Iterator[FastAPI]:
    # Far longer than the slot stays taken here: the login must wait for it, not give up.
    with one_slot_app(database_url, wait_seconds=60) as app:
        yield app


@pytest.fixture
def impatient_app(database_url: str, client: TestClient) -> Iterator[FastAPI]:
    with one_slot_app(database_url, wait_seconds=0.05) as app:
        yield app


@contextmanager
def slot_held(hasher: PasswordHasher) -> Iterator[threading.Event]:
    """Another request holds one of the hasher's slots until the event is set."""
    taken, done = threading.Event(), threading.Event()

    def hash_until_done() -> None:
        with hasher.slot():
            taken.set()
            done.wait()

    other = threading.Thread(target=hash_until_done)
    other.start()
    taken.wait()
    try:
        yield done
    finally:
        done.set()
        other.join()


@pytest.fixture
def slot_taken_by_another_request(patient_app: FastAPI) -> Iterator[threading.Event]:
    """Another request holds the only slot until the event is set."""
    with slot_held(patient_app.state.password_hasher) as done:
        yield done


def test_a_login_waits_for_a_busy_hasher_to_free_a_slot(
    patient_app: FastAPI,
    slot_taken_by_another_request: threading.Event,
    user: User,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hasher: PasswordHasher = patient_app.state.password_hasher
    verify = hasher.verify

    def verify_once_the_other_request_ends(password: str, hashed: str) -> tuple[bool, str | None]:
        # The other request ends a moment after this one has begun to wait for the slot.
        threading.Timer(0.1, slot_taken_by_another_request.set).start()
        return verify(password, hashed)

    monkeypatch.setattr(hasher, "verify", verify_once_the_other_request_ends)

    with TestClient(patient_app) as patient_client:
        response = log_in(patient_client, "alice", PASSWORD)

    assert response.status_code == 200


def test_a_login_as_an_unknown_user_needs_a_hashing_slot_too(impatient_app: FastAPI) -> None:
    # Its dummy verification costs what a real one does; a busy hasher refuses it alike.
    hasher: PasswordHasher = impatient_app.state.password_hasher
    with TestClient(impatient_app) as impatient_client:
        with hasher.slot():  # another request hashes all along
            busy = log_in(impatient_client, "nobody", PASSWORD)
        free = log_in(impatient_client, "nobody", PASSWORD)

    assert busy.status_code == 503
    assert int(busy.headers["Retry-After"]) >= 1
    assert free.status_code == 401
