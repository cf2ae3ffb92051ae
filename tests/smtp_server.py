"""A real SMTP server for served projects: aiosmtpd, keeping every mail it takes in a Maildir.

aiosmtpd runs from the baked project's own venv (its dev extra installs it for the project's
mail tests), so the template needs no mail server of its own. Its Mailbox handler files each
mail in the Maildir with the envelope's recipients in an `X-RcptTo` header; a mail is
written in tmp/ and then moved, so a reader never sees one half written. The test reads it
with the standard library: `mailbox.Maildir` and `email`.
"""

import email
import mailbox
import smtplib
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from tests.conftest import InstalledProject
from tests.serving import free_port

# Bounds a server that never starts, and a mail that never comes; not speed requirements.
START_LIMIT_SECONDS = 30
MAIL_LIMIT_SECONDS = 30
STOP_LIMIT_SECONDS = 10
LOG_TAIL_LINES = 30


def tail(log: Path, lines: int = LOG_TAIL_LINES) -> str:
    """The last lines of a log, to show with a failure."""
    if not log.exists():
        return "(no log written)"
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:]) or "(nothing)"


@dataclass
class MailServer:
    """An aiosmtpd server on 127.0.0.1 and the mails it took."""

    url: str  # what SMTP_URL names: smtp://127.0.0.1:<port>
    maildir: Path
    process: subprocess.Popen[bytes]
    log: Path
    # The mails next_mail_to returned already, by their Maildir keys.
    taken: set[str] = field(default_factory=set)

    def mails(self) -> list[tuple[str, EmailMessage]]:
        """Every mail taken so far, oldest first (a Maildir key starts with its time)."""
        box = mailbox.Maildir(self.maildir, factory=None, create=False)
        return [(key, parse(box.get_bytes(key))) for key in sorted(box.keys())]

    def mails_to(self, address: str) -> list[EmailMessage]:
        """The mails whose envelope names this recipient."""
        return [mail for _, mail in self.mails() if address in recipients(mail)]

    def next_mail_to(self, address: str, *, service_log: Path) -> EmailMessage:
        """Wait for a mail to this address that no earlier call returned; fail with the
        tail of the service's log when none comes in time."""
        deadline = time.monotonic() + MAIL_LIMIT_SECONDS
        while True:
            if self.process.poll() is not None:
                pytest.fail(
                    f"the SMTP server exited with {self.process.returncode}:\n{tail(self.log)}"
                )
            for key, mail in self.mails():
                if key not in self.taken and address in recipients(mail):
                    self.taken.add(key)
                    return mail
            if time.monotonic() > deadline:
                pytest.fail(
                    f"no mail to {address} within {MAIL_LIMIT_SECONDS} s; "
                    f"the service log says:\n{tail(service_log)}"
                )
            time.sleep(0.1)


def parse(data: bytes) -> EmailMessage:
    """A mail as an EmailMessage (the modern API: get_body, get_content)."""
    message = email.message_from_bytes(data, policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def recipients(mail: EmailMessage) -> list[str]:
    """The envelope's recipients, as aiosmtpd's Mailbox handler recorded them."""
    return [address.strip() for address in str(mail.get("X-RcptTo", "")).split(",")]


@contextmanager
def smtp_server(project: InstalledProject, directory: Path) -> Iterator[MailServer]:
    """aiosmtpd from the project's venv, on a free port, filing mails in directory/maildir;
    stopped when the block ends, also when it failed."""
    port, maildir, log = free_port(), directory / "maildir", directory / "smtp.log"
    command = [project.command("python"), "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}"]
    command += ["-c", "aiosmtpd.handlers.Mailbox", maildir]
    with log.open("wb") as output:
        process = subprocess.Popen(
            [str(part) for part in command], env=project.env(), stdout=output, stderr=output
        )
    try:
        wait_until_listening(process, port, log)
        yield MailServer(url=f"smtp://127.0.0.1:{port}", maildir=maildir, process=process, log=log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=STOP_LIMIT_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_until_listening(process: subprocess.Popen[bytes], port: int, log: Path) -> None:
    """Until the server greets an SMTP client and answers NOOP."""
    deadline = time.monotonic() + START_LIMIT_SECONDS
    while True:
        if process.poll() is not None:
            pytest.fail(f"the SMTP server exited with {process.returncode}:\n{tail(log)}")
        try:
            with smtplib.SMTP("127.0.0.1", port, timeout=5) as client:
                if client.noop()[0] == 250:
                    return
        except OSError:
            pass  # not listening yet (smtplib's errors are OSErrors too)
        if time.monotonic() > deadline:
            pytest.fail(f"the SMTP server did not answer within {START_LIMIT_SECONDS} s")
        time.sleep(0.1)
