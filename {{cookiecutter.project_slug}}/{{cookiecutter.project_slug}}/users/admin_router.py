"""Superusers' endpoints over every user: a page of them, and many changed at once."""

from typing import Annotated

from fastapi import APIRouter, Body, HTTPException, Query, status

from {{ cookiecutter.project_slug }}.auth.dependencies import SUPERUSER_ONLY, SuperUser
from {{ cookiecutter.project_slug }}.core.dependencies import ReadSessionDep, SessionDep
from {{ cookiecutter.project_slug }}.core.errors import (
    BODY_TOO_LARGE,
    TRY_AGAIN,
    ErrorDetail,
    invalid_request,
)
from {{ cookiecutter.project_slug }}.core.schemas import MAX_ID
from {{ cookiecutter.project_slug }}.users import batch_update, queries
from {{ cookiecutter.project_slug }}.users.concurrent_deletes import UsersNotFoundError
from {{ cookiecutter.project_slug }}.users.errors import TAKEN, username_taken
from {{ cookiecutter.project_slug }}.users.schemas import UserBatchUpdate, UserPage, UserRead
from {{ cookiecutter.project_slug }}.users.taken import UsernameTakenError

# Every route here takes a superuser's token and reads or writes the database.
router = APIRouter(prefix="/users", tags=["users"], responses=SUPERUSER_ONLY | TRY_AGAIN)


@router.get("")
def list_users(
    session: ReadSessionDep,
    _: SuperUser,
    after: Annotated[
        int, Query(ge=0, le=MAX_ID, description="Start after this id: the `next_after` of a page")
    ] = 0,
    offset: Annotated[
        int, Query(ge=0, le=MAX_ID, description="Users to skip from the first (not with `after`)")
    ] = 0,
    limit: Annotated[int, Query(ge=1, le=100, description="Users per page")] = 50,
) -> UserPage:
    """Superusers: a page of users, ordered by id.

    Go from page to page with `after` (each page's `next_after`): it costs the same at any
    depth, while a large `offset` makes the database step over every user it skips.
    """
    if after and offset:
        # Kept with each new `after`, an offset would skip users on every page.
        raise invalid_request(("query", "offset"), "Give `after` or `offset`, not both")
    # One more than asked for tells whether another page follows.
    users = queries.list_users(session, after=after, offset=offset, limit=limit + 1)
    page = users[:limit]
    next_after = page[-1].id if len(users) > limit else None
    return UserPage(
        items=[UserRead.model_validate(user) for user in page],
        total=queries.count_users(session),
        offset=offset,
        limit=limit,
        next_after=next_after,
    )


@router.put(
    "",
    responses=TAKEN
    | BODY_TOO_LARGE
    | {404: {"model": ErrorDetail, "description": "Some ids are no user's; the detail names them"}},
)
def update_users(
    body: Annotated[list[UserBatchUpdate], Body(max_length=100)],
    session: SessionDep,
    _: SuperUser,
) -> list[UserRead]:
    """Superusers: update many users at once; all of the changes are made, or none."""
    ids = [item.id for item in body]
    if len(set(ids)) != len(ids):
        raise invalid_request(("body",), "Each id may appear once")
    changes = [item.model_dump(exclude_unset=True) for item in body]
    try:
        users = batch_update.update_users(session, changes=changes)
    except UsersNotFoundError as error:
        detail = f"Users not found: {', '.join(map(str, error.user_ids))}"
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=detail) from None
    except UsernameTakenError as error:
        raise username_taken(error.username) from None
    session.commit()
    return [UserRead.model_validate(user) for user in users]
