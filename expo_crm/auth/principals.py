"""Who is asking, cheaply: the role guard's per-process cache of users' roles and API tokens.

Every request needs the caller's role (and language), not the whole ``User`` row. The guard
in ``web.py`` asks here; the answer is cached in-process for :data:`TTL_SECONDS`, so a busy
device (a gate scanner) costs no database round trip for authentication.

Bounds: a change to a user or token made through the ORM in this process (role, language,
deactivation, a revoked token) applies at once; made in another process (another gunicorn
worker, a CLI command, plain SQL) it applies within :data:`TTL_SECONDS`. A token's
``last_used_at`` is written at most once per :data:`TOUCH_SECONDS` per process.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from expo_crm.auth.models import ApiToken, User
from expo_crm.auth.roles import Role
from expo_crm.db import utcnow

#: How long a cached role or token stays trusted (the revocation bound across processes).
TTL_SECONDS = 5.0
#: How often a token's last-used time is written (per process).
TOUCH_SECONDS = 60.0
#: Entries kept at most; the cache is emptied when it grows past this.
MAX_ENTRIES = 10_000


@dataclass(frozen=True, slots=True)
class Principal:
    id: int
    role: Role
    locale: str | None


_lock = threading.Lock()
_users: dict[int, tuple[float, Principal | None]] = {}
_tokens: dict[str, tuple[float, Principal, int]] = {}
_touched: dict[int, float] = {}


def clock() -> float:
    """The cache's clock (monotonic seconds); tests replace it."""
    return time.monotonic()


def forget() -> None:
    """Drop every cached role and token (after a change to users or tokens)."""
    with _lock:
        _users.clear()
        _tokens.clear()
        _touched.clear()


def for_user_id(session: Session, user_id: int) -> Principal | None:
    """Return the role and language of a signed-in user id, or None if there is no such user."""
    now = clock()
    cached = _users.get(user_id)
    if cached is not None and now - cached[0] < TTL_SECONDS:
        return cached[1]
    row = session.execute(select(User.role, User.locale).where(User.id == user_id)).first()
    principal = Principal(user_id, Role(row[0]), row[1]) if row is not None else None
    with _lock:
        if len(_users) >= MAX_ENTRIES:
            _users.clear()
        _users[user_id] = (now, principal)
    return principal


def remembered_user(user_id: int) -> Principal | None:
    """The cached role and language of a user id, or None when not cached (or stale)."""
    cached = _users.get(user_id)
    if cached is not None and clock() - cached[0] < TTL_SECONDS:
        return cached[1]
    return None


def for_token(session: Session, token: str) -> tuple[Principal | None, bool]:
    """Return (the active user owning this unrevoked API token, whether to commit).

    The token's last-used time is updated in ``session`` at most once per
    :data:`TOUCH_SECONDS`; the second value says an update is pending a commit.
    """
    if not token:
        return None, False
    token_hash = ApiToken.hash(token)
    now = clock()
    cached = _tokens.get(token_hash)
    if cached is not None and now - cached[0] < TTL_SECONDS:
        principal, token_id = cached[1], cached[2]
    else:
        row = session.execute(
            select(ApiToken.id, User.id, User.role, User.locale)
            .join(User, User.id == ApiToken.user_id)
            .where(
                ApiToken.token_hash == token_hash,
                ApiToken.revoked_at.is_(None),
                User.active.is_(True),
            )
        ).first()
        if row is None:
            return None, False  # unknown tokens are not cached: guessing cannot fill memory
        token_id, principal = row[0], Principal(row[1], Role(row[2]), row[3])
        with _lock:
            if len(_tokens) >= MAX_ENTRIES:
                _tokens.clear()
            _tokens[token_hash] = (now, principal, token_id)
    if now - _touched.get(token_id, -TOUCH_SECONDS) < TOUCH_SECONDS:
        return principal, False
    with _lock:
        if len(_touched) >= MAX_ENTRIES:
            _touched.clear()
        _touched[token_id] = now
    session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=utcnow()))
    return principal, True


@event.listens_for(Session, "after_flush")
def _forget_changed(session: Session, _context: Any) -> None:
    """A user or token written through the ORM in this process applies at once."""
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, User | ApiToken):
            forget()
            return
