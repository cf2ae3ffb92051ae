"""Change many users at once (PUT /users): all or nothing, whatever the order."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from {{ cookiecutter.project_slug }}.auth import login_attempts
from {{ cookiecutter.project_slug }}.users.concurrent_deletes import (
    UsersNotFoundError,
    unless_deleted_meanwhile,
)
from {{ cookiecutter.project_slug }}.users.models import User
from {{ cookiecutter.project_slug }}.users.taken import UsernameTakenError, flush


def update_users(session: Session, *, changes: Sequence[dict[str, Any]]) -> list[User]:
    """Apply each `{"id": ..., field: value}`, all or nothing.

    Whether it succeeds depends only on the final state, not on the order of the items:
    raise UsersNotFoundError if any id is missing (now, or deleted by another request
    before the writes reach it), or UsernameTakenError if two users would share a username.
    """
    ids = [change["id"] for change in changes]
    users = {user.id: user for user in session.scalars(select(User).where(User.id.in_(ids)))}
    missing = [user_id for user_id in ids if user_id not in users]
    if missing:
        raise UsersNotFoundError(missing)
    renames = {change["id"]: change["username"] for change in changes if "username" in change}
    _check_final_usernames(session, users, renames)
    login_attempts.carry(session, {users[id_].username: new for id_, new in renames.items()})
    with unless_deleted_meanwhile(session, user_ids=ids):
        # Renamed users pass through a placeholder name ("~" is in no username), so that a
        # swap or a chain of renames never has two rows holding one name between UPDATEs.
        for user_id in renames:
            users[user_id].username = f"~{user_id}"
        flush(session, None)
        for change in changes:
            user = users[change["id"]]
            for field, value in change.items():
                if field != "id":
                    setattr(user, field, value)
        flush(session, None)  # only a concurrent sign-up or rename can make this fail
    return [users[user_id] for user_id in ids]


def _check_final_usernames(
    session: Session, users: dict[int, User], renames: dict[int, str]
) -> None:
    """Raise UsernameTakenError if the renames would leave two users with one username."""
    final = {user_id: renames.get(user_id, user.username) for user_id, user in users.items()}
    seen: set[str] = set()
    for name in final.values():
        if name.lower() in seen:  # usernames are ASCII: lower() is how the database compares
            raise UsernameTakenError(name)
        seen.add(name.lower())
    if not renames:
        return
    others = select(User.username).where(User.username.in_(renames.values()), User.id.not_in(users))
    taken = session.scalars(others.limit(1)).first()
    if taken is not None:
        asked = next(name for name in renames.values() if name.lower() == taken.lower())
        raise UsernameTakenError(asked)
