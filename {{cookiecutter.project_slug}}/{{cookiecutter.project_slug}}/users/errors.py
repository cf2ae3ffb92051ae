"""The users' error answers, with their descriptions for the OpenAPI docs."""

from fastapi import HTTPException, status

from {{ cookiecutter.project_slug }}.auth.dependencies import SIGNED_IN
from {{ cookiecutter.project_slug }}.core.dependencies import SessionDep
from {{ cookiecutter.project_slug }}.core.errors import ErrorDetail, Responses
from {{ cookiecutter.project_slug }}.users import queries
from {{ cookiecutter.project_slug }}.users.models import User
from {{ cookiecutter.project_slug }}.users.schemas import UserRead
from {{ cookiecutter.project_slug }}.users.taken import EmailTakenError, UsernameTakenError

# Answers for the OpenAPI docs (core/errors.py says why each names ErrorDetail).
NOT_FOUND: Responses = {404: {"model": ErrorDetail, "description": "No user with this id"}}
TAKEN: Responses = {409: {"model": ErrorDetail, "description": "The username is taken"}}
NAME_OR_EMAIL_TAKEN: Responses = {
    409: {"model": ErrorDetail, "description": "The username or the email address is taken"}
}
LAST_SUPERUSER: Responses = {
    409: {"model": ErrorDetail, "description": "This is the last active superuser"}
}
TAKEN_OR_LAST_SUPERUSER: Responses = {
    409: {
        "model": ErrorDetail,
        "description": "The username or the email address is taken,"
        " or no active superuser would be left",
    }
}
# The routes on a user's id, which check_self_or_superuser guards.
SELF_OR_SUPERUSER: Responses = SIGNED_IN | {
    403: {
        "model": ErrorDetail,
        "description": "The user is deactivated, or is neither this user nor a superuser",
    }
}
# update_user's: some fields only a superuser may set.
SELF_OR_SUPERUSER_UPDATE: Responses = SIGNED_IN | {
    403: {
        "model": ErrorDetail,
        "description": "The user is deactivated, is neither this user nor a superuser,"
        " or is no superuser but sets is_active, is_superuser or password",
    }
}
NO_SUPERUSER_LEFT = HTTPException(
    status.HTTP_409_CONFLICT,
    detail="The last active superuser cannot be demoted, deactivated or deleted;"
    " make another superuser first",
)


def username_taken(username: str | None) -> HTTPException:
    detail = "A username is taken" if username is None else f"Username {username!r} is taken"
    return HTTPException(status.HTTP_409_CONFLICT, detail=detail)


def already_taken(error: UsernameTakenError | EmailTakenError) -> HTTPException:
    """409, naming what another user has."""
    if isinstance(error, EmailTakenError):
        detail = f"Email address {error.email!r} is taken"
        return HTTPException(status.HTTP_409_CONFLICT, detail=detail)
    return username_taken(error.username)


def user_not_found(user_id: int) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, detail=f"User {user_id} not found")


def check_self_or_superuser(current_user: UserRead, user_id: int) -> None:
    if current_user.id != user_id and not current_user.is_superuser:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, detail="Only this user or a superuser may do this"
        )


def get_user_or_404(session: SessionDep, user_id: int) -> User:
    user = queries.get_user(session, user_id=user_id)
    if user is None:
        raise user_not_found(user_id)
    return user
