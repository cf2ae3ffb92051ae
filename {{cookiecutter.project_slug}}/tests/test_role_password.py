"""create-database gives PostgreSQL the password's SCRAM-SHA-256 verifier, never the password:
what the server receives may land in its log (log_statement=ddl) or in pg_stat_statements."""

import base64
import hashlib
import hmac
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Pool, create_engine, event, make_url, text

from {{ cookiecutter.project_slug }}.core.database.create_database import create_database
from tests.isolated_database import TestServerSettings

# Characters a statement would have to quote or escape: all of them must count at login.
PASSWORD = "never-logged %s 'quoted' :colon"


def admin_url() -> str:
    """The test server's administrator, in the server's own database."""
    return (
        make_url(TestServerSettings().test_database_url)
        .set(database="postgres")
        .render_as_string(hide_password=False)
    )


@pytest.fixture
def role_name() -> Iterator[str]:
    """A name for the service's role and its database; they, and the migrations' role
    (the name with _migrations), are dropped afterwards."""
    name = f"test_role_{secrets.token_hex(4)}"
    yield name
    engine = create_engine(admin_url(), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'DROP ROLE IF EXISTS "{name}_migrations"'))
        connection.execute(text(f'DROP ROLE IF EXISTS "{name}"'))
    engine.dispose()


def made_from(verifier: str, password: str) -> bool:
    """Whether a SCRAM-SHA-256 verifier was made from this password (RFC 5802, RFC 7677)."""
    method, salting, keys = verifier.split("$")
    iterations, salt = salting.split(":")
    stored_key = base64.b64decode(keys.split(":")[0])
    salted = hashlib.pbkdf2_hmac(
        "sha256", password.encode(), base64.b64decode(salt), int(iterations)
    )
    client_key = hmac.digest(salted, b"Client Key", "sha256")
    return method == "SCRAM-SHA-256" and hashlib.sha256(client_key).digest() == stored_key


def test_the_role_passwords_never_reach_the_server(role_name: str, tmp_path: Path) -> None:
    service = make_url(admin_url()).set(username=role_name, password=PASSWORD, database=role_name)
    migrations = service.set(username=f"{role_name}_migrations", password=f"{PASSWORD} too")
    trace = tmp_path / "libpq-trace"
    with trace.open("wb") as file:

        def trace_connection(dbapi_connection: Any, _record: Any) -> None:
            # libpq writes every message it sends the server to the file.
            dbapi_connection.pgconn.trace(file.fileno())

        event.listen(Pool, "connect", trace_connection)
        try:
            for _ in range(2):  # the first run creates the roles, the second alters them
                create_database(
                    database_url=service.render_as_string(hide_password=False),
                    migration_database_url=migrations.render_as_string(hide_password=False),
                    admin_url=admin_url(),
                )
        finally:
            event.remove(Pool, "connect", trace_connection)

    sent = trace.read_bytes()
    assert sent.count(b"ROLE") >= 4  # the trace holds what was sent
    engine = create_engine(admin_url())
    for url in (service, migrations):
        password = str(url.password)
        # As it is, or quoted into a statement as a literal.
        for form in (password, password.replace("'", "''")):
            assert form.encode() not in sent
        with engine.connect() as connection:
            verifier = connection.execute(
                text("SELECT rolpassword FROM pg_authid WHERE rolname = :name"),
                {"name": url.username},
            ).scalar_one()
        assert made_from(verifier, password), url.username
    engine.dispose()
