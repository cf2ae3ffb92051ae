"""The todos' queries. Each one that reads a todo is told whose: owner_id None means anyone's."""

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from {{ cookiecutter.project_slug }}.todos.models import Todo


def list_todos(session: Session, *, owner_id: int | None, after: int, limit: int) -> list[Todo]:
    """Todos ordered by id (the order they were made), from the first id above `after`.

    `after` costs the same at any depth: the database finds the first row by an index,
    where an offset would make it step over every row it skips.
    """
    query = select(Todo).where(Todo.id > after)
    if owner_id is not None:
        query = query.where(Todo.owner_id == owner_id)
    query = query.order_by(Todo.id).limit(limit)
    return list(session.scalars(query).all())


def get_todo(session: Session, *, todo_id: int, owner_id: int | None) -> Todo | None:
    """The todo, if it is owner_id's; None for another user's, as for one that does not exist."""
    query = select(Todo).where(Todo.id == todo_id)
    if owner_id is not None:
        query = query.where(Todo.owner_id == owner_id)
    return session.scalars(query).one_or_none()


def create_todo(session: Session, *, owner_id: int, title: str) -> Todo:
    todo = Todo(owner_id=owner_id, title=title)
    session.add(todo)
    session.flush()  # the INSERT, now: the todo gets its id and its defaults
    return todo


def update_todo(session: Session, *, todo: Todo, changes: dict[str, Any]) -> Todo:
    """Set the given attributes; the caller has checked that the todo is the user's."""
    for field, value in changes.items():
        setattr(todo, field, value)
    session.flush()
    return todo


def delete_todo(session: Session, *, todo: Todo) -> None:
    session.delete(todo)
    session.flush()
