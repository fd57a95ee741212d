"""Expo CRM: the organizer's system of record for the whole show cycle."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

__version__ = "0.1.0"

PACKAGE_DIR = Path(__file__).resolve().parent


#: Where each top-level resource folder of a checkout sits in an installed wheel (the
#: ``package-dir`` mapping of pyproject.toml): the kiosk's front end ships inside its wing.
INSTALLED_RESOURCES = {"templates": "templates", "kiosk": "kiosk/assets"}


def resource_dir(name: str) -> Path:
    """Locate a top-level folder (``templates``, ``kiosk``) in a checkout or an installed wheel."""
    inside = PACKAGE_DIR / INSTALLED_RESOURCES[name]
    return inside if inside.is_dir() else PACKAGE_DIR.parent / name


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the Flask app: settings from the environment, with ``config`` laid on top."""
    from expo_crm.config import Config

    app = Flask(
        __name__,
        template_folder=str(resource_dir("templates")),
        static_folder=str(PACKAGE_DIR / "static"),
    )
    app.config.from_object(Config())
    if config:
        app.config.update(config)
    from expo_crm.signing import CachedCookieSessionInterface

    app.session_interface = CachedCookieSessionInterface()
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)

    _init_extensions(app)
    _register_blueprints(app)
    _register_cli(app)

    from expo_crm import web

    web.init_app(app)
    from expo_crm.badges.gate import GateScanLane

    app.wsgi_app = GateScanLane(app, app.wsgi_app)  # type: ignore[method-assign]
    return app


def _init_extensions(app: Flask) -> None:
    from expo_crm import i18n
    from expo_crm.extensions import babel, csrf, db, login_manager, migrate

    db.init_app(app)
    migrate.init_app(
        app, db, directory=str(PACKAGE_DIR / "migrations"), render_as_batch=True, compare_type=True
    )
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    i18n.init_app(app)
    import expo_crm.models  # noqa: F401  (every domain's tables, for the mapper and Alembic)
    from expo_crm.db import configure_pool_health, configure_postgres, configure_sqlite

    with app.app_context():
        configure_sqlite(db.engine)
        configure_pool_health(db.engine)
        configure_postgres(db.engine)


def _register_blueprints(app: Flask) -> None:
    from expo_crm import api
    from expo_crm.auth.routes import bp as auth_bp
    from expo_crm.badges.routes import bp as badges_bp
    from expo_crm.directory.routes import bp as directory_bp
    from expo_crm.exhibitors.routes import bp as exhibitors_bp
    from expo_crm.followup.rebooking_routes import bp as rebooking_bp
    from expo_crm.followup.routes import bp as followup_bp
    from expo_crm.history.routes import bp as history_bp
    from expo_crm.jobs.routes import bp as jobs_bp
    from expo_crm.kiosk.routes import bp as kiosk_bp
    from expo_crm.mail.public import bp as mail_public_bp
    from expo_crm.mail.routes import bp as mail_bp
    from expo_crm.shows.routes import bp as shows_bp
    from expo_crm.surveys.public import bp as surveys_public_bp
    from expo_crm.surveys.routes import bp as surveys_bp
    from expo_crm.visitors.routes import bp as visitors_bp

    for blueprint in (
        auth_bp,
        shows_bp,
        directory_bp,
        exhibitors_bp,
        visitors_bp,
        badges_bp,
        followup_bp,
        rebooking_bp,
        history_bp,
        jobs_bp,
        kiosk_bp,
        mail_bp,
        mail_public_bp,
        surveys_bp,
        surveys_public_bp,
    ):
        app.register_blueprint(blueprint)
    api.register(app)


def _register_cli(app: Flask) -> None:
    from expo_crm.auth.cli import cli as users_cli
    from expo_crm.badges.cli import cli as badges_cli
    from expo_crm.cli import demo_command
    from expo_crm.exhibitors.cli import cli as exhibitors_cli
    from expo_crm.followup.cli import cli as followup_cli
    from expo_crm.history.cli import cli as history_cli
    from expo_crm.jobs.cli import cli as jobs_cli
    from expo_crm.mail.cli import cli as mail_cli
    from expo_crm.shows.cli import cli as shows_cli
    from expo_crm.visitors.cli import cards as cards_cli
    from expo_crm.visitors.cli import cli as visitors_cli

    for command in (
        users_cli,
        shows_cli,
        exhibitors_cli,
        visitors_cli,
        cards_cli,
        badges_cli,
        followup_cli,
        history_cli,
        jobs_cli,
        mail_cli,
        demo_command,
    ):
        app.cli.add_command(command)
