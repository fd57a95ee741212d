"""Results: rate, NPS, averages per question and segment, comments, exports, roles."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from expo_crm.auth.roles import Role
from expo_crm.surveys import results, services
from expo_crm.surveys.models import Audience
from tests.surveys.conftest import build_survey, fields, visitor


def _answer(db, survey, email, name, *answers, **kw):
    person = visitor(db, email, name, **kw).person
    services.submit(db, survey, person, fields(survey, *answers))
    return person


def test_nps_averages_segments_and_comments(db, survey):
    _answer(
        db, survey, "a@x.example", "A", "5", "10", "car", ["hall_a"], "Superb", category="trade"
    )
    _answer(db, survey, "b@x.example", "B", "4", "9", "metro", None, None, category="trade")
    _answer(
        db,
        survey,
        "c@x.example",
        "C",
        "2",
        "3",
        "car",
        ["hall_a", "talks"],
        "Too hot",
        category="press",
        industry="Electronics",
    )
    _answer(db, survey, "d@x.example", "D", "3", "7", None, None, None, category="press")
    db.commit()
    found = results.survey_results(db, survey)
    rating, score, single, multiple, text = found.questions
    assert found.responses == 4
    assert rating.average == 3.5
    assert score.nps == 25.0  # 2 promoters, 1 detractor of 4
    assert found.headline_nps == 25.0
    assert [(label, n) for label, n, _s in single.distribution] == [("Car", 2), ("Metro", 1)]
    assert [(label, n) for label, n, _s in multiple.distribution] == [
        ("Hall A", 2),
        ("Hall B", 0),
        ("Talks", 1),
    ]
    assert sorted(c[0] for c in text.comments) == ["Superb", "Too hot"]
    by_category = {row.label: row for row in found.segments["Visitor category"]}
    assert by_category["Trade visitor"].responses == 2
    assert by_category["Trade visitor"].averages[rating.question.id] == 4.5
    assert by_category["Trade visitor"].nps == 100.0
    assert by_category["Press"].nps == -50.0
    by_industry = {row.label: row.responses for row in found.segments["Industry"]}
    assert by_industry == {"Packaging": 3, "Electronics": 1}
    assert results.nps([]) is None


def test_exhibit_again_scores_feed_rebooking(db, create_company):
    survey = build_survey(db, Audience.EXHIBITORS)
    services.set_state(db, survey, "open")
    boss = visitor(db, "boss@maker.example", "Boss")
    services.submit(db, survey, boss.person, fields(survey, "4", "3"))
    colleague = visitor(db, "sales@maker.example", "Sales")  # the same company (its domain)
    services.submit(db, survey, colleague.person, fields(survey, "4", "8"))
    other = visitor(db, "ceo@happy.example", "Happy")
    services.submit(db, survey, other.person, fields(survey, "5", "10"))
    scores = results.exhibit_again_scores(db, survey.show_id)
    assert colleague.company_id == boss.company_id
    assert scores == {boss.company_id: 5.5, other.company_id: 10.0}


@pytest.mark.parametrize(
    ("role", "granted", "status"),
    [
        (Role.ADMIN, [], 200),
        (Role.SALES, [], 200),
        (Role.FINANCE, [], 403),
        (Role.FINANCE, ["finance"], 200),
        (Role.ONSITE, ["finance"], 403),
        (Role.ONSITE, ["onsite"], 200),
        (Role.KIOSK, ["finance", "onsite"], 403),
        (Role.SCANNER, ["finance", "onsite"], 403),
    ],
)
def test_results_only_for_those_granted(db, as_role, survey, role, granted, status):
    services.grant_results(db, survey, granted)
    db.commit()
    client = as_role(role)
    assert client.get(f"/surveys/{survey.id}/results").status_code == status
    assert client.get(f"/surveys/{survey.id}/results?format=csv").status_code == status


def test_results_page_and_exports(db, as_role, survey):
    _answer(db, survey, "a@x.example", "Ana", "5", "10", "car", ["hall_a"], "Superb")
    db.commit()
    client = as_role(Role.SALES)
    page = client.get(f"/surveys/{survey.id}/results").get_data(as_text=True)
    assert 'id="nps"' in page
    assert "+100" in page
    assert "Superb" in page
    assert "<svg" in page
    csv = client.get(f"/surveys/{survey.id}/results?format=csv").get_data(as_text=True)
    assert "The halls" in csv.splitlines()[0]
    assert "Ana,Ana Ltda" in csv
    xlsx = client.get(f"/surveys/{survey.id}/results?format=xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    rows = list(sheet.values)
    assert rows[1][0] == "Ana"
    assert 5 in rows[1] or "5" in rows[1]
    assert client.get(f"/surveys/{survey.id}/results?format=pdf").status_code in (400, 422)


def test_answers_on_person_and_company_pages(db, as_role, survey):
    person = _answer(db, survey, "a@x.example", "Ana", "5", "10", "car", None, "Superb")
    db.commit()
    client = as_role(Role.SALES)
    page = client.get(f"/people/{person.id}").get_data(as_text=True)
    assert "Survey answers" in page
    assert "Superb" in page
    company = client.get(f"/companies/{person.company_id}").get_data(as_text=True)
    assert "Superb" in company
