"""What SECRET_KEY must be: long, and random, as a generator makes it."""

import math

MAKE_SECRET_KEY = "python -c 'import secrets; print(secrets.token_urlsafe(48))'"
PLACEHOLDER_SECRET_KEYS = {"change-me", "changeme", "secret", "secret-key", "your-secret-key"}
MIN_SECRET_KEY_LENGTH = 32
# The least randomness_bits() of a key; a key from `secrets.token_urlsafe(48)` has about 330,
# and a hex key of 128 random bits (`openssl rand -hex 16`, 32 characters) about 110.
MIN_SECRET_KEY_BITS = 80


def check_secret_key(key: str) -> None:
    """Raise ValueError, saying how to make a key, if this one is short or not random."""
    if (
        key.strip().lower() in PLACEHOLDER_SECRET_KEYS
        or len(key) < MIN_SECRET_KEY_LENGTH
        or randomness_bits(key) < MIN_SECRET_KEY_BITS
    ):
        raise ValueError(
            f"SECRET_KEY must be a random string of at least {MIN_SECRET_KEY_LENGTH} characters,"
            " not one that repeats itself or uses few different characters; make one with"
            f" {MAKE_SECRET_KEY} and put it in .env"
        )


def randomness_bits(key: str) -> float:
    """A rough estimate of the key's randomness: one character's worth per distinct piece.

    Each distinct three-character piece of the key counts as one character picked from the
    characters the key uses, so that a repeated piece adds nothing: "a" x 32 has none, and
    "0123456789" x 4 has 10 pieces of 3.3 bits each.
    """
    pieces = {key[start : start + 3] for start in range(len(key) - 2)}
    return len(pieces) * math.log2(len(set(key))) if key else 0.0
