"""Log in with a username and password, get a bearer token.

Password guessing is throttled per username, in the database, so that every worker and
replica of the service counts the same attempts: after `login_max_failures` failed logins
within `login_failure_window_seconds`, the next ones get 429 with Retry-After, and no
password is checked, right or wrong. A successful login clears the count. Usernames that
do not exist are counted alike, so a 429 does not tell which ones do.
"""

import math
import re
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, status
from fastapi.security import OAuth2PasswordRequestForm
from sqlalchemy.orm import Session

from {{ cookiecutter.project_slug }} import crud
from {{ cookiecutter.project_slug }}.config import Settings
from {{ cookiecutter.project_slug }}.dependencies import PasswordHasherDep, SessionDep, SettingsDep
from {{ cookiecutter.project_slug }}.models import utc_now
from {{ cookiecutter.project_slug }}.schemas import USERNAME_PATTERN, Token
from {{ cookiecutter.project_slug }}.security import create_access_token

router = APIRouter(prefix="/auth", tags=["auth"])

# Usernames that could exist; anything else is not looked up at all.
POSSIBLE_USERNAME = re.compile(USERNAME_PATTERN)
MAX_PASSWORD_LENGTH = 128


def count_this_attempt(session: Session, settings: Settings, username: str) -> None:
    """Write this login attempt down, or refuse it with 429 if the username had too many.

    The attempt is committed before its password is checked, so that attempts running at
    the same moment, on any worker, see each other: at most login_max_failures of them get
    a password check in any window. It counts as a failure until the login succeeds.
    """
    now = utc_now()
    window = timedelta(seconds=settings.login_failure_window_seconds)
    attempt = crud.add_login_attempt(session, username=username, attempted_at=now)
    session.commit()
    count, oldest = crud.count_login_attempts(session, username=username, since=now - window)
    if oldest is None or count <= settings.login_max_failures:
        return
    crud.delete_login_attempt(session, attempt=attempt)  # a refused attempt is not counted
    session.commit()
    retry_after = max(1, math.ceil((oldest + window - now).total_seconds()))
    raise HTTPException(
        status_code=status.HTTP_429_TOO_MANY_REQUESTS,
        detail=f"Too many failed logins to this username; try again in {retry_after} s",
        headers={"Retry-After": str(retry_after)},
    )


def forget_old_attempts(session: Session, settings: Settings) -> None:
    """Delete attempts too old to count, for every username, so the table stays small."""
    cutoff = utc_now() - timedelta(seconds=settings.login_failure_window_seconds)
    crud.forget_login_attempts(session, before=cutoff)
    session.commit()


@router.post(
    "/token",
    responses={
        401: {"description": "Wrong username or password"},
        403: {"description": "The user is deactivated"},
        429: {"description": "Too many failed logins to this username; see Retry-After"},
    },
)
def login(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    session: SessionDep,
    settings: SettingsDep,
    hasher: PasswordHasherDep,
) -> Token:
    """Exchange a username and password (an OAuth2 password form) for an access token."""
    wrong_credentials = HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail="Incorrect username or password",
        headers={"WWW-Authenticate": "Bearer"},
    )
    if len(form.password) > MAX_PASSWORD_LENGTH:
        raise wrong_credentials
    if not POSSIBLE_USERNAME.fullmatch(form.username):
        hasher.verify_nothing(form.password)  # same time as a wrong password
        raise wrong_credentials
    count_this_attempt(session, settings, form.username)
    user = crud.get_user_by_username(session, username=form.username)
    session.commit()  # ends the reads: no database connection waits through the hashing
    if user is None:
        hasher.verify_nothing(form.password)  # same time as a wrong password
        forget_old_attempts(session, settings)
        raise wrong_credentials
    matches, new_hash = hasher.verify(form.password, user.hashed_password)
    if not matches:
        forget_old_attempts(session, settings)
        raise wrong_credentials
    crud.clear_login_attempts(session, username=form.username)
    if new_hash is not None:  # the Argon2 settings changed since this hash was made
        crud.rehash_password(session, user=user, hashed_password=new_hash)
    session.commit()
    if not user.is_active:
        raise HTTPException(status_code=status.HTTP_403_FORBIDDEN, detail="Inactive user")
    expires_in = timedelta(minutes=settings.access_token_expire_minutes)
    token = create_access_token(
        user_id=user.id,
        token_version=user.token_version,
        secret_key=settings.secret_key.get_secret_value(),
        expires_in=expires_in,
    )
    return Token(access_token=token, expires_in=int(expires_in.total_seconds()))
