"""Todos: each user creates, reads, changes and deletes their own; superusers read them all.

Another user's todo answers 404, as one that does not exist: 403 would tell that it does.
Every endpoint is `def`, so FastAPI runs it in its thread pool, where waiting for the
database blocks no other request.
"""

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, status
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from {{ cookiecutter.project_slug }}.auth.dependencies import (
    SIGNED_IN,
    SUPERUSER_ONLY,
    CurrentUser,
    SuperUser,
)
from {{ cookiecutter.project_slug }}.core.dependencies import ReadSessionDep, SessionDep
from {{ cookiecutter.project_slug }}.core.errors import (
    BODY_TOO_LARGE,
    TRY_AGAIN,
    ErrorDetail,
    Responses,
)
from {{ cookiecutter.project_slug }}.core.schemas import MAX_ID
from {{ cookiecutter.project_slug }}.todos import queries
from {{ cookiecutter.project_slug }}.todos.schemas import (
    TodoCreate,
    TodoPage,
    TodoRead,
    TodoUpdate,
)

# Every endpoint needs a signed-in user (401, 403) and the database (503): declared once.
router = APIRouter(prefix="/todos", tags=["todos"], responses=SIGNED_IN | TRY_AGAIN)

TodoIdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="The todo's id")]
After = Annotated[
    int, Query(ge=0, le=MAX_ID, description="Start after this id: the `next_after` of a page")
]
Limit = Annotated[int, Query(ge=1, le=100, description="Todos per page")]
# Extra answers for the OpenAPI docs (/docs, and the typed errors of a generated client).
NOT_FOUND: Responses = {404: {"model": ErrorDetail, "description": "You have no todo with this id"}}


def todo_not_found(todo_id: int) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, detail=f"Todo {todo_id} not found")


def page_of(session: Session, *, owner_id: int | None, after: int, limit: int) -> TodoPage:
    # One more than asked for tells whether another page follows.
    todos = queries.list_todos(session, owner_id=owner_id, after=after, limit=limit + 1)
    page = todos[:limit]
    return TodoPage(
        items=[TodoRead.model_validate(todo) for todo in page],
        next_after=page[-1].id if len(todos) > limit else None,
    )


@router.post("", status_code=status.HTTP_201_CREATED, responses=BODY_TOO_LARGE)
def create_todo(body: TodoCreate, session: SessionDep, current_user: CurrentUser) -> TodoRead:
    """Add a todo to your list."""
    todo = queries.create_todo(session, owner_id=current_user.id, title=body.title)
    session.commit()
    return TodoRead.model_validate(todo)


@router.get("")
def list_todos(
    session: ReadSessionDep, current_user: CurrentUser, after: After = 0, limit: Limit = 50
) -> TodoPage:
    """A page of your todos, in the order you made them."""
    return page_of(session, owner_id=current_user.id, after=after, limit=limit)


# Before /{todo_id}, which would otherwise take "all" for an id (and refuse it: not a number).
@router.get("/all", responses=SUPERUSER_ONLY)
def list_all_todos(
    session: ReadSessionDep, _: SuperUser, after: After = 0, limit: Limit = 50
) -> TodoPage:
    """Superusers: a page of everyone's todos, in the order they were made."""
    return page_of(session, owner_id=None, after=after, limit=limit)


@router.get("/{todo_id}", responses=NOT_FOUND)
def read_todo(todo_id: TodoIdPath, session: ReadSessionDep, current_user: CurrentUser) -> TodoRead:
    """One of your todos; superusers may read anyone's."""
    owner_id = None if current_user.is_superuser else current_user.id
    todo = queries.get_todo(session, todo_id=todo_id, owner_id=owner_id)
    if todo is None:
        raise todo_not_found(todo_id)
    return TodoRead.model_validate(todo)


@router.patch("/{todo_id}", responses=NOT_FOUND | BODY_TOO_LARGE)
def update_todo(
    todo_id: TodoIdPath, body: TodoUpdate, session: SessionDep, current_user: CurrentUser
) -> TodoRead:
    """Change the title of one of your todos, or mark it done (or not done again)."""
    todo = queries.get_todo(session, todo_id=todo_id, owner_id=current_user.id)
    if todo is None:
        raise todo_not_found(todo_id)
    try:
        queries.update_todo(session, todo=todo, changes=body.model_dump(exclude_unset=True))
    except StaleDataError:  # another request deleted it since it was read: no row to update
        raise todo_not_found(todo_id) from None
    session.commit()
    return TodoRead.model_validate(todo)


@router.delete("/{todo_id}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND)
def delete_todo(todo_id: TodoIdPath, session: SessionDep, current_user: CurrentUser) -> None:
    """Delete one of your todos."""
    todo = queries.get_todo(session, todo_id=todo_id, owner_id=current_user.id)
    if todo is None:
        raise todo_not_found(todo_id)
    queries.delete_todo(session, todo=todo)
    session.commit()
