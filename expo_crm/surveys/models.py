"""Tables of feedback: surveys of an edition, their questions, and one response per person."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from expo_crm.db import enum_column, utcnow
from expo_crm.extensions import Model
from expo_crm.labels import register_labels


class Audience(enum.StrEnum):
    VISITORS = "visitors"
    EXHIBITORS = "exhibitors"


class SurveyState(enum.StrEnum):
    DRAFT = "draft"  #: being written: questions may change, nobody can answer
    OPEN = "open"  #: answered through links and at the kiosk
    CLOSED = "closed"  #: no more answers; results stay


class QuestionType(enum.StrEnum):
    RATING = "rating"  #: 1 to 5
    NPS = "nps"  #: 0 to 10, "would you recommend / exhibit again"
    SINGLE = "single"  #: one option
    MULTIPLE = "multiple"  #: any options
    TEXT = "text"  #: free text


class ResponseSource(enum.StrEnum):
    LINK = "link"  #: the personal link of an invitation
    KIOSK = "kiosk"  #: offered on the kiosk's last screen


register_labels(
    {
        Audience.VISITORS: _l("Visitors"),
        Audience.EXHIBITORS: _l("Exhibitors"),
        SurveyState.DRAFT: _l("Draft"),
        SurveyState.OPEN: _l("Open"),
        SurveyState.CLOSED: _l("Closed"),
        QuestionType.RATING: _l("Rating 1–5"),
        QuestionType.NPS: _l("0–10 (would recommend)"),
        QuestionType.SINGLE: _l("One choice"),
        QuestionType.MULTIPLE: _l("Several choices"),
        QuestionType.TEXT: _l("Free text"),
        ResponseSource.LINK: _l("E-mail link"),
        ResponseSource.KIOSK: _l("Kiosk"),
    }
)


class Survey(Model):
    """A questionnaire for the visitors or the exhibitors of one edition."""

    __tablename__ = "surveys"

    id: Mapped[int] = mapped_column(primary_key=True)
    show_id: Mapped[int] = mapped_column(ForeignKey("shows.id"), index=True)
    audience: Mapped[Audience] = mapped_column(enum_column(Audience))
    #: The title in each language: {"en": "...", "zh": "..."}.
    title: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: A short introduction shown above the questions, per language.
    intro: Mapped[dict[str, Any]] = mapped_column(default=dict)
    state: Mapped[SurveyState] = mapped_column(enum_column(SurveyState), default=SurveyState.DRAFT)
    #: Roles beyond admin and sales the organizer lets read the results ("finance", "onsite").
    results_roles: Mapped[list[Any]] = mapped_column(default=list)
    #: The followup campaign its invitations are sent under (one e-mail per person).
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("followup_campaigns.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    opened_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]

    show = relationship("Show")
    questions: Mapped[list[SurveyQuestion]] = relationship(
        back_populates="survey", order_by="SurveyQuestion.position, SurveyQuestion.id"
    )

    def text(self, language: str) -> str:
        return str(self.title.get(language) or self.title.get("en") or "")

    def intro_text(self, language: str) -> str:
        return str(self.intro.get(language) or self.intro.get("en") or "")

    def __repr__(self) -> str:
        return f"<Survey {self.id} {self.audience} show={self.show_id} {self.state}>"


class SurveyQuestion(Model):
    __tablename__ = "survey_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    type: Mapped[QuestionType] = mapped_column(enum_column(QuestionType))
    #: The question in each language: {"en": "...", "zh": "..."}.
    label: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: For choices: [{"value": "stand", "label": {"en": "Stand", "zh": "展位"}}, ...].
    options: Mapped[list[Any]] = mapped_column(default=list)
    required: Mapped[bool] = mapped_column(default=False)
    #: This 0–10 question asks an exhibitor whether they would exhibit again: its answer
    #: feeds the rebooking risk (``results.exhibit_again_scores``).
    exhibit_again: Mapped[bool] = mapped_column(default=False)

    survey: Mapped[Survey] = relationship(back_populates="questions")

    def text(self, language: str) -> str:
        return str(self.label.get(language) or self.label.get("en") or "")

    def option_text(self, value: str, language: str) -> str:
        for option in self.options:
            if option["value"] == value:
                labels = option.get("label", {})
                return str(labels.get(language) or labels.get("en") or value)
        return value

    def __repr__(self) -> str:
        return f"<SurveyQuestion {self.id} {self.type}>"


class SurveyResponse(Model):
    """One person's answers to one survey; answering again replaces them."""

    __tablename__ = "survey_responses"
    __table_args__ = (UniqueConstraint("survey_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    #: The company the person answered for (the exhibitor, or the visitor's employer).
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"), index=True)
    source: Mapped[ResponseSource] = mapped_column(enum_column(ResponseSource))
    language: Mapped[str] = mapped_column(String(10))
    #: Times the person submitted (a resubmit replaces the answers and counts here).
    submissions: Mapped[int] = mapped_column(default=1)
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    survey = relationship("Survey")
    person = relationship("Person")
    answers: Mapped[list[SurveyAnswer]] = relationship(
        back_populates="response", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<SurveyResponse survey={self.survey_id} person={self.person_id}>"


class SurveyAnswer(Model):
    __tablename__ = "survey_answers"
    __table_args__ = (UniqueConstraint("response_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("survey_responses.id"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("survey_questions.id"), index=True)
    #: Rating (1–5) or 0–10 answers.
    number: Mapped[int | None]
    #: Chosen option values (one for a single choice).
    choices: Mapped[list[Any]] = mapped_column(default=list)
    text: Mapped[str | None] = mapped_column(Text)

    response: Mapped[SurveyResponse] = relationship(back_populates="answers")
    question = relationship("SurveyQuestion")

    def __repr__(self) -> str:
        return f"<SurveyAnswer q={self.question_id} {self.number} {self.choices}>"
