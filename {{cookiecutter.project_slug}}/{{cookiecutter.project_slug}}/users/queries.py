"""The users' queries; a few live in modules of their own, named for their job.

rows.py holds the token check's, batch_update.py the change of many users at once;
last_superuser.py and concurrent_deletes.py the guards around changes to users, and
taken.py the flush that tells a username taken from an email address taken.
"""

from typing import Any, cast

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.orm import Session

from {{ cookiecutter.project_slug }}.auth import login_attempts
from {{ cookiecutter.project_slug }}.core.models import utc_now
from {{ cookiecutter.project_slug }}.users.concurrent_deletes import (
    UsersNotFoundError,
    unless_deleted_meanwhile,
)
from {{ cookiecutter.project_slug }}.users.last_superuser import keeping_a_superuser
from {{ cookiecutter.project_slug }}.users.models import User
from {{ cookiecutter.project_slug }}.users.taken import flush, same_address

# Changing one of these retires every token the user had (see retire_tokens).
TOKEN_RETIRING_FIELDS = {"hashed_password", "is_active"}


def get_user(session: Session, *, user_id: int) -> User | None:
    """The user as an ORM object, for endpoints that change it."""
    return session.get(User, user_id)


def get_user_by_username(session: Session, *, username: str) -> User | None:
    return session.scalars(select(User).where(User.username == username)).one_or_none()


def get_user_by_verified_email(session: Session, *, email: str) -> User | None:
    """The active user whose verified address this is, compared without case; or None."""
    query = select(User).where(User.email == email, User.email_verified, User.is_active)
    return session.scalars(query).one_or_none()


def list_users(session: Session, *, after: int, offset: int, limit: int) -> list[User]:
    """Users ordered by id: from the first id above `after`, skip `offset`, take `limit`.

    `after` is the fast way to go deep: the database finds the first row by the primary
    key's index, while an offset makes it step over every row it skips.
    """
    query = select(User).where(User.id > after).order_by(User.id).offset(offset).limit(limit)
    return list(session.scalars(query).all())


def count_users(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(User)) or 0


def create_user(
    session: Session,
    *,
    username: str,
    hashed_password: str,
    age: int | None = None,
    email: str | None = None,
    is_superuser: bool = False,
) -> User:
    user = User(
        username=username,
        hashed_password=hashed_password,
        age=age,
        email=email,
        is_superuser=is_superuser,
    )
    session.add(user)
    flush(session, username, email)
    return user


def mark_email_verified(session: Session, *, user: User) -> None:
    user.email_verified = True
    session.flush()


def retire_tokens(session: Session, *, user: User) -> None:
    """Make every token issued to the user so far stop working.

    The database does the increment, so two changes at once move the version on twice,
    and a token issued between them dies too; a `+ 1` in Python could write the same
    number twice. The attribute is read back from the database at its next use.
    """
    increment = update(User).where(User.id == user.id).values(token_version=User.token_version + 1)
    session.execute(increment, execution_options={"synchronize_session": False})
    session.expire(user, ["token_version"])


def update_user(session: Session, *, user: User, changes: dict[str, Any]) -> User:
    """Set the given attributes; the caller has checked who may change which field.

    A new password, or a change of is_active, retires the user's tokens; a new email
    address is unverified. Raises NoSuperuserLeftError, changing nothing, if no active
    superuser would be left, and UsersNotFoundError if another request deleted the user
    meanwhile.
    """
    if "email" in changes and not same_address(changes["email"], user.email):
        changes["email_verified"] = False
    retires = any(
        field in TOKEN_RETIRING_FIELDS and getattr(user, field) != value
        for field, value in changes.items()
    )
    # Judged by the change, not by the user as loaded: another request may have made them
    # an active superuser since.
    may_remove_superuser = changes.get("is_superuser") is False or changes.get("is_active") is False
    renames = {user.username: changes["username"]} if "username" in changes else {}
    with (
        unless_deleted_meanwhile(session, user_ids=[user.id]),
        keeping_a_superuser(session, may_remove_one=may_remove_superuser),
    ):
        for field, value in changes.items():
            setattr(user, field, value)
        flush(session, changes.get("username"), changes.get("email"))
        if retires:
            retire_tokens(session, user=user)
        login_attempts.carry(session, renames)
    return user


def change_password(session: Session, *, user: User, old_hash: str, new_hash: str) -> bool:
    """Replace the password whose hash was checked, and retire the user's tokens.

    Return False, changing nothing, if the password changed meanwhile: of two changes
    made at once from the same old password, only the first takes effect.
    """
    if not _replace_hash(session, user=user, old_hash=old_hash, new_hash=new_hash):
        return False
    retire_tokens(session, user=user)
    return True


def rehash_password(session: Session, *, user: User, old_hash: str, new_hash: str) -> None:
    """Store the same password hashed with new parameters; the user's tokens stay valid.

    If the password changed while the login checked the old hash, the new password stays.
    """
    _replace_hash(session, user=user, old_hash=old_hash, new_hash=new_hash)


def _replace_hash(session: Session, *, user: User, old_hash: str, new_hash: str) -> bool:
    # The database compares and swaps in one statement, against the row as it is now.
    swap = (
        update(User)
        .where(User.id == user.id, User.hashed_password == old_hash)
        .values(hashed_password=new_hash, updated_at=utc_now())
    )
    result = session.execute(swap, execution_options={"synchronize_session": False})
    session.expire(user, ["hashed_password", "updated_at"])
    return cast(CursorResult[Any], result).rowcount == 1


def delete_user(session: Session, *, user: User) -> None:
    """Delete the user; raise UsersNotFoundError if another request deleted it first, and
    NoSuperuserLeftError if it is the last active superuser."""
    with keeping_a_superuser(session, may_remove_one=True):
        # Claimed, then deleted: a delete that another request's beat would match no row,
        # which SQLAlchemy only warns of. This write waits for that request (its lock on the
        # row; SQLite's one writer at a time), then matches no row either, and says so.
        claim = update(User).where(User.id == user.id).values(updated_at=utc_now())
        if cast(CursorResult[Any], session.execute(claim)).rowcount == 0:
            raise UsersNotFoundError([user.id])
        session.delete(user)
        session.flush()
