"""Check DATABASE_URL's connection options once, at start, the driver's own way."""

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError


class ConnectionOptionsError(ValueError):
    """DATABASE_URL has an option the database driver refuses."""


def check_connection_options(engine: Engine) -> None:
    """Connect once; raise ConnectionOptionsError if the driver refuses the URL's options.

    Every request would fail the same way (500), as each connection is made from the URL
    alike. A server that is down, or refuses this user, does not stop the start: requests
    get 503 until it is back, as they would later on.
    """
    if engine.dialect.name == "sqlite":
        return  # no server; SQLAlchemy leaves out (and warns of) what sqlite3 does not take
    try:
        with engine.connect():
            pass
    except (OperationalError, InterfaceError):
        return  # the server cannot be reached, or says no: the 503 path, not the URL's fault
    except (DBAPIError, TypeError, ValueError) as error:
        # An option the driver does not know: a TypeError from mysqlclient; from libpq's
        # parser, PostgreSQL's driver raises its own error ('invalid connection option').
        reason = error.orig if isinstance(error, DBAPIError) else error
        first_line = str(reason).strip().splitlines()[0]
        raise ConnectionOptionsError(
            f"DATABASE_URL: the {engine.dialect.driver} driver refuses its connection options"
            f" ({first_line}); correct or remove the option"
        ) from None
