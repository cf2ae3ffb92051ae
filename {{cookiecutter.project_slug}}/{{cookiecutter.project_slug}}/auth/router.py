"""Log in with a username and password, get a bearer token; lift a lock on logins.

Password guessing is throttled per username and per client: see password_guessing.py.
"""

import re
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Request, Response, status
from fastapi.security import OAuth2PasswordRequestForm

from {{ cookiecutter.project_slug }}.auth import password_guessing
from {{ cookiecutter.project_slug }}.auth.dependencies import (
    SUPERUSER_ONLY,
    PasswordHasherDep,
    SuperUser,
)
from {{ cookiecutter.project_slug }}.auth.passwords import PasswordHasher
from {{ cookiecutter.project_slug }}.auth.schemas import Token
from {{ cookiecutter.project_slug }}.core.dependencies import SessionDep, SettingsDep
from {{ cookiecutter.project_slug }}.core.errors import BODY_TOO_LARGE, TRY_AGAIN, ErrorDetail
from {{ cookiecutter.project_slug }}.sessions.issuing import lifetimes, token_answer
from {{ cookiecutter.project_slug }}.sessions.queries import start_session
from {{ cookiecutter.project_slug }}.users import queries
from {{ cookiecutter.project_slug }}.users.models import User
from {{ cookiecutter.project_slug }}.users.schemas import USERNAME_PATTERN, Username

router = APIRouter(prefix="/auth", tags=["auth"], responses=TRY_AGAIN)

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
    responses=BODY_TOO_LARGE
    | password_guessing.THROTTLED
    | {
        401: {"model": ErrorDetail, "description": "Wrong username or password"},
        403: {"model": ErrorDetail, "description": "The user is deactivated"},
    },
)
def login(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    request: Request,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    hasher: PasswordHasherDep,
) -> Token:
    """Exchange a username and password (an OAuth2 password form) for an access token, and a
    refresh token that starts a session (see /auth/refresh)."""
    wrong_credentials = HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail="Incorrect username or password",
        headers={"WWW-Authenticate": "Bearer"},
    )
    # No user has such a password or name: refused at once, neither hashed nor counted.
    if len(form.password) > MAX_PASSWORD_LENGTH or not POSSIBLE_USERNAME.fullmatch(form.username):
        raise wrong_credentials
    client = password_guessing.client_address(request)
    with password_guessing.counted_attempt(session, settings, form.username, client) as attempt:
        user = queries.get_user_by_username(session, username=form.username)
        session.commit()  # ends the reads: no database connection waits through the hashing
        matches, new_hash = verify_password(hasher, form.password, user)
        if user is None or not matches:
            attempt.fail()
            raise wrong_credentials
        attempt.succeed()
        if new_hash is not None:  # the Argon2 settings changed since this hash was made
            queries.rehash_password(
                session, user=user, old_hash=user.hashed_password, new_hash=new_hash
            )
        session.commit()
    if not user.is_active:
        raise HTTPException(status_code=status.HTTP_403_FORBIDDEN, detail="Inactive user")
    user_agent = request.headers.get("user-agent")
    issued = start_session(session, user=user, user_agent=user_agent, lifetimes=lifetimes(settings))
    session.commit()
    return token_answer(request, response, settings, issued)


@router.delete(
    "/login-failures/{username}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=SUPERUSER_ONLY,
)
def unlock_login(
    username: Annotated[Username, Path(description="Any username, existing or not")],
    session: SessionDep,
    _: SuperUser,
) -> None:
    """Superusers: forget a username's failed logins, so that its logins are no longer refused.

    Failures from a client address are not lifted: they stop counting with the window.
    """
    password_guessing.unlock(session, username)
    session.commit()
