"""Every database query of the service lives here."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, bindparam, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from {{ cookiecutter.project_slug }}.models import User


class UsernameTakenError(Exception):
    """Another user already has this username (compared without case)."""


class UsersNotFoundError(Exception):
    def __init__(self, user_ids: Sequence[int]) -> None:
        super().__init__(f"no user with id {', '.join(map(str, user_ids))}")
        self.user_ids = list(user_ids)


users_table = User.__table__
# Every signed-in request reads its user, so this query is built once, here: building a
# statement and its cache key costs SQLAlchemy more than SQLite takes to run it.
USER_ROW_BY_ID = select(users_table).where(users_table.c.id == bindparam("user_id"))


def get_user(session: Session, *, user_id: int) -> User | None:
    """The user as an ORM object, for endpoints that change it."""
    return session.get(User, user_id)


def get_user_row(session: Session, *, user_id: int) -> Row[Any] | None:
    """The user's columns as a plain row, for reads that only answer with them.

    A row skips the ORM's identity map and object loading, which take longer than the
    query itself on a request path that runs this every time.
    """
    return session.execute(USER_ROW_BY_ID, {"user_id": user_id}).one_or_none()


def get_user_by_username(session: Session, *, username: str) -> User | None:
    return session.scalars(select(User).where(User.username == username)).one_or_none()


def list_users(session: Session, *, offset: int, limit: int) -> tuple[list[User], int]:
    """Return one page of users, ordered by id, and the number of users in all."""
    users = session.scalars(select(User).order_by(User.id).offset(offset).limit(limit)).all()
    total = session.scalar(select(func.count()).select_from(User)) or 0
    return list(users), total


def create_user(
    session: Session,
    *,
    username: str,
    hashed_password: str,
    age: int | None = None,
    is_superuser: bool = False,
) -> User:
    user = User(
        username=username, hashed_password=hashed_password, age=age, is_superuser=is_superuser
    )
    session.add(user)
    _flush(session)
    return user


def update_user(session: Session, *, user: User, changes: dict[str, Any]) -> User:
    """Set the given attributes; the caller has checked who may change which field."""
    for field, value in changes.items():
        setattr(user, field, value)
    _flush(session)
    return user


def update_users(session: Session, *, changes: Sequence[dict[str, Any]]) -> list[User]:
    """Apply each `{"id": ..., field: value}`; raise before writing if any id is missing."""
    ids = [change["id"] for change in changes]
    users = {user.id: user for user in session.scalars(select(User).where(User.id.in_(ids)))}
    missing = [user_id for user_id in ids if user_id not in users]
    if missing:
        raise UsersNotFoundError(missing)
    for change in changes:
        user = users[change["id"]]
        for field, value in change.items():
            if field != "id":
                setattr(user, field, value)
    _flush(session)
    return [users[user_id] for user_id in ids]


def delete_user(session: Session, *, user: User) -> None:
    session.delete(user)
    session.flush()


def _flush(session: Session) -> None:
    # Send the changes now, inside the request's transaction, so that a duplicate
    # username surfaces here as an error the caller can answer with 409.
    try:
        session.flush()
    except IntegrityError as error:
        raise UsernameTakenError from error
