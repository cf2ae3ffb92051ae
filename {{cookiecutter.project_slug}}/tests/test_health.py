"""GET /health (readiness) and /health/live (liveness)."""

from fastapi.testclient import TestClient

from {{ cookiecutter.project_slug }}.app import create_app
from tests.conftest import make_settings
from tests.isolated_database import UNREACHABLE_DATABASE_URL


def test_health_reports_a_reachable_database(client: TestClient) -> None:
    response = client.get("/health")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_health_reports_an_unreachable_database_and_liveness_does_not_care() -> None:
    app = create_app(make_settings(UNREACHABLE_DATABASE_URL))

    with TestClient(app) as client:
        readiness = client.get("/health")
        liveness = client.get("/health/live")

    assert readiness.status_code == 503
    assert readiness.json() == {
        "status": "error",
        "database": "unavailable",
        "detail": "the database did not answer",
    }
    # An outage of the database is no reason to restart the service.
    assert (liveness.status_code, liveness.json()) == (200, {"status": "ok"})
