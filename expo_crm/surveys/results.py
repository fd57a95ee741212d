"""What a survey's answers say: response rate, NPS, averages per question and per segment.

Also what other domains read: :func:`exhibit_again_scores` (the rebooking risk of history
reads an exhibitor's "would exhibit again") and :func:`answers_of_person` /
:func:`answers_of_company` (their pages).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from expo_crm.directory.models import Company, Person
from expo_crm.followup.models import Outreach
from expo_crm.surveys.models import (
    Audience,
    QuestionType,
    Survey,
    SurveyAnswer,
    SurveyQuestion,
    SurveyResponse,
)
from expo_crm.visitors.models import Registration

#: NPS: 9–10 promote, 0–6 detract.
PROMOTER, DETRACTOR = 9, 6


def nps(numbers: Iterable[int]) -> float | None:
    """Net promoter score: % promoters (9–10) minus % detractors (0–6); None without answers."""
    values = list(numbers)
    if not values:
        return None
    promoters = sum(1 for v in values if v >= PROMOTER)
    detractors = sum(1 for v in values if v <= DETRACTOR)
    return round(100 * (promoters - detractors) / len(values), 1)


def _average(numbers: list[int]) -> float | None:
    return round(sum(numbers) / len(numbers), 2) if numbers else None


@dataclass
class QuestionResult:
    question: SurveyQuestion
    answered: int = 0
    average: float | None = None
    nps: float | None = None
    #: (label, count, share of answers) per scale point or option.
    distribution: list[tuple[str, int, float]] = field(default_factory=list)
    #: (text, person, company) of free-text answers, newest first.
    comments: list[tuple[str, str, str]] = field(default_factory=list)


@dataclass
class SegmentRow:
    label: str
    responses: int
    #: {question id: average} of the numeric questions.
    averages: dict[int, float | None]
    nps: float | None


@dataclass
class SurveyResults:
    survey: Survey
    invited: int
    responses: int
    questions: list[QuestionResult]
    #: {dimension label: rows}, e.g. {"Country": [...]}.
    segments: dict[str, list[SegmentRow]]

    @property
    def rate(self) -> float | None:
        return round(100 * self.responses / self.invited, 1) if self.invited else None

    @property
    def numeric(self) -> list[SurveyQuestion]:
        return [
            r.question
            for r in self.questions
            if r.question.type in (QuestionType.RATING, QuestionType.NPS)
        ]

    @property
    def headline_nps(self) -> float | None:
        return next((r.nps for r in self.questions if r.question.type is QuestionType.NPS), None)


def invited_count(session: Session, survey: Survey) -> int:
    if survey.campaign_id is None:
        return 0
    return int(
        session.scalar(
            select(func.count())
            .select_from(Outreach)
            .where(Outreach.campaign_id == survey.campaign_id)
        )
        or 0
    )


def _respondents(session: Session, survey: Survey) -> dict[int, dict[str, Any]]:
    """{response id: {person, company, segment values}} for every response."""
    rows = session.execute(
        select(
            SurveyResponse.id,
            Person.full_name,
            Company.name,
            SurveyResponse.company_id,
            Registration.category,
            func.coalesce(Registration.industry, Company.industry),
            func.coalesce(Company.country, Person.country),
        )
        .join(Person, Person.id == SurveyResponse.person_id)
        .outerjoin(Company, Company.id == SurveyResponse.company_id)
        .outerjoin(
            Registration,
            (Registration.person_id == SurveyResponse.person_id)
            & (Registration.show_id == survey.show_id),
        )
        .where(SurveyResponse.survey_id == survey.id)
    )
    tiers: dict[int, str] = {}
    if survey.audience is Audience.EXHIBITORS:
        from expo_crm.followup.value import pyramid
        from expo_crm.labels import label

        tiers = {row.company_id: label(row.tier) for row in pyramid(session, survey.show).rows}
    found = {}
    for rid, person, company, company_id, category, industry, country in rows:
        found[rid] = {
            "person": person,
            "company": company or "",
            "segments": _segments(survey, category, industry, country, tiers.get(company_id)),
        }
    return found


def _segments(
    survey: Survey, category: Any, industry: str | None, country: str | None, tier: str | None
) -> dict[str, str]:
    from flask_babel import gettext as _

    from expo_crm.labels import label

    unknown = _("Not known")
    values = {
        _("Industry"): industry or unknown,
        _("Country"): country or unknown,
    }
    if survey.audience is Audience.VISITORS:
        values[_("Visitor category")] = label(category) if category else unknown
    else:
        values[_("Value pyramid tier")] = tier or _("Not in the pyramid")
    return values


def survey_results(session: Session, survey: Survey, language: str = "en") -> SurveyResults:
    """Compute the results of a survey (all in memory: a survey has thousands of answers)."""
    people = _respondents(session, survey)
    answers: dict[int, list[tuple[int, SurveyAnswer]]] = defaultdict(list)
    for response_id, answer in session.execute(
        select(SurveyAnswer.response_id, SurveyAnswer)
        .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
        .where(SurveyResponse.survey_id == survey.id)
        .order_by(SurveyResponse.updated_at.desc(), SurveyAnswer.id)
    ):
        answers[answer.question_id].append((response_id, answer))
    results = [_question_result(q, answers[q.id], people, language) for q in survey.questions]
    return SurveyResults(
        survey=survey,
        invited=invited_count(session, survey),
        responses=len(people),
        questions=results,
        segments=_segment_rows(survey, answers, people),
    )


def _question_result(
    question: SurveyQuestion,
    answers: list[tuple[int, SurveyAnswer]],
    people: dict[int, dict[str, Any]],
    language: str,
) -> QuestionResult:
    result = QuestionResult(question, answered=len(answers))
    total = len(answers) or 1
    if question.type in (QuestionType.RATING, QuestionType.NPS):
        numbers = [a.number for _r, a in answers if a.number is not None]
        result.average = _average(numbers)
        counts = Counter(numbers)
        low, high = (1, 5) if question.type is QuestionType.RATING else (0, 10)
        result.distribution = [(str(n), counts[n], counts[n] / total) for n in range(low, high + 1)]
        if question.type is QuestionType.NPS:
            result.nps = nps(numbers)
    elif question.type is QuestionType.TEXT:
        result.comments = [
            (a.text or "", people[r]["person"], people[r]["company"])
            for r, a in answers
            if a.text and r in people
        ]
    else:
        counts = Counter(v for _r, a in answers for v in a.choices)
        result.distribution = [
            (question.option_text(o["value"], language), counts[o["value"]],
             counts[o["value"]] / total)
            for o in question.options
        ]  # fmt: skip
    return result


def _segment_rows(
    survey: Survey,
    answers: dict[int, list[tuple[int, SurveyAnswer]]],
    people: dict[int, dict[str, Any]],
) -> dict[str, list[SegmentRow]]:
    numeric = [q for q in survey.questions if q.type in (QuestionType.RATING, QuestionType.NPS)]
    first_nps = next((q for q in numeric if q.type is QuestionType.NPS), None)
    by_response: dict[int, dict[int, int]] = defaultdict(dict)
    for question in numeric:
        for rid, answer in answers[question.id]:
            if answer.number is not None:
                by_response[rid][question.id] = answer.number
    dimensions: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for rid, person in people.items():
        for dimension, value in person["segments"].items():
            dimensions[dimension][value].append(rid)
    segments: dict[str, list[SegmentRow]] = {}
    for dimension, groups in dimensions.items():
        rows = []
        for value, rids in groups.items():
            averages = {
                q.id: _average([by_response[r][q.id] for r in rids if q.id in by_response[r]])
                for q in numeric
            }
            score = (
                nps(by_response[r][first_nps.id] for r in rids if first_nps.id in by_response[r])
                if first_nps
                else None
            )
            rows.append(SegmentRow(value, len(rids), averages, score))
        segments[dimension] = sorted(rows, key=lambda row: (-row.responses, row.label))
    return segments


# -- what other pages and domains read -------------------------------------------------------


def exhibit_again_scores(session: Session, show_id: int) -> dict[int, float]:
    """{company id: average 0–10 answer to "would you exhibit again"} for an edition.

    Read by the rebooking risk: a low score flags an exhibitor at risk. Companies whose
    people did not answer are absent.
    """
    rows = session.execute(
        select(SurveyResponse.company_id, func.avg(SurveyAnswer.number))
        .join(SurveyAnswer, SurveyAnswer.response_id == SurveyResponse.id)
        .join(SurveyQuestion, SurveyQuestion.id == SurveyAnswer.question_id)
        .join(Survey, Survey.id == SurveyResponse.survey_id)
        .where(
            Survey.show_id == show_id,
            SurveyQuestion.exhibit_again.is_(True),
            SurveyAnswer.number.is_not(None),
            SurveyResponse.company_id.is_not(None),
        )
        .group_by(SurveyResponse.company_id)
    )
    return {int(company_id): round(float(avg), 2) for company_id, avg in rows}


def _answer_text(answer: SurveyAnswer, question: SurveyQuestion, language: str) -> str:
    if answer.number is not None:
        return str(answer.number)
    if answer.text is not None:
        return answer.text
    return ", ".join(question.option_text(v, language) for v in answer.choices)


def answers_of(
    session: Session, language: str, *, person_id: int | None = None, company_id: int | None = None
) -> list[dict[str, Any]]:
    """A person's or a company's responses, newest first, with their answers as text."""
    query = (
        select(SurveyResponse)
        .join(Survey, Survey.id == SurveyResponse.survey_id)
        .order_by(SurveyResponse.updated_at.desc())
    )
    if person_id is not None:
        query = query.where(SurveyResponse.person_id == person_id)
    if company_id is not None:
        query = query.where(SurveyResponse.company_id == company_id)
    found = []
    for response in session.scalars(query.limit(50)):
        questions = {q.id: q for q in response.survey.questions}
        found.append(
            {
                "response": response,
                "survey": response.survey,
                "answers": [
                    (
                        questions[a.question_id].text(language),
                        _answer_text(a, questions[a.question_id], language),
                    )
                    for a in sorted(
                        response.answers, key=lambda a: questions[a.question_id].position
                    )
                    if a.question_id in questions
                ],  # fmt: skip
            }
        )
    return found


def export_rows(session: Session, survey: Survey, language: str) -> tuple[list[str], list[list]]:
    """(headers, rows): one row per response, one column per question."""
    from flask_babel import gettext as _

    questions = list(survey.questions)
    headers = [_("Person"), _("Company"), _("Language"), _("Answered"), _("Source")]
    headers += [q.text(language) for q in questions]
    rows = []
    responses = session.execute(
        select(SurveyResponse, Person.full_name, Company.name)
        .join(Person, Person.id == SurveyResponse.person_id)
        .outerjoin(Company, Company.id == SurveyResponse.company_id)
        .where(SurveyResponse.survey_id == survey.id)
        .order_by(SurveyResponse.updated_at)
    )
    for response, person, company in responses:
        by_question = {a.question_id: a for a in response.answers}
        row: list[Any] = [person, company or "", response.language, response.updated_at,
                          str(response.source)]  # fmt: skip
        for question in questions:
            answer = by_question.get(question.id)
            row.append(_answer_text(answer, question, language) if answer else "")
        rows.append(row)
    return headers, rows
