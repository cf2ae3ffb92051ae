"""Hand out a session's tokens: the access token, the refresh token, and maybe its cookie.

With REFRESH_TOKEN_COOKIE, the refresh token also travels as a cookie that page scripts
cannot read (HttpOnly), sent only over HTTPS (Secure), only by the service's own pages
(SameSite=Strict) and only to the auth endpoints (its path): a script injected into a web
app cannot steal it, where it could read one kept in the app's storage.
"""

from datetime import timedelta

from fastapi import Request, Response

from {{ cookiecutter.project_slug }}.auth.schemas import Token
from {{ cookiecutter.project_slug }}.auth.tokens import create_access_token
from {{ cookiecutter.project_slug }}.core.config import Settings
from {{ cookiecutter.project_slug }}.core.models import utc_now
from {{ cookiecutter.project_slug }}.sessions.queries import IssuedToken, Lifetimes

REFRESH_COOKIE = "refresh_token"


def lifetimes(settings: Settings) -> Lifetimes:
    return Lifetimes(
        refresh_token=timedelta(days=settings.refresh_token_expire_days),
        session=timedelta(days=settings.session_max_days),
    )


def token_answer(
    request: Request, response: Response, settings: Settings, issued: IssuedToken
) -> Token:
    """The answer of a login or a refresh; sets the cookie when the settings ask for it."""
    expires_in = timedelta(minutes=settings.access_token_expire_minutes)
    access_token = create_access_token(
        user_id=issued.user_id,
        token_version=issued.token_version,
        session_id=issued.session_id,
        secret_key=settings.secret_key.get_secret_value(),
        expires_in=expires_in,
    )
    if settings.refresh_token_cookie:
        response.set_cookie(
            REFRESH_COOKIE,
            issued.token,
            max_age=int((issued.expires_at - utc_now()).total_seconds()),
            path=auth_path(request),
            secure=True,
            httponly=True,
            samesite="strict",
        )
    return Token(
        access_token=access_token,
        expires_in=int(expires_in.total_seconds()),
        refresh_token=issued.token,
    )


def forget_cookie(request: Request, response: Response, settings: Settings) -> None:
    if settings.refresh_token_cookie:
        response.delete_cookie(
            REFRESH_COOKIE, path=auth_path(request), secure=True, httponly=True, samesite="strict"
        )


def auth_path(request: Request) -> str:
    """Where the auth endpoints are (…/auth), under whatever prefix a proxy serves them at.

    Each endpoint that sets the cookie is …/auth/<name>.
    """
    return request.url.path.rpartition("/")[0]
