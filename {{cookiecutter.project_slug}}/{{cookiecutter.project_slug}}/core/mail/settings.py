"""The mail settings: which backend, which SMTP server, and how long to keep retrying."""

from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings

# smtp:// is plain, smtp+starttls:// upgrades to TLS (and refuses a server that does not
# offer it), smtps:// is TLS from the first byte.
SMTP_SCHEMES = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}


class MailSettings(BaseSettings):
    """Settings of core/mail/, inherited by core.config.Settings (MAIL_BACKEND, ...)."""

    # "console" writes each mail to the log (development); "smtp" sends it through SMTP_URL.
    mail_backend: Literal["console", "smtp"] = "console"
    # smtp://host:port, smtp+starttls://host:port or smtps://host:port; a user name may come
    # before the host (smtp+starttls://apikey@smtp.example.com:587), its password below.
    smtp_url: str | None = None
    smtp_password: SecretStr | None = None
    # A PEM file of the certificate authorities to trust, instead of the system's.
    smtp_ca_file: str | None = None
    smtp_timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    mail_from: str = "no-reply@localhost"
    # Links in mails point here: an endpoint appends its path and ?token=...
    mail_link_base_url: str = "http://localhost:8000"
    # A mail the server did not take is tried again after mail_retry_first_seconds, then
    # twice as long each time, at most mail_retry_max_seconds; one still unsent
    # mail_give_up_seconds after it was queued is dropped (logged as an error).
    mail_retry_first_seconds: float = Field(default=10.0, gt=0)
    mail_retry_max_seconds: float = Field(default=15 * 60.0, gt=0)
    mail_give_up_seconds: float = Field(default=2 * 24 * 3600.0, gt=0)
    # Each worker also looks for due mails this often (others' retries, its own after a crash).
    mail_poll_seconds: float = Field(default=30.0, gt=0)

    @field_validator("smtp_url")
    @classmethod
    def check_smtp_url(cls, url: str | None) -> str | None:
        if not url:
            return None
        parts = urlsplit(url)
        if parts.scheme not in SMTP_SCHEMES:
            raise ValueError(
                f"the scheme {parts.scheme or '(none)'}:// is not one of "
                + ", ".join(f"{scheme}://" for scheme in SMTP_SCHEMES)
            )
        if not parts.hostname:
            raise ValueError("SMTP_URL names no host: write smtp://host:port")
        try:
            parts.port  # noqa: B018 (a port that is not a number raises)
        except ValueError:
            raise ValueError("SMTP_URL's port is not a number from 0 to 65535") from None
        if parts.password is not None:
            raise ValueError("SMTP_URL holds a password: give it in SMTP_PASSWORD instead")
        return url

    @field_validator("mail_from")
    @classmethod
    def check_mail_from(cls, address: str) -> str:
        if "@" not in address or any(character in address for character in "\r\n<>,"):
            raise ValueError("MAIL_FROM must be one address, like no-reply@example.com")
        return address

    @field_validator("mail_link_base_url")
    @classmethod
    def check_link_base_url(cls, url: str) -> str:
        parts = urlsplit(url)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise ValueError("MAIL_LINK_BASE_URL must be an http:// or https:// URL")
        if parts.query or parts.fragment:
            raise ValueError("MAIL_LINK_BASE_URL takes no ?query or #fragment")
        return url.rstrip("/")

    @model_validator(mode="after")
    def require_a_server_for_smtp(self) -> "MailSettings":
        if self.mail_backend == "smtp" and self.smtp_url is None:
            raise ValueError("MAIL_BACKEND=smtp needs SMTP_URL (smtp://host:port)")
        return self
