"""The OpenAPI schema, which /docs shows and clients are generated from."""

from fastapi.testclient import TestClient

# Each operation's id is its function's name: generated clients name their methods after
# them, so they are part of the API, as stable as its paths. Tagged by router.
OPERATIONS = {
    ("get", "/health/live"): ("read_liveness", "health"),
    ("get", "/health"): ("read_health", "health"),
    ("post", "/api/v1/auth/token"): ("login", "auth"),
    ("post", "/api/v1/users"): ("create_user", "users"),
    ("get", "/api/v1/users"): ("list_users", "users"),
    ("put", "/api/v1/users"): ("update_users", "users"),
    ("get", "/api/v1/users/me"): ("read_current_user", "users"),
    ("put", "/api/v1/users/me/password"): ("change_password", "users"),
    ("get", "/api/v1/users/{user_id}"): ("read_user", "users"),
    ("patch", "/api/v1/users/{user_id}"): ("update_user", "users"),
    ("delete", "/api/v1/users/{user_id}"): ("delete_user", "users"),
}


def test_every_operation_is_named_after_its_function_and_tagged_by_its_router(
    client: TestClient,
) -> None:
    paths = client.get("/openapi.json").json()["paths"]

    found = {
        (method, path): (operation["operationId"], *operation["tags"])
        for path, operations in paths.items()
        for method, operation in operations.items()
    }

    assert found == OPERATIONS


def test_the_openapi_schema_declares_the_password_login(client: TestClient) -> None:
    schemes = client.get("/openapi.json").json()["components"]["securitySchemes"]

    flows = [scheme["flows"] for scheme in schemes.values() if scheme["type"] == "oauth2"]
    assert flows == [{"password": {"scopes": {}, "tokenUrl": "/api/v1/auth/token"}}]


def test_the_openapi_schema_of_a_user_has_no_password(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]

    assert not any("password" in name for name in schemas["UserRead"]["properties"])
