"""Who is calling: the user a bearer token names, and the password hasher."""
{% if cookiecutter.database != "sqlite" %}
import asyncio
{%- endif %}
from typing import Annotated

import jwt
from fastapi import Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy import Engine

from {{ cookiecutter.project_slug }}.auth.passwords import PasswordHasher
from {{ cookiecutter.project_slug }}.auth.tokens import AccessTokenClaims, decode_access_token
from {{ cookiecutter.project_slug }}.core.config import Settings
from {{ cookiecutter.project_slug }}.core.errors import ErrorDetail, Responses
from {{ cookiecutter.project_slug }}.sessions.signed_in import get_signed_in_user_row
from {{ cookiecutter.project_slug }}.users.rows import UserRow
from {{ cookiecutter.project_slug }}.users.schemas import UserRead

# Reads "Authorization: Bearer <token>" and answers 401 when it is missing; tokenUrl is
# where Swagger's Authorize button logs in. Relative, so that it stays right when a proxy
# serves the API under a prefix (serve --root-path): Swagger resolves it against
# the schema's own URL.
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="api/v1/auth/token")

INVALID_TOKEN = HTTPException(
    status_code=status.HTTP_401_UNAUTHORIZED,
    detail="Could not validate credentials",
    headers={"WWW-Authenticate": "Bearer"},
)


# create_app() keeps the hasher on app.state, like the settings (core/dependencies.py).
async def get_password_hasher(request: Request) -> PasswordHasher:
    hasher: PasswordHasher = request.app.state.password_hasher
    return hasher


PasswordHasherDep = Annotated[PasswordHasher, Depends(get_password_hasher)]


async def get_current_user(
    token: Annotated[str, Depends(oauth2_scheme)], request: Request
) -> UserRead:
    """The user the bearer token belongs to; 401 for any token that is not valid now.

    It reads the settings and the read engine from app.state itself, not through
    SettingsDep and ReadEngineDep: every dependency FastAPI solves costs each request some
    CPU, and this runs on every authenticated request (/users/me served more requests per
    second without those two, measured side by side).
{% if cookiecutter.database == "sqlite" %}
    Every authenticated request runs this, in the event loop, the primary-key read too: a
    hop to a thread and back would cost more than the read itself. The pool never makes it
    wait for a connection (see core/database/engine.py).
{%- else %}
    Every authenticated request runs this. The read waits for the server, so it runs in a
    thread (in the event loop, a slow server would stall every request), through asyncio's
    own hop, `to_thread`: lighter than the thread pool FastAPI runs a `def` dependency in,
    it served more /users/me per second (measured side by side).
{%- endif %}
    """
    settings: Settings = request.app.state.settings
    read_engine: Engine = request.app.state.read_engine
    try:
        claims = decode_access_token(token, secret_key=settings.secret_key.get_secret_value())
    except jwt.InvalidTokenError:
        raise INVALID_TOKEN from None
{%- if cookiecutter.database == "sqlite" %}
    user = read_user(read_engine, claims)
{%- else %}
    user = await asyncio.to_thread(read_user, read_engine, claims)
{%- endif %}
    # A deleted user, an ended session, or a token from before the last password change, is
    # no longer valid.
    if user is None or user.token_version != claims.token_version:
        raise INVALID_TOKEN
    if not user.is_active:
        raise HTTPException(status_code=status.HTTP_403_FORBIDDEN, detail="Inactive user")
    # For the endpoints that act on the caller's own session (sessions/router.py).
    request.state.session_id = claims.session_id
    return UserRead.model_validate(user)


def read_user(read_engine: Engine, claims: AccessTokenClaims) -> UserRow | None:
    # A connection of its own, back in the pool as soon as the user is read: the request
    # may then wait for a thread, or for a connection to write with, and holds none
    # meanwhile. Lighter than a session, too.
    with read_engine.connect() as connection:
        return get_signed_in_user_row(
            connection, user_id=claims.user_id, session_id=claims.session_id
        )


# The signed-in user as the API shows it: no password hash. An endpoint that changes the
# user loads it from the database itself.
CurrentUser = Annotated[UserRead, Depends(get_current_user)]


async def get_current_superuser(user: CurrentUser) -> UserRead:
    if not user.is_superuser:
        raise HTTPException(
            status_code=status.HTTP_403_FORBIDDEN, detail="Only a superuser may do this"
        )
    return user


SuperUser = Annotated[UserRead, Depends(get_current_superuser)]

# What CurrentUser and SuperUser answer, for the OpenAPI docs of the routes that take them
# (FastAPI cannot learn it from a dependency): an APIRouter's `responses` where each of its
# routes takes one, else the route's own.
SIGNED_IN: Responses = {
    401: {"model": ErrorDetail, "description": "The bearer token is missing, or not valid now"},
    403: {"model": ErrorDetail, "description": "The user is deactivated"},
}
SUPERUSER_ONLY: Responses = SIGNED_IN | {
    403: {"model": ErrorDetail, "description": "The user is deactivated, or not a superuser"}
}
