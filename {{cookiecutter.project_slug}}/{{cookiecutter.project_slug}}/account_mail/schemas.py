"""What the mailed-link endpoints take and answer."""

from pydantic import BaseModel, Field

from {{ cookiecutter.project_slug }}.core.schemas import StrictModel
from {{ cookiecutter.project_slug }}.users.schemas import EmailAddress, Password

# A link token is 43 characters (core/opaque_tokens.py); a longer string is none.
MAX_TOKEN_LENGTH = 100


class MailTokenBody(StrictModel):
    token: str = Field(min_length=1, max_length=MAX_TOKEN_LENGTH, description="From the link")


class PasswordResetRequest(StrictModel):
    email: EmailAddress


class PasswordResetConfirm(StrictModel):
    token: str = Field(min_length=1, max_length=MAX_TOKEN_LENGTH, description="From the link")
    new_password: Password


class MailAccepted(BaseModel):
    """A mail is on its way, or (password reset) would be if the address were a user's."""

    detail: str
