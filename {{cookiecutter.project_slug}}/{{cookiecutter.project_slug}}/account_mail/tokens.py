"""Issue and redeem the tokens of mailed links; the caller commits."""

from datetime import timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, delete, or_, select, update
from sqlalchemy.orm import Session

from {{ cookiecutter.project_slug }}.account_mail.models import MailToken
from {{ cookiecutter.project_slug }}.core.models import utc_now
from {{ cookiecutter.project_slug }}.core.opaque_tokens import digest, new_token
from {{ cookiecutter.project_slug }}.users.models import User
from {{ cookiecutter.project_slug }}.users.taken import same_address


def issue_mail_token(session: Session, *, user: User, purpose: str, lifetime: timedelta) -> str:
    """A new token for a link to the user's address; return it (it is stored only hashed)."""
    if user.email is None:
        raise ValueError("a mail token needs a user with an email address")
    now = utc_now()
    # The user's tokens that can no longer be used go: the table holds the live ones.
    over = or_(MailToken.used_at.is_not(None), MailToken.expires_at <= now)
    session.execute(delete(MailToken).where(MailToken.user_id == user.id, over))
    token = new_token()
    session.add(
        MailToken(
            user_id=user.id,
            purpose=purpose,
            token_hash=digest(token),
            email=user.email,
            token_version=user.token_version,
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    return token


def redeem_mail_token(session: Session, *, token: str, purpose: str) -> User | None:
    """Use the token up, and return its user; None if it is unknown, used, expired, or no
    longer stands for the user as they are (another address, or none; a new password;
    deactivated)."""
    now = utc_now()
    found = session.execute(
        select(MailToken, User)
        .join(User, MailToken.user_id == User.id)
        .where(MailToken.token_hash == digest(token), MailToken.purpose == purpose)
    ).one_or_none()
    if found is None:
        return None
    # Typed here: older SQLAlchemy releases type a row's values as Any.
    mail_token: MailToken
    user: User
    mail_token, user = found
    if not (
        now < mail_token.expires_at
        and mail_token.token_version == user.token_version
        and same_address(mail_token.email, user.email)
        and user.is_active
    ):
        return None
    # A link works once: only a token still unused is used up here. Of two requests that
    # present it at once, the database orders the two updates, and one finds it used.
    use = (
        update(MailToken)
        .where(MailToken.id == mail_token.id, MailToken.used_at.is_(None))
        .values(used_at=now)
    )
    used = session.execute(use, execution_options={"synchronize_session": False})
    if cast(CursorResult[Any], used).rowcount != 1:
        return None
    return user
