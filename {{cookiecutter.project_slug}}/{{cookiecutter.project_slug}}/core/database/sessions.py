"""The session factory: each request gets a session of its own."""

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker


def create_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions whose objects stay readable after commit (the response is built afterwards)."""
    return sessionmaker(engine, expire_on_commit=False)
