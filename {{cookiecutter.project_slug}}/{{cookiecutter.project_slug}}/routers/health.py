"""Liveness and database reachability, for load balancers and container health checks."""

from fastapi import APIRouter, Response, status
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from {{ cookiecutter.project_slug }}.dependencies import EngineDep
from {{ cookiecutter.project_slug }}.schemas import Health

router = APIRouter(tags=["health"])


@router.get("/health", responses={503: {"model": Health, "description": "Database unreachable"}})
def read_health(engine: EngineDep, response: Response) -> Health:
    """Report whether the service can reach its database."""
    # A plain `def`, run in the thread pool: a database that does not answer makes this
    # wait for its connect timeout, and nothing else should wait with it.
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError:
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        return Health(status="error", database="unavailable")
    return Health(status="ok", database="ok")
