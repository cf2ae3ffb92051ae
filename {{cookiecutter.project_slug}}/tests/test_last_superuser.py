"""The service always keeps an active superuser: the last one cannot remove itself."""

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx2 import Response

from {{ cookiecutter.project_slug }}.core.config import Settings
from {{ cookiecutter.project_slug }}.core.database.sessions import create_session_factory
from {{ cookiecutter.project_slug }}.users import queries
from {{ cookiecutter.project_slug }}.users.last_superuser import NoSuperuserLeftError
from {{ cookiecutter.project_slug }}.users.models import User
from tests.conftest import Headers, UserFactory, bearer, token_for, users_table
from tests.racing import MOMENTS, Moment, meanwhile

USERS_URL = "/api/v1/users"


def active_superusers(app: FastAPI) -> list[str]:
    return [row["username"] for row in users_table(app) if row["is_superuser"] and row["is_active"]]


# Each change would leave the superuser unable to administer the service.
REMOVALS = [
    pytest.param("PATCH", {"is_superuser": False}, id="demote"),
    pytest.param("PATCH", {"is_active": False}, id="deactivate"),
    pytest.param("DELETE", None, id="delete"),
]


@pytest.mark.parametrize(("method", "body"), REMOVALS)
def test_the_last_active_superuser_cannot_remove_itself(
    app: FastAPI,
    client: TestClient,
    superuser: User,
    superuser_headers: Headers,
    method: str,
    body: dict[str, bool] | None,
) -> None:
    before = users_table(app)

    url = f"{USERS_URL}/{superuser.id}"
    response = client.request(method, url, json=body, headers=superuser_headers)

    assert response.status_code == 409
    assert "last active superuser" in response.json()["detail"]
    assert users_table(app) == before


@pytest.mark.parametrize(("method", "body"), REMOVALS)
def test_an_inactive_superuser_does_not_count(
    app: FastAPI,
    client: TestClient,
    create_user: UserFactory,
    superuser: User,
    superuser_headers: Headers,
    method: str,
    body: dict[str, bool] | None,
) -> None:
    create_user("retired_admin", is_superuser=True, is_active=False)

    url = f"{USERS_URL}/{superuser.id}"
    response = client.request(method, url, json=body, headers=superuser_headers)

    assert response.status_code == 409


@pytest.mark.parametrize(("method", "body"), REMOVALS)
def test_a_superuser_may_remove_itself_while_another_remains(
    app: FastAPI,
    client: TestClient,
    create_user: UserFactory,
    superuser: User,
    superuser_headers: Headers,
    method: str,
    body: dict[str, bool] | None,
) -> None:
    create_user("deputy", is_superuser=True)

    url = f"{USERS_URL}/{superuser.id}"
    response = client.request(method, url, json=body, headers=superuser_headers)

    assert response.is_success
    assert active_superusers(app) == ["deputy"]


def test_a_superuser_may_still_demote_another_superuser(
    client: TestClient, create_user: UserFactory, superuser: User, superuser_headers: Headers
) -> None:
    deputy = create_user("deputy", is_superuser=True)

    url = f"{USERS_URL}/{deputy.id}"
    response = client.patch(url, json={"is_superuser": False}, headers=superuser_headers)

    assert response.status_code == 200
    assert response.json()["is_superuser"] is False


def test_a_change_judged_on_a_stale_copy_of_the_user_still_keeps_a_superuser(
    app: FastAPI, client: TestClient, create_user: UserFactory, superuser: User
) -> None:
    # A request loads a deactivated superuser, then hashes a new password for it. Meanwhile
    # that user is reactivated and the other superuser demotes itself, which is allowed:
    # two were active. The slow request's demotion must now be refused.
    dormant = create_user("dormant_admin", is_superuser=True, is_active=False)
    sessions = create_session_factory(app.state.engine)
    with sessions() as slow:
        stale = slow.get_one(User, dormant.id)
        with sessions.begin() as fast:
            reactivated = fast.get_one(User, dormant.id)
            queries.update_user(fast, user=reactivated, changes={"is_active": True})
        with sessions.begin() as fast:
            demoted = fast.get_one(User, superuser.id)
            queries.update_user(fast, user=demoted, changes={"is_superuser": False})

        with pytest.raises(NoSuperuserLeftError):
            queries.update_user(slow, user=stale, changes={"is_superuser": False})
        slow.rollback()

    assert active_superusers(app) == ["dormant_admin"]


@pytest.mark.parametrize("moment", MOMENTS)
@pytest.mark.parametrize(("method", "body"), REMOVALS)
def test_two_superusers_removing_each_other_at_once_leave_one_of_them(
    app: FastAPI,
    client: TestClient,
    create_user: UserFactory,
    settings: Settings,
    superuser: User,
    superuser_headers: Headers,
    method: str,
    body: dict[str, bool] | None,
    moment: Moment,
) -> None:
    # Each sets out to remove the other while both are active superusers; the second
    # request comes while the first is at `moment`. One must succeed and the other get 409:
    # never both (no superuser left), never a deadlock (503).
    deputy = create_user("deputy", is_superuser=True)
    deputy_headers = bearer(token_for(deputy, settings))

    def deputy_removes_root_admin() -> Response:
        url = f"{USERS_URL}/{superuser.id}"
        return client.request(method, url, json=body, headers=deputy_headers)

    with meanwhile(app, moment, deputy_removes_root_admin) as deputys:
        url = f"{USERS_URL}/{deputy.id}"
        root_admins = client.request(method, url, json=body, headers=superuser_headers)

    answers = {"root_admin": root_admins, "deputy": deputys.response}
    statuses = {name: answer.status_code for name, answer in answers.items()}
    succeeded = [name for name, answer in answers.items() if answer.is_success]
    refused = [name for name, answer in answers.items() if answer.status_code == 409]
    assert (len(succeeded), len(refused)) == (1, 1), statuses
    assert "last active superuser" in answers[refused[0]].json()["detail"]
    assert active_superusers(app) == succeeded
