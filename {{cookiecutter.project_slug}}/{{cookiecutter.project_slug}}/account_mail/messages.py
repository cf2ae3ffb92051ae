"""The mails with links: their words, in plain text and HTML, and their links.

A link is MAIL_LINK_BASE_URL, a page's path and `?token=...`: the page (the team's web app)
reads the token and posts it to the API (/auth/verify-email, /auth/password-reset/confirm).
"""

from dataclasses import dataclass
from html import escape
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from {{ cookiecutter.project_slug }}.core.config import PROJECT_NAME, Settings
from {{ cookiecutter.project_slug }}.core.mail.outbox import queue_mail

# The web app's pages that the links open.
VERIFY_EMAIL_PAGE = "/verify-email"
RESET_PASSWORD_PAGE = "/reset-password"


@dataclass(frozen=True)
class LinkMail:
    subject: str
    lines: list[str]  # the paragraphs before the link
    action: str  # the link's words, in the HTML body
    after: str  # the paragraph after it


def link(settings: Settings, page: str, token: str) -> str:
    return f"{settings.mail_link_base_url}{page}?{urlencode({'token': token})}"


def queue_link_mail(session: Session, *, to: str, mail: LinkMail, url: str) -> None:
    """Queue the mail in the session's transaction (core/mail/ sends it after the commit)."""
    text = "\n\n".join([*mail.lines, url, mail.after]) + "\n"
    paragraphs = "".join(f"<p>{escape(line)}</p>" for line in mail.lines)
    html = (
        f"<html><body>{paragraphs}"
        f'<p><a href="{escape(url)}">{escape(mail.action)}</a></p>'
        f"<p>{escape(mail.after)}</p></body></html>"
    )
    queue_mail(session, to=to, subject=mail.subject, text=text, html=html)


def queue_verification_mail(
    session: Session, settings: Settings, *, email: str, token: str
) -> None:
    # No username in the words: anyone may give any address, and so choose a username to
    # greet its owner with. The mail says only what the service knows for sure.
    hours = settings.email_verification_expire_hours
    mail = LinkMail(
        subject=f"Confirm your email address for {PROJECT_NAME}",
        lines=[
            f"Someone asked to confirm that {email} is the address of an account on"
            f" {PROJECT_NAME}. If that was you, open this link within {hours} hours:",
        ],
        action="Confirm my address",
        after="If it was not you, ignore this mail: the address stays unconfirmed.",
    )
    url = link(settings, VERIFY_EMAIL_PAGE, token)
    queue_link_mail(session, to=email, mail=mail, url=url)


def queue_password_reset_mail(
    session: Session, settings: Settings, *, email: str, token: str
) -> None:
    minutes = settings.password_reset_expire_minutes
    mail = LinkMail(
        subject=f"Reset your password for {PROJECT_NAME}",
        lines=[
            f"Someone asked to reset the password of the account on {PROJECT_NAME} whose"
            f" address is {email}. To choose a new password, open this link within {minutes}"
            " minutes; it signs you out everywhere:",
        ],
        action="Choose a new password",
        after="If it was not you, ignore this mail: your password stays as it is.",
    )
    url = link(settings, RESET_PASSWORD_PAGE, token)
    queue_link_mail(session, to=email, mail=mail, url=url)
