"""Answers are checked in full, stored once per person, and bad ones store nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from expo_crm.errors import Conflict, ValidationError
from expo_crm.surveys import services
from expo_crm.surveys.models import Audience, SurveyAnswer, SurveyResponse
from tests.surveys.conftest import build_survey, fields, visitor


def _counts(db) -> tuple[int, int]:
    return (
        db.scalar(select(func.count()).select_from(SurveyResponse)),
        db.scalar(select(func.count()).select_from(SurveyAnswer)),
    )


def test_a_second_submission_replaces_the_first(db, survey):
    person = visitor(db, "ana@cliente.example", "Ana Silva").person
    first = services.submit(
        db, survey, person, fields(survey, "4", "9", "car", ["hall_a", "talks"], "Great")
    )
    assert [a.number for a in first.answers[:2]] == [4, 9]
    assert first.answers[3].choices == ["hall_a", "talks"]
    again = services.submit(db, survey, person, fields(survey, "2", None, "metro"))
    assert again.id == first.id
    assert again.submissions == 2
    assert _counts(db) == (1, 2)
    assert services.answers_by_field(again) == {
        f"q{survey.questions[0].id}": 2,
        f"q{survey.questions[2].id}": ["metro"],
    }


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        (("6",), "from 1 to 5"),
        (("0",), "from 1 to 5"),
        (("4", "11"), "from 0 to 10"),
        (("4", "-1"), "from 0 to 10"),
        (("4", "seven"), "whole number"),
        (("4", None, "bus"), "options offered"),
        (("4", None, ["car", "metro"]), "only one"),
        (("4", None, None, ["hall_a", "hall_z"]), "options offered"),
        (("4", None, None, None, "x" * 2001), "2000 characters"),
        ((None, "9"), "Please answer"),
    ],
)
def test_bad_answers_are_refused_and_store_nothing(db, survey, answers, message):
    person = visitor(db, "ana@cliente.example", "Ana Silva").person
    services.submit(db, survey, person, fields(survey, "3", "8"))
    db.commit()
    before = services.answers_by_field(services.response_of(db, survey, person.id))
    with pytest.raises(ValidationError, match=message):
        services.submit(db, survey, person, fields(survey, *answers))
    db.rollback()
    after = services.answers_by_field(services.response_of(db, survey, person.id))
    assert after == before
    assert _counts(db) == (1, 2)


def test_unknown_question_is_refused(db, survey):
    person = visitor(db, "ana@cliente.example", "Ana Silva").person
    with pytest.raises(ValidationError, match="no such question"):
        services.submit(db, survey, person, {**fields(survey, "4"), "q999999": "1"})
    assert _counts(db) == (0, 0)


def test_only_an_open_survey_takes_answers(db, survey):
    person = visitor(db, "ana@cliente.example", "Ana Silva").person
    draft = build_survey(db)
    with pytest.raises(Conflict, match="not open yet"):
        services.submit(db, draft, person, fields(draft, "4"))
    services.set_state(db, survey, "closed")
    with pytest.raises(Conflict, match="closed"):
        services.submit(db, survey, person, fields(survey, "4"))
    with pytest.raises(Conflict):
        services.save_question(db, survey, type="rating", label={"en": "Late"})


def test_building_rules(db):
    survey = build_survey(db)
    with pytest.raises(ValidationError, match="two options"):
        services.save_question(db, survey, type="single", label={"en": "Pick"}, options="one")
    with pytest.raises(ValidationError, match="English"):
        services.save_question(db, survey, type="rating", label={"zh": "只有中文"})
    with pytest.raises(ValidationError, match="exhibiting again"):
        services.save_question(db, survey, type="nps", label={"en": "Again?"}, exhibit_again=True)
    empty = services.create_survey(db, survey.show, Audience.EXHIBITORS, {"en": "Empty"})
    with pytest.raises(Conflict, match="Add a question"):
        services.set_state(db, empty, "open")


def test_kiosk_offers_the_open_visitor_survey(db, app, client, survey):
    registration = visitor(db, "ana@cliente.example", "Ana Silva")
    offer = services.kiosk_offer(db, registration, "zh_Hans_CN")
    assert offer["title"] == "展会感受如何？"
    assert offer["qr_svg"].startswith("<svg")
    path = offer["url"].split("://", 1)[1].split("/", 1)[1]
    db.commit()
    page = client.get(f"/{path}")
    assert page.status_code == 200
    client.post(f"/{path}", data={f"q{survey.questions[0].id}": "5"})
    response = services.response_of(db, survey, registration.person_id)
    assert response.source == "kiosk"
    services.set_state(db, survey, "closed")
    assert services.kiosk_offer(db, registration) is None
