"""Delivering one mail: through an SMTP server, or into the log. Blocking: run in a thread."""

import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import unquote, urlsplit

from {{ cookiecutter.project_slug }}.core.mail.models import OutgoingMail
from {{ cookiecutter.project_slug }}.core.mail.settings import SMTP_SCHEMES, MailSettings

logger = logging.getLogger(__name__)


class PermanentMailError(Exception):
    """The server refused the mail for good (a 5xx answer): sending it again cannot help."""


def build_message(mail: OutgoingMail, sender: str) -> EmailMessage:
    """The mail as sent: plain text, and the HTML body as its alternative when there is one."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.recipient
    message["Subject"] = mail.subject
    message["Date"] = formatdate(usegmt=True)  # RFC 5322 requires it; filters look for it
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2])
    message.set_content(mail.text_body)
    if mail.html_body is not None:
        message.add_alternative(mail.html_body, subtype="html")
    return message


def log_mail(message: EmailMessage) -> None:
    """The console backend: the whole mail, links included, in one log record.

    Each body decoded, not as sent: a long line would be quoted-printable there, its link's
    "=" written "=3D", and a developer could not follow it.
    """
    lines = [f"{name}: {message[name]}" for name in ("From", "To", "Subject")]
    for part in message.walk():
        if part.get_content_maintype() == "text":
            lines += [f"--- {part.get_content_type()} ---", part.get_content().rstrip("\n")]
    logger.info("Mail (MAIL_BACKEND=console, logged instead of sending):\n%s", "\n".join(lines))


def send_smtp(message: EmailMessage, smtp_url: str, settings: MailSettings) -> None:
    """Hand the mail to SMTP_URL's server; PermanentMailError when it refuses it for good,
    any other exception (OSError, smtplib's) when it may take it later."""
    url = urlsplit(smtp_url)
    host, port = url.hostname or "", url.port or SMTP_SCHEMES[url.scheme]
    timeout = settings.smtp_timeout_seconds
    tls = ssl.create_default_context(cafile=settings.smtp_ca_file)
    if url.scheme == "smtps":
        client: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout, context=tls)
    else:
        client = smtplib.SMTP(host, port, timeout=timeout)
    with client:
        if url.scheme == "smtp+starttls":
            # Raises SMTPNotSupportedError when the server does not offer it: never plain.
            client.starttls(context=tls)
        if url.username:
            password = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
            client.login(unquote(url.username), password)
        try:
            client.send_message(message)
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _ in error.recipients.values()]
            if all(code >= 500 for code in codes):
                raise PermanentMailError(f"recipient refused: {error.recipients}") from error
            raise
        except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as error:
            if error.smtp_code >= 500:
                raise PermanentMailError(f"{error.smtp_code} {error.smtp_error!r}") from error
            raise


def deliver(mail: OutgoingMail, settings: MailSettings) -> None:
    """Send the mail through the configured backend."""
    message = build_message(mail, settings.mail_from)
    if settings.mail_backend == "smtp" and settings.smtp_url is not None:
        send_smtp(message, settings.smtp_url, settings)
    else:
        log_mail(message)
