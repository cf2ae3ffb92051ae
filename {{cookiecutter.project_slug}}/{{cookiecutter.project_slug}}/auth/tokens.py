"""Access tokens: signed JWTs that name a user, their token version and their sign-in session;
no database."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

from {{ cookiecutter.project_slug }}.core.schemas import MAX_ID

# Decoding accepts this algorithm only, so a token that names another (or "none") fails.
ALGORITHM = "HS256"
ACCESS_TOKEN_TYPE = "access"
REQUIRED_CLAIMS = ["sub", "iat", "exp", "type", "ver", "sid"]
# No user id has more digits. A longer subject is refused before int(), which raises
# ValueError (a 500) for over 4,300 digits: its time grows with the square of the length.
MAX_SUBJECT_DIGITS = len(str(MAX_ID))


@dataclass(frozen=True)
class AccessTokenClaims:
    user_id: int
    token_version: int
    session_id: int  # the session (sessions/models.py) whose end ends the token too


def create_access_token(
    *, user_id: int, token_version: int, session_id: int, secret_key: str, expires_in: timedelta
) -> str:
    now = datetime.now(UTC)
    claims = {
        "sub": str(user_id),
        "iat": now,
        "exp": now + expires_in,
        "type": ACCESS_TOKEN_TYPE,
        "ver": token_version,
        "sid": session_id,
    }
    return jwt.encode(claims, secret_key, algorithm=ALGORITHM)


def decode_access_token(token: str, *, secret_key: str) -> AccessTokenClaims:
    """Verify the signature, expiry and claims; raise jwt.InvalidTokenError otherwise."""
    claims = jwt.decode(
        token, secret_key, algorithms=[ALGORITHM], options={"require": REQUIRED_CLAIMS}
    )
    subject, version, session_id = claims["sub"], claims["ver"], claims["sid"]
    if claims["type"] != ACCESS_TOKEN_TYPE:
        raise jwt.InvalidTokenError("not an access token")
    if not (isinstance(subject, str) and subject.isascii() and subject.isdigit()):
        raise jwt.InvalidTokenError("the subject is not a user id")
    # Only a token signed with our key gets here, but be safe: no user has a larger id.
    if len(subject) > MAX_SUBJECT_DIGITS or int(subject) > MAX_ID:
        raise jwt.InvalidTokenError("no user has this id")
    if not isinstance(version, int) or isinstance(version, bool):
        raise jwt.InvalidTokenError("the token version is not a number")
    if not isinstance(session_id, int) or isinstance(session_id, bool) or session_id > MAX_ID:
        raise jwt.InvalidTokenError("the session id is not one")
    return AccessTokenClaims(user_id=int(subject), token_version=version, session_id=session_id)
