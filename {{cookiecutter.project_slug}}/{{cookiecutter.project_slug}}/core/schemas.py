"""What every request body is built from: strict models, valid text, ids in range."""

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

# The largest id the API takes: ids are 64-bit (core/models.py), but JSON readers that keep
# numbers as doubles (JavaScript) are exact only up to 2**53 - 1, which no counter reaches.
# Larger ids are rejected with 422 before any query is made.
MAX_ID = 2**53 - 1


def encodable(text: str) -> str:
    # JSON can smuggle in lone surrogates ("\ud800"), which cannot be hashed or stored.
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text") from None
    return text


# Text that UTF-8 can encode: what a password or any free text field must be.
ValidText = Annotated[str, AfterValidator(encodable)]
# A row id a client names in a path or a body: refused with 422 past MAX_ID.
RowId = Annotated[int, Field(ge=1, le=MAX_ID)]


class StrictModel(BaseModel):
    # Unknown fields are an error, so a client cannot slip in `is_superuser`.
    model_config = ConfigDict(extra="forbid")
