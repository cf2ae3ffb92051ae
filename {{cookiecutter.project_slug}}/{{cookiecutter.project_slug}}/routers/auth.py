"""Log in with a username and password, get a bearer token.

Password guessing is throttled per username: see password_guessing.py.
"""

import re
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, status
from fastapi.security import OAuth2PasswordRequestForm

from {{ cookiecutter.project_slug }} import crud, password_guessing
from {{ cookiecutter.project_slug }}.dependencies import PasswordHasherDep, SessionDep, SettingsDep
from {{ cookiecutter.project_slug }}.models import User
from {{ cookiecutter.project_slug }}.schemas import USERNAME_PATTERN, Token
from {{ cookiecutter.project_slug }}.security import PasswordHasher, create_access_token

router = APIRouter(prefix="/auth", tags=["auth"])

# Usernames that could exist; anything else is not looked up at all.
POSSIBLE_USERNAME = re.compile(USERNAME_PATTERN)
MAX_PASSWORD_LENGTH = 128


def verify_password(
    hasher: PasswordHasher, password: str, user: User | None
) -> tuple[bool, str | None]:
    """Check the password against the user's hash; without a user, spend the same time."""
    if user is None:
        hasher.verify_nothing(password)  # does not reveal that the username is unknown
        return False, None
    return hasher.verify(password, user.hashed_password)


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
        verify_password(hasher, form.password, None)
        raise wrong_credentials
    with password_guessing.counted_attempt(session, settings, form.username):
        user = crud.get_user_by_username(session, username=form.username)
        session.commit()  # ends the reads: no database connection waits through the hashing
        matches, new_hash = verify_password(hasher, form.password, user)
    if user is None or not matches:
        password_guessing.fail(session, settings)
        raise wrong_credentials
    password_guessing.succeed(session, form.username)
    if new_hash is not None:  # the Argon2 settings changed since this hash was made
        crud.rehash_password(session, user=user, old_hash=user.hashed_password, new_hash=new_hash)
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
