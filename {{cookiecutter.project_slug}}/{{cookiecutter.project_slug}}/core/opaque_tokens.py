"""Opaque tokens: random values handed out once, kept by the database only as a hash.

A refresh token (sessions/) is a bearer secret that lasts for weeks. Were the database
to leak, stored tokens would sign anyone in, so it keeps the SHA-256 of each instead.
A fast hash is enough: a token is 256 random bits, with nothing to guess (a password
needs Argon2 because people choose guessable ones).
"""

import hashlib
import secrets

TOKEN_BYTES = 32
# The length of a digest as stored: SHA-256 in hexadecimal.
DIGEST_LENGTH = 64


def new_token() -> str:
    """A new token, URL-safe (it may travel in a link's query string)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def digest(token: str) -> str:
    """What the database keeps of a token, and looks it up by."""
    return hashlib.sha256(token.encode()).hexdigest()
