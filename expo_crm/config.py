"""Configuration from the environment; SQLite is the embedded default."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

INSTANCE_DIR = Path(os.environ.get("EXPO_CRM_INSTANCE", Path.cwd() / "var")).resolve()


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'expo_crm.sqlite3'}")
    # Heroku-style URLs and bare postgresql:// mean psycopg 3 here.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def _secret_key() -> str:
    """Read SECRET_KEY, or keep a random one in the instance folder for the embedded setup."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


class Config:
    """Settings read once at app creation; ``create_app(config)`` lays overrides on top."""

    SQLALCHEMY_DATABASE_URI = _database_url()
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    REDIS_URL = os.environ.get("REDIS_URL")  # when set, long jobs go to an RQ queue
    INSTANCE_DIR = INSTANCE_DIR
    #: Where card photos and generated files live: never under static files.
    MEDIA_DIR = Path(os.environ.get("EXPO_CRM_MEDIA", INSTANCE_DIR / "media"))
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_UPLOAD_BYTES", 15 * 1024 * 1024))
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "") == "1"
    WTF_CSRF_TIME_LIMIT = None  # kiosk pages stay open all day
    LANGUAGES = {"en": "English", "zh_Hans_CN": "简体中文"}
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    PAGE_SIZE = 50

    def __init__(self) -> None:
        self.SECRET_KEY = _secret_key()
