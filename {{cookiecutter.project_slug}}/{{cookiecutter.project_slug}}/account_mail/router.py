"""Mailed links: verify your email address, reset a forgotten password.

Each link carries a single-use token (tokens.py) to the team's web app, which posts it back
here. The mails leave through core/mail/'s outbox after the request's commit, so no answer
waits for a mail server, and one that is down delays a mail without losing it.
"""

import logging
from datetime import timedelta

from fastapi import APIRouter, BackgroundTasks, HTTPException, Request, status
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from {{ cookiecutter.project_slug }}.account_mail import messages, throttling
from {{ cookiecutter.project_slug }}.account_mail.errors import (
    LINK_REFUSED,
    NOTHING_TO_VERIFY,
    refuse_link,
)
from {{ cookiecutter.project_slug }}.account_mail.models import (
    RESET_PASSWORD,
    VERIFY_EMAIL,
    WRONG_TOKEN,
)
from {{ cookiecutter.project_slug }}.account_mail.schemas import (
    MailAccepted,
    MailTokenBody,
    PasswordResetConfirm,
    PasswordResetRequest,
)
from {{ cookiecutter.project_slug }}.account_mail.tokens import (
    issue_mail_token,
    redeem_mail_token,
)
from {{ cookiecutter.project_slug }}.auth.dependencies import (
    SIGNED_IN,
    CurrentUser,
    PasswordHasherDep,
)
from {{ cookiecutter.project_slug }}.auth.password_guessing import client_address
from {{ cookiecutter.project_slug }}.core.config import Settings
from {{ cookiecutter.project_slug }}.core.dependencies import SessionDep, SettingsDep
from {{ cookiecutter.project_slug }}.core.errors import BODY_TOO_LARGE, TRY_AGAIN
from {{ cookiecutter.project_slug }}.core.middleware.request_ids import current_request_id
from {{ cookiecutter.project_slug }}.users import queries
from {{ cookiecutter.project_slug }}.users.concurrent_deletes import UsersNotFoundError
from {{ cookiecutter.project_slug }}.users.errors import get_user_or_404

logger = logging.getLogger(__name__)

router = APIRouter(tags=["account mail"], responses=TRY_AGAIN)


@router.post(
    "/users/me/email-verification",
    status_code=status.HTTP_202_ACCEPTED,
    responses=SIGNED_IN | NOTHING_TO_VERIFY | throttling.THROTTLED,
)
def request_email_verification(
    request: Request, current_user: CurrentUser, session: SessionDep, settings: SettingsDep
) -> MailAccepted:
    """Mail yourself a link that verifies your email address (it lasts
    EMAIL_VERIFICATION_EXPIRE_HOURS, and works once)."""
    user = get_user_or_404(session, current_user.id)
    if user.email is None:
        detail = "You have no email address; set one first (PATCH /api/v1/users/{id})"
        raise HTTPException(status.HTTP_409_CONFLICT, detail=detail)
    if user.email_verified:
        raise HTTPException(status.HTTP_409_CONFLICT, detail="Your email address is verified")
    client = client_address(request)
    throttling.refuse_too_many(
        session, settings, kind=VERIFY_EMAIL, email=user.email, client=client
    )
    throttling.record(session, settings, kind=VERIFY_EMAIL, email=user.email, client=client)
    lifetime = timedelta(hours=settings.email_verification_expire_hours)
    token = issue_mail_token(session, user=user, purpose=VERIFY_EMAIL, lifetime=lifetime)
    messages.queue_verification_mail(session, settings, email=user.email, token=token)
    session.commit()
    return MailAccepted(detail=f"A link to verify {user.email} is on its way")


@router.post(
    "/auth/verify-email",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=BODY_TOO_LARGE | LINK_REFUSED | throttling.CLIENT_THROTTLED,
)
def verify_email(
    body: MailTokenBody, request: Request, session: SessionDep, settings: SettingsDep
) -> None:
    """Verify an email address with the token of the link mailed to it."""
    client = client_address(request)
    throttling.refuse_too_many(session, settings, kind=WRONG_TOKEN, email=None, client=client)
    user = redeem_mail_token(session, token=body.token, purpose=VERIFY_EMAIL)
    if user is None:
        refuse_link(session, settings, client)
    queries.mark_email_verified(session, user=user)
    session.commit()


@router.post(
    "/auth/password-reset",
    status_code=status.HTTP_202_ACCEPTED,
    responses=BODY_TOO_LARGE | throttling.THROTTLED,
)
def request_password_reset(
    body: PasswordResetRequest,
    request: Request,
    background_tasks: BackgroundTasks,
    session: SessionDep,
    settings: SettingsDep,
) -> MailAccepted:
    """Mail a link to reset the password (it lasts PASSWORD_RESET_EXPIRE_MINUTES, and works
    once) to the user whose verified address this is.

    The answer is the same, and leaves as soon, whether or not the address is anyone's: it is
    sent before the address is even looked up, so neither its words nor its time tell.
    """
    client = client_address(request)
    throttling.refuse_too_many(
        session, settings, kind=RESET_PASSWORD, email=body.email, client=client
    )
    throttling.record(session, settings, kind=RESET_PASSWORD, email=body.email, client=client)
    session.commit()
    background_tasks.add_task(
        mail_reset_link,
        request.app.state.session_factory,
        settings,
        email=body.email,
        request_id=current_request_id.get(),
    )
    return MailAccepted(
        detail="If this is a user's verified address, a link to reset the password is on its way"
    )


def mail_reset_link(
    session_factory: sessionmaker[Session],
    settings: Settings,
    *,
    email: str,
    request_id: str | None,
) -> None:
    """After the answer: queue the reset mail, if the address is an active user's, verified."""
    try:
        with session_factory() as session:
            user = queries.get_user_by_verified_email(session, email=email)
            if user is None or user.email is None:
                return
            lifetime = timedelta(minutes=settings.password_reset_expire_minutes)
            token = issue_mail_token(session, user=user, purpose=RESET_PASSWORD, lifetime=lifetime)
            messages.queue_password_reset_mail(session, settings, email=user.email, token=token)
            session.commit()
    except SQLAlchemyError as error:
        # The answer has left: all that is left to do is say so. The user asks again.
        logger.error(
            "No password reset mail queued for request %s: %s",
            request_id,
            getattr(error, "orig", error),
        )


@router.post(
    "/auth/password-reset/confirm",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=BODY_TOO_LARGE | LINK_REFUSED | throttling.CLIENT_THROTTLED,
)
def confirm_password_reset(
    body: PasswordResetConfirm,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    hasher: PasswordHasherDep,
) -> None:
    """Set a new password with the token of the reset link; every session and token of the
    user stops working. Failed logins still count: a reset lifts no login throttling."""
    client = client_address(request)
    throttling.refuse_too_many(session, settings, kind=WRONG_TOKEN, email=None, client=client)
    session.commit()  # ends the reads: no database connection waits through the hashing
    new_hash = hasher.hash(body.new_password)
    user = redeem_mail_token(session, token=body.token, purpose=RESET_PASSWORD)
    if user is None:
        refuse_link(session, settings, client)
    try:
        # A new password retires the user's tokens, and with them every session.
        queries.update_user(session, user=user, changes={"hashed_password": new_hash})
    except UsersNotFoundError:  # deleted since the token was found
        refuse_link(session, settings, client)
    session.commit()
