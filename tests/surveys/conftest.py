"""Fixtures of the survey tests: an edition with a visitor survey of every kind of question."""

from __future__ import annotations

from typing import Any

import pytest

from expo_crm.surveys import services
from expo_crm.surveys.models import Audience, Survey
from expo_crm.visitors import registering as visitors
from expo_crm.visitors.models import RegistrationSource
from tests.mail.conftest import ensure_show


def visitor(session: Any, email: str, name: str, *, category: str = "trade",
            industry: str = "Packaging", language: str = "en") -> Any:  # fmt: skip
    """Register a visitor at EXPO2026 (with marketing consent)."""
    return visitors.register_visitor(
        session,
        ensure_show(session),
        {"name": name, "emails": [email], "company": f"{name} Ltda"},
        {"industry": industry, "job_function": "Purchasing"},
        {"marketing": True, "share": False},
        RegistrationSource.PREREGISTERED,
        category=category,
        language=language,
    )


def build_survey(session: Any, audience: Audience = Audience.VISITORS) -> Survey:
    survey = services.create_survey(
        session,
        ensure_show(session),
        audience,
        {"en": "How was ExpoTech?", "zh": "展会感受如何？"},
        {"en": "Two minutes, please.", "zh": "请花两分钟。"},
    )
    services.save_question(session, survey, type="rating",
                           label={"en": "The halls", "zh": "展馆"}, required=True)  # fmt: skip
    services.save_question(
        session, survey, type="nps",
        label={"en": "Would you recommend the show?", "zh": "您会推荐本展会吗？"},
        exhibit_again=audience is Audience.EXHIBITORS,
    )  # fmt: skip
    services.save_question(
        session, survey, type="single", label={"en": "How did you come?", "zh": "交通方式"},
        options="car | Car | 汽车\nmetro | Metro | 地铁",
    )  # fmt: skip
    services.save_question(
        session, survey, type="multiple", label={"en": "What did you see?", "zh": "您参观了"},
        options="hall_a | Hall A | A馆\nhall_b | Hall B | B馆\ntalks | Talks | 讲座",
    )  # fmt: skip
    services.save_question(session, survey, type="text",
                           label={"en": "Anything else?", "zh": "其他意见"})  # fmt: skip
    return survey


@pytest.fixture
def survey(db) -> Survey:
    built = build_survey(db)
    services.set_state(db, built, "open")
    db.commit()
    return built


def fields(survey: Survey, *answers: Any) -> dict[str, Any]:
    """Form fields for answers given in question order (None leaves one empty)."""
    return {f"q{q.id}": a for q, a in zip(survey.questions, answers, strict=False) if a is not None}
