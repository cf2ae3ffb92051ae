"""Every protected route takes a valid bearer token, and answers 401 to anything else."""

import warnings
from base64 import b64encode
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

import jwt
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx2 import Response
from jwt.warnings import InsecureKeyLengthWarning
from sqlalchemy import delete
from sqlalchemy.orm import Session

from {{ cookiecutter.project_slug }}.core.config import Settings
from {{ cookiecutter.project_slug }}.core.schemas import MAX_ID
from {{ cookiecutter.project_slug }}.users.models import User
from tests.conftest import PASSWORD, TEST_SECRET_KEY, Headers, UserFactory, bearer, token_for


class Route(NamedTuple):
    method: str
    path: str  # "{id}" stands for the id of the user the token belongs to
    json: object = None

    def call(self, client: TestClient, user: User, headers: Headers) -> Response:
        path = self.path.format(id=user.id)
        return client.request(self.method, path, json=self.json, headers=headers)


# Every claim a token needs (stated here, not read from the code under test): without one
# of them, the token is refused.
TOKEN_CLAIMS = ["sub", "iat", "exp", "type", "ver", "sid"]

PROTECTED_ROUTES = [
    pytest.param(route, id=f"{route.method} {route.path}")
    for route in [
        Route("GET", "/api/v1/users/me"),
        Route(
            "PUT",
            "/api/v1/users/me/password",
            {"current_password": PASSWORD, "new_password": "a new password"},
        ),
        Route("GET", "/api/v1/users"),
        Route("PUT", "/api/v1/users", []),
        Route("GET", "/api/v1/users/{id}"),
        Route("PATCH", "/api/v1/users/{id}", {"age": 40}),
        Route("DELETE", "/api/v1/users/{id}"),
    ]
]


# The live session of each account's hand-made tokens (the account fixture starts it).
LIVE_SESSION: dict[int, int] = {}


def valid_claims(user: User) -> dict[str, object]:
    now = datetime.now(UTC)
    return {
        "sub": str(user.id),
        "iat": now,
        "exp": now + timedelta(minutes=5),
        "type": "access",
        "ver": user.token_version,
        "sid": LIVE_SESSION[user.id],
    }


def signed(claims: dict[str, object], key: str = TEST_SECRET_KEY, algorithm: str = "HS256") -> str:
    return jwt.encode(claims, key, algorithm=algorithm)


# Each function makes the Authorization header of a request that must be refused.
def no_header(user: User) -> Headers:
    return {}


def not_a_jwt(user: User) -> Headers:
    return bearer("not-a-jwt")


def empty_bearer(user: User) -> Headers:
    return {"Authorization": "Bearer "}


def basic_scheme(user: User) -> Headers:
    credentials = b64encode(f"{user.username}:{PASSWORD}".encode()).decode()
    return {"Authorization": f"Basic {credentials}"}


def token_without_scheme(user: User) -> Headers:
    return {"Authorization": signed(valid_claims(user))}


def expired(user: User) -> Headers:
    now = datetime.now(UTC)
    claims = valid_claims(user) | {"iat": now - timedelta(hours=2), "exp": now - timedelta(hours=1)}
    return bearer(signed(claims))


def signed_with_another_key(user: User) -> Headers:
    return bearer(signed(valid_claims(user), key="another-secret-key-that-is-long-enough-42"))


def unsigned_alg_none(user: User) -> Headers:
    return bearer(signed(valid_claims(user), key="", algorithm="none"))


def signed_with_hs512(user: User) -> Headers:
    # Our key is shorter than HS512 asks for; that does not matter for a token to be refused.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsecureKeyLengthWarning)
        return bearer(signed(valid_claims(user), algorithm="HS512"))


def with_claims(**changes: object) -> Callable[[User], Headers]:
    def headers(user: User) -> Headers:
        return bearer(signed(valid_claims(user) | changes))

    return headers


def without_claim(name: str) -> Callable[[User], Headers]:
    def headers(user: User) -> Headers:
        claims = valid_claims(user)
        del claims[name]
        return bearer(signed(claims))

    return headers


def next_version(user: User) -> Headers:
    return bearer(signed(valid_claims(user) | {"ver": user.token_version + 1}))


INVALID_AUTHORIZATIONS = [
    pytest.param(no_header, id="no-token"),
    pytest.param(not_a_jwt, id="malformed"),
    pytest.param(empty_bearer, id="empty-bearer"),
    pytest.param(basic_scheme, id="basic-scheme"),
    pytest.param(token_without_scheme, id="no-scheme"),
    pytest.param(expired, id="expired"),
    pytest.param(signed_with_another_key, id="another-key"),
    pytest.param(unsigned_alg_none, id="alg-none"),
    pytest.param(signed_with_hs512, id="alg-HS512"),
    *[pytest.param(without_claim(name), id=f"no-{name}") for name in TOKEN_CLAIMS],
    pytest.param(with_claims(type="refresh"), id="type-refresh"),
    pytest.param(with_claims(type="id"), id="type-id"),
    pytest.param(with_claims(type="ACCESS"), id="type-in-capitals"),
    pytest.param(with_claims(sub="alice"), id="sub-not-a-number"),
    pytest.param(with_claims(sub="-1"), id="sub-negative"),
    pytest.param(with_claims(sub="\u0661"), id="sub-arabic-digit"),
    pytest.param(with_claims(sub="99999999999999999999"), id="sub-huge"),
    pytest.param(with_claims(sub=str(MAX_ID + 1)), id="sub-beyond-the-largest-id"),
    # Longer than int() converts (4,300 digits): refused, not a 500.
    pytest.param(with_claims(sub="9" * 5000), id="sub-5000-digits"),
    pytest.param(with_claims(ver="0"), id="ver-a-string"),
    pytest.param(with_claims(sid=MAX_ID), id="sid-of-no-session"),
    pytest.param(with_claims(sid=str(1)), id="sid-a-string"),
    pytest.param(next_version, id="ver-from-the-future"),
]


@pytest.fixture
def account(create_user: UserFactory, settings: Settings) -> User:
    """The token owner: a superuser, so that no route refuses the request for lack of rights.

    Another superuser exists, so that the owner may also delete itself. The owner is
    signed in: its session is the one the hand-made tokens name.
    """
    create_user("deputy", is_superuser=True)
    owner = create_user("owner", is_superuser=True)
    signed_in = jwt.decode(token_for(owner, settings), options={"verify_signature": False})
    LIVE_SESSION[owner.id] = signed_in["sid"]
    return owner


@pytest.mark.parametrize("route", PROTECTED_ROUTES)
def test_a_valid_token_is_accepted(
    client: TestClient, account: User, settings: Settings, route: Route
) -> None:
    response = route.call(client, account, bearer(token_for(account, settings)))

    assert response.status_code in {200, 204}


@pytest.mark.parametrize("route", PROTECTED_ROUTES)
@pytest.mark.parametrize("make_headers", INVALID_AUTHORIZATIONS)
def test_an_invalid_token_is_refused(
    client: TestClient,
    account: User,
    route: Route,
    make_headers: Callable[[User], Headers],
) -> None:
    response = route.call(client, account, make_headers(account))

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize("route", PROTECTED_ROUTES)
def test_the_token_of_a_deleted_user_is_refused(
    app: FastAPI, client: TestClient, account: User, settings: Settings, route: Route
) -> None:
    headers = bearer(token_for(account, settings))
    with Session(app.state.engine) as session, session.begin():
        session.execute(delete(User).where(User.id == account.id))

    response = route.call(client, account, headers)

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize("route", PROTECTED_ROUTES)
def test_a_token_from_before_a_password_change_is_refused(
    client: TestClient, account: User, settings: Settings, route: Route
) -> None:
    headers = bearer(token_for(account, settings))
    change = {"current_password": PASSWORD, "new_password": "a new password"}
    assert client.put("/api/v1/users/me/password", json=change, headers=headers).status_code == 204

    response = route.call(client, account, headers)

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_the_token_of_a_deactivated_user_is_forbidden(
    client: TestClient, create_user: UserFactory, settings: Settings
) -> None:
    dormant = create_user("dormant", is_active=False)

    response = client.get("/api/v1/users/me", headers=bearer(token_for(dormant, settings)))

    assert response.status_code == 403
