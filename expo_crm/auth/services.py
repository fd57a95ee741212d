"""Use cases for staff accounts and API tokens."""

from __future__ import annotations

import logging
import secrets

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from expo_crm.auth.models import ApiToken, User
from expo_crm.auth.roles import Role
from expo_crm.db import utcnow
from expo_crm.errors import ValidationError

log = logging.getLogger(__name__)


def create_user(
    session: Session,
    *,
    email: str,
    name: str,
    password: str,
    role: Role,
    company_id: int | None = None,
    locale: str | None = None,
    territory: str | None = None,
) -> User:
    """Create a staff account; raise ValidationError on a taken email or a weak password."""
    email = email.strip().lower()
    if len(password) < 8:
        raise ValidationError("password", _("A password needs at least 8 characters."))
    if session.scalar(select(User.id).where(User.email == email)):
        raise ValidationError(
            "email", _("A user with the email %(email)s already exists.", email=email)
        )
    if role is Role.SCANNER and company_id is None:
        raise ValidationError("company_id", _("An exhibitor scanner must belong to a company."))
    user = User(
        email=email,
        name=name,
        role=role,
        company_id=company_id,
        locale=locale,
        territory=territory,
    )
    user.set_password(password)
    session.add(user)
    session.flush()
    log.info("User %s created with role %s", email, role)
    return user


def authenticate(session: Session, email: str, password: str) -> User | None:
    """Return the active user with these credentials, or None."""
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or not user.active or not user.check_password(password):
        return None
    user.last_login_at = utcnow()
    return user


def issue_token(session: Session, user: User, name: str) -> str:
    """Create an API token for a user and return it; only its hash is kept."""
    token = "expo_" + secrets.token_urlsafe(32)
    session.add(ApiToken(user=user, name=name, token_hash=ApiToken.hash(token), prefix=token[:10]))
    session.flush()
    log.info("API token %r issued to %s", name, user.email)
    return token


def user_for_token(session: Session, token: str) -> User | None:
    """Return the active user owning this unrevoked token, or None."""
    api_token = session.scalar(
        select(ApiToken).where(
            ApiToken.token_hash == ApiToken.hash(token), ApiToken.revoked_at.is_(None)
        )
    )
    if api_token is None or not api_token.user.active:
        return None
    api_token.last_used_at = utcnow()
    return api_token.user


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.role, User.name)))
