"""The mailed-link endpoints' error answers, with their descriptions for the OpenAPI docs."""

from typing import NoReturn

from fastapi import HTTPException, status
from sqlalchemy.orm import Session

from {{ cookiecutter.project_slug }}.account_mail import throttling
from {{ cookiecutter.project_slug }}.account_mail.models import WRONG_TOKEN
from {{ cookiecutter.project_slug }}.core.config import Settings
from {{ cookiecutter.project_slug }}.core.errors import ErrorDetail, Responses

LINK_REFUSED: Responses = {
    400: {
        "model": ErrorDetail,
        "description": "The link's token is unknown, used or expired, or was for an address,"
        " or a password, the user no longer has",
    }
}
NOTHING_TO_VERIFY: Responses = {
    404: {"model": ErrorDetail, "description": "The user was deleted while this request ran"},
    409: {"model": ErrorDetail, "description": "You have no email address, or it is verified"},
}


def refuse_link(session: Session, settings: Settings, client: str | None) -> NoReturn:
    """Count the wrong token against its client, and answer 400."""
    session.rollback()
    throttling.record(session, settings, kind=WRONG_TOKEN, email=None, client=client)
    session.commit()
    raise HTTPException(
        status.HTTP_400_BAD_REQUEST,
        detail="This link is unknown, used or expired; ask for a new one",
    )
