"""Password hashing and access tokens: pure functions of their inputs, no database."""

import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from {{ cookiecutter.project_slug }}.config import Settings
from {{ cookiecutter.project_slug }}.schemas import MAX_ID

# Decoding accepts this algorithm only, so a token that names another (or "none") fails.
ALGORITHM = "HS256"
ACCESS_TOKEN_TYPE = "access"
REQUIRED_CLAIMS = ["sub", "iat", "exp", "type", "ver"]
# No user id has more digits. A longer subject is refused before int(), which raises
# ValueError (a 500) for over 4,300 digits: its time grows with the square of the length.
MAX_SUBJECT_DIGITS = len(str(MAX_ID))


class PasswordHasherBusyError(Exception):
    """Every hashing slot stayed taken for the whole wait: the client should try again."""


class PasswordHasher:
    """Argon2id hashing, with the cost parameters taken from the settings.

    Every hash and verification takes one of `concurrency` slots: each holds the hash's
    memory (19 MiB by default) while it runs, so without a bound any client could make a
    worker hash for every thread it has. A call that waits `wait_seconds` for a slot
    raises PasswordHasherBusyError, which the app answers with 503.
    """

    def __init__(
        self,
        *,
        time_cost: int,
        memory_cost_kib: int,
        parallelism: int,
        concurrency: int = 4,
        wait_seconds: float = 2.0,
    ) -> None:
        argon2 = Argon2Hasher(
            time_cost=time_cost, memory_cost=memory_cost_kib, parallelism=parallelism
        )
        self._password_hash = PasswordHash((argon2,))
        self._slots = threading.BoundedSemaphore(concurrency)
        self._wait_seconds = wait_seconds
        # Checked against when the username is unknown, so that answer takes as long as
        # a wrong password would with the current parameters (see the README).
        self._dummy_hash = self._password_hash.hash(secrets.token_urlsafe(16))

    @classmethod
    def from_settings(cls, settings: Settings) -> "PasswordHasher":
        return cls(
            time_cost=settings.argon2_time_cost,
            memory_cost_kib=settings.argon2_memory_cost_kib,
            parallelism=settings.argon2_parallelism,
            concurrency=settings.password_hash_concurrency,
            wait_seconds=settings.password_hash_wait_seconds,
        )

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one hashing slot; raise PasswordHasherBusyError if none frees up in time."""
        if not self._slots.acquire(timeout=self._wait_seconds):
            raise PasswordHasherBusyError
        try:
            yield
        finally:
            self._slots.release()

    def hash(self, password: str) -> str:
        with self.slot():
            return self._password_hash.hash(password)

    def verify(self, password: str, hashed_password: str) -> tuple[bool, str | None]:
        """Return whether the password matches, and a new hash if the parameters changed."""
        with self.slot():
            return self._password_hash.verify_and_update(password, hashed_password)

    def verify_nothing(self, password: str) -> None:
        """Spend the time of one verification, for a login whose user does not exist."""
        with self.slot():
            self._password_hash.verify(password, self._dummy_hash)


@dataclass(frozen=True)
class AccessTokenClaims:
    user_id: int
    token_version: int


def create_access_token(
    *, user_id: int, token_version: int, secret_key: str, expires_in: timedelta
) -> str:
    now = datetime.now(UTC)
    claims = {
        "sub": str(user_id),
        "iat": now,
        "exp": now + expires_in,
        "type": ACCESS_TOKEN_TYPE,
        "ver": token_version,
    }
    return jwt.encode(claims, secret_key, algorithm=ALGORITHM)


def decode_access_token(token: str, *, secret_key: str) -> AccessTokenClaims:
    """Verify the signature, expiry and claims; raise jwt.InvalidTokenError otherwise."""
    claims = jwt.decode(
        token, secret_key, algorithms=[ALGORITHM], options={"require": REQUIRED_CLAIMS}
    )
    subject, version = claims["sub"], claims["ver"]
    if claims["type"] != ACCESS_TOKEN_TYPE:
        raise jwt.InvalidTokenError("not an access token")
    if not (isinstance(subject, str) and subject.isascii() and subject.isdigit()):
        raise jwt.InvalidTokenError("the subject is not a user id")
    # Only a token signed with our key gets here, but be safe: no user has a larger id.
    if len(subject) > MAX_SUBJECT_DIGITS or int(subject) > MAX_ID:
        raise jwt.InvalidTokenError("no user has this id")
    if not isinstance(version, int) or isinstance(version, bool):
        raise jwt.InvalidTokenError("the token version is not a number")
    return AccessTokenClaims(user_id=int(subject), token_version=version)
