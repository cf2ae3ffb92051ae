"""What the health checks answer."""

from typing import Literal

from pydantic import BaseModel, Field


class Health(BaseModel):
    status: Literal["ok", "error"]
    database: Literal["ok", "unavailable"]
    detail: str | None = Field(default=None, description="Why the service cannot serve now")


class Liveness(BaseModel):
    status: Literal["ok"]
