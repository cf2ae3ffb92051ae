"""Users: sign up, read, update and delete (superusers' own endpoints: admin_router.py).
{% if cookiecutter.database == "sqlite" %}
Reads of one user are `async def`: a SQLite read by key is brief work inside this process
that never waits for a writer, and FastAPI would otherwise send it to its thread pool, a hop
that costs more than the read (the template's benchmark measured it). Everything else is
`def` and runs in the thread pool: a list, whose cost grows with the table (SQLite lets
other threads run meanwhile), Argon2, which works outside Python's lock on another core,
and a commit, which waits for the disk.
{%- else %}
Endpoints that query the database are `def`, and FastAPI runs them in its thread pool: a
query waits for the network and for the server's locks, and waiting there holds up nobody
else. Argon2 hashing, which works outside Python's lock, runs there too. `read_current_user`
does no I/O, so it is `async def` and skips the thread pool.
{%- endif %}
"""

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Request, status

from {{ cookiecutter.project_slug }}.auth import password_guessing
from {{ cookiecutter.project_slug }}.auth.dependencies import (
    SIGNED_IN,
    CurrentUser,
    PasswordHasherDep,
)
from {{ cookiecutter.project_slug }}.core.dependencies import (
    ReadEngineDep,
    SessionDep,
    SettingsDep,
)
from {{ cookiecutter.project_slug }}.core.errors import BODY_TOO_LARGE, TRY_AGAIN, ErrorDetail
from {{ cookiecutter.project_slug }}.core.schemas import MAX_ID
from {{ cookiecutter.project_slug }}.users import queries
from {{ cookiecutter.project_slug }}.users.concurrent_deletes import UsersNotFoundError
from {{ cookiecutter.project_slug }}.users.errors import (
    LAST_SUPERUSER,
    NAME_OR_EMAIL_TAKEN,
    NO_SUPERUSER_LEFT,
    NOT_FOUND,
    SELF_OR_SUPERUSER,
    SELF_OR_SUPERUSER_UPDATE,
    TAKEN_OR_LAST_SUPERUSER,
    already_taken,
    check_self_or_superuser,
    get_user_or_404,
    user_not_found,
)
from {{ cookiecutter.project_slug }}.users.last_superuser import NoSuperuserLeftError
from {{ cookiecutter.project_slug }}.users.rows import get_user_row
from {{ cookiecutter.project_slug }}.users.schemas import (
    PasswordChange,
    UserCreate,
    UserRead,
    UserUpdate,
)
from {{ cookiecutter.project_slug }}.users.taken import EmailTakenError, UsernameTakenError

# Every route here reads or writes the database, and may find it busy: TRY_AGAIN.
router = APIRouter(prefix="/users", tags=["users"], responses=TRY_AGAIN)

UserIdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="The user's id")]
SUPERUSER_FIELDS = {"is_active", "is_superuser", "password"}


@router.post(
    "", status_code=status.HTTP_201_CREATED, responses=NAME_OR_EMAIL_TAKEN | BODY_TOO_LARGE
)
def create_user(body: UserCreate, session: SessionDep, hasher: PasswordHasherDep) -> UserRead:
    """Sign up: anyone may create an ordinary (not superuser) account."""
    try:
        user = queries.create_user(
            session,
            username=body.username,
            hashed_password=hasher.hash(body.password),
            age=body.age,
            email=body.email,
        )
    except (UsernameTakenError, EmailTakenError) as error:
        raise already_taken(error) from None
    session.commit()
    return UserRead.model_validate(user)


@router.get("/me", responses=SIGNED_IN)
async def read_current_user(current_user: CurrentUser) -> UserRead:
    """The signed-in user."""
    return current_user


@router.put(
    "/me/password",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=SIGNED_IN
    | BODY_TOO_LARGE
    | password_guessing.THROTTLED
    | {
        400: {"model": ErrorDetail, "description": "The current password is wrong"},
        404: {"model": ErrorDetail, "description": "The user was deleted while this request ran"},
        409: {"model": ErrorDetail, "description": "The password changed while this request ran"},
    },
)
def change_password(
    body: PasswordChange,
    request: Request,
    current_user: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
    hasher: PasswordHasherDep,
) -> None:
    """Change your password; every token issued before the change stops working.

    The current password is throttled like a login's (see auth/password_guessing.py): a stolen
    token must not let anyone guess it here instead.
    """
    client = password_guessing.client_address(request)
    with password_guessing.counted_attempt(
        session, settings, current_user.username, client
    ) as attempt:
        user = get_user_or_404(session, current_user.id)
        session.commit()  # ends the reads: no database connection waits through the hashing
        matches, _ = hasher.verify(body.current_password, user.hashed_password)
        if not matches:
            attempt.fail()
            raise HTTPException(status.HTTP_400_BAD_REQUEST, detail="Current password is incorrect")
        new_hash = hasher.hash(body.new_password)
        changed = queries.change_password(
            session, user=user, old_hash=user.hashed_password, new_hash=new_hash
        )
        attempt.succeed()
        session.commit()
    if not changed:  # another change of the password came first, or the user's deletion
        session.expire_all()  # read the row as it is now, not as this session last saw it
        get_user_or_404(session, current_user.id)
        detail = "Your password changed while this request ran; log in with the new one"
        raise HTTPException(status.HTTP_409_CONFLICT, detail=detail)


@router.get("/{user_id}", responses=SELF_OR_SUPERUSER | NOT_FOUND)
{{ "async " if cookiecutter.database == "sqlite" }}def read_user(
    user_id: UserIdPath,
    read_engine: ReadEngineDep,
    current_user: CurrentUser,
) -> UserRead:
    """One user by id: yourself, or anyone if you are a superuser."""
    check_self_or_superuser(current_user, user_id)
    # One row, through a bare connection as the token check reads it: lighter than a session.
    with read_engine.connect() as connection:
        user = get_user_row(connection, user_id=user_id)
    if user is None:
        raise user_not_found(user_id)
    return UserRead.model_validate(user)


@router.patch(
    "/{user_id}",
    responses=SELF_OR_SUPERUSER_UPDATE | NOT_FOUND | TAKEN_OR_LAST_SUPERUSER | BODY_TOO_LARGE,
)
def update_user(
    user_id: UserIdPath,
    body: UserUpdate,
    session: SessionDep,
    current_user: CurrentUser,
    hasher: PasswordHasherDep,
) -> UserRead:
    """Change some fields of a user: yourself, or anyone if you are a superuser."""
    check_self_or_superuser(current_user, user_id)
    changes = body.model_dump(exclude_unset=True)
    if SUPERUSER_FIELDS & changes.keys() and not current_user.is_superuser:
        fields = ", ".join(sorted(SUPERUSER_FIELDS & changes.keys()))
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail=f"Only a superuser may set {fields}")
    user = get_user_or_404(session, user_id)
    if "password" in changes:
        changes["hashed_password"] = hasher.hash(changes.pop("password"))
    try:
        # A new password, or a change of is_active, retires the user's tokens.
        queries.update_user(session, user=user, changes=changes)
    except UsersNotFoundError:  # deleted by another request since it was read
        raise user_not_found(user_id) from None
    except (UsernameTakenError, EmailTakenError) as error:
        raise already_taken(error) from None
    except NoSuperuserLeftError:
        raise NO_SUPERUSER_LEFT from None
    session.commit()
    return UserRead.model_validate(user)


@router.delete(
    "/{user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=SELF_OR_SUPERUSER | NOT_FOUND | LAST_SUPERUSER,
)
def delete_user(user_id: UserIdPath, session: SessionDep, current_user: CurrentUser) -> None:
    """Delete a user: yourself, or anyone if you are a superuser."""
    check_self_or_superuser(current_user, user_id)
    try:
        queries.delete_user(session, user=get_user_or_404(session, user_id))
    except UsersNotFoundError:  # another request deleted the user first
        raise user_not_found(user_id) from None
    except NoSuperuserLeftError:
        raise NO_SUPERUSER_LEFT from None
    session.commit()
