"""Throttling requests for mailed links, per address and per client, in the database.

Each request for a link (to verify an address, or to reset a password) is written down with
the address and the client's, whether or not the address is anyone's; so is each link token
presented that was wrong. An address with mail_requests_max_per_address requests within
mail_requests_window_seconds, or a client with mail_requests_max_per_client requests and
wrong tokens, gets 429 with Retry-After: nobody can fill a mailbox, or try tokens, without
end. Kept in the database like login attempts, the counts hold across workers and replicas.
The throttling of logins is apart (auth/password_guessing.py): nothing here lifts it.
"""

import math
from datetime import datetime, timedelta

from fastapi import HTTPException, status
from sqlalchemy import ColumnElement, delete, select
from sqlalchemy.orm import Session

from {{ cookiecutter.project_slug }}.account_mail.models import MailRequest
from {{ cookiecutter.project_slug }}.core.config import Settings
from {{ cookiecutter.project_slug }}.core.errors import RETRY_AFTER, ErrorDetail, Responses
from {{ cookiecutter.project_slug }}.core.models import utc_now

# Old requests are deleted a batch at a time, at each new one: the table stays small.
FORGET_AT_MOST = 1000

THROTTLED: Responses = {
    429: {
        "model": ErrorDetail,
        "description": "Too many requests for mail to this address, or from this client",
        "headers": RETRY_AFTER,
    }
}
# The endpoints that take a link's token, which name no address.
CLIENT_THROTTLED: Responses = {
    429: {
        "model": ErrorDetail,
        "description": "Too many requests for mail, and wrong link tokens, from this client",
        "headers": RETRY_AFTER,
    }
}


def refuse_too_many(
    session: Session, settings: Settings, *, kind: str, email: str | None, client: str | None
) -> None:
    """Raise 429 if the address has used up its requests of this kind in the window (so that
    strangers asking for reset links cannot stop its owner verifying it), or the client its
    requests of any kind."""
    now = utc_now()
    since = now - timedelta(seconds=settings.mail_requests_window_seconds)
    limits: list[tuple[str, int, list[ColumnElement[bool]]]] = []
    if email is not None:
        of_address = [MailRequest.email == email, MailRequest.kind == kind]
        limits.append(("to this address", settings.mail_requests_max_per_address, of_address))
    if client is not None and settings.mail_requests_max_per_client:  # 0: no such limit
        of_client = [MailRequest.client == client]
        limits.append(("from this client", settings.mail_requests_max_per_client, of_client))
    for whom, limit, of in limits:
        # The newest `limit` of them: once the oldest of these is out of the window, the
        # others leave room for one more.
        newest = (
            select(MailRequest.requested_at)
            .where(*of, MailRequest.requested_at > since)
            .order_by(MailRequest.requested_at.desc())
            .limit(limit)
        )
        times = sorted(session.scalars(newest))
        if len(times) < limit:
            continue
        retry_after = retry_seconds(times[0], settings, now)
        raise HTTPException(
            status_code=status.HTTP_429_TOO_MANY_REQUESTS,
            detail=f"Too many requests for mail {whom}; try again in {retry_after} s",
            headers={"Retry-After": str(retry_after)},
        )


def retry_seconds(oldest_counted: datetime, settings: Settings, now: datetime) -> int:
    """When the oldest of the requests that fill the limit stops counting."""
    window = timedelta(seconds=settings.mail_requests_window_seconds)
    return max(1, math.ceil((oldest_counted + window - now).total_seconds()))


def record(
    session: Session, settings: Settings, *, kind: str, email: str | None, client: str | None
) -> None:
    """Write the request down (the caller commits), and forget those too old to count."""
    now = utc_now()
    session.add(MailRequest(kind=kind, email=email, client=client, requested_at=now))
    cutoff = now - timedelta(seconds=settings.mail_requests_window_seconds)
    old = select(MailRequest.id).where(MailRequest.requested_at <= cutoff).limit(FORGET_AT_MOST)
    ids = session.scalars(old).all()
    if ids:
        session.execute(delete(MailRequest).where(MailRequest.id.in_(ids)))
