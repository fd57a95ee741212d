"""Building a survey in the back office: roles, questions, opening, granting."""

from __future__ import annotations

import pytest

from expo_crm.auth.roles import Role
from expo_crm.surveys.models import Survey, SurveyState
from tests.mail.conftest import ensure_show


@pytest.mark.parametrize(
    ("role", "allowed"),
    [(Role.ADMIN, True), (Role.SALES, True), (Role.FINANCE, False), (Role.ONSITE, False),
     (Role.KIOSK, False), (Role.SCANNER, False)],
)  # fmt: skip
def test_only_admin_and_sales_build(db, as_role, survey, role, allowed):
    client = as_role(role)
    expected = 200 if allowed else 403
    assert client.get("/surveys/").status_code == expected
    assert client.get(f"/surveys/{survey.id}").status_code == expected
    made = client.post(
        "/surveys/", data={"show": "EXPO2026", "audience": "visitors", "title_en": "T"}
    )
    assert made.status_code == (302 if allowed else 403)
    assert client.post(f"/surveys/{survey.id}/grant", data={"roles": "finance"}).status_code == (
        302 if allowed else 403
    )


def test_build_open_and_close_a_survey(db, as_role):
    ensure_show(db)
    db.commit()
    client = as_role(Role.SALES)
    made = client.post(
        "/surveys/",
        data={"show": "EXPO2026", "audience": "exhibitors", "title_en": "Exhibitor feedback",
              "title_zh": "展商反馈"},
    )  # fmt: skip
    survey_id = int(made.location.rsplit("/", 1)[1])
    bad = client.post(
        f"/surveys/{survey_id}/questions",
        data={"type": "single", "label_en": "Pick", "options": "only"},
    )
    assert bad.status_code == 302  # refused with a message, nothing added
    assert db.get(Survey, survey_id).questions == []
    client.post(f"/surveys/{survey_id}/questions", data={
        "type": "nps", "label_en": "Would you exhibit again?", "label_zh": "您会再次参展吗？",
        "required": "1", "exhibit_again": "1",
    })  # fmt: skip
    survey = db.get(Survey, survey_id)
    db.refresh(survey)
    assert [(q.type, q.exhibit_again, q.required) for q in survey.questions] == [
        ("nps", True, True)
    ]
    page = client.get(f"/surveys/{survey_id}").get_data(as_text=True)
    assert "Would you exhibit again?" in page
    client.post(f"/surveys/{survey_id}/state?state=open")
    db.refresh(survey)
    assert survey.state is SurveyState.OPEN
    client.post(f"/surveys/{survey_id}/grant", data={"roles": ["finance", "kiosk"]})
    db.refresh(survey)
    assert survey.results_roles == ["finance"]
    client.post(f"/surveys/{survey_id}/state?state=closed")
    db.refresh(survey)
    assert survey.state is SurveyState.CLOSED
