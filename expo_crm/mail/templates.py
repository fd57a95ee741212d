"""The organizer's wording of each message per edition: edit, preview, reset."""

from __future__ import annotations

import logging
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from expo_crm.errors import ValidationError
from expo_crm.mail.compose import Rendered, check_template, qr_data_uri, render_message
from expo_crm.mail.models import MailTemplate, Topic
from expo_crm.mail.outbox import LINK_LABELS, show_values, template_for
from expo_crm.mail.wording import DEFAULTS, LANGUAGES, variables
from expo_crm.shows.models import Show

log = logging.getLogger(__name__)

#: Made-up values a preview fills in, per language.
SAMPLES = {
    "en": {
        "name": "Ana Silva",
        "code": "K7P2M9QX",
        "badge": "Q3ZK7W2M5N8R4T6Y",
        "survey": "Visitor feedback",
        "link": "https://expo.example/s/…",
        "company": "Cliente Ltda",
        "next_show": "ExpoTech 2027",
        "invoice": "EXPO2026-0042",
        "amount_due": "BRL 12,500.00",
        "due_on": "2026-09-01",
    },
    "zh": {
        "name": "王伟",
        "code": "K7P2M9QX",
        "badge": "Q3ZK7W2M5N8R4T6Y",
        "survey": "观众反馈",
        "link": "https://expo.example/s/…",
        "company": "上海机械有限公司",
        "next_show": "ExpoTech 2027",
        "invoice": "EXPO2026-0042",
        "amount_due": "BRL 12,500.00",
        "due_on": "2026-09-01",
    },
}
#: Messages that show a QR code.
QR_TOPICS = (Topic.REGISTRATION_CONFIRMATION, Topic.BADGE_READY)


def check_language(language: str) -> str:
    if language not in LANGUAGES:
        raise ValidationError("language", _("Choose English or Chinese."))
    return language


def overview(session: Session, show: Show) -> list[dict[str, Any]]:
    """Every message and language, with whether the edition has its own wording."""
    edited = {
        (t.topic, t.language): t
        for t in session.scalars(select(MailTemplate).where(MailTemplate.show_id == show.id))
    }
    return [
        {
            "topic": topic,
            "language": language,
            "edited": edited.get((topic, language)),
            "subject": template_for(session, show, topic, language)[0],
        }
        for topic in Topic
        for language in LANGUAGES
    ]


def preview(show: Show, topic: Topic, language: str, subject: str, body: str) -> Rendered:
    """Render a wording with sample values, as the recipient would see it. Raise
    ValidationError if the template is not allowed."""
    check_template(subject, variables(topic), "subject")
    check_template(body, variables(topic), "body")
    sample = {**show_values(show, language), **SAMPLES[language]}
    marketing = topic.kind == "marketing"
    return render_message(
        subject,
        body,
        sample,
        variables(topic),
        language=language,
        qr=topic in QR_TOPICS,
        link=sample["link"] if topic is Topic.SURVEY_INVITATION else None,
        link_label=LINK_LABELS.get(topic, {}).get(language, ""),
        unsubscribe_url="https://expo.example/unsubscribe/…" if marketing else None,
        qr_src=qr_data_uri(sample["code"]),
    )


def save(
    session: Session, show: Show, topic: Topic, language: str, subject: str, body: str, user: Any
) -> MailTemplate:
    """Store the edition's wording of a message (checked first). Raise ValidationError."""
    language = check_language(language)
    subject = " ".join((subject or "").split())
    if not subject:
        raise ValidationError("subject", _("Give a subject."))
    if len(subject) > 300:
        raise ValidationError("subject", _("The subject is too long (300 characters at most)."))
    if not (body or "").strip():
        raise ValidationError("body", _("Write the message."))
    preview(show, topic, language, subject, body)  # refuses what cannot render
    template = session.scalar(
        select(MailTemplate).where(
            MailTemplate.show_id == show.id,
            MailTemplate.topic == topic,
            MailTemplate.language == language,
        )
    )
    if template is None:
        template = MailTemplate(show_id=show.id, topic=topic, language=language)
        session.add(template)
    template.subject = subject
    template.body = body.replace("\r\n", "\n")
    template.updated_by_id = getattr(user, "id", None)
    session.flush()
    log.info("Template %s/%s of %s saved by %s", topic, language, show.code,
             getattr(user, "email", "?"))  # fmt: skip
    return template


def reset(session: Session, show: Show, topic: Topic, language: str) -> None:
    """Go back to the default wording."""
    template = session.scalar(
        select(MailTemplate).where(
            MailTemplate.show_id == show.id,
            MailTemplate.topic == topic,
            MailTemplate.language == language,
        )
    )
    if template is not None:
        session.delete(template)
        session.flush()


def default_wording(topic: Topic, language: str) -> tuple[str, str]:
    return DEFAULTS[topic][language]
