"""Demo follow-up: saved segments, prospect weights, a campaign of tasks, interactions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from expo_crm.db import utcnow
from expo_crm.demo.base import World
from expo_crm.followup import prospects, segments, tasks
from expo_crm.followup.models import (
    FollowUpTask,
    Interaction,
    InteractionKind,
    TaskOutcome,
    TaskStatus,
)


def seed(session: Session, world: World) -> None:
    """Add the follow-up part of the demo (runs after exhibitors, visitors and badges)."""
    world.progress("Creating follow-up segments, tasks and interactions…")
    admin = world.users.get("admin@expo.example")
    saved: list[tuple[str, dict[str, Any]]] = [
        ("Trade buyers from Brazil", {"categories": ["trade"], "countries": ["BR"]}),
        ("Returning visitors", {"history": "returning"}),
        ("Large companies (1000+)", {"size_min": 1000}),
    ]
    for name, filters in saved:
        segments.save_segment(session, name, segments.SegmentFilters.parse(filters), admin)
    prospects.save_weights(session, prospects.DEFAULT_WEIGHTS, admin)

    sales = world.sales_users
    completed = [s for s in world.shows if s.ends_on < utcnow().date()]
    if not sales or not completed:
        return
    show = completed[-1]
    ranked = prospects.prospect_ranking(session, show)[:40]
    result = tasks.create_tasks(
        session,
        campaign_name=f"Prospects from {show.code}",
        source=f"prospects:{show.code}",
        targets=[tasks.Target(p.company_id) for p in ranked],
        assignees=sales,
        due_on=utcnow().date() + timedelta(days=14),
        title="Offer a booth at the coming edition",
        per="company",
        assignment="territory",
        user=admin,
    )
    rng = world.rng
    made = session.query(FollowUpTask).filter_by(campaign_id=result.campaign.id).all()
    for k, task in enumerate(made):
        if k % 4 == 0:  # some are already overdue
            task.due_on = utcnow().date() - timedelta(days=rng.randint(1, 10))
        elif k % 4 == 1:
            task.status = TaskStatus.DONE
            task.outcome = rng.choice(list(TaskOutcome))
            task.completed_at = utcnow() - timedelta(days=rng.randint(0, 20))
            session.add(
                Interaction(
                    company_id=task.company_id,
                    task_id=task.id,
                    user_id=task.assigned_to_id,
                    kind=rng.choice(list(InteractionKind)),
                    summary=rng.choice(
                        [
                            "Spoke to the marketing manager; wants a corner booth quote.",
                            "Left a voicemail, will try again next week.",
                            "Sent the floor plan and the early-bird prices.",
                            "Not budgeted this year; call back in Q3.",
                        ]
                    ),
                    at=task.completed_at,
                )
            )
    session.flush()
    world.summary["follow-up tasks"] = result.created
