"""Users: sign up, read, update and delete.
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

from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException, Path, Query, Request, status

from {{ cookiecutter.project_slug }} import crud, password_guessing
from {{ cookiecutter.project_slug }}.concurrent_deletes import UsersNotFoundError
from {{ cookiecutter.project_slug }}.dependencies import (
    CurrentUser,
    PasswordHasherDep,
    ReadEngineDep,
    ReadSessionDep,
    SessionDep,
    SettingsDep,
    SuperUser,
)
from {{ cookiecutter.project_slug }}.last_superuser import NoSuperuserLeftError
from {{ cookiecutter.project_slug }}.models import User
from {{ cookiecutter.project_slug }}.schemas import (
    MAX_ID,
    PasswordChange,
    UserBatchUpdate,
    UserCreate,
    UserPage,
    UserRead,
    UserUpdate,
)
from {{ cookiecutter.project_slug }}.user_rows import get_user_row

router = APIRouter(prefix="/users", tags=["users"])

UserIdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="The user's id")]
SUPERUSER_FIELDS = {"is_active", "is_superuser", "password"}
# Extra answers for the OpenAPI docs, beside the success and 422 that FastAPI lists itself.
Responses = dict[int | str, dict[str, Any]]
NOT_FOUND: Responses = {404: {"description": "No user with this id"}}
TAKEN: Responses = {409: {"description": "The username is taken"}}
LAST_SUPERUSER: Responses = {409: {"description": "This is the last active superuser"}}
TAKEN_OR_LAST_SUPERUSER: Responses = {
    409: {"description": "The username is taken, or no active superuser would be left"}
}
NO_SUPERUSER_LEFT = HTTPException(
    status.HTTP_409_CONFLICT,
    detail="The last active superuser cannot be demoted, deactivated or deleted;"
    " make another superuser first",
)


def username_taken(username: str | None) -> HTTPException:
    detail = "A username is taken" if username is None else f"Username {username!r} is taken"
    return HTTPException(status.HTTP_409_CONFLICT, detail=detail)


def user_not_found(user_id: int) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, detail=f"User {user_id} not found")


def get_user_or_404(session: SessionDep, user_id: int) -> User:
    user = crud.get_user(session, user_id=user_id)
    if user is None:
        raise user_not_found(user_id)
    return user


def check_self_or_superuser(current_user: UserRead, user_id: int) -> None:
    if current_user.id != user_id and not current_user.is_superuser:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, detail="Only this user or a superuser may do this"
        )


@router.post("", status_code=status.HTTP_201_CREATED, responses=TAKEN)
def create_user(body: UserCreate, session: SessionDep, hasher: PasswordHasherDep) -> UserRead:
    """Sign up: anyone may create an ordinary (not superuser) account."""
    try:
        user = crud.create_user(
            session,
            username=body.username,
            hashed_password=hasher.hash(body.password),
            age=body.age,
        )
    except crud.UsernameTakenError:
        raise username_taken(body.username) from None
    session.commit()
    return UserRead.model_validate(user)


@router.get("/me")
async def read_current_user(current_user: CurrentUser) -> UserRead:
    """The signed-in user."""
    return current_user


@router.put(
    "/me/password",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={
        400: {"description": "The current password is wrong"},
        409: {"description": "The password changed while this request ran"},
        429: {"description": "Too many wrong current passwords; see Retry-After"},
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

    The current password is throttled like a login's (see password_guessing.py): a stolen
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
        changed = crud.change_password(
            session, user=user, old_hash=user.hashed_password, new_hash=new_hash
        )
        attempt.succeed()
        session.commit()
    if not changed:  # another change of the password came first, or the user's deletion
        session.expire_all()  # read the row as it is now, not as this session last saw it
        get_user_or_404(session, current_user.id)
        detail = "Your password changed while this request ran; log in with the new one"
        raise HTTPException(status.HTTP_409_CONFLICT, detail=detail)


@router.get("")
def list_users(
    session: ReadSessionDep,
    _: SuperUser,
    after: Annotated[
        int, Query(ge=0, le=MAX_ID, description="Start after this id: the `next_after` of a page")
    ] = 0,
    offset: Annotated[
        int, Query(ge=0, le=MAX_ID, description="Users to skip from the first (not with `after`)")
    ] = 0,
    limit: Annotated[int, Query(ge=1, le=100, description="Users per page")] = 50,
) -> UserPage:
    """Superusers: a page of users, ordered by id.

    Go from page to page with `after` (each page's `next_after`): it costs the same at any
    depth, while a large `offset` makes the database step over every user it skips.
    """
    if after and offset:
        # Kept with each new `after`, an offset would skip users on every page.
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, detail="Give `after` or `offset`, not both"
        )
    # One more than asked for tells whether another page follows.
    users = crud.list_users(session, after=after, offset=offset, limit=limit + 1)
    page = users[:limit]
    next_after = page[-1].id if len(users) > limit else None
    return UserPage(
        items=[UserRead.model_validate(user) for user in page],
        total=crud.count_users(session),
        offset=offset,
        limit=limit,
        next_after=next_after,
    )


@router.put("", responses=NOT_FOUND | TAKEN)
def update_users(
    body: Annotated[list[UserBatchUpdate], Body(max_length=100)],
    session: SessionDep,
    _: SuperUser,
) -> list[UserRead]:
    """Superusers: update many users at once; all of the changes are made, or none."""
    ids = [item.id for item in body]
    if len(set(ids)) != len(ids):
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail="Each id may appear once")
    changes = [item.model_dump(exclude_unset=True) for item in body]
    try:
        users = crud.update_users(session, changes=changes)
    except UsersNotFoundError as error:
        detail = f"Users not found: {', '.join(map(str, error.user_ids))}"
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=detail) from None
    except crud.UsernameTakenError as error:
        raise username_taken(error.username) from None
    session.commit()
    return [UserRead.model_validate(user) for user in users]


@router.get("/{user_id}", responses=NOT_FOUND)
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


@router.patch("/{user_id}", responses=NOT_FOUND | TAKEN_OR_LAST_SUPERUSER)
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
        crud.update_user(session, user=user, changes=changes)
    except UsersNotFoundError:  # deleted by another request since it was read
        raise user_not_found(user_id) from None
    except crud.UsernameTakenError as error:
        raise username_taken(error.username) from None
    except NoSuperuserLeftError:
        raise NO_SUPERUSER_LEFT from None
    session.commit()
    return UserRead.model_validate(user)


@router.delete(
    "/{user_id}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND | LAST_SUPERUSER
)
def delete_user(user_id: UserIdPath, session: SessionDep, current_user: CurrentUser) -> None:
    """Delete a user: yourself, or anyone if you are a superuser."""
    check_self_or_superuser(current_user, user_id)
    try:
        crud.delete_user(session, user=get_user_or_404(session, user_id))
    except UsersNotFoundError:  # another request deleted the user first
        raise user_not_found(user_id) from None
    except NoSuperuserLeftError:
        raise NO_SUPERUSER_LEFT from None
    session.commit()
