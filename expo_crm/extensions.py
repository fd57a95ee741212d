"""Flask extensions, created bare here and bound to the app in ``create_app``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

from expo_crm.db import Base
from expo_crm.signing import CSRFProtect

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    class _SQLAlchemy(SQLAlchemy):
        #: A scoped_session, which proxies every Session method: typed as the Session it
        #: hands out, so services can take a plain ``Session``.
        session: Session  # type: ignore[assignment]

    db: _SQLAlchemy

    class Model(Base):
        """Typed stand-in for ``db.Model`` (mypy cannot use an attribute as a base class)."""

        __abstract__ = True

else:
    db = SQLAlchemy(model_class=Base)
    Model = db.Model

migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
