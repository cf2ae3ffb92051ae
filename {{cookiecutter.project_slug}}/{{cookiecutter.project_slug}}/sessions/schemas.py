"""What the session endpoints take and answer."""

from datetime import datetime

from pydantic import BaseModel, Field

from {{ cookiecutter.project_slug }}.core.schemas import StrictModel

# A refresh token is 43 characters (core/opaque_tokens.py); a longer string is none.
MAX_TOKEN_LENGTH = 100


class RefreshTokenBody(StrictModel):
    refresh_token: str = Field(min_length=1, max_length=MAX_TOKEN_LENGTH)


class SessionRead(BaseModel):
    """A live session, as its user sees it in their list."""

    id: int
    created_at: datetime
    last_used_at: datetime
    user_agent: str | None
    current: bool = Field(description="Whether this request's access token belongs to it")
