"""Staying signed in and signing out over HTTP: /auth/refresh, /auth/logout,
/auth/logout-all and /users/me/sessions."""

from typing import Any

from fastapi.testclient import TestClient

from {{ cookiecutter.project_slug }}.users.models import User
from tests.conftest import PASSWORD, UserFactory, app_with, bearer, log_in

REFRESH_URL = "/api/v1/auth/refresh"
LOGOUT_URL = "/api/v1/auth/logout"
SESSIONS_URL = "/api/v1/users/me/sessions"


def signed_in(client: TestClient, user_agent: str = "pytest") -> dict[str, Any]:
    response = client.post(
        "/api/v1/auth/token",
        data={"username": "alice", "password": PASSWORD},
        headers={"User-Agent": user_agent},
    )
    assert response.status_code == 200, response.text
    tokens: dict[str, Any] = response.json()
    return tokens


def refresh(client: TestClient, refresh_token: str) -> Any:
    return client.post(REFRESH_URL, json={"refresh_token": refresh_token})


def me(client: TestClient, tokens: dict[str, Any]) -> int:
    return client.get("/api/v1/users/me", headers=bearer(tokens["access_token"])).status_code


def test_a_refresh_answers_a_new_pair_that_works(client: TestClient, user: User) -> None:
    first = signed_in(client)
    response = refresh(client, first["refresh_token"])

    assert response.status_code == 200
    second = response.json()
    assert set(second) == {"access_token", "token_type", "expires_in", "refresh_token"}
    assert second["refresh_token"] != first["refresh_token"]
    assert me(client, second) == 200
    assert refresh(client, second["refresh_token"]).status_code == 200


def test_a_replayed_refresh_token_ends_the_session_and_every_token_of_it(
    client: TestClient, user: User
) -> None:
    first = signed_in(client)
    second = refresh(client, first["refresh_token"]).json()
    other_device = signed_in(client, "laptop")

    replay = refresh(client, first["refresh_token"])

    assert replay.status_code == 401
    assert "used before" in replay.json()["detail"]
    assert refresh(client, second["refresh_token"]).status_code == 401
    assert me(client, first) == 401  # access tokens too, within their lifetime
    assert me(client, second) == 401
    assert me(client, other_device) == 200  # another session is untouched


def test_an_unknown_or_missing_refresh_token_gets_401(client: TestClient, user: User) -> None:
    unknown = refresh(client, "x" * 43)
    missing = client.post(REFRESH_URL)

    assert unknown.status_code == 401
    assert "sign in again" in unknown.json()["detail"]
    assert missing.status_code == 401
    assert missing.json()["detail"] == "A refresh token is needed"


def test_a_malformed_refresh_body_gets_422(client: TestClient) -> None:
    for body in ({"refresh_token": ""}, {"refresh_token": "x" * 101}, {"token": "x"}):
        assert client.post(REFRESH_URL, json=body).status_code == 422


def test_logout_ends_that_session_only(client: TestClient, user: User) -> None:
    phone, laptop = signed_in(client, "phone"), signed_in(client, "laptop")

    response = client.post(LOGOUT_URL, json={"refresh_token": phone["refresh_token"]})

    assert response.status_code == 204
    assert me(client, phone) == 401
    assert refresh(client, phone["refresh_token"]).status_code == 401
    assert me(client, laptop) == 200


def test_logout_answers_204_whatever_the_token(client: TestClient, user: User) -> None:
    # Nothing to learn from it: unknown, already ended, or none at all.
    tokens = signed_in(client)
    body = {"refresh_token": tokens["refresh_token"]}

    assert client.post(LOGOUT_URL, json=body).status_code == 204
    assert client.post(LOGOUT_URL, json=body).status_code == 204
    assert client.post(LOGOUT_URL, json={"refresh_token": "unknown"}).status_code == 204
    assert client.post(LOGOUT_URL).status_code == 204


def test_logout_all_ends_every_session_this_one_included(client: TestClient, user: User) -> None:
    phone, laptop = signed_in(client, "phone"), signed_in(client, "laptop")

    response = client.post("/api/v1/auth/logout-all", headers=bearer(laptop["access_token"]))

    assert response.status_code == 204
    for device in (phone, laptop):
        assert me(client, device) == 401
        assert refresh(client, device["refresh_token"]).status_code == 401
    assert me(client, signed_in(client)) == 200  # signing in again works


def test_the_sessions_list_shows_each_device_and_which_is_this_one(
    client: TestClient, user: User
) -> None:
    signed_in(client, "phone")
    laptop = signed_in(client, "laptop")

    response = client.get(SESSIONS_URL, headers=bearer(laptop["access_token"]))

    assert response.status_code == 200
    sessions = response.json()
    assert sorted((s["user_agent"], s["current"]) for s in sessions) == [
        ("laptop", True),
        ("phone", False),
    ]
    assert set(sessions[0]) == {"id", "created_at", "last_used_at", "user_agent", "current"}


def test_ending_one_of_your_sessions_signs_that_device_out(client: TestClient, user: User) -> None:
    phone, laptop = signed_in(client, "phone"), signed_in(client, "laptop")
    headers = bearer(laptop["access_token"])
    [phone_session] = [
        s for s in client.get(SESSIONS_URL, headers=headers).json() if not s["current"]
    ]

    response = client.delete(f"{SESSIONS_URL}/{phone_session['id']}", headers=headers)

    assert response.status_code == 204
    assert me(client, phone) == 401
    assert refresh(client, phone["refresh_token"]).status_code == 401
    again = client.delete(f"{SESSIONS_URL}/{phone_session['id']}", headers=headers)
    assert again.status_code == 404


def test_another_users_session_cannot_be_ended_or_seen(
    client: TestClient, user: User, create_user: UserFactory
) -> None:
    create_user("bob")
    alice = signed_in(client)
    bob = log_in(client, "bob").json()
    [alices_session] = client.get(SESSIONS_URL, headers=bearer(alice["access_token"])).json()

    bobs_list = client.get(SESSIONS_URL, headers=bearer(bob["access_token"])).json()
    response = client.delete(
        f"{SESSIONS_URL}/{alices_session['id']}", headers=bearer(bob["access_token"])
    )

    assert alices_session["id"] not in [s["id"] for s in bobs_list]
    assert response.status_code == 404
    assert me(client, alice) == 200


def test_a_new_password_ends_every_session(client: TestClient, user: User) -> None:
    phone, laptop = signed_in(client, "phone"), signed_in(client, "laptop")
    change = {"current_password": PASSWORD, "new_password": "a brand new password"}

    response = client.put(
        "/api/v1/users/me/password", json=change, headers=bearer(laptop["access_token"])
    )

    assert response.status_code == 204
    for device in (phone, laptop):
        assert refresh(client, device["refresh_token"]).status_code == 401


def test_with_the_cookie_setting_the_refresh_token_travels_as_a_strict_cookie(
    database_url: str, client: TestClient, user: User
) -> None:
    with app_with(database_url, refresh_token_cookie=True) as app, TestClient(app) as browser:
        login = browser.post("/api/v1/auth/token", data={"username": "alice", "password": PASSWORD})
        cookie = login.headers["set-cookie"]
        token = login.json()["refresh_token"]
        # httpx keeps a Secure cookie from a plain-HTTP test server: sent by hand, as a
        # browser would over HTTPS.
        browser.cookies.clear()
        refreshed = browser.post(REFRESH_URL, headers={"Cookie": f"refresh_token={token}"})
        logout = browser.post(
            LOGOUT_URL, headers={"Cookie": f"refresh_token={refreshed.json()['refresh_token']}"}
        )

    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")}
    assert cookie.startswith(f"refresh_token={token};")
    assert {"httponly", "secure", "samesite", "path", "max-age"} <= attributes
    assert "SameSite=strict" in cookie or "samesite=strict" in cookie.lower()
    assert "Path=/api/v1/auth;" in cookie + ";"
    assert refreshed.status_code == 200
    assert logout.status_code == 204
    assert 'refresh_token=""' in logout.headers["set-cookie"]  # the browser forgets it
    assert refresh(client, refreshed.json()["refresh_token"]).status_code == 401


def test_without_the_cookie_setting_no_cookie_is_set_or_read(
    client: TestClient, user: User
) -> None:
    login = log_in(client, "alice")
    token = login.json()["refresh_token"]

    response = client.post(REFRESH_URL, headers={"Cookie": f"refresh_token={token}"})

    assert "set-cookie" not in login.headers
    assert response.status_code == 401
