"""Mailed links, through a real SMTP server (aiosmtpd): verify an address, reset a password.

Each test signs up over HTTP, has the service mail a link, reads the message the server
took, and follows the token in the link, as a user's web app would.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from {{ cookiecutter.project_slug }}.account_mail.models import MailToken
from {{ cookiecutter.project_slug }}.core.models import utc_now
from {{ cookiecutter.project_slug }}.users.models import User
from tests.conftest import bearer, empty_every_table
from tests.mail_apps import outbox_size, smtp_app
from tests.smtp_server import Inbox, free_port, smtp_server

LINK_BASE = "https://app.example.com"
PASSWORD, NEW_PASSWORD = "a long password", "another long password"
VERIFY_URL = "/api/v1/users/me/email-verification"
VERIFY_EMAIL_URL = "/api/v1/auth/verify-email"
RESET_URL = "/api/v1/auth/password-reset"
CONFIRM_URL = "/api/v1/auth/password-reset/confirm"
LOGIN_URL = "/api/v1/auth/token"
REFUSED_LINK = "This link is unknown, used or expired; ask for a new one"
RESET_ACCEPTED = "If this is a user's verified address, a link to reset the password is on its way"


@dataclass
class MailService:
    app: FastAPI
    client: TestClient
    inbox: Inbox

    def sign_up(self, username: str, email: str) -> None:
        body = {"username": username, "password": PASSWORD, "email": email}
        assert self.client.post("/api/v1/users", json=body).status_code == 201

    def log_in(self, username: str, password: str = PASSWORD) -> dict[str, str]:
        form = {"username": username, "password": password}
        response = self.client.post(LOGIN_URL, data=form)
        assert response.status_code == 200, response.text
        tokens: dict[str, str] = response.json()
        return tokens

    def me(self, access_token: str) -> dict[str, Any]:
        body: dict[str, Any] = self.client.get(
            "/api/v1/users/me", headers=bearer(access_token)
        ).json()
        return body

    def mail(self, number: int) -> EmailMessage:
        """The number-th mail the server took (from 1), once it came."""
        return self.inbox.wait_for(number)[number - 1]

    def verify(self, username: str) -> None:
        """Sign in, have the link mailed, and follow it."""
        access = self.log_in(username)["access_token"]
        sent = len(self.inbox.messages)
        assert self.client.post(VERIFY_URL, headers=bearer(access)).status_code == 202
        token = link_token(self.mail(sent + 1), "/verify-email")
        assert self.client.post(VERIFY_EMAIL_URL, json={"token": token}).status_code == 204


@contextmanager
def mail_service(database_url: str, **overrides: object) -> Iterator[MailService]:
    """The app, sending through a real SMTP server, with its links on LINK_BASE."""
    inbox, port = Inbox(), free_port()
    url = f"smtp://127.0.0.1:{port}"
    with smtp_server(inbox, port), smtp_app(database_url, url, **overrides) as app:
        try:
            # The app's lifespan (its sender) runs already: this client only sends requests.
            yield MailService(app, TestClient(app), inbox)
        finally:
            empty_every_table(app.state.engine)


@pytest.fixture
def service(database_url: str) -> Iterator[MailService]:
    with mail_service(database_url, mail_link_base_url=LINK_BASE) as service:
        yield service


def plain_text(message: EmailMessage) -> str:
    plain = message.get_body(("plain",))
    assert plain is not None
    text: str = plain.get_content()
    return text


def link_token(message: EmailMessage, page: str) -> str:
    """The token of the link to `page` in the mail: the same in its text and its HTML."""
    plain, html = message.get_body(("plain",)), message.get_body(("html",))
    assert plain is not None
    assert html is not None
    [url] = [line for line in plain.get_content().splitlines() if line.startswith(LINK_BASE)]
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{LINK_BASE}{page}"
    tokens: list[str] = parse_qs(parts.query)["token"]
    [token] = tokens
    assert f'href="{LINK_BASE}{page}?token={token}"' in html.get_content()
    return token


def live_mail_tokens(app: FastAPI) -> int:
    with app.state.engine.connect() as connection:
        query = select(func.count()).select_from(MailToken).where(MailToken.used_at.is_(None))
        return connection.scalar(query) or 0


def test_the_verification_link_verifies_the_address_once(service: MailService) -> None:
    service.sign_up("alice", "alice@example.com")
    access = service.log_in("alice")["access_token"]

    response = service.client.post(VERIFY_URL, headers=bearer(access))

    assert response.status_code == 202
    assert response.json() == {"detail": "A link to verify alice@example.com is on its way"}
    message = service.mail(1)
    assert message["To"] == "alice@example.com"
    assert "within 24 hours" in plain_text(message)
    # The username is anyone's choice: the mail greets nobody by it.
    assert "alice" not in plain_text(message).replace("alice@example.com", "")
    token = link_token(message, "/verify-email")
    assert service.me(access)["email_verified"] is False

    assert service.client.post(VERIFY_EMAIL_URL, json={"token": token}).status_code == 204
    assert service.me(access)["email_verified"] is True
    again = service.client.post(VERIFY_EMAIL_URL, json={"token": token})
    assert (again.status_code, again.json()["detail"]) == (400, REFUSED_LINK)


def test_a_user_without_an_address_or_verified_already_gets_409(service: MailService) -> None:
    service.client.post("/api/v1/users", json={"username": "bob", "password": PASSWORD})
    service.sign_up("alice", "alice@example.com")
    service.verify("alice")

    for username, detail in [
        ("bob", "You have no email address; set one first (PATCH /api/v1/users/{id})"),
        ("alice", "Your email address is verified"),
    ]:
        access = service.log_in(username)["access_token"]
        response = service.client.post(VERIFY_URL, headers=bearer(access))
        assert (response.status_code, response.json()["detail"]) == (409, detail)
    assert len(service.inbox.messages) == 1


def test_a_link_for_an_address_the_user_no_longer_has_is_refused(service: MailService) -> None:
    service.sign_up("alice", "alice@example.com")
    access = service.log_in("alice")["access_token"]
    service.client.post(VERIFY_URL, headers=bearer(access))
    token = link_token(service.mail(1), "/verify-email")
    user_url = f"/api/v1/users/{service.me(access)['id']}"
    service.client.patch(user_url, json={"email": "alice@example.org"}, headers=bearer(access))

    response = service.client.post(VERIFY_EMAIL_URL, json={"token": token})

    assert (response.status_code, response.json()["detail"]) == (400, REFUSED_LINK)
    me = service.me(access)
    assert (me["email"], me["email_verified"]) == ("alice@example.org", False)


def test_an_expired_link_is_refused(service: MailService) -> None:
    service.sign_up("alice", "alice@example.com")
    service.client.post(VERIFY_URL, headers=bearer(service.log_in("alice")["access_token"]))
    token = link_token(service.mail(1), "/verify-email")
    with service.app.state.engine.begin() as connection:
        connection.execute(update(MailToken).values(expires_at=utc_now() - timedelta(seconds=1)))

    response = service.client.post(VERIFY_EMAIL_URL, json={"token": token})

    assert (response.status_code, response.json()["detail"]) == (400, REFUSED_LINK)


def test_the_links_last_as_the_settings_say(service: MailService) -> None:
    def lifetime(purpose: str, since: datetime) -> timedelta:
        with service.app.state.engine.connect() as connection:
            query = select(MailToken.expires_at).where(MailToken.purpose == purpose)
            expires_at: datetime = connection.scalar(query)
        return expires_at - since

    service.sign_up("alice", "alice@example.com")
    access = service.log_in("alice")["access_token"]
    asked = utc_now()
    service.client.post(VERIFY_URL, headers=bearer(access))
    # 24 hours to verify an address (and a moment of this test's own).
    assert timedelta(hours=24) <= lifetime("verify_email", asked) < timedelta(hours=24, minutes=1)
    token = link_token(service.mail(1), "/verify-email")
    service.client.post(VERIFY_EMAIL_URL, json={"token": token})
    asked = utc_now()
    service.client.post(RESET_URL, json={"email": "alice@example.com"})
    # 30 minutes to reset a password.
    assert timedelta(minutes=30) <= lifetime("reset_password", asked) < timedelta(minutes=31)


def test_a_reset_is_mailed_only_to_a_verified_address_and_answers_alike(
    service: MailService,
) -> None:
    service.sign_up("alice", "alice@example.com")
    service.verify("alice")
    service.sign_up("bob", "bob@example.com")  # never verified
    answers = []

    for address in ["nobody@example.com", "bob@example.com", "ALICE@example.com"]:
        response = service.client.post(RESET_URL, json={"email": address})
        headers = {k: v for k, v in response.headers.items() if k not in {"date", "x-request-id"}}
        answers.append((response.status_code, response.json(), headers))

    # Nothing in the answer tells which address is a user's, verified or not.
    assert answers[0] == answers[1] == answers[2]
    assert answers[0][:2] == (202, {"detail": RESET_ACCEPTED})
    message = service.mail(2)  # the first was alice's verification
    assert message["To"] == "alice@example.com"
    assert "within 30 minutes" in plain_text(message)
    link_token(message, "/reset-password")
    assert len(service.inbox.messages) == 2
    assert live_mail_tokens(service.app) == 1


def test_a_reset_sets_the_password_and_ends_every_session(service: MailService) -> None:
    service.sign_up("alice", "alice@example.com")
    service.verify("alice")
    phone, laptop = service.log_in("alice"), service.log_in("alice")
    service.client.post(RESET_URL, json={"email": "alice@example.com"})
    token = link_token(service.mail(2), "/reset-password")
    confirm = {"token": token, "new_password": NEW_PASSWORD}

    response = service.client.post(CONFIRM_URL, json=confirm)

    assert response.status_code == 204
    for tokens in (phone, laptop):
        me = service.client.get("/api/v1/users/me", headers=bearer(tokens["access_token"]))
        assert me.status_code == 401
        refresh = {"refresh_token": tokens["refresh_token"]}
        assert service.client.post("/api/v1/auth/refresh", json=refresh).status_code == 401
    old = {"username": "alice", "password": PASSWORD}
    assert service.client.post(LOGIN_URL, data=old).status_code == 401
    service.log_in("alice", NEW_PASSWORD)
    again = service.client.post(CONFIRM_URL, json=confirm | {"new_password": PASSWORD})
    assert (again.status_code, again.json()["detail"]) == (400, REFUSED_LINK)


def test_a_new_password_ends_the_links_mailed_before(service: MailService) -> None:
    service.sign_up("alice", "alice@example.com")
    service.verify("alice")
    service.client.post(RESET_URL, json={"email": "alice@example.com"})
    first = link_token(service.mail(2), "/reset-password")
    service.client.post(RESET_URL, json={"email": "alice@example.com"})
    second = link_token(service.mail(3), "/reset-password")

    confirm = {"token": second, "new_password": NEW_PASSWORD}
    assert service.client.post(CONFIRM_URL, json=confirm).status_code == 204

    response = service.client.post(CONFIRM_URL, json={**confirm, "token": first})
    assert (response.status_code, response.json()["detail"]) == (400, REFUSED_LINK)
    service.log_in("alice", NEW_PASSWORD)


def test_a_reset_lifts_no_login_throttling(database_url: str) -> None:
    with mail_service(database_url, mail_link_base_url=LINK_BASE, login_max_failures=2) as service:
        service.sign_up("alice", "alice@example.com")
        service.verify("alice")
        wrong = {"username": "alice", "password": "a wrong guess"}
        for _ in range(2):
            assert service.client.post(LOGIN_URL, data=wrong).status_code == 401
        service.client.post(RESET_URL, json={"email": "alice@example.com"})
        token = link_token(service.mail(2), "/reset-password")
        confirm = {"token": token, "new_password": NEW_PASSWORD}
        assert service.client.post(CONFIRM_URL, json=confirm).status_code == 204

        # The new password is right, but the guesses made before still count.
        right = {"username": "alice", "password": NEW_PASSWORD}
        assert service.client.post(LOGIN_URL, data=right).status_code == 429


def test_requests_for_one_address_are_throttled_whatever_its_case(database_url: str) -> None:
    with mail_service(database_url, mail_requests_max_per_address=2) as service:
        for address in ["Nobody@example.com", "nobody@example.com"]:
            assert service.client.post(RESET_URL, json={"email": address}).status_code == 202

        response = service.client.post(RESET_URL, json={"email": "NOBODY@example.com"})

        assert response.status_code == 429
        retry_after = int(response.headers["Retry-After"])
        assert 3590 <= retry_after <= 3600  # when the first one is an hour old
        assert response.json()["detail"] == (
            f"Too many requests for mail to this address; try again in {retry_after} s"
        )
        other = service.client.post(RESET_URL, json={"email": "other@example.com"})
        assert other.status_code == 202


def test_strangers_asking_for_resets_leave_the_owner_free_to_verify(database_url: str) -> None:
    overrides = {"mail_link_base_url": LINK_BASE, "mail_requests_max_per_address": 2}
    with mail_service(database_url, **overrides) as service:
        service.sign_up("alice", "alice@example.com")
        reset = {"email": "alice@example.com"}
        answers = [service.client.post(RESET_URL, json=reset).status_code for _ in range(3)]
        assert answers == [202, 202, 429]

        service.verify("alice")  # her own request for a link counts apart


def test_requests_from_one_client_are_throttled_across_addresses(database_url: str) -> None:
    with mail_service(database_url, mail_requests_max_per_client=3) as service:
        for number in range(3):
            body = {"email": f"user{number}@example.com"}
            assert service.client.post(RESET_URL, json=body).status_code == 202

        response = service.client.post(RESET_URL, json={"email": "user9@example.com"})

        assert response.status_code == 429
        assert "from this client" in response.json()["detail"]


def test_wrong_link_tokens_count_against_their_client(database_url: str) -> None:
    with mail_service(database_url, mail_requests_max_per_client=2) as service:
        wrong = [
            (VERIFY_EMAIL_URL, {"token": "not-a-token"}),
            (CONFIRM_URL, {"token": "not-a-token", "new_password": NEW_PASSWORD}),
        ]
        for path, body in wrong:
            assert service.client.post(path, json=body).status_code == 400

        response = service.client.post(VERIFY_EMAIL_URL, json={"token": "x"})

        assert response.status_code == 429
        assert outbox_size(service.app) == 0


def test_a_link_mailed_before_a_deactivation_is_refused(service: MailService) -> None:
    service.sign_up("alice", "alice@example.com")
    service.verify("alice")
    service.client.post(RESET_URL, json={"email": "alice@example.com"})
    token = link_token(service.mail(2), "/reset-password")
    with service.app.state.engine.begin() as connection:
        connection.execute(update(User).values(is_active=False))

    confirm = {"token": token, "new_password": NEW_PASSWORD}
    response = service.client.post(CONFIRM_URL, json=confirm)

    assert (response.status_code, response.json()["detail"]) == (400, REFUSED_LINK)
