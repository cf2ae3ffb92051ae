"""A username or an email address that another user has: told apart by the database's error.

Both are unique regardless of case, which the database's unique indexes keep (two requests
at once cannot both take one); the error of a flush says which of the two was taken.
"""

import re

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session


class UsernameTakenError(Exception):
    """Another user already has this username (compared without case)."""

    def __init__(self, username: str | None) -> None:
        super().__init__("a username is taken" if username is None else f"{username!r} is taken")
        self.username = username


class EmailTakenError(Exception):
    """Another user already has this email address (compared without case)."""

    def __init__(self, email: str) -> None:
        super().__init__(f"{email!r} is taken")
        self.email = email


# How each database's error names the email's unique index, where it names nothing else the
# request sent: SQLite names the column; MySQL and MariaDB end with the key, PostgreSQL
# starts with the constraint (the duplicate value, also in the message, could be anything).
EMAIL_TAKEN_MESSAGES = re.compile(
    r"^UNIQUE constraint failed: users\.email$"
    r"|for key '(users\.)?ix_users_email'$"
    r'|^duplicate key value violates unique constraint "ix_users_email"'
)


def same_address(new: str | None, old: str | None) -> bool:
    """Whether two addresses are one to the database (which compares them without case)."""
    return (new or "").lower() == (old or "").lower()


def flush(session: Session, username: str | None, email: str | None = None) -> None:
    # Send the changes now, inside the request's transaction, so that a duplicate
    # username or email surfaces here as an error the caller can answer with 409.
    try:
        session.flush()
    except IntegrityError as error:
        # The driver's message: mysqlclient's error holds (code, message).
        message = str(error.orig.args[-1] if error.orig and error.orig.args else error.orig)
        if email is not None and EMAIL_TAKEN_MESSAGES.search(message):
            raise EmailTakenError(email) from error
        raise UsernameTakenError(username) from error
