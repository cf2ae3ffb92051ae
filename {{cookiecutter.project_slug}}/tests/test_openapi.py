"""The OpenAPI schema, which /docs shows and clients are generated from."""

from fastapi.testclient import TestClient

# The template's operations. Each one's id is its function's name: generated clients name
# their methods after them, so they are part of the API, as stable as its paths.
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


def operations(client: TestClient) -> dict[tuple[str, str], tuple[str, ...]]:
    """(method, path): (operation id, tags...) for each operation of the served schema."""
    paths = client.get("/openapi.json").json()["paths"]
    return {
        (method, path): (operation["operationId"], *operation["tags"])
        for path, methods in paths.items()
        for method, operation in methods.items()
    }


def test_the_templates_operations_keep_their_ids_and_tags(client: TestClient) -> None:
    found = operations(client)

    assert {key: found.get(key) for key in OPERATIONS} == OPERATIONS


def test_every_operation_has_an_id_of_its_own_and_one_tag(client: TestClient) -> None:
    # Yours too: a new endpoint's id is its function's name (app.py), which must then be
    # unique across the routers, or two client methods would collide.
    found = operations(client)

    ids = [value[0] for value in found.values()]
    assert sorted(ids) == sorted(set(ids))
    assert all(len(value) == 2 for value in found.values()), found


def test_the_openapi_schema_declares_the_password_login(client: TestClient) -> None:
    schemes = client.get("/openapi.json").json()["components"]["securitySchemes"]

    flows = [scheme["flows"] for scheme in schemes.values() if scheme["type"] == "oauth2"]
    # Relative to the schema's URL, so that it works under a proxy's prefix too.
    assert flows == [{"password": {"scopes": {}, "tokenUrl": "api/v1/auth/token"}}]


def test_the_openapi_schema_of_a_user_has_no_password(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]

    assert not any("password" in name for name in schemas["UserRead"]["properties"])
