"""Todos: each user's own, made, read, changed, deleted and listed in pages; another user's
answers 404 as if it did not exist; superusers read everyone's."""

import pytest
from fastapi.testclient import TestClient

from {{ cookiecutter.project_slug }}.core.config import Settings
from {{ cookiecutter.project_slug }}.core.schemas import MAX_ID
from {{ cookiecutter.project_slug }}.users.models import User
from tests.conftest import Headers, UserFactory, bearer, token_for

TODOS_URL = "/api/v1/todos"
TODO_FIELDS = {"id", "owner_id", "title", "done", "created_at", "updated_at"}


@pytest.fixture
def bob_headers(create_user: UserFactory, settings: Settings) -> Headers:
    return bearer(token_for(create_user("bob"), settings))


def make_todo(client: TestClient, headers: Headers, title: str = "buy milk") -> int:
    response = client.post(TODOS_URL, json={"title": title}, headers=headers)
    assert response.status_code == 201, response.text
    todo_id: int = response.json()["id"]
    return todo_id


def titles(client: TestClient, headers: Headers, url: str = TODOS_URL) -> list[str]:
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.text
    return [todo["title"] for todo in response.json()["items"]]


# Your own todos


def test_a_new_todo_is_yours_and_not_done(
    client: TestClient, user: User, user_headers: Headers
) -> None:
    created = client.post(TODOS_URL, json={"title": "buy milk"}, headers=user_headers)
    read = client.get(f"{TODOS_URL}/{created.json()['id']}", headers=user_headers)

    assert created.status_code == 201
    assert set(created.json()) == TODO_FIELDS
    assert (created.json()["title"], created.json()["done"]) == ("buy milk", False)
    assert created.json()["owner_id"] == user.id
    assert read.json() == created.json()


def test_a_title_keeps_no_spaces_around_it(client: TestClient, user_headers: Headers) -> None:
    response = client.post(TODOS_URL, json={"title": "  buy milk \n"}, headers=user_headers)

    assert response.json()["title"] == "buy milk"


def test_a_title_of_200_characters_is_kept_whole(client: TestClient, user_headers: Headers) -> None:
    title = "é" * 199 + "😀"  # characters, not bytes: each of these takes two or four

    todo_id = make_todo(client, user_headers, title)

    assert client.get(f"{TODOS_URL}/{todo_id}", headers=user_headers).json()["title"] == title


def test_a_todo_is_marked_done_and_renamed(client: TestClient, user_headers: Headers) -> None:
    todo_id = make_todo(client, user_headers)
    url = f"{TODOS_URL}/{todo_id}"

    done = client.patch(url, json={"done": True}, headers=user_headers)
    renamed = client.patch(url, json={"title": "buy oat milk"}, headers=user_headers)

    assert done.status_code == renamed.status_code == 200
    assert (done.json()["title"], done.json()["done"]) == ("buy milk", True)
    assert (renamed.json()["title"], renamed.json()["done"]) == ("buy oat milk", True)
    assert client.get(url, headers=user_headers).json() == renamed.json()


def test_a_deleted_todo_is_gone(client: TestClient, user_headers: Headers) -> None:
    todo_id = make_todo(client, user_headers)

    deleted = client.delete(f"{TODOS_URL}/{todo_id}", headers=user_headers)

    assert deleted.status_code == 204
    assert client.get(f"{TODOS_URL}/{todo_id}", headers=user_headers).status_code == 404
    assert titles(client, user_headers) == []


def test_your_list_holds_your_todos_in_the_order_you_made_them(
    client: TestClient, user_headers: Headers, bob_headers: Headers
) -> None:
    make_todo(client, user_headers, "first")
    make_todo(client, bob_headers, "bob's")
    make_todo(client, user_headers, "second")

    assert titles(client, user_headers) == ["first", "second"]
    assert titles(client, bob_headers) == ["bob's"]


def test_the_list_comes_in_pages(client: TestClient, user_headers: Headers) -> None:
    for title in ["a", "b", "c", "d", "e"]:
        make_todo(client, user_headers, title)

    pages, after = [], 0
    while after is not None:
        page = client.get(TODOS_URL, params={"after": after, "limit": 2}, headers=user_headers)
        pages.append([todo["title"] for todo in page.json()["items"]])
        after = page.json()["next_after"]

    assert pages == [["a", "b"], ["c", "d"], ["e"]]


# Another user's todos


@pytest.mark.parametrize(
    ("method", "body"), [("GET", None), ("PATCH", {"done": True}), ("DELETE", None)]
)
def test_another_users_todo_answers_as_one_that_does_not_exist(
    client: TestClient, user_headers: Headers, bob_headers: Headers, method: str, body: object
) -> None:
    todo_id = make_todo(client, user_headers, "alice's")

    others = client.request(method, f"{TODOS_URL}/{todo_id}", json=body, headers=bob_headers)
    missing = client.request(method, f"{TODOS_URL}/{MAX_ID}", json=body, headers=bob_headers)

    assert others.status_code == missing.status_code == 404
    assert "alice's" not in others.text
    unchanged = client.get(f"{TODOS_URL}/{todo_id}", headers=user_headers)
    assert (unchanged.status_code, unchanged.json()["done"]) == (200, False)


def test_a_superuser_reads_everyones_todos(
    client: TestClient, user_headers: Headers, bob_headers: Headers, superuser_headers: Headers
) -> None:
    alices = make_todo(client, user_headers, "alice's")
    make_todo(client, bob_headers, "bob's")

    read = client.get(f"{TODOS_URL}/{alices}", headers=superuser_headers)

    assert titles(client, superuser_headers, f"{TODOS_URL}/all") == ["alice's", "bob's"]
    assert read.json()["title"] == "alice's"


def test_only_a_superuser_lists_everyones_todos(client: TestClient, user_headers: Headers) -> None:
    response = client.get(f"{TODOS_URL}/all", headers=user_headers)

    assert response.status_code == 403


def test_deleting_a_user_deletes_their_todos(
    client: TestClient,
    create_user: UserFactory,
    settings: Settings,
    user_headers: Headers,
    superuser_headers: Headers,
) -> None:
    bob = create_user("bob")
    make_todo(client, bearer(token_for(bob, settings)), "bob's")
    make_todo(client, user_headers, "alice's")

    deleted = client.delete(f"/api/v1/users/{bob.id}", headers=superuser_headers)

    assert deleted.status_code == 204
    assert titles(client, superuser_headers, f"{TODOS_URL}/all") == ["alice's"]


# What is refused


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"title": ""},
        {"title": "   "},
        {"title": "x" * 201},
        {"title": "buy\x00milk"},  # PostgreSQL cannot store it
        {"title": None},
        {"title": 5},
        {"title": "buy milk", "done": True},  # a new todo is not done yet
        {"title": "buy milk", "owner_id": 1},  # always the caller's own
    ],
)
def test_a_todo_that_is_not_valid_is_refused(
    client: TestClient, user_headers: Headers, body: object
) -> None:
    response = client.post(TODOS_URL, json=body, headers=user_headers)

    assert response.status_code == 422
    assert titles(client, user_headers) == []


@pytest.mark.parametrize(
    "body",
    [
        {"title": ""},
        {"title": "\x00"},
        {"title": None},
        {"done": None},
        {"done": "maybe"},
        {"id": 2},
    ],
)
def test_a_change_that_is_not_valid_is_refused(
    client: TestClient, user_headers: Headers, body: object
) -> None:
    todo_id = make_todo(client, user_headers)

    response = client.patch(f"{TODOS_URL}/{todo_id}", json=body, headers=user_headers)

    assert response.status_code == 422


@pytest.mark.parametrize("todo_id", ["abc", "0", "-1", str(MAX_ID + 1)])
def test_an_impossible_todo_id_is_invalid(
    client: TestClient, user_headers: Headers, todo_id: str
) -> None:
    response = client.get(f"{TODOS_URL}/{todo_id}", headers=user_headers)

    assert response.status_code == 422


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", ""),
        ("GET", ""),
        ("GET", "/all"),
        ("GET", "/1"),
        ("PATCH", "/1"),
        ("DELETE", "/1"),
    ],
)
def test_every_todo_endpoint_needs_a_token(client: TestClient, method: str, path: str) -> None:
    response = client.request(method, f"{TODOS_URL}{path}", json={"title": "x"})

    assert response.status_code == 401
