"""The todos table: each todo belongs to one user."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from {{ cookiecutter.project_slug }}.core.models import ID, Base, UTCDateTime, utc_now


class Todo(Base):
    __tablename__ = "todos"
    # As for users: SQLite would otherwise give a new todo the id of the newest deleted one,
    # and a client that kept the old id would then reach the new todo.
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    # Deleting a user deletes their todos (the database does it, on every database). The
    # index serves each user's list, which is looked up by owner.
    owner_id: Mapped[int] = mapped_column(
        ID, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    done: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now, onupdate=utc_now)
