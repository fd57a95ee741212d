"""Bulk badge printing as a background job with progress.

The job runs in a thread of the web process (inline in tests); its state is a small JSON
file and its result a PDF in the media folder, so every gunicorn worker can report
progress and serve the file.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import uuid
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from flask_babel import force_locale

log = logging.getLogger(__name__)

_JOB_ID = re.compile(r"^[0-9a-f]{32}$")


def _folder(app: Flask) -> Path:
    folder = Path(app.config["MEDIA_DIR"]) / "badge_jobs"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _write(app: Flask, job_id: str, **state: Any) -> None:
    path = _folder(app) / f"{job_id}.json"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(state))
    tmp.replace(path)


def status(job_id: str) -> dict[str, Any] | None:
    """Return a job's state (status, done, total, message), or None for an unknown job."""
    if not _JOB_ID.match(job_id):
        return None
    path = _folder(current_app._get_current_object()) / f"{job_id}.json"  # type: ignore[attr-defined]
    if not path.exists():
        return None
    return dict(json.loads(path.read_text()))


def result_path(job_id: str) -> Path | None:
    if not _JOB_ID.match(job_id):
        return None
    path = _folder(current_app._get_current_object()) / f"{job_id}.pdf"  # type: ignore[attr-defined]
    return path if path.exists() else None


def start_bulk(
    show_id: int, *, order: str, unprinted_only: bool, user_id: int | None, locale: str
) -> str:
    """Start printing an edition's badges in bulk; return the job id."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    job_id = uuid.uuid4().hex
    _write(app, job_id, status="queued", done=0, total=0, message="")
    args = (app, job_id, show_id, order, unprinted_only, user_id, locale)
    if app.config.get("BADGE_JOBS_INLINE", app.testing):
        _run(*args)
    else:
        threading.Thread(target=_run, args=args, name=f"badges-{job_id[:8]}", daemon=True).start()
    return job_id


def _run(
    app: Flask,
    job_id: str,
    show_id: int,
    order: str,
    unprinted_only: bool,
    user_id: int | None,
    locale: str,
) -> None:
    from expo_crm.auth.models import User
    from expo_crm.badges import services
    from expo_crm.errors import DomainError
    from expo_crm.extensions import db
    from expo_crm.shows.models import Show

    with app.app_context(), force_locale(locale):
        session = db.session
        try:
            show = session.get(Show, show_id)
            user = session.get(User, user_id) if user_id else None
            badges = services.bulk_badges(
                session, show, order=order, unprinted_only=unprinted_only, user=user
            )
            total = len(badges)
            _write(app, job_id, status="running", done=0, total=total, message="")

            def progress(done: int, total: int) -> None:
                _write(app, job_id, status="running", done=done, total=total, message="")

            document, reprints = services.bulk_pdf(session, badges, progress=progress)
            (_folder(app) / f"{job_id}.pdf").write_bytes(document)
            session.commit()
            _write(app, job_id, status="done", done=total, total=total, reprints=reprints,
                   message="")
            log.info("Bulk badge job %s done: %s badges", job_id, total)
        except DomainError as exc:
            session.rollback()
            _write(app, job_id, status="failed", done=0, total=0, message=exc.message)
        except Exception:
            session.rollback()
            log.exception("Bulk badge job %s failed", job_id)
            _write(app, job_id, status="failed", done=0, total=0, message="internal error")
            raise
        finally:
            if not app.config.get("BADGE_JOBS_INLINE", app.testing):
                session.remove()
