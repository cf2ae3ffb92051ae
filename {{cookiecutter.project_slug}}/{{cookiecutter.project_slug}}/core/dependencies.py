"""What endpoints ask for from the machinery: the settings, the engines, a database session."""

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from {{ cookiecutter.project_slug }}.core.config import Settings


# create_app() keeps the settings and database objects on app.state; these functions hand
# them to endpoints. They do no I/O, so they are `async def` and skip the thread pool.
async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


async def get_read_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.read_engine
    return engine


async def get_session(request: Request) -> AsyncIterator[Session]:
    """A session for endpoints that write: one transaction, which the endpoint commits.

    Closing the session rolls back anything not committed and returns the connection to
    the pool. Making a session does no I/O (it connects at its first query), so this runs
    in the event loop.
    """
    session_factory: sessionmaker[Session] = request.app.state.session_factory
    with session_factory() as session:
        yield session


async def get_read_session(request: Request) -> AsyncIterator[Session]:
    """A session that only reads, for endpoints that change nothing.

    It runs each query on its own, outside any transaction, so closing it sends no
    ROLLBACK; the database refuses any write through it (see database/engine.py).
    """
    session_factory: sessionmaker[Session] = request.app.state.read_session_factory
    with session_factory() as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings)]
EngineDep = Annotated[Engine, Depends(get_engine)]
ReadEngineDep = Annotated[Engine, Depends(get_read_engine)]
# scope="function" closes the session as soon as the endpoint returns, before the response
# is sent, so its connection goes back to the pool at once.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
ReadSessionDep = Annotated[Session, Depends(get_read_session, scope="function")]
