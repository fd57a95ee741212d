"""The back-office import as a long job (see ``expo_crm.jobs``): progress, then a summary."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from expo_crm.auth.models import User
from expo_crm.history import importer

log = logging.getLogger(__name__)

TASK = "expo_crm.history.jobs:import_task"


def import_task(
    session: Session,
    report: Any,
    *,
    path: str,
    filename: str,
    show_code: str,
    name: str | None = None,
    opens: str | None = None,
    encoding: str | None = None,
    user_id: int | None = None,
    locale: str = "en",
) -> dict[str, Any]:
    """Import an uploaded exhibitor list (checked before the job started); the job's
    session commits it whole or not at all."""
    with force_locale(locale):
        upload = Path(path)
        report(0, None, _("Matching the names to the directory…"), force=True)

        def progress(done: int, total: int) -> None:
            report(done, total, _("Matching the names to the directory…"), force=done == total)

        try:
            plan = importer.plan_import(
                session,
                upload.read_bytes(),
                filename,
                show_code,
                name=name,
                opens=date.fromisoformat(opens) if opens else None,
                encoding=encoding,
                progress=progress,
            )
        finally:
            upload.unlink(missing_ok=True)
        # Matching only read; ending its snapshot lets the writes below start after the
        # progress reports (SQLite refuses a write on a snapshot older than another commit).
        session.rollback()
        report(len(plan.groups), len(plan.groups), _("Recording the participations…"), force=True)
        user = session.get(User, user_id) if user_id else None
        result = importer.apply_import(session, plan, user)
        if not result.changed:
            message = _("Nothing changed: every name is already recorded as the file gives it.")
        else:
            message = _(
                "%(names)s companies imported into %(show)s: %(matched)s matched, %(created)s new.",
                names=result.names,
                show=result.show_code,
                matched=result.matched,
                created=result.created,
            )
        if result.uncertain:
            message += " " + _(
                "%(n)s uncertain names wait on the review page.", n=len(result.uncertain)
            )
        return {
            "summary": {
                _("Lines"): result.lines,
                _("Companies"): result.names,
                _("Matched"): result.matched,
                _("Created"): result.created,
                _("Added"): result.added,
                _("Updated"): result.updated,
                _("To review"): len(result.uncertain),
            },
            "message": message,
        }
