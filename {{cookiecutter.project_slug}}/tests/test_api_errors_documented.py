"""The schema names every answer an endpoint can give, and each error's body as it is sent.

/docs shows only what the schema declares ("Undocumented" for the rest), and a client
generated from it parses only those answers: any other is None to it, or an exception.
"""

from http import HTTPStatus
from typing import Any

import pytest
from fastapi.testclient import TestClient

from {{ cookiecutter.project_slug }}.users.models import User
from tests.conftest import Headers

# Each operation under /api/v1 (by its id) and every status it may answer: success, 422 for
# a request that is not valid, and its errors. 401 and 403 wherever a token is needed (403
# for a deactivated user, a non-superuser, or another user's id); 413 wherever a body is
# taken (the body limit); 429 where a password is checked (throttling); 503 wherever the
# database is used or a password hashed: everywhere here.
STATUSES = {
    "login": {200, 401, 403, 413, 422, 429, 503},
    "unlock_login": {204, 401, 403, 422, 503},
    "create_user": {201, 409, 413, 422, 503},
    "read_current_user": {200, 401, 403, 503},
    "change_password": {204, 400, 401, 403, 404, 409, 413, 422, 429, 503},
    "read_user": {200, 401, 403, 404, 422, 503},
    "update_user": {200, 401, 403, 404, 409, 413, 422, 503},
    "delete_user": {204, 401, 403, 404, 409, 422, 503},
    "list_users": {200, 401, 403, 422, 503},
    "update_users": {200, 401, 403, 404, 409, 413, 422, 503},
    # 401 where a refresh token is needed; none for a logout, which answers 204 to any.
    "refresh": {200, 401, 413, 422, 503},
    "log_out": {204, 413, 422, 503},
    "log_out_everywhere": {204, 401, 403, 503},
    "list_my_sessions": {200, 401, 403, 503},
    "end_my_session": {204, 401, 403, 404, 422, 503},
    "request_email_verification": {202, 401, 403, 404, 409, 429, 503},
    "verify_email": {204, 400, 413, 422, 429, 503},
    # No 404 for an address nobody has: the answer must not tell.
    "request_password_reset": {202, 413, 422, 429, 503},
    "confirm_password_reset": {204, 400, 413, 422, 429, 503},
}
ERROR_DETAIL = {"$ref": "#/components/schemas/ErrorDetail"}
VALIDATION_ERROR = {"$ref": "#/components/schemas/HTTPValidationError"}
# A client should wait this long before it tries again (seconds).
WAIT_HEADER = "Retry-After"


def api_operations(client: TestClient) -> dict[str, dict[str, Any]]:
    """Each operation under /api/v1 by its id, as /openapi.json has it."""
    paths = client.get("/openapi.json").json()["paths"]
    return {
        operation["operationId"]: operation
        for path, methods in paths.items()
        if path.startswith("/api/v1/")
        for operation in methods.values()
    }


def body_schema(answer: dict[str, Any]) -> object:
    return answer.get("content", {}).get("application/json", {}).get("schema")


def test_each_operation_declares_every_status_it_answers(client: TestClient) -> None:
    operations = api_operations(client)

    declared = {
        name: {int(code) for code in operations[name]["responses"]}
        for name in STATUSES
        if name in operations
    }

    assert declared == STATUSES


def test_every_error_is_declared_with_its_body(client: TestClient) -> None:
    # A team's operations too: an error's body is ErrorDetail, 422's FastAPI's own list.
    found = {
        (name, code): body_schema(answer)
        for name, operation in api_operations(client).items()
        for code, answer in operation["responses"].items()
        if int(code) >= 400
    }

    assert found, "no operation declares an error"
    expected = {key: VALIDATION_ERROR if key[1] == "422" else ERROR_DETAIL for key in found}
    assert found == expected


def test_every_error_says_when_it_is_answered(client: TestClient) -> None:
    # FastAPI's stand-in for a missing description is the status's name ("Not Found").
    unsaid = [
        f"{name} {code}: {answer['description']!r}"
        for name, operation in api_operations(client).items()
        for code, answer in operation["responses"].items()
        if int(code) >= 400 and answer["description"] == HTTPStatus(int(code)).phrase
    ]

    assert unsaid == []


@pytest.mark.parametrize("code", ["429", "503"])
def test_a_try_again_answer_declares_how_long_to_wait(client: TestClient, code: str) -> None:
    answers = {
        name: operation["responses"][code]
        for name, operation in api_operations(client).items()
        if code in operation["responses"]
    }

    assert answers, f"no operation declares {code}"
    headers = {name: answer.get("headers", {}).get(WAIT_HEADER) for name, answer in answers.items()}
    assert all(header and header["schema"] == {"type": "integer"} for header in headers.values()), (
        headers
    )


def test_the_declared_errors_answer_a_detail_string(
    client: TestClient, user_headers: Headers, superuser_headers: Headers
) -> None:
    no_token = client.get("/api/v1/users/me")
    not_a_superuser = client.get("/api/v1/users", headers=user_headers)
    no_such_user = client.get("/api/v1/users/123456789", headers=superuser_headers)

    answers = (no_token, not_a_superuser, no_such_user)
    assert [answer.status_code for answer in answers] == [401, 403, 404]
    for answer in answers:  # what a client parses as ErrorDetail
        body = answer.json()
        assert list(body) == ["detail"], body
        assert isinstance(body["detail"], str), body


def test_a_422_an_endpoint_raises_itself_lists_its_problems(
    client: TestClient, user: User, superuser_headers: Headers
) -> None:
    # Two fields that are each valid, but not together: the body still FastAPI's list of
    # problems, which a client parses as the declared HTTPValidationError.
    paged_twice = client.get(
        "/api/v1/users", params={"after": 1, "offset": 1}, headers=superuser_headers
    )
    same_id_twice = client.put(
        "/api/v1/users", json=[{"id": user.id}, {"id": user.id}], headers=superuser_headers
    )

    for answer in (paged_twice, same_id_twice):
        assert answer.status_code == 422
        problems = answer.json()["detail"]
        assert isinstance(problems, list), problems
        assert all({"loc", "msg", "type"} <= problem.keys() for problem in problems), problems
