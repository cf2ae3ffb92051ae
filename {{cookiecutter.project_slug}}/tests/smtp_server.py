"""A real SMTP server for the mail tests (aiosmtpd), the mail log, and a TLS certificate."""

import email
import logging
import socket
import subprocess
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from {{ cookiecutter.project_slug }}.core.logs import RequestIdFilter

# Waits end on the event awaited; this only bounds a test that would otherwise hang.
HANG_LIMIT_SECONDS = 30
MAIL_LOGGER = "{{ cookiecutter.project_slug }}.core.mail"


def wait_until(condition: Callable[[], bool], lock: threading.Condition, what: str) -> None:
    with lock:
        if not lock.wait_for(condition, HANG_LIMIT_SECONDS):
            raise AssertionError(f"still waiting for {what} after {HANG_LIMIT_SECONDS} s")


class Inbox:
    """An aiosmtpd handler that keeps each message it takes, or refuses them all with
    `refuse_with` (an SMTP answer, "550 ...")."""

    def __init__(self, refuse_with: str | None = None) -> None:
        self.messages: list[EmailMessage] = []
        self.refused = 0
        self.refuse_with = refuse_with
        self.changed = threading.Condition()

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        with self.changed:
            if self.refuse_with is not None:
                self.refused += 1
                self.changed.notify_all()
                return self.refuse_with
            message = email.message_from_bytes(envelope.content, policy=policy.default)
            assert isinstance(message, EmailMessage)
            self.messages.append(message)
            self.changed.notify_all()
        return "250 OK"

    def wait_for(self, count: int) -> list[EmailMessage]:
        """The messages, once `count` of them arrived."""
        wait_until(lambda: len(self.messages) >= count, self.changed, f"{count} mails")
        return list(self.messages)


def free_port() -> int:
    """A port nothing listens on (the system's pick, let go at once)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def smtp_server(inbox: Inbox, port: int, **options: Any) -> Iterator[Controller]:
    """aiosmtpd on 127.0.0.1:port, in a thread of its own, until the block ends."""
    controller = Controller(inbox, hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        yield controller
    finally:
        controller.stop()


class SilentServer:
    """A mail server that hung: it takes a connection and never says a word, until let go."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(HANG_LIMIT_SECONDS)
        self.port: int = self.listener.getsockname()[1]
        self.connected, self.done = threading.Event(), threading.Event()
        self.thread = threading.Thread(target=self.hold, daemon=True)
        self.thread.start()

    def hold(self) -> None:
        with self.listener.accept()[0]:
            self.connected.set()
            self.done.wait(HANG_LIMIT_SECONDS)

    def holding(self) -> bool:
        """Whether it still holds the connection it took."""
        return self.thread.is_alive()

    def let_go(self) -> None:
        """Close the connection, and stop listening: later connections are refused."""
        self.done.set()
        self.thread.join(HANG_LIMIT_SECONDS)
        self.listener.close()


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A throwaway certificate for 127.0.0.1 and its key, made by openssl: (cert, key)."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(  # noqa: S603 (fixed arguments)
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"),
            *("-addext", "subjectAltName=IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


class MailLog(logging.Handler):
    """The mail sender's log records, with the request id each was written for."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.addFilter(RequestIdFilter())
        self.records: list[logging.LogRecord] = []
        self.changed = threading.Condition()

    def emit(self, record: logging.LogRecord) -> None:
        with self.changed:
            self.records.append(record)
            self.changed.notify_all()

    def matching(self, level: int, text: str) -> list[logging.LogRecord]:
        return [r for r in self.records if r.levelno == level and text in r.getMessage()]

    def wait_for(self, level: int, text: str, count: int = 1) -> list[logging.LogRecord]:
        """The records at `level` whose message holds `text`, once `count` of them came."""
        found = lambda: len(self.matching(level, text)) >= count  # noqa: E731
        wait_until(found, self.changed, f"{count} log records with {text!r}")
        return self.matching(level, text)


@contextmanager
def mail_log() -> Iterator[MailLog]:
    handler = MailLog()
    logger = logging.getLogger(MAIL_LOGGER)
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
