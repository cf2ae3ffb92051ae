"""What a login answers."""

from typing import Literal

from pydantic import BaseModel, Field


class Token(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="Seconds until the access token expires")
    refresh_token: str = Field(
        description="Exchanged at /auth/refresh for the next pair, once: used twice, it ends"
        " the session"
    )
