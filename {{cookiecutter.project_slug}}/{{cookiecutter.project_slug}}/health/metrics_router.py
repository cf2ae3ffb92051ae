"""GET /metrics: Prometheus' scrape, when the METRICS setting is true (core/metrics.py).

Not in the API's schema: it is for the monitoring system, not for the API's clients. Keep it
off the public internet (the README's "Metrics").
"""

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST

from {{ cookiecutter.project_slug }}.core.metrics import latest_metrics

router = APIRouter(tags=["metrics"])


@router.get("/metrics", include_in_schema=False)
def read_metrics() -> Response:
    # A plain `def`, run in the thread pool: with several workers it reads their files.
    return Response(latest_metrics(), media_type=CONTENT_TYPE_LATEST)
