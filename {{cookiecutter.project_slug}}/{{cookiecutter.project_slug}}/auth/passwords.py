"""Password hashing: Argon2id, with a bound on how many hashes run at once; no database."""

import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from {{ cookiecutter.project_slug }}.core.config import Settings


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
