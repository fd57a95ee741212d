"""A visitor answers a survey on a phone-sized page in real Chromium."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy.orm import Session

from expo_crm.directory.models import Person
from expo_crm.shows.models import Show
from expo_crm.surveys.models import (
    Audience,
    QuestionType,
    Survey,
    SurveyQuestion,
    SurveyResponse,
    SurveyState,
)
from tests.kiosk.browser import CHROMIUM, live_server, require_chromium
from tests.kiosk.live_server import SECRET_KEY

require_chromium()
pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    with live_server(tmp_path_factory.mktemp("survey"), idle_seconds=120, countdown=10) as srv:
        yield srv


def _survey_link(live: dict) -> tuple[str, int]:
    with Session(live["engine"]) as session:
        show = session.query(Show).filter_by(code="LIVE").one()
        person = Person(full_name="Ana Silva", email="ana@cliente.example")
        survey = Survey(
            show_id=show.id, audience=Audience.VISITORS, state=SurveyState.OPEN,
            title={"en": "How was ExpoTech?", "zh": "展会感受如何？"},
            intro={"en": "Two minutes, please."},
        )  # fmt: skip
        session.add_all([person, survey])
        session.flush()
        options = [
            {"value": "car", "label": {"en": "Car"}},
            {"value": "metro", "label": {"en": "Metro"}},
        ]
        halls = [
            {"value": v, "label": {"en": f"Hall {v[-1].upper()}"}} for v in ("hall_a", "hall_b")
        ]
        session.add_all([
            SurveyQuestion(survey_id=survey.id, position=0, type=QuestionType.RATING,
                           label={"en": "How were the halls?"}, required=True),
            SurveyQuestion(survey_id=survey.id, position=1, type=QuestionType.NPS,
                           label={"en": "Would you recommend ExpoTech to a colleague?"}),
            SurveyQuestion(survey_id=survey.id, position=2, type=QuestionType.SINGLE,
                           label={"en": "How did you come?"}, options=options),
            SurveyQuestion(survey_id=survey.id, position=3, type=QuestionType.MULTIPLE,
                           label={"en": "What did you visit?"}, options=halls),
            SurveyQuestion(survey_id=survey.id, position=4, type=QuestionType.TEXT,
                           label={"en": "Anything else?"}),
        ])  # fmt: skip
        session.commit()
        token = URLSafeTimedSerializer(SECRET_KEY, salt="survey-link").dumps(
            {"s": survey.id, "p": person.id, "k": "link"}
        )
        return f"{live['url']}/s/{token}", survey.id


def test_visitor_answers_on_a_phone(live: dict, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    url, survey_id = _survey_link(live)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = browser.new_context(
            viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
            has_touch=True, locale="en-US",
        )  # fmt: skip
        page = context.new_page()
        page.set_default_timeout(15000)
        page.goto(url)
        assert page.locator("h1").inner_text() == "How was ExpoTech?"
        # Nothing overflows sideways on a phone.
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.screenshot(path=str(tmp_path / "survey-phone.png"), full_page=True)
        # Submitting without the required answer explains and keeps the page.
        page.tap("#send")
        assert "Please answer this question." in page.locator("#form-error").inner_text()
        questions = page.locator("fieldset.question")
        questions.nth(0).locator("label.point", has_text="4").tap()
        questions.nth(1).locator("label.point", has_text="9").tap()
        questions.nth(2).get_by_label("Metro").check()
        questions.nth(3).get_by_label("Hall A").check()
        questions.nth(3).get_by_label("Hall B").check()
        page.fill("textarea", "Good coffee, long queues at the gate.")
        page.screenshot(path=str(tmp_path / "survey-phone-filled.png"), full_page=True)
        page.tap("#send")
        page.wait_for_selector("#thanks")
        page.screenshot(path=str(tmp_path / "survey-phone-done.png"))
        browser.close()
    with Session(live["engine"]) as session:
        [response] = session.query(SurveyResponse).filter_by(survey_id=survey_id).all()
        answers = sorted(response.answers, key=lambda a: a.question_id)
        assert [a.number for a in answers[:2]] == [4, 9]
        assert answers[2].choices == ["metro"]
        assert answers[3].choices == ["hall_a", "hall_b"]
        assert answers[4].text == "Good coffee, long queues at the gate."
    for name in ("survey-phone.png", "survey-phone-filled.png", "survey-phone-done.png"):
        assert (tmp_path / name).stat().st_size > 10_000
    if keep := os.environ.get("EXPO_SCREENSHOTS"):  # to look at them
        Path(keep).mkdir(parents=True, exist_ok=True)
        for shot in tmp_path.glob("*.png"):
            (Path(keep) / shot.name).write_bytes(shot.read_bytes())
