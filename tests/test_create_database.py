"""`python -m <slug> create-database` on PostgreSQL stores the password DATABASE_URL gives,
every character kept (a %, a quote, a colon), whether it creates the role or alters it.

The shared server trusts every local connection, so logging in would prove nothing: the test
reads the SCRAM-SHA-256 verifier the server stored and checks it against the password."""

import base64
import hashlib
import hmac
import secrets
from urllib.parse import quote

import pytest

from tests.conftest import EACH_DATABASE_INSTALLED, InstalledProject, run
from tests.database_servers import POSTGRESQL_SERVER_URL, postgresql_connection

POSTGRESQL_INSTALLED = [
    param for param in EACH_DATABASE_INSTALLED if param.values == ("postgresql",)
]
# psycopg reads % as a placeholder wherever parameters are passed; quotes and colons end
# literals and start SQLAlchemy's bind parameters.
PASSWORDS = ["p%sx", "100%", "50%%off", "it's:a/p@ss#?"]


def made_from(verifier: str, password: str) -> bool:
    """Whether pg_authid's SCRAM-SHA-256 verifier was made from this password (RFC 5802)."""
    method, salting, keys = verifier.split("$")
    iterations, salt = salting.split(":")
    stored_key = keys.split(":")[0]
    salted = hashlib.pbkdf2_hmac(
        "sha256", password.encode(), base64.b64decode(salt), int(iterations)
    )
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    return method == "SCRAM-SHA-256" and hmac.compare_digest(
        hashlib.sha256(client_key).digest(), base64.b64decode(stored_key)
    )


@pytest.mark.parametrize("installed_project", POSTGRESQL_INSTALLED, indirect=True)
def test_create_database_stores_every_character_of_the_password(
    installed_project: InstalledProject,
) -> None:
    project = installed_project
    name = f"template_{secrets.token_hex(4)}"  # the role and its database
    command = [project.command("python"), "-m", project.slug, "create-database"]
    command += ["--admin-url", f"{POSTGRESQL_SERVER_URL}/postgres"]
    try:
        for password in PASSWORDS:  # the first run creates the role, the others alter it
            url = f"postgresql+psycopg://{name}:{quote(password, safe='')}@127.0.0.1:5432/{name}"
            run(command, cwd=project.root, env=project.env(DATABASE_URL=url))
            with postgresql_connection() as connection:
                row = connection.execute(
                    "SELECT rolpassword FROM pg_authid WHERE rolname = %s", [name]
                ).fetchone()
            assert row is not None, "no role was created"
            assert made_from(row[0], password), f"the stored password is not {password!r}"
    finally:
        with postgresql_connection() as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.execute(f'DROP ROLE IF EXISTS "{name}"')
