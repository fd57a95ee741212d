"""Bulk badge printing as a long job (see ``expo_crm.jobs``): progress, then a PDF."""

from __future__ import annotations

import logging
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from expo_crm.auth.models import User
from expo_crm.labels import register_codes
from expo_crm.shows.services import get_show

log = logging.getLogger(__name__)

TASK = "expo_crm.badges.jobs:bulk_print_task"

register_codes("job_result", {"badges": _l("Badges"), "reprints": _l("Of them reprints")})


def bulk_print_task(
    session: Session,
    report: Any,
    *,
    show_id: int,
    order: str = "surname",
    unprinted_only: bool = False,
    user_id: int | None = None,
    locale: str = "en",
    processes: int | None = None,
) -> dict[str, Any]:
    """Issue and render every pre-registered badge of an edition as one PDF."""
    from expo_crm.badges import printing

    with force_locale(locale):
        show = get_show(session, show_id)
        user = session.get(User, user_id) if user_id else None
        badges = printing.bulk_badges(
            session, show, order=order, unprinted_only=unprinted_only, user=user
        )
        total = len(badges)
        report(0, total, _("Rendering %(n)s badges…", n=total), force=True)

        def progress(done: int, total: int) -> None:
            report(done, total, _("Rendering badges…"), force=done == total)

        document, reprints = printing.bulk_pdf(
            session, badges, processes=processes, progress=progress
        )
        path = report.output_path(f"badges-{show.code}-{order}.pdf")
        path.write_bytes(document)
        message = _("%(n)s badges ready.", n=total)
        if reprints:
            message += " " + _("%(n)s of them had been printed before.", n=reprints)
        log.info("Bulk badges of %s: %s badges, %s reprints", show.code, total, reprints)
        return {
            "summary": {"badges": total, "reprints": reprints},
            "file": str(path),
            "message": message,
        }
