"""Log in with a username and password, get a bearer token."""

import re
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, status
from fastapi.security import OAuth2PasswordRequestForm

from {{ cookiecutter.project_slug }} import crud
from {{ cookiecutter.project_slug }}.dependencies import PasswordHasherDep, SessionDep, SettingsDep
from {{ cookiecutter.project_slug }}.schemas import USERNAME_PATTERN, Token
from {{ cookiecutter.project_slug }}.security import create_access_token

router = APIRouter(prefix="/auth", tags=["auth"])

# Usernames that could exist; anything else is not looked up at all.
POSSIBLE_USERNAME = re.compile(USERNAME_PATTERN)
MAX_PASSWORD_LENGTH = 128


@router.post(
    "/token",
    responses={
        401: {"description": "Wrong username or password"},
        403: {"description": "The user is deactivated"},
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
    user = None
    if POSSIBLE_USERNAME.fullmatch(form.username):
        user = crud.get_user_by_username(session, username=form.username)
    if user is None:
        hasher.verify_nothing(form.password)  # same time as a wrong password
        raise wrong_credentials
    matches, new_hash = hasher.verify(form.password, user.hashed_password)
    if not matches:
        raise wrong_credentials
    if not user.is_active:
        raise HTTPException(status_code=status.HTTP_403_FORBIDDEN, detail="Inactive user")
    if new_hash is not None:  # the Argon2 settings changed since this hash was made
        crud.update_user(session, user=user, changes={"hashed_password": new_hash})
        session.commit()
    expires_in = timedelta(minutes=settings.access_token_expire_minutes)
    token = create_access_token(
        user_id=user.id,
        token_version=user.token_version,
        secret_key=settings.secret_key.get_secret_value(),
        expires_in=expires_in,
    )
    return Token(access_token=token, expires_in=int(expires_in.total_seconds()))
