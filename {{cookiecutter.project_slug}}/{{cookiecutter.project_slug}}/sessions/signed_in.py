"""The token check's read: the user an access token names, if the token's session is live.

One query, not two: every signed-in request runs it (users/rows.py says why it reads
through the driver). A session ended by a sign-out or by a replayed refresh token makes the
query find no user, so each access token of that session is refused from its next request
on, not only once it expires. ("Sign out everywhere", like a new password, moves the user's
token version on instead, which every older token fails.)
"""

from sqlalchemy import Connection, bindparam, exists

from {{ cookiecutter.project_slug }}.sessions.models import UserSession
from {{ cookiecutter.project_slug }}.users.models import User
from {{ cookiecutter.project_slug }}.users.rows import USER_ROW_BY_ID, UserRow, user_row_query

SIGNED_IN_USER_ROW = USER_ROW_BY_ID.where(
    exists().where(
        UserSession.id == bindparam("session_id"),
        UserSession.user_id == User.id,
        UserSession.ended_at.is_(None),
    )
)


def get_signed_in_user_row(
    connection: Connection, *, user_id: int, session_id: int
) -> UserRow | None:
    """The user, or None if there is none or the session is not theirs, or has ended."""
    query = user_row_query(connection.dialect, SIGNED_IN_USER_ROW)
    return query.run(connection, user_id=user_id, session_id=session_id)
