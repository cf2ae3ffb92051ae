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
    session: Session, settings: Settings, *, username: str, email: str, token: str
) -> None:
    hours = settings.email_verification_expire_hours
    mail = LinkMail(
        subject=f"Confirm your email address for {PROJECT_NAME}",
        lines=[
            f"Hello {username},",
            f"To confirm that {email} is your address, open this link within {hours} hours:",
        ],
        action="Confirm my address",
        after="If you did not ask for this, you can ignore this mail.",
    )
    url = link(settings, VERIFY_EMAIL_PAGE, token)
    queue_link_mail(session, to=email, mail=mail, url=url)


def queue_password_reset_mail(
    session: Session, settings: Settings, *, username: str, email: str, token: str
) -> None:
    minutes = settings.password_reset_expire_minutes
    mail = LinkMail(
        subject=f"Reset your password for {PROJECT_NAME}",
        lines=[
            f"Hello {username},",
            f"To choose a new password, open this link within {minutes} minutes. It signs"
            " you out everywhere.",
        ],
        action="Choose a new password",
        after="If you did not ask for this, ignore this mail: your password stays as it is.",
    )
    url = link(settings, RESET_PASSWORD_PAGE, token)
    queue_link_mail(session, to=email, mail=mail, url=url)
