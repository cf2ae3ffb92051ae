"""Stay signed in (refresh), sign out of one session or all, and see your sessions."""

from typing import Annotated

from fastapi import APIRouter, Body, Cookie, HTTPException, Path, Request, Response, status

from {{ cookiecutter.project_slug }}.auth.dependencies import SIGNED_IN, CurrentUser
from {{ cookiecutter.project_slug }}.auth.schemas import Token
from {{ cookiecutter.project_slug }}.core.dependencies import SessionDep, SettingsDep
from {{ cookiecutter.project_slug }}.core.errors import (
    BODY_TOO_LARGE,
    TRY_AGAIN,
    ErrorDetail,
    Responses,
)
from {{ cookiecutter.project_slug }}.core.schemas import RowId
from {{ cookiecutter.project_slug }}.sessions import queries
from {{ cookiecutter.project_slug }}.sessions.issuing import (
    REFRESH_COOKIE,
    forget_cookie,
    lifetimes,
    token_answer,
)
from {{ cookiecutter.project_slug }}.sessions.queries import RefreshRefusedError
from {{ cookiecutter.project_slug }}.sessions.schemas import RefreshTokenBody, SessionRead
from {{ cookiecutter.project_slug }}.users.models import User
from {{ cookiecutter.project_slug }}.users.queries import retire_tokens

router = APIRouter(tags=["sessions"], responses=TRY_AGAIN)

# The refresh token: in the body, or (REFRESH_TOKEN_COOKIE) the cookie login set.
TokenBody = Annotated[RefreshTokenBody | None, Body()]
TokenCookie = Annotated[str | None, Cookie(alias=REFRESH_COOKIE, include_in_schema=False)]
REFRESH_REFUSED: Responses = {
    401: {
        "model": ErrorDetail,
        "description": "No refresh token, or one that is unknown, expired, or of an ended"
        " session; one presented a second time ends its session",
    }
}


def presented_token(
    body: RefreshTokenBody | None, cookie: str | None, settings_cookie: bool
) -> str | None:
    if body is not None:
        return body.refresh_token
    return cookie if settings_cookie else None


@router.post("/auth/refresh", responses=BODY_TOO_LARGE | REFRESH_REFUSED)
def refresh(
    request: Request,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    body: TokenBody = None,
    cookie: TokenCookie = None,
) -> Token:
    """Exchange a refresh token for a new access token and the next refresh token.

    Each refresh token works once. Presented again, it was copied: its session ends, and
    every token of it, access tokens included, is refused from then on.
    """
    token = presented_token(body, cookie, settings.refresh_token_cookie)
    if token is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, detail="A refresh token is needed")
    try:
        issued = queries.refresh(session, token=token, lifetimes=lifetimes(settings))
    except RefreshRefusedError as refused:
        session.commit()  # a replay ended the session: it stays ended
        detail = (
            "This refresh token was used before: its session has ended, sign in again"
            if refused.replayed
            else "The refresh token is not valid now: sign in again"
        )
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, detail=detail) from None
    session.commit()
    return token_answer(request, response, settings, issued)


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT, responses=BODY_TOO_LARGE)
def log_out(
    request: Request,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    body: TokenBody = None,
    cookie: TokenCookie = None,
) -> None:
    """End the session of this refresh token, and its access tokens with it.

    Answers 204 for any token, also an unknown one or one of an ended session: the answer
    tells nothing about a token.
    """
    token = presented_token(body, cookie, settings.refresh_token_cookie)
    if token is not None:
        queries.end_session_of_token(session, token=token)
        session.commit()
    forget_cookie(request, response, settings)


@router.post("/auth/logout-all", status_code=status.HTTP_204_NO_CONTENT, responses=SIGNED_IN)
def log_out_everywhere(
    request: Request,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    current_user: CurrentUser,
) -> None:
    """End every session of yours, on every device, this one included."""
    user = session.get(User, current_user.id)
    if user is not None:  # else deleted meanwhile: nothing left to end
        # As a new password does: every token carries the old version, every session began
        # with it, and both are refused from now on.
        retire_tokens(session, user=user)
        session.commit()
    forget_cookie(request, response, settings)


@router.get("/users/me/sessions", responses=SIGNED_IN)
def list_my_sessions(
    request: Request, session: SessionDep, current_user: CurrentUser
) -> list[SessionRead]:
    """Your live sessions (each login starts one), the most recently used first."""
    user = session.get(User, current_user.id)
    live = [] if user is None else queries.live_sessions(session, user=user)
    return [
        SessionRead(
            id=row.id,
            created_at=row.created_at,
            last_used_at=row.last_used_at,
            user_agent=row.user_agent,
            current=row.id == request.state.session_id,
        )
        for row in live
    ]


@router.delete(
    "/users/me/sessions/{session_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=SIGNED_IN
    | {404: {"model": ErrorDetail, "description": "No live session of yours has this id"}},
)
def end_my_session(
    session_id: Annotated[RowId, Path()], session: SessionDep, current_user: CurrentUser
) -> None:
    """End one of your sessions (signing that device out)."""
    if not queries.end_session(session, session_id=session_id, user_id=current_user.id):
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, detail="No live session of yours has this id"
        )
    session.commit()
