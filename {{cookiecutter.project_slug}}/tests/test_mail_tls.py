"""Mail over TLS: STARTTLS and implicit TLS, to a server with a throwaway certificate."""

import logging
import ssl
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.mail_apps import outbox_size, queue, smtp_app
from tests.smtp_server import Inbox, MailLog, free_port, self_signed_certificate, smtp_server

pytestmark = pytest.mark.usefixtures("empty_outbox")


def server_tls(cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


@pytest.mark.parametrize("scheme", ["smtp+starttls", "smtps"])
def test_mail_travels_over_tls_to_a_server_the_ca_file_trusts(
    database_url: str, tmp_path: Path, scheme: str
) -> None:
    cert, key = self_signed_certificate(tmp_path)
    tls, inbox, port = server_tls(cert, key), Inbox(), free_port()
    options = (
        {"tls_context": tls, "require_starttls": True}
        if scheme == "smtp+starttls"
        else {"ssl_context": tls}
    )
    url = f"{scheme}://127.0.0.1:{port}"
    with (
        smtp_server(inbox, port, **options),
        smtp_app(database_url, url, smtp_ca_file=str(cert)) as app,
    ):
        queue(app)
        [message] = inbox.wait_for(1)

        assert message["Subject"] == "Verify your address"


def test_mail_is_not_sent_to_a_server_whose_certificate_is_not_trusted(
    database_url: str, tmp_path: Path, log: MailLog
) -> None:
    inbox, port = Inbox(), free_port()
    with (
        smtp_server(inbox, port, ssl_context=server_tls(*self_signed_certificate(tmp_path))),
        smtp_app(database_url, f"smtps://127.0.0.1:{port}") as app,
    ):
        queue(app)
        log.wait_for(logging.WARNING, "SSLCertVerificationError")

        assert outbox_size(app) == 1  # kept, to try again
    assert inbox.messages == []


def test_starttls_is_required_of_a_server_that_does_not_offer_it(
    database_url: str, log: MailLog
) -> None:
    inbox, port = Inbox(), free_port()  # a plain server: no STARTTLS
    url = f"smtp+starttls://127.0.0.1:{port}"
    with smtp_server(inbox, port), smtp_app(database_url, url) as app:
        queue(app)
        log.wait_for(logging.WARNING, "SMTPNotSupportedError")

        assert outbox_size(app) == 1  # never sent in the clear
    assert inbox.messages == []


def test_the_url_user_logs_in_with_the_smtp_password(database_url: str, tmp_path: Path) -> None:
    cert, key = self_signed_certificate(tmp_path)
    inbox, port, logins = Inbox(), free_port(), []

    def authenticator(
        _server: Any, _session: Any, _envelope: Any, _how: str, auth_data: Any
    ) -> AuthResult:
        assert isinstance(auth_data, LoginPassword)
        logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"s3cret-pw")

    options = {"tls_context": server_tls(cert, key), "require_starttls": True}
    url = f"smtp+starttls://mailer@127.0.0.1:{port}"
    with (
        smtp_server(inbox, port, authenticator=authenticator, auth_required=True, **options),
        smtp_app(database_url, url, smtp_ca_file=str(cert), smtp_password="s3cret-pw") as app,
    ):
        queue(app)
        inbox.wait_for(1)

    assert logins == [(b"mailer", b"s3cret-pw")]
