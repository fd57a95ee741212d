"""Segments, bulk task creation with de-duplication, opt-outs and exports."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest
from werkzeug.datastructures import MultiDict

from expo_crm.auth.roles import Role
from expo_crm.errors import Conflict, ValidationError
from expo_crm.followup import optouts, segments, tasks
from expo_crm.followup.models import FollowUpTask, Outreach, TaskStatus
from expo_crm.visitors.models import ConsentKind, ConsentRecord, VisitorCategory


def consent(db, person, granted: bool, at: datetime) -> None:
    db.add(
        ConsentRecord(
            person_id=person.id,
            kind=ConsentKind.MARKETING,
            granted=granted,
            wording="May we write to you?",
            language="en",
            at=at,
        )
    )
    db.flush()


@pytest.fixture
def visitors(db, three_editions, create_company, make_registration):
    s23, s24, _s25 = three_editions
    br = create_company("Brasil Pack", country="BR", industry="Packaging", employees=50)
    de = create_company("Deutsch Druck", country="DE", industry="Printing", employees=2000)
    regs = {
        "ana": make_registration(s24, br, job_function="Purchasing"),
        "bia": make_registration(s24, br, category=VisitorCategory.PUBLIC),
        "carl": make_registration(s24, de, job_function="Engineering"),
        "dora": make_registration(s24, None, category=VisitorCategory.PRESS),
    }
    make_registration(s23, br, person=regs["ana"].person)  # Ana is returning
    make_registration(s24, de, category=VisitorCategory.EXHIBITOR_STAFF)  # not a visitor
    people = {k: r.person for k, r in regs.items()}
    return s24, {"br": br, "de": de}, people


def names(db, query) -> list[str]:
    return sorted(r.full_name for r in db.execute(query))


def run(db, show, **args) -> list[str]:
    filters = segments.SegmentFilters.parse(MultiDict(args))
    return names(db, segments.segment_query(db, show, filters))


def test_segment_filters_combine(db, visitors) -> None:
    show, _co, p = visitors
    everyone = sorted(x.full_name for x in p.values())
    assert run(db, show) == everyone
    assert run(db, show, categories="trade") == sorted([p["ana"].full_name, p["carl"].full_name])
    assert run(db, show, countries="br", categories="trade") == [p["ana"].full_name]
    assert run(db, show, size_min="1000") == [p["carl"].full_name]
    assert run(db, show, history="returning") == [p["ana"].full_name]
    assert run(db, show, industries="Printing,Packaging", job_functions="Engineering") == [
        p["carl"].full_name
    ]


def test_segment_consent_state_uses_latest_record(db, visitors) -> None:
    show, _co, p = visitors
    consent(db, p["ana"], True, datetime(2023, 1, 1, tzinfo=UTC))
    consent(db, p["ana"], False, datetime(2024, 1, 1, tzinfo=UTC))  # withdrawn later
    consent(db, p["bia"], False, datetime(2023, 1, 1, tzinfo=UTC))
    consent(db, p["bia"], True, datetime(2024, 1, 1, tzinfo=UTC))  # granted again
    assert run(db, show, consent="withdrawn") == [p["ana"].full_name]
    assert run(db, show, consent="granted") == [p["bia"].full_name]
    assert run(db, show, consent="unknown") == sorted([p["carl"].full_name, p["dora"].full_name])


def test_segment_counts(db, visitors) -> None:
    show, _co, _p = visitors
    counts = segments.segment_counts(db, show, segments.SegmentFilters())
    assert counts["total"] == 4
    assert counts["companies"] == 2
    assert dict(counts["breakdown"]["category"]) == {"trade": 2, "public": 1, "press": 1}


@pytest.mark.parametrize(
    "bad",
    [{"categories": "alien"}, {"size_min": "ten"}, {"min_days": "-1"}, {"history": "old"}],
)
def test_bad_filters_are_refused(bad) -> None:
    with pytest.raises(ValidationError):
        segments.SegmentFilters.parse(MultiDict(bad))


def test_saved_segment_names_are_unique(db) -> None:
    filters = segments.SegmentFilters(categories=["trade"])
    saved = segments.save_segment(db, "Trade", filters)
    assert saved.filters == {"categories": ["trade"]}
    with pytest.raises(Conflict):
        segments.save_segment(db, "Trade", filters)
    with pytest.raises(ValidationError):
        segments.save_segment(db, "  ", filters)
    assert segments.SegmentFilters.parse(saved.filters).categories == ["trade"]


def test_bulk_tasks_dedupe_and_honour_opt_outs(db, visitors, create_user) -> None:
    show, co, p = visitors
    sales = [create_user(Role.SALES), create_user(Role.SALES)]
    optouts.record_opt_out(db, person_id=p["bia"].id, reason="asked")
    consent(db, p["carl"], False, datetime(2024, 1, 1, tzinfo=UTC))
    targets = [
        tasks.Target(r.company_id, r.person_id)
        for r in db.execute(segments.segment_query(db, show, segments.SegmentFilters()))
    ]
    kwargs = dict(
        campaign_name="Thank-you calls",
        source="segment:adhoc",
        assignees=sales,
        due_on=date(2030, 1, 10),
        title="Call after the show",
    )
    first = tasks.create_tasks(db, targets=targets, **kwargs)
    assert (first.created, first.duplicates, first.opted_out) == (2, 0, 2)
    made = db.query(FollowUpTask).order_by(FollowUpTask.id).all()
    assert {t.person_id for t in made} == {p["ana"].id, p["dora"].id}
    assert sorted(t.assigned_to_id for t in made) == sorted(u.id for u in sales)  # round-robin
    again = tasks.create_tasks(db, targets=targets, **kwargs)
    assert (again.created, again.duplicates) == (0, 2)
    assert db.query(Outreach).count() == 2


def test_bulk_tasks_per_company_and_by_territory(db, visitors, create_user) -> None:
    _show, co, p = visitors
    br_rep = create_user(Role.SALES, territory="BR")
    print_rep = create_user(Role.SALES, territory="printing")
    targets = [
        tasks.Target(co["br"].id, p["ana"].id),
        tasks.Target(co["br"].id, p["bia"].id),
        tasks.Target(co["de"].id, p["carl"].id),
    ]
    optouts.record_opt_out(db, company_id=co["de"].id)
    result = tasks.create_tasks(
        db,
        campaign_name="Prospects 2025",
        source="prospects",
        targets=targets,
        assignees=[br_rep, print_rep],
        due_on=date(2030, 1, 1),
        title="Offer a booth",
        per="company",
        assignment="territory",
    )
    assert (result.created, result.opted_out) == (1, 1)
    task = db.query(FollowUpTask).one()
    assert (task.company_id, task.assigned_to_id) == (co["br"].id, br_rep.id)


def test_bulk_tasks_refuse_bad_input_and_change_nothing(db, create_user) -> None:
    with pytest.raises(ValidationError):
        tasks.create_tasks(
            db,
            campaign_name="X",
            source="manual",
            targets=[],
            assignees=[],
            due_on=date(2030, 1, 1),
            title="t",
        )
    assert db.query(FollowUpTask).count() == 0


def test_task_update_and_interactions(db, visitors, create_user) -> None:
    _show, co, p = visitors
    user = create_user(Role.SALES)
    task = FollowUpTask(
        title="Call", assigned_to_id=user.id, due_on=date(2020, 1, 1), company_id=co["br"].id
    )
    db.add(task)
    db.flush()
    overdue = db.execute(tasks.task_query(overdue_on=date(2021, 1, 1))).all()
    assert [r.task_id for r in overdue] == [task.id]
    with pytest.raises(ValidationError):
        tasks.update_task(db, task, status="done", outcome=None, notes="", user=user)
    tasks.update_task(db, task, status="done", outcome="booked", notes="Signed!", user=user)
    assert task.status is TaskStatus.DONE
    assert task.completed_at is not None
    assert db.execute(tasks.task_query(overdue_on=date(2021, 1, 1))).all() == []
    tasks.log_interaction(
        db, kind="call", summary="Talked to Ana", user=user, person_id=p["ana"].id
    )
    with pytest.raises(ValidationError):
        tasks.log_interaction(db, kind="call", summary=" ", user=user, company_id=co["br"].id)
    logged = db.execute(tasks.interactions_query(company_id=co["br"].id)).all()
    assert [r.summary for r in logged] == ["Talked to Ana"]


def test_opt_out_rules(db, visitors) -> None:
    _show, co, p = visitors
    assert not optouts.is_person_opted_out(db, p["ana"].id)
    optouts.record_opt_out(db, company_id=co["br"].id)
    assert optouts.is_person_opted_out(db, p["ana"].id)  # the whole company opted out
    with pytest.raises(Conflict):
        optouts.record_opt_out(db, company_id=co["br"].id)
    with pytest.raises(ValidationError):
        optouts.record_opt_out(db, person_id=p["ana"].id, company_id=co["br"].id)


def test_exports_leave_out_opted_out_people(db, visitors, as_role) -> None:
    show, co, p = visitors
    optouts.record_opt_out(db, person_id=p["ana"].id)
    consent(db, p["carl"], False, datetime(2024, 5, 1, tzinfo=UTC))
    client = as_role(Role.SALES)
    response = client.get(f"/followup/segments?show={show.code}&format=csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    exported = {r[0] for r in rows[1:]}
    assert exported == {p["bia"].full_name, p["dora"].full_name}
    xlsx = client.get(f"/followup/segments?show={show.code}&format=xlsx")
    assert xlsx.status_code == 200
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    assert {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)} == exported
    # And the visitor lists behind the KPI figures honour them too.
    kpi_csv = client.get(f"/followup/lists/visitors/{show.code}/visitors?format=csv")
    kpi_rows = list(csv.reader(io.StringIO(kpi_csv.data.decode("utf-8-sig"))))
    assert {r[0] for r in kpi_rows[1:]} == exported


def test_export_refuses_a_list_without_person_or_company(db) -> None:
    from sqlalchemy import select

    from expo_crm.shows.models import Show

    with pytest.raises(ValueError, match="person_id or company_id"):
        optouts.contactable_only(select(Show.code))


def test_company_opt_out_only_reaches_its_own_people(db, visitors) -> None:
    """Regression: the company rule must correlate with each person, not the first one."""
    from sqlalchemy import select

    from expo_crm.directory.models import Person

    _show, co, p = visitors
    optouts.record_opt_out(db, company_id=co["de"].id)
    ids = [x.id for x in p.values()]
    blocked = db.scalars(
        select(Person.id).where(Person.id.in_(ids), optouts.person_opted_out(Person.id))
    ).all()
    assert blocked == [p["carl"].id]


def test_engagement_filters_read_checkins_and_leads(db, visitors, attend, create_company) -> None:
    show, co, p = visitors
    regs = {
        k: db.execute(select_registration(show.id, person.id)).scalar_one()
        for k, person in p.items()
    }
    booth_a, booth_b = create_company("Booth A"), create_company("Booth B")
    attend(regs["ana"], days=[date(2024, 10, 6), date(2024, 10, 7)], booths=[booth_a, booth_b])
    attend(regs["carl"], days=[date(2024, 10, 6)], booths=[booth_a])
    assert run(db, show, min_days="2") == [p["ana"].full_name]
    assert run(db, show, min_booths="1") == sorted([p["ana"].full_name, p["carl"].full_name])
    assert run(db, show, min_booths="2") == [p["ana"].full_name]
    from expo_crm.followup import engagement, profile

    assert engagement.staff_visiting_booths(db, show.id) == {co["br"].id: 1, co["de"].id: 1}
    data = profile.visitor_profile(db, p["ana"].id)
    assert [(e["row"].code, e["days"], e["booths"]) for e in data["editions"]] == [
        ("EXPO2023", 0, 0),
        ("EXPO2024", 2, 2),
    ]
    assert sorted(lead.name for lead in data["leads"]) == ["Booth A", "Booth B"]


def select_registration(show_id: int, person_id: int):
    from sqlalchemy import select

    from expo_crm.visitors.models import Registration

    return select(Registration).where(
        Registration.show_id == show_id, Registration.person_id == person_id
    )
