"""The users' error answers, with their descriptions for the OpenAPI docs."""

from typing import Any

from fastapi import HTTPException, status

from {{ cookiecutter.project_slug }}.core.dependencies import SessionDep
from {{ cookiecutter.project_slug }}.users import queries
from {{ cookiecutter.project_slug }}.users.models import User

# Extra answers for the OpenAPI docs, beside the success and 422 that FastAPI lists itself.
Responses = dict[int | str, dict[str, Any]]
NOT_FOUND: Responses = {404: {"description": "No user with this id"}}
TAKEN: Responses = {409: {"description": "The username is taken"}}
LAST_SUPERUSER: Responses = {409: {"description": "This is the last active superuser"}}
TAKEN_OR_LAST_SUPERUSER: Responses = {
    409: {"description": "The username is taken, or no active superuser would be left"}
}
NO_SUPERUSER_LEFT = HTTPException(
    status.HTTP_409_CONFLICT,
    detail="The last active superuser cannot be demoted, deactivated or deleted;"
    " make another superuser first",
)


def username_taken(username: str | None) -> HTTPException:
    detail = "A username is taken" if username is None else f"Username {username!r} is taken"
    return HTTPException(status.HTTP_409_CONFLICT, detail=detail)


def user_not_found(user_id: int) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, detail=f"User {user_id} not found")


def get_user_or_404(session: SessionDep, user_id: int) -> User:
    user = queries.get_user(session, user_id=user_id)
    if user is None:
        raise user_not_found(user_id)
    return user
