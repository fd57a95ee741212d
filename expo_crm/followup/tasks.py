"""Follow-up tasks created in bulk, assigned to sales users, worked, and logged as interactions.

Bulk creation runs under a **campaign** (found or created by name). Each target is one
person (``per="person"``) or one company (``per="company"``); the :class:`Outreach` ledger,
unique per campaign and target, keeps anyone from being targeted twice by the same
campaign — running the same bulk creation again creates nothing new. Opted-out people and
companies (see :mod:`optouts`) are skipped and counted.

Assignment: ``round_robin`` deals targets to the chosen users in turn (by user id, carrying
on where the campaign's earlier tasks stopped); ``territory`` gives a target to the users
whose ``territory`` equals the company's country or industry (case-insensitive), in turn,
and falls back to round-robin over all chosen users when nobody's territory matches.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from expo_crm.auth.models import User
from expo_crm.auth.roles import Role
from expo_crm.db import utcnow
from expo_crm.directory.models import Company, Person
from expo_crm.errors import NotFound, ValidationError
from expo_crm.followup import optouts
from expo_crm.followup.models import (
    Campaign,
    FollowUpTask,
    Interaction,
    InteractionKind,
    Outreach,
    TaskOutcome,
    TaskStatus,
)

log = logging.getLogger(__name__)

PER = ("person", "company")
ASSIGNMENTS = ("round_robin", "territory")
CHUNK = 500


@dataclass(frozen=True)
class Target:
    company_id: int | None
    person_id: int | None = None


@dataclass
class BulkResult:
    campaign: Campaign
    created: int = 0
    duplicates: int = 0
    opted_out: int = 0


def sales_users(session: Session) -> list[User]:
    """Return the active users who can be given follow-up tasks (sales and admins)."""
    return list(
        session.scalars(
            select(User)
            .where(User.active.is_(True), User.role.in_([Role.SALES, Role.ADMIN]))
            .order_by(User.name, User.id)
        )
    )


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for i in range(0, len(ids), CHUNK):
        yield ids[i : i + CHUNK]


def _opted_out(session: Session, targets: list[Target], per: str) -> set[Target]:
    out: set[Target] = set()
    if per == "person":
        by_person = {t.person_id: t for t in targets if t.person_id}
        ids = list(by_person)
        for chunk in _chunks(ids):
            rows = session.execute(
                select(Person.id).where(Person.id.in_(chunk), optouts.person_opted_out(Person.id))
            ).scalars()
            out.update(by_person[pid] for pid in rows)
    company_ids = sorted({t.company_id for t in targets if t.company_id})
    blocked: set[int] = set()
    for chunk in _chunks(company_ids):
        blocked.update(
            session.scalars(
                select(Company.id).where(
                    Company.id.in_(chunk), optouts.company_opted_out(Company.id)
                )
            )
        )
    out.update(t for t in targets if t.company_id in blocked)
    return out


def get_or_create_campaign(session: Session, name: str, source: str, user: Any) -> Campaign:
    name = (name or "").strip()
    if not name:
        raise ValidationError("campaign", "Name the campaign (e.g. 'EXPO2026 rebooking calls').")
    campaign = session.scalar(select(Campaign).where(Campaign.name == name))
    if campaign is None:
        campaign = Campaign(name=name[:200], source=source, created_by_id=getattr(user, "id", None))
        session.add(campaign)
        session.flush()
    return campaign


def create_tasks(
    session: Session,
    *,
    campaign_name: str,
    source: str,
    targets: Iterable[Target],
    assignees: Sequence[User],
    due_on: date | None,
    title: str,
    per: str = "person",
    assignment: str = "round_robin",
    user: Any = None,
) -> BulkResult:
    """Create one task per new, contactable target; raise ValidationError on bad input."""
    if per not in PER:
        raise ValidationError("per", "Create one task per person or per company.")
    if assignment not in ASSIGNMENTS:
        raise ValidationError("assignment", "Assign round-robin or by territory.")
    if not assignees:
        raise ValidationError("assignees", "Choose at least one sales user.")
    if due_on is None:
        raise ValidationError("due_on", "Give a due date.")
    title = (title or "").strip()
    if not title:
        raise ValidationError("title", "Give the tasks a title.")
    campaign = get_or_create_campaign(session, campaign_name, source, user)
    result = BulkResult(campaign)

    # One target per key (person or company), first seen wins.
    unique: dict[int, Target] = {}
    for t in targets:
        key = t.person_id if per == "person" else t.company_id
        if key is not None and key not in unique:
            unique[key] = t
    key_column = Outreach.person_id if per == "person" else Outreach.company_id
    done = set(
        session.scalars(
            select(key_column).where(Outreach.campaign_id == campaign.id, key_column.is_not(None))
        )
    )
    fresh = [t for k, t in unique.items() if k not in done]
    result.duplicates = len(unique) - len(fresh)
    blocked = _opted_out(session, fresh, per)
    result.opted_out = len(blocked)
    fresh = [t for t in fresh if t not in blocked]

    people = sorted(assignees, key=lambda u: u.id)
    turn = (
        session.scalar(
            select(func.count(FollowUpTask.id)).where(FollowUpTask.campaign_id == campaign.id)
        )
        or 0
    )
    places: dict[int, tuple[str | None, str | None]] = {}
    if assignment == "territory":
        company_ids = sorted({t.company_id for t in fresh if t.company_id})
        for chunk in _chunks(company_ids):
            for cid, country, industry in session.execute(
                select(Company.id, Company.country, Company.industry).where(Company.id.in_(chunk))
            ):
                places[cid] = (country, industry)
    territory_turns: dict[tuple[int, ...], int] = {}
    for t in fresh:
        assignee = people[turn % len(people)]
        if assignment == "territory":
            country, industry = places.get(t.company_id or 0, (None, None))
            keys = {(country or "").lower(), (industry or "").lower()} - {""}
            matching = tuple(
                u.id for u in people if u.territory and u.territory.strip().lower() in keys
            )
            if matching:
                n = territory_turns.get(matching, 0)
                territory_turns[matching] = n + 1
                assignee = next(u for u in people if u.id == matching[n % len(matching)])
        turn += 1
        outreach = Outreach(
            campaign_id=campaign.id,
            person_id=t.person_id if per == "person" else None,
            company_id=t.company_id if per == "company" else None,
        )
        session.add(outreach)
        task = FollowUpTask(
            title=title[:300],
            campaign=campaign,
            outreach=outreach,
            company_id=t.company_id,
            person_id=t.person_id,
            assigned_to_id=assignee.id,
            due_on=due_on,
            created_by_id=getattr(user, "id", None),
        )
        session.add(task)
        result.created += 1
    session.flush()
    log.info(
        "Campaign %r: %s tasks created, %s duplicates, %s opted out, by %s",
        campaign.name,
        result.created,
        result.duplicates,
        result.opted_out,
        getattr(user, "email", "?"),
    )
    return result


# -- working the tasks ---------------------------------------------------------------------


def task_query(
    *,
    user_id: int | None = None,
    status: TaskStatus | None = None,
    overdue_on: date | None = None,
    company_id: int | None = None,
    person_id: int | None = None,
) -> Select:
    """Select task rows for lists and exports.

    Columns: task_id, title, due_on, status, outcome, company_id, company, person_id,
    person, assignee, campaign.
    """
    query = (
        select(
            FollowUpTask.id.label("task_id"),
            FollowUpTask.title,
            FollowUpTask.due_on,
            FollowUpTask.status,
            FollowUpTask.outcome,
            Company.id.label("company_id"),
            Company.name.label("company"),
            Person.id.label("person_id"),
            Person.full_name.label("person"),
            User.name.label("assignee"),
            Campaign.name.label("campaign"),
        )
        .join(User, User.id == FollowUpTask.assigned_to_id)
        .outerjoin(Company, Company.id == FollowUpTask.company_id)
        .outerjoin(Person, Person.id == FollowUpTask.person_id)
        .outerjoin(Campaign, Campaign.id == FollowUpTask.campaign_id)
    )
    if user_id is not None:
        query = query.where(FollowUpTask.assigned_to_id == user_id)
    if status is not None:
        query = query.where(FollowUpTask.status == status)
    if overdue_on is not None:
        query = query.where(
            FollowUpTask.status == TaskStatus.OPEN, FollowUpTask.due_on < overdue_on
        )
    if company_id is not None:
        query = query.where(FollowUpTask.company_id == company_id)
    if person_id is not None:
        query = query.where(FollowUpTask.person_id == person_id)
    return query.order_by(FollowUpTask.due_on, FollowUpTask.id)


def get_task(session: Session, task_id: int) -> FollowUpTask:
    task = session.get(FollowUpTask, task_id)
    if task is None:
        raise NotFound(f"No task {task_id}.")
    return task


def update_task(
    session: Session,
    task: FollowUpTask,
    *,
    status: str,
    outcome: str | None,
    notes: str | None,
    user: Any,
) -> FollowUpTask:
    """Set a task's status, outcome and notes; a done task needs an outcome.

    Raise ValidationError on an unknown status or outcome.
    """
    try:
        new_status = TaskStatus(status)
        new_outcome = TaskOutcome(outcome) if outcome else None
    except ValueError:
        raise ValidationError("status", "Unknown status or outcome.") from None
    if new_status is TaskStatus.DONE and new_outcome is None:
        raise ValidationError("outcome", "Say how the task ended before marking it done.")
    task.status, task.outcome = new_status, new_outcome
    task.notes = (notes or "").strip() or None
    task.completed_at = utcnow() if new_status is TaskStatus.DONE else None
    session.flush()
    log.info("Task %s set to %s (%s) by %s", task.id, status, outcome, getattr(user, "email", "?"))
    return task


def log_interaction(
    session: Session,
    *,
    kind: str,
    summary: str,
    user: Any,
    company_id: int | None = None,
    person_id: int | None = None,
    task_id: int | None = None,
) -> Interaction:
    """Log a contact; raise ValidationError without a summary, a kind or a subject."""
    try:
        interaction_kind = InteractionKind(kind)
    except ValueError:
        raise ValidationError("kind", "Choose call, email, meeting or note.") from None
    summary = (summary or "").strip()
    if not summary:
        raise ValidationError("summary", "Write what was said or done.")
    if company_id is None and person_id is None:
        raise ValidationError("company_id", "Log the interaction on a company or a person.")
    if person_id is not None and company_id is None:
        person = session.get(Person, person_id)
        if person is None:
            raise NotFound(f"No person {person_id}.")
        company_id = person.company_id
    interaction = Interaction(
        kind=interaction_kind,
        summary=summary,
        company_id=company_id,
        person_id=person_id,
        task_id=task_id,
        user_id=getattr(user, "id", None),
    )
    session.add(interaction)
    session.flush()
    return interaction


def interactions_query(company_id: int | None = None, person_id: int | None = None) -> Select:
    """Select interactions of a company (including its people) or of a person, newest first.

    Columns: interaction_id, at, kind, summary, company_id, person_id, person, user.
    """
    query = (
        select(
            Interaction.id.label("interaction_id"),
            Interaction.at,
            Interaction.kind,
            Interaction.summary,
            Interaction.company_id,
            Interaction.person_id,
            Person.full_name.label("person"),
            User.name.label("user"),
        )
        .outerjoin(Person, Person.id == Interaction.person_id)
        .outerjoin(User, User.id == Interaction.user_id)
    )
    if company_id is not None:
        query = query.where(Interaction.company_id == company_id)
    if person_id is not None:
        query = query.where(Interaction.person_id == person_id)
    return query.order_by(Interaction.at.desc(), Interaction.id.desc())
