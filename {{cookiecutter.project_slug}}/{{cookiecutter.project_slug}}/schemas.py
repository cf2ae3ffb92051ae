"""Request and response bodies. Responses never include a password or its hash."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)

# The largest id the API takes: ids are 64-bit (models.py), but JSON readers that keep
# numbers as doubles (JavaScript) are exact only up to 2**53 - 1, which no counter reaches.
# Larger ids are rejected with 422 before any query is made.
MAX_ID = 2**53 - 1


def _encodable(text: str) -> str:
    # JSON can smuggle in lone surrogates ("\ud800"), which cannot be hashed or stored.
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text") from None
    return text


USERNAME_PATTERN = r"^[A-Za-z0-9_.-]{3,50}$"

UserId = Annotated[int, Field(ge=1, le=MAX_ID)]
Username = Annotated[str, StringConstraints(min_length=3, max_length=50, pattern=USERNAME_PATTERN)]
Password = Annotated[
    str, StringConstraints(min_length=8, max_length=128), AfterValidator(_encodable)
]
Age = Annotated[int, Field(ge=0, le=150)]


class StrictModel(BaseModel):
    # Unknown fields are an error, so a client cannot slip in `is_superuser`.
    model_config = ConfigDict(extra="forbid")


class UserCreate(StrictModel):
    username: Username
    password: Password
    age: Age | None = None


class UserUpdate(StrictModel):
    """Only the fields sent are changed. Privilege fields and password: superusers only."""

    username: Username | None = None
    age: Age | None = None
    is_active: bool | None = None
    is_superuser: bool | None = None
    password: Password | None = None

    @field_validator("username", "is_active", "is_superuser", "password")
    @classmethod
    def reject_null(cls, value: object) -> object:
        # `age: null` clears the age; these fields cannot be empty.
        if value is None:
            raise ValueError("may not be null")
        return value


class UserBatchUpdate(StrictModel):
    id: UserId
    username: Username | None = None
    age: Age | None = None

    @field_validator("username")
    @classmethod
    def reject_null(cls, value: str | None) -> str:
        if value is None:
            raise ValueError("may not be null")
        return value


class PasswordChange(StrictModel):
    current_password: Annotated[str, StringConstraints(max_length=128), AfterValidator(_encodable)]
    new_password: Password


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    age: int | None
    is_active: bool
    is_superuser: bool
    created_at: datetime
    updated_at: datetime


class UserPage(BaseModel):
    items: list[UserRead]
    total: int = Field(description="How many users there are in all")
    offset: int
    limit: int
    next_after: int | None = Field(
        description="Pass as `after` to get the next page; null on the last page"
    )


class Token(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="Seconds until the token expires")


class Health(BaseModel):
    status: Literal["ok", "error"]
    database: Literal["ok", "unavailable"]
    detail: str | None = Field(default=None, description="Why the service cannot serve now")


class Liveness(BaseModel):
    status: Literal["ok"]
