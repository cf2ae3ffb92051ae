"""The todos' request and response bodies."""

from datetime import datetime
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)

from {{ cookiecutter.project_slug }}.core.schemas import StrictModel, encodable


def storable(text: str) -> str:
    # PostgreSQL's text cannot hold the NUL character: its driver would refuse the INSERT
    # with an error nothing answers (500). Refused here, it is a 422 on every database.
    if "\x00" in text:
        raise ValueError("must not contain the NUL character (\\u0000)")
    return text


# Spaces around the title are dropped before its length is checked, so a title of spaces
# alone is empty; at most as long as the column (models.py). ValidText's check comes last:
# built on ValidText, this would have pydantic check the length before it strips the spaces.
Title = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    AfterValidator(encodable),
    AfterValidator(storable),
]


class TodoCreate(StrictModel):
    title: Title


class TodoUpdate(StrictModel):
    """Only the fields sent are changed."""

    title: Title | None = None
    done: bool | None = None

    @field_validator("title", "done")
    @classmethod
    def reject_null(cls, value: object) -> object:
        # Leaving a field out keeps it; null would empty a column that may not be empty.
        if value is None:
            raise ValueError("may not be null")
        return value


class TodoRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    owner_id: int
    title: str
    done: bool
    created_at: datetime
    updated_at: datetime


class TodoPage(BaseModel):
    items: list[TodoRead]
    next_after: int | None = Field(
        description="Pass as `after` to get the next page; null on the last page"
    )
