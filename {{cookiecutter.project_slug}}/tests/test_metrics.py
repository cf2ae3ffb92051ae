"""GET /metrics: Prometheus' figures by route template, off unless METRICS=true.

The figures live in the process, shared by every app the tests make: each test compares
them before and after what it does.
"""

import secrets
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.conftest import Headers, UserFactory, app_with
from tests.metrics_text import label_values, sample

USER_ROUTE = "/api/v1/users/{user_id}"  # as /openapi.json names it
METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "other"}
ORIGIN = "https://app.example.com"
# A browser's CORS preflight, which CORS answers itself, before any route: to any path.
PREFLIGHT = {"Origin": ORIGIN, "Access-Control-Request-Method": "GET"}


@pytest.fixture(scope="module")
def metrics_app(database_url: str) -> Iterator[FastAPI]:
    """The app with metrics and one CORS origin, and one more route, which fails as a bug would."""
    with app_with(database_url, metrics=True, database_pool_size=7, cors_origins=[ORIGIN]) as app:

        @app.get("/fail")
        def fail() -> None:
            raise RuntimeError("a bug")

        yield app


@pytest.fixture
def metrics_client(metrics_app: FastAPI, client: TestClient) -> Iterator[TestClient]:
    """A client of the app with metrics; `client` empties the tables afterwards."""
    with TestClient(metrics_app) as test_client:
        yield test_client


def requests_counted(client: TestClient, method: str, route: str, status: str) -> float:
    page = client.get("/metrics").text
    return sample(page, "http_requests_total", method=method, route=route, status=status)


def test_metrics_are_off_unless_asked_for(client: TestClient) -> None:
    assert client.get("/metrics").status_code == 404


def test_metrics_are_not_part_of_the_apis_schema(metrics_client: TestClient) -> None:
    assert "/metrics" not in metrics_client.get("/openapi.json").json()["paths"]


def test_requests_are_counted_by_route_template_never_by_path(
    metrics_client: TestClient, create_user: UserFactory, superuser_headers: Headers
) -> None:
    ids = [create_user(f"user{number}").id for number in range(3)]
    before = requests_counted(metrics_client, "GET", USER_ROUTE, "200")

    for user_id in ids:
        assert metrics_client.get(f"/api/v1/users/{user_id}", headers=superuser_headers).is_success

    page = metrics_client.get("/metrics").text
    labels = {"method": "GET", "route": USER_ROUTE, "status": "200"}
    assert sample(page, "http_requests_total", **labels) == before + 3
    assert sample(page, "http_request_duration_seconds_count", **labels) == before + 3
    assert sample(page, "http_request_duration_seconds_bucket", **labels, le="+Inf") == before + 3
    routes = label_values(page, "http_requests_total", "route")
    assert not any(str(user_id) in route for route in routes for user_id in ids), routes


def test_every_route_is_labelled_with_its_full_template(
    metrics_client: TestClient, superuser_headers: Headers
) -> None:
    metrics_client.get("/api/v1/users/me", headers=superuser_headers)
    metrics_client.get("/api/v1/users", headers=superuser_headers)
    metrics_client.get("/health/live")
    metrics_client.get("/openapi.json")  # FastAPI's own route, which names no route
    metrics_client.get("/docs-assets/redoc/LICENSE")  # a file of the docs' mount

    routes = label_values(metrics_client.get("/metrics").text, "http_requests_total", "route")

    assert {"/api/v1/users/me", "/api/v1/users", "/health/live", "/openapi.json"} <= routes
    assert "/docs-assets/{path}" in routes
    assert "/docs-assets/redoc/LICENSE" not in routes
    assert all(route.startswith("/") or route == "unmatched" for route in routes), routes


def test_unknown_paths_and_methods_add_no_new_series(metrics_client: TestClient) -> None:
    for number in range(5):
        metrics_client.get(f"/probe/{number}")
        metrics_client.request(f"INVENTED{number}", "/health/live")
        metrics_client.get(f"/api/v1/users/{number}/", follow_redirects=False)  # a redirect

    page = metrics_client.get("/metrics").text

    assert "/probe" not in page
    assert "/api/v1/users/1/" not in page
    assert "INVENTED" not in page
    assert sample(page, "http_requests_total", method="GET", route="unmatched", status="404") >= 5
    assert label_values(page, "http_requests_total", "method") <= METHODS


def test_a_preflight_to_any_path_is_counted_as_unmatched(metrics_client: TestClient) -> None:
    before = requests_counted(metrics_client, "OPTIONS", "unmatched", "200")

    answer = metrics_client.options("/no/such/path", headers=PREFLIGHT)

    assert answer.status_code == 200  # CORS answered it: no route did
    page = metrics_client.get("/metrics").text
    labels = {"method": "OPTIONS", "route": "unmatched", "status": "200"}
    assert sample(page, "http_requests_total", **labels) == before + 1
    assert "/no/such/path" not in page


def test_a_path_with_a_line_break_is_counted_as_unmatched(metrics_client: TestClient) -> None:
    before = requests_counted(metrics_client, "OPTIONS", "unmatched", "200")

    metrics_client.options("/x%0aforged_total 1", headers=PREFLIGHT)

    page = metrics_client.get("/metrics").text
    assert requests_counted(metrics_client, "OPTIONS", "unmatched", "200") == before + 1
    assert "forged" not in page


def test_random_paths_add_no_route_label_but_unmatched(metrics_client: TestClient) -> None:
    before = label_values(metrics_client.get("/metrics").text, "http_requests_total", "route")

    for _ in range(100):
        path = f"/{secrets.token_hex(8)}"
        metrics_client.options(path, headers=PREFLIGHT)  # answered by CORS
        metrics_client.get(path)  # 404
        # A redirect, to the same path without its trailing slash
        metrics_client.get(f"/api/v1/users/{secrets.token_hex(8)}/", follow_redirects=False)

    page = metrics_client.get("/metrics").text
    assert label_values(page, "http_requests_total", "route") <= before | {"unmatched"}
    preflights = {"method": "OPTIONS", "route": "unmatched", "status": "200"}
    assert sample(page, "http_requests_total", **preflights) >= 100


def test_an_unhandled_error_is_counted_as_500(metrics_client: TestClient) -> None:
    before = requests_counted(metrics_client, "GET", "/fail", "500")

    assert metrics_client.get("/fail").status_code == 500

    assert requests_counted(metrics_client, "GET", "/fail", "500") == before + 1


def test_the_connection_pools_are_measured(
    metrics_client: TestClient, superuser_headers: Headers
) -> None:
    metrics_client.get("/api/v1/users/me", headers=superuser_headers)

    page = metrics_client.get("/metrics").text

    for engine in ["write", "read"]:
        assert sample(page, "database_pool_size_connections", engine=engine) == 7
        # Every request has ended: every connection is back in its pool.
        assert sample(page, "database_pool_checked_out_connections", engine=engine) == 0
    assert sample(page, "http_requests_in_progress", method="GET") == 1  # this scrape
