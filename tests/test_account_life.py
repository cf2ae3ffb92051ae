"""Account life: one user's whole life with an account, over HTTP, on a served bake.

Sign up with an email address, verify it by the link that a real SMTP server received, log
in, refresh twice, replay the first refresh token (its session ends), and reset the password
by the mailed link (every session ends, the old password too). Each database's installed
project is migrated on a database of its own and served as its Dockerfile serves it (2
workers), sending its mail to aiosmtpd. The mail goes out after the answer, from an outbox,
so each mail is waited for, never slept for.
"""

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.conftest import InstalledProject
from tests.serving import call, migrated, served
from tests.smtp_server import MailServer, smtp_server

LINK_BASE_URL = "https://app.example.com"
MAIL_FROM = "accounts@example.com"
ALICE = {"username": "alice", "email": "alice@example.com"}
FIRST_PASSWORD, NEW_PASSWORD = "correct horse battery", "staple of a new password"
# Nobody signed up with it: a reset for it must answer as for anyone, and mail nothing.
STRANGER = "nobody@example.com"
# What every login and refresh answers.
TOKEN_FIELDS = {"access_token", "token_type", "expires_in", "refresh_token"}


@dataclass(frozen=True)
class Service:
    api: str  # the served project's /api/v1
    mail: MailServer
    log: Path  # the service's output

    def post(self, path: str, **request: Any) -> tuple[int, Any]:
        return call(f"{self.api}{path}", method="POST", **request)

    def read_me(self, access_token: str) -> tuple[int, Any]:
        return call(f"{self.api}/users/me", token=access_token)

    def log_in(self, password: str) -> tuple[int, Any]:
        return self.post("/auth/token", form={"username": ALICE["username"], "password": password})

    def refresh(self, refresh_token: str) -> tuple[int, Any]:
        return self.post("/auth/refresh", json_body={"refresh_token": refresh_token})

    def next_mail_to_alice(self) -> EmailMessage:
        """Her next mail, checked: from MAIL_FROM, to her address."""
        mail = self.mail.next_mail_to(ALICE["email"], service_log=self.log)
        sender, recipient = mail["From"], mail["To"]
        assert (sender, recipient) == (MAIL_FROM, ALICE["email"]), f"{mail['Subject']!r}"
        return mail


def token_pair(answer: tuple[int, Any], what: str) -> dict[str, Any]:
    """A login's or a refresh's answer, checked: 200 and a bearer token pair."""
    status, body = answer
    assert status == 200, f"{what} answered {status}: {body}"
    assert set(body) == TOKEN_FIELDS, f"{what} answered other fields: {body}"
    assert body["token_type"] == "bearer", body
    assert body["expires_in"] > 0, body
    return dict(body)


def link_token(mail: EmailMessage, path: str) -> str:
    """The token of the one link to LINK_BASE_URL + path in the mail's text, the same link
    in its HTML."""
    link = f"{LINK_BASE_URL}{path}"
    text = mail.get_body(preferencelist=("plain",))
    assert text is not None, f"the mail {mail['Subject']!r} has no text/plain part"
    body = text.get_content()
    urls = [url for url in re.findall(r"https?://\S+", body) if url.split("?")[0] == link]
    assert len(urls) == 1, f"not one link to {link} in the mail {mail['Subject']!r}:\n{body}"
    tokens = parse_qs(urlsplit(urls[0]).query).get("token", [])
    assert len(tokens) == 1, f"the link {urls[0]} holds no ?token="
    rich = mail.get_body(preferencelist=("html",))
    assert rich is not None, f"the mail {mail['Subject']!r} has no text/html part"
    assert urls[0] in html.unescape(rich.get_content()), f"the HTML lacks the link {urls[0]}"
    return tokens[0]


@pytest.fixture
def service(installed_project: InstalledProject, tmp_path: Path) -> Iterator[Service]:
    """The installed project, migrated on a database of its own and served, its mail going
    to aiosmtpd."""
    project, log = installed_project, tmp_path / "service.log"
    with smtp_server(project, tmp_path) as mail, migrated(project, tmp_path) as env:
        env |= {
            "MAIL_BACKEND": "smtp",
            "SMTP_URL": mail.url,
            "MAIL_FROM": MAIL_FROM,
            "MAIL_LINK_BASE_URL": LINK_BASE_URL,
        }
        with served(project, env, log) as url:
            yield Service(api=f"{url}/api/v1", mail=mail, log=log)


def test_account_life_from_sign_up_to_a_password_reset_by_mail(service: Service) -> None:
    # Sign up with an email address: not verified yet.
    status, user = service.post("/users", json_body={**ALICE, "password": FIRST_PASSWORD})
    assert status == 201, f"sign-up answered {status}: {user}"
    assert (user["email"], user["email_verified"]) == (ALICE["email"], False), user
    # A reset for an address nobody has answers as any other (it tells nothing).
    status, body = service.post("/auth/password-reset", json_body={"email": STRANGER})
    assert status == 202, f"a reset for an unknown address answered {status}: {body}"

    # Log in, ask for the verification mail, follow its link.
    first = token_pair(service.log_in(FIRST_PASSWORD), "the login")
    status, body = service.post("/users/me/email-verification", token=first["access_token"])
    assert status == 202, f"asking for the verification mail answered {status}: {body}"
    token = link_token(service.next_mail_to_alice(), "/verify-email")
    status, body = service.post("/auth/verify-email", json_body={"token": token})
    assert status == 204, f"following the verification link answered {status}: {body}"
    status, me = service.read_me(first["access_token"])
    assert (status, me["email_verified"]) == (200, True), me

    # Refresh twice: a new pair each time. (An access token is a JWT whose times count in
    # seconds: one made in the same second as the last may be the same string.)
    second = token_pair(service.refresh(first["refresh_token"]), "the first refresh")
    third = token_pair(service.refresh(second["refresh_token"]), "the second refresh")
    pairs = (first, second, third)
    assert len({pair["refresh_token"] for pair in pairs}) == 3, "a refresh token came twice"
    assert service.read_me(third["access_token"])[0] == 200

    # The first refresh token, presented again, was copied: its whole session ends.
    status, body = service.refresh(first["refresh_token"])
    assert status == 401, f"the replayed refresh token answered {status}: {body}"
    for number, pair in enumerate(pairs[1:], start=2):
        status, body = service.refresh(pair["refresh_token"])
        assert status == 401, f"refresh token {number}, after the replay: {status} {body}"
    for number, pair in enumerate(pairs, start=1):
        status, body = service.read_me(pair["access_token"])
        assert status == 401, f"access token {number}, after the replay: {status} {body}"

    # Two sessions (two devices), then a password reset by mail: both end.
    devices = [token_pair(service.log_in(FIRST_PASSWORD), "a login") for _ in range(2)]
    assert [service.read_me(pair["access_token"])[0] for pair in devices] == [200, 200]
    status, body = service.post("/auth/password-reset", json_body={"email": ALICE["email"]})
    assert status == 202, f"asking for a reset answered {status}: {body}"
    token = link_token(service.next_mail_to_alice(), "/reset-password")
    new = {"token": token, "new_password": NEW_PASSWORD}
    status, body = service.post("/auth/password-reset/confirm", json_body=new)
    assert status == 204, f"following the reset link answered {status}: {body}"
    for number, pair in enumerate(devices, start=1):
        status, body = service.read_me(pair["access_token"])
        assert status == 401, f"device {number}'s access token after the reset: {status} {body}"
        status, body = service.refresh(pair["refresh_token"])
        assert status == 401, f"device {number}'s refresh token after the reset: {status} {body}"
    status, body = service.log_in(FIRST_PASSWORD)
    assert status == 401, f"the old password, after the reset: {status} {body}"
    latest = token_pair(service.log_in(NEW_PASSWORD), "the login with the new password")
    status, me = service.read_me(latest["access_token"])
    assert (status, me["username"], me["email_verified"]) == (200, "alice", True), me

    # The unknown address got nothing, all this time.
    assert service.mail.mails_to(STRANGER) == []
