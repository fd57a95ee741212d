"""The follow-up sections of the company and person pages (see directory.panels)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import Session

from expo_crm.auth.roles import Role
from expo_crm.directory.panels import Panel, company_panel, person_panel
from expo_crm.followup import optouts, tasks
from expo_crm.followup.forms import InteractionForm


def _works_followup() -> bool:
    return bool(current_user.is_authenticated and current_user.role in (Role.SALES, Role.ADMIN))


@company_panel
def company_followup(session: Session, company: Any) -> Panel | None:
    if not _works_followup():
        return None
    return Panel(
        title=str(_l("Follow-up")),
        template="followup/_panel.html",
        context={
            "fu_tasks": session.execute(tasks.task_query(company_id=company.id)).all(),
            "fu_interactions": session.execute(
                tasks.interactions_query(company_id=company.id)
            ).all(),
            "fu_opted_out": optouts.is_company_opted_out(session, company.id),
            "fu_form": InteractionForm(formdata=None, company_id=company.id),
            "fu_person": None,
        },
        order=60,
    )


@person_panel
def person_followup(session: Session, person: Any) -> Panel | None:
    if not _works_followup():
        return None
    return Panel(
        title=str(_l("Follow-up")),
        template="followup/_panel.html",
        context={
            "fu_tasks": session.execute(tasks.task_query(person_id=person.id)).all(),
            "fu_interactions": session.execute(tasks.interactions_query(person_id=person.id)).all(),
            "fu_opted_out": optouts.is_person_opted_out(session, person.id),
            "fu_form": InteractionForm(
                formdata=None, person_id=person.id, company_id=person.company_id or ""
            ),
            "fu_person": person,
        },
        order=60,
    )
