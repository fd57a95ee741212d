"""The demo includes sent e-mail and answered surveys, so their pages are not empty."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from expo_crm import demo
from expo_crm.mail.models import Message, MessageState
from expo_crm.surveys import results
from expo_crm.surveys.models import Audience, Survey


@pytest.mark.slow
def test_demo_has_messages_and_answered_surveys(db) -> None:
    summary = demo.build(db, scale=1, seed=7, progress=lambda _m: None, today=date(2026, 11, 23))
    states = dict(db.execute(select(Message.state, func.count()).group_by(Message.state)).all())
    assert states[MessageState.SENT] > 100
    assert states[MessageState.FAILED] >= 1
    assert states[MessageState.QUEUED] >= 1
    assert summary["messages"] == sum(states.values())
    surveys = {s.audience: s for s in db.scalars(select(Survey))}
    visitors = results.survey_results(db, surveys[Audience.VISITORS])
    assert visitors.responses > 30
    assert 10 < visitors.rate < 80
    assert visitors.headline_nps is not None
    assert any(r.comments for r in visitors.questions)
    assert len(visitors.segments) == 3
    exhibitors = surveys[Audience.EXHIBITORS]
    assert results.exhibit_again_scores(db, exhibitors.show_id)
    assert (
        summary["survey responses"]
        == visitors.responses + results.survey_results(db, exhibitors).responses
    )
