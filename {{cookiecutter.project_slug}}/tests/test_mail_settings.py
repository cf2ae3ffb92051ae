"""The mail settings: what they accept, and the one-line errors of what they refuse."""

import pytest
from pydantic import ValidationError

from {{ cookiecutter.project_slug }}.core.config import Settings
from tests.conftest import TEST_SECRET_KEY


def mail_settings(**values: object) -> Settings:
    return Settings.model_validate({"secret_key": TEST_SECRET_KEY} | values)


def test_the_mail_defaults_are_the_documented_ones() -> None:
    # The README's settings table: mail goes to the log, and an unsent one is retried after
    # 10 s, then twice as long each time up to 15 minutes, for two days.
    settings = mail_settings()

    assert settings.mail_backend == "console"
    assert settings.smtp_url is None
    assert settings.smtp_timeout_seconds == 10
    assert (settings.mail_retry_first_seconds, settings.mail_retry_max_seconds) == (10, 15 * 60)
    assert settings.mail_give_up_seconds == 2 * 24 * 3600
    assert settings.mail_poll_seconds == 30


@pytest.mark.parametrize(
    "url",
    [
        "smtp://mail.example.com:25",
        "smtp+starttls://apikey@mail.example.com:587",
        "smtps://mail.example.com",
    ],
)
def test_the_smtp_backend_takes_each_kind_of_server_url(url: str) -> None:
    settings = mail_settings(mail_backend="smtp", smtp_url=url, smtp_password="pw")

    assert settings.smtp_url == url


@pytest.mark.parametrize(
    ("values", "error"),
    [
        pytest.param({"mail_backend": "smtp"}, "needs SMTP_URL", id="smtp-without-url"),
        pytest.param({"smtp_url": "http://mail.example.com"}, "http://", id="bad-scheme"),
        pytest.param({"smtp_url": "mail.example.com:25"}, "is not one of", id="no-scheme"),
        pytest.param({"smtp_url": "smtp://:25"}, "names no host", id="no-host"),
        pytest.param({"smtp_url": "smtp://mail.example.com:x"}, "port", id="bad-port"),
        pytest.param({"smtp_url": "smtp://u:pw@mail.example.com"}, "SMTP_PASSWORD", id="pw"),
        pytest.param({"mail_backend": "pigeon"}, "console", id="unknown-backend"),
        pytest.param({"mail_from": "nobody"}, "MAIL_FROM", id="from-without-at"),
        pytest.param({"mail_from": "a@x.com, b@y.com"}, "one address", id="two-senders"),
        pytest.param({"mail_link_base_url": "ftp://x"}, "http", id="link-base-scheme"),
        pytest.param({"mail_link_base_url": "https://x/?a=1"}, "query", id="link-query"),
        pytest.param({"mail_retry_first_seconds": 0}, "greater than 0", id="no-back-off"),
    ],
)
def test_bad_mail_settings_are_refused_with_one_line(values: dict[str, object], error: str) -> None:
    with pytest.raises(ValidationError, match=error) as refused:
        mail_settings(**values)

    assert "\n" not in str(refused.value.errors()[0]["msg"])


def test_the_link_base_url_loses_its_trailing_slash() -> None:
    # Endpoints append their path: /verify-email, not //verify-email.
    settings = mail_settings(mail_link_base_url="https://app.example.com/")

    assert settings.mail_link_base_url == "https://app.example.com"


def test_the_smtp_password_is_never_shown() -> None:
    settings = mail_settings(smtp_password="hunter2-hunter2")

    assert "hunter2" not in repr(settings)
    assert "hunter2" not in str(settings.model_dump())
