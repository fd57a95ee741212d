"""Demo e-mail and feedback: sent confirmations and invitations, answered surveys.

Runs after the follow-up seeder. Messages are written straight into the outbox as the
sender would have left them (sent, one refused for good, a few still queued), so the
outbox, the campaign pages and the survey results have something to show offline.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from expo_crm.db import utcnow
from expo_crm.demo.base import World
from expo_crm.directory.models import Person
from expo_crm.mail import campaigns, outbox
from expo_crm.mail.models import Message, MessageState
from expo_crm.surveys import services as surveys
from expo_crm.surveys.models import Audience, Survey
from expo_crm.visitors.models import Registration, RegistrationSource

#: Comments visitors and exhibitors leave, in the language they answer in.
COMMENTS = {
    "en": [
        "Great show, well organised.",
        "The queues at the entrance on the first morning were too long.",
        "More seating in the halls, please.",
        "Found two new suppliers, thank you!",
        "The app for the floor plan would help.",
        "Lunch options were expensive.",
    ],
    "zh": [
        "展会组织得很好。",
        "第一天早上入口排队太久。",
        "希望展馆里多一些座位。",
        "找到了两家新供应商，谢谢！",
    ],
}


def seed(session: Session, world: World) -> None:
    """Add messages and answered surveys to the last completed edition."""
    completed = [s for s in world.shows if s.ends_on < world.today]
    if not completed:
        return
    world.progress("Sending demo e-mail and collecting survey answers…")
    show = completed[-1]
    admin = world.users.get("admin@expo.example")
    sent_at = utcnow() - timedelta(days=max((world.today - show.ends_on).days - 3, 1))
    messages = _confirmations(session, world)
    visitor_survey = _visitor_survey(session, show, admin)
    exhibitor_survey = _exhibitor_survey(session, show, admin)
    invited = 0
    for survey in (visitor_survey, exhibitor_survey):
        mailing = campaigns.mailing_for_survey(session, survey, admin)
        plan = campaigns.preview(session, mailing)
        cap = 250 if survey.audience is Audience.VISITORS else 120  # enough for the pages
        for recipient in plan.recipients[:cap]:
            if campaigns.send_to(session, mailing, recipient, admin):
                invited += 1
                _answer(session, world, survey, recipient.person_id)
        mailing.state = campaigns.MailingState.SENT
        mailing.sent_at = sent_at
        session.flush()
    _settle_outbox(session, world, sent_at)
    world.summary["messages"] = messages + invited
    world.summary["survey responses"] = sum(
        surveys.responses_count(session, s) for s in (visitor_survey, exhibitor_survey)
    )


def _confirmations(session: Session, world: World) -> int:
    """Confirmation e-mails of the current edition's pre-registrations."""
    registrations = session.scalars(
        select(Registration)
        .join(Person, Person.id == Registration.person_id)
        .where(
            Registration.show_id == world.current.id,
            Registration.source == RegistrationSource.PREREGISTERED,
            Person.email.is_not(None),
        )
        .order_by(Registration.id)
        .limit(60 * world.scale)
    )
    count = 0
    for registration in registrations:
        outbox.send_registration_confirmation(session, registration)
        count += 1
    return count


def _visitor_survey(session: Session, show: Any, user: Any) -> Survey:
    survey = surveys.create_survey(
        session, show, Audience.VISITORS,
        {"en": f"How was {show.name}?", "zh": f"{show.name}感受如何？"},
        {"en": "Two minutes to help us make the next edition better.",
         "zh": "花两分钟，帮助我们把下一届办得更好。"},
        user,
    )  # fmt: skip
    surveys.save_question(
        session,
        survey,
        type="rating",
        required=True,
        label={"en": "How useful was your visit?", "zh": "您的参观收获如何？"},
    )
    surveys.save_question(
        session, survey, type="nps", required=True,
        label={"en": "How likely are you to recommend the show to a colleague?",
               "zh": "您向同事推荐本展会的可能性有多大？"},
    )  # fmt: skip
    surveys.save_question(
        session, survey, type="single",
        label={"en": "How did you hear about the show?", "zh": "您是如何得知本展会的？"},
        options="email | E-mail | 电子邮件\nsocial | Social media | 社交媒体\n"
        "colleague | A colleague | 同事\npress | Trade press | 行业媒体",
    )  # fmt: skip
    surveys.save_question(
        session, survey, type="multiple",
        label={"en": "What will you do after the show?", "zh": "展会后您打算？"},
        options="quote | Ask for quotes | 询价\nvisit | Visit a supplier | 拜访供应商\n"
        "order | Place an order | 下单\nnothing | Nothing yet | 暂无",
    )  # fmt: skip
    surveys.save_question(
        session,
        survey,
        type="text",
        label={"en": "What should we improve?", "zh": "我们应改进什么？"},
    )
    surveys.set_state(session, survey, "open", user)
    return survey


def _exhibitor_survey(session: Session, show: Any, user: Any) -> Survey:
    survey = surveys.create_survey(
        session, show, Audience.EXHIBITORS,
        {"en": "Exhibitor feedback", "zh": "展商反馈"}, {}, user,
    )  # fmt: skip
    surveys.save_question(
        session,
        survey,
        type="rating",
        required=True,
        label={"en": "Quality of the visitors", "zh": "观众质量"},
    )
    surveys.save_question(
        session, survey, type="rating", label={"en": "Organisation and service", "zh": "组织与服务"}
    )
    surveys.save_question(
        session, survey, type="nps", required=True, exhibit_again=True,
        label={"en": "How likely are you to exhibit again?", "zh": "您再次参展的可能性有多大？"},
    )  # fmt: skip
    surveys.save_question(session, survey, type="text", label={"en": "Comments", "zh": "意见"})
    surveys.set_state(session, survey, "open", user)
    return survey


def _answer(session: Session, world: World, survey: Survey, person_id: int) -> None:
    """About four in ten answer; companies keen on the show answer higher."""
    rng = world.rng
    if rng.random() > 0.42:
        return
    person = session.get(Person, person_id)
    if person is None:
        return
    mood = world.interest.get(person.company_id or 0, 0.0) + rng.gauss(0, 1)
    language = outbox.person_language(session, person)
    answers: dict[str, Any] = {}
    for question in survey.questions:
        field = f"q{question.id}"
        if question.type == "rating":
            answers[field] = str(min(5, max(1, round(3.4 + 0.8 * mood))))
        elif question.type == "nps":
            answers[field] = str(min(10, max(0, round(7.2 + 1.6 * mood))))
        elif question.type == "single":
            answers[field] = rng.choice(question.options)["value"]
        elif question.type == "multiple":
            answers[field] = [o["value"] for o in question.options if rng.random() < 0.35][:3]
        elif rng.random() < 0.3:
            answers[field] = rng.choice(COMMENTS[language])
    surveys.submit(session, survey, person, {k: v for k, v in answers.items() if v},
                   language=language)  # fmt: skip


def _settle_outbox(session: Session, world: World, sent_at: Any) -> None:
    """Leave the outbox as a sender would have: most sent, one bounced, a few waiting."""
    queued = list(
        session.scalars(
            select(Message).where(Message.state == MessageState.QUEUED).order_by(Message.id)
        )
    )
    for n, message in enumerate(queued):
        if n % 25 == 7:
            message.state = MessageState.FAILED
            message.bounced = True
            message.attempts = 1
            message.last_error = (
                f"550 5.1.1 <{message.to_address}>: Recipient address rejected: User unknown"
            )
        elif n >= len(queued) - 5:
            message.attempts = 1
            message.next_attempt_at = sent_at + timedelta(minutes=1)
            message.last_error = "421 4.7.0 Try again later, closing connection."
        else:
            message.state = MessageState.SENT
            message.attempts = 1
            message.sent_at = sent_at + timedelta(seconds=n)
    session.flush()
    # The demo has no mail server: nothing should start sending on commit.
    session.info.pop("mail_queued", None)
