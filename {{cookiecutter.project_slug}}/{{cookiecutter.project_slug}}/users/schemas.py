"""The users' request and response bodies. Responses never include a password or its hash."""

from datetime import datetime
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    field_validator,
)

from {{ cookiecutter.project_slug }}.core.schemas import RowId, StrictModel, ValidText

USERNAME_PATTERN = r"^[A-Za-z0-9_.-]{3,50}$"

UserId = RowId
Username = Annotated[str, StringConstraints(min_length=3, max_length=50, pattern=USERNAME_PATTERN)]
Password = Annotated[ValidText, StringConstraints(min_length=8, max_length=128)]
Age = Annotated[int, Field(ge=0, le=150)]


def deliverable(address: str) -> str:
    # An address beyond ASCII needs a mail server that speaks SMTPUTF8, which many do not:
    # a mail to it could never leave the outbox.
    if not address.isascii():
        raise ValueError("must be an ASCII address (name@example.com)")
    return address


# Checked for its form by email-validator (no DNS lookup; at most 254 characters, what the
# column holds: EMAIL_LENGTH), the domain put in lower case.
EmailAddress = Annotated[EmailStr, AfterValidator(deliverable)]


class UserCreate(StrictModel):
    username: Username
    password: Password
    age: Age | None = None
    email: EmailAddress | None = None


class UserUpdate(StrictModel):
    """Only the fields sent are changed. Privilege fields and password: superusers only."""

    username: Username | None = None
    age: Age | None = None
    # A new address is unverified until its owner follows the link mailed to it; null
    # removes it.
    email: EmailAddress | None = None
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
    current_password: Annotated[ValidText, StringConstraints(max_length=128)]
    new_password: Password


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    age: int | None
    email: str | None
    email_verified: bool = Field(description="Whether its owner followed the link mailed to it")
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
