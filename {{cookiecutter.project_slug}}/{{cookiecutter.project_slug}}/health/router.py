"""Health checks: is the process alive (liveness), and can it serve (readiness)?

An orchestrator restarts a service that fails its liveness check, and sends no traffic to one
that fails its readiness check. Liveness must not depend on the database: during an outage
of the database, restarting every replica would fix nothing and lose their requests.
"""

import logging

from fastapi import APIRouter, Response, status
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from {{ cookiecutter.project_slug }}.core.dependencies import EngineDep
from {{ cookiecutter.project_slug }}.health.schemas import Health, Liveness

router = APIRouter(tags=["health"])
logger = logging.getLogger(__name__)


@router.get("/health/live")
async def read_liveness() -> Liveness:
    """The process answers: it needs no restart. Touches nothing else."""
    return Liveness(status="ok")


@router.get(
    "/health",
    responses={503: {"model": Health, "description": "Cannot serve now"}},
    response_model_exclude_none=True,  # no "detail": null when all is well
)
def read_health(engine: EngineDep, response: Response) -> Health:
    """Readiness: whether the service can reach its database now."""
    # A plain `def`, run in the thread pool: a database that does not answer makes this
    # wait for its timeout, and nothing else should wait with it.
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except PoolTimeoutError:
        return unhealthy(response, "every connection to the database is busy")
    except SQLAlchemyError as error:
        logger.warning("Health check failed: %s", error)
        return unhealthy(response, "the database did not answer")
    return Health(status="ok", database="ok")


def unhealthy(response: Response, reason: str) -> Health:
    response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    return Health(status="error", database="unavailable", detail=reason)
