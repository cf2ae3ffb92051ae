"""Changes to users that another request deleted meanwhile: 404 for the change, not 500."""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from {{ cookiecutter.project_slug }}.users.models import User


class UsersNotFoundError(Exception):
    """No user has these ids (any more)."""

    def __init__(self, user_ids: Sequence[int]) -> None:
        super().__init__(f"no user with id {', '.join(map(str, user_ids))}")
        self.user_ids = list(user_ids)


@contextmanager
def unless_deleted_meanwhile(session: Session, *, user_ids: Sequence[int]) -> Iterator[None]:
    """Around the writes of a change to users it has read: raise UsersNotFoundError if any is gone.

    A change reads its users, then writes them. A DELETE committed in between leaves the
    UPDATE no row to match, and SQLAlchemy raises StaleDataError: that failed flush has
    rolled the transaction back, so nothing of the change stays. A new transaction then
    finds which of the users were deleted.
    """
    try:
        yield
    except StaleDataError:
        session.rollback()
        present = set(session.scalars(select(User.id).where(User.id.in_(user_ids))))
        missing = [user_id for user_id in user_ids if user_id not in present]
        if not missing:
            raise  # a row no longer matched for another reason: not ours to explain
        raise UsersNotFoundError(missing) from None
