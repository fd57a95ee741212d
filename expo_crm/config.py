"""Configuration from the environment; SQLite is the embedded default."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def _instance_dir() -> Path:
    return Path(os.environ.get("EXPO_CRM_INSTANCE", Path.cwd() / "var")).resolve()


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL", f"sqlite:///{_instance_dir() / 'expo_crm.sqlite3'}")
    # Heroku-style URLs and bare postgresql:// mean psycopg 3 here.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def _secret_key() -> str:
    """Read SECRET_KEY, or keep a random one in the instance folder for the embedded setup."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    path = _instance_dir() / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


class Config:
    """Settings read from the environment when the app is created (not at import, so a
    worker process or a test can set the environment first); ``create_app(config)`` lays
    overrides on top."""

    #: No ``pool_pre_ping`` (a round trip per request): ``db.configure_pool_health`` pings
    #: only connections that sat idle; ``pool_recycle`` retires old ones before a proxy or
    #: server idle timeout would.
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_recycle": 1800}
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None  # kiosk pages stay open all day
    LANGUAGES = {"en": "English", "zh_Hans_CN": "简体中文"}
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    PAGE_SIZE = 50

    def __init__(self) -> None:
        env = os.environ
        self.INSTANCE_DIR = _instance_dir()
        self.SECRET_KEY = _secret_key()
        self.SQLALCHEMY_DATABASE_URI = _database_url()
        #: When set, long jobs go to an RQ queue served by `expo-crm jobs worker`.
        self.REDIS_URL = env.get("REDIS_URL")
        #: Where card photos and generated files live: never under static files.
        self.MEDIA_DIR = Path(env.get("EXPO_CRM_MEDIA", self.INSTANCE_DIR / "media"))
        self.MAX_CONTENT_LENGTH = int(env.get("MAX_UPLOAD_BYTES", 15 * 1024 * 1024))
        self.SESSION_COOKIE_SECURE = env.get("SESSION_COOKIE_SECURE", "") == "1"
        #: Outgoing mail (``expo_crm.mail``): without SMTP_HOST messages stay in the outbox.
        self.SMTP_HOST = env.get("SMTP_HOST") or None
        self.SMTP_PORT = int(env["SMTP_PORT"]) if env.get("SMTP_PORT") else None
        #: ``starttls`` (default), ``ssl`` (implicit TLS, port 465) or ``off``.
        self.SMTP_TLS = env.get("SMTP_TLS", "starttls")
        self.SMTP_USER = env.get("SMTP_USER") or None
        self.SMTP_PASSWORD = env.get("SMTP_PASSWORD") or None
        self.MAIL_SENDER = env.get("MAIL_SENDER", "Expo CRM <no-reply@expo.example>")
        #: Where links in e-mails (unsubscribe, surveys) point: this site as the public sees it.
        self.PUBLIC_URL = env.get("PUBLIC_URL", "http://127.0.0.1:5000").rstrip("/")
