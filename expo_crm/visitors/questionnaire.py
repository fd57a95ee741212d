"""The visitor questionnaire of an edition: defaults, answer validation, option labels.

Questions are organizer data (``Question`` rows per edition), so their labels in every
interface language live in the rows themselves, not in the message catalogue.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from expo_crm.errors import ValidationError
from expo_crm.shows.models import Show
from expo_crm.visitors.models import Question, QuestionKind

#: Questions whose answers also fill the registration's column of the same name.
COLUMN_KEYS = ("industry", "job_function", "purchasing_role")
MAX_TEXT_ANSWER = 200


def _opt(en: str, zh: str) -> dict[str, Any]:
    return {"value": en, "label": {"en": en, "zh_Hans_CN": zh}}


#: Used for an edition whose organizer has not written its own questions yet.
DEFAULT_QUESTIONS: list[dict[str, Any]] = [
    {
        "key": "industry",
        "kind": QuestionKind.SINGLE,
        "required": True,
        "label": {"en": "Your industry", "zh_Hans_CN": "您所在的行业"},
        "options": [
            _opt("Industrial automation", "工业自动化"),
            _opt("Packaging", "包装"),
            _opt("Food processing", "食品加工"),
            _opt("Plastics & rubber", "塑料与橡胶"),
            _opt("Electronics", "电子"),
            _opt("Logistics", "物流"),
            _opt("Printing", "印刷"),
            _opt("Textiles", "纺织"),
            _opt("Medical devices", "医疗器械"),
            _opt("Renewable energy", "可再生能源"),
            _opt("Other", "其他"),
        ],
    },
    {
        "key": "job_function",
        "kind": QuestionKind.SINGLE,
        "required": True,
        "label": {"en": "Your job function", "zh_Hans_CN": "您的职能"},
        "options": [
            _opt("General management", "企业管理"),
            _opt("Engineering", "工程技术"),
            _opt("Production", "生产"),
            _opt("Purchasing", "采购"),
            _opt("Sales & marketing", "销售与市场"),
            _opt("Research & development", "研发"),
            _opt("Other", "其他"),
        ],
    },
    {
        "key": "purchasing_role",
        "kind": QuestionKind.SINGLE,
        "required": False,
        "label": {"en": "Your role in purchasing", "zh_Hans_CN": "您在采购中的角色"},
        "options": [
            _opt("Final decision", "最终决定"),
            _opt("Recommend", "提出建议"),
            _opt("Specify", "制定规格"),
            _opt("No role", "不参与"),
        ],
    },
    {
        "key": "interests",
        "kind": QuestionKind.MULTIPLE,
        "required": False,
        "label": {"en": "What are you interested in?", "zh_Hans_CN": "您感兴趣的领域"},
        "options": [
            _opt("Machinery", "机械设备"),
            _opt("Automation & robotics", "自动化与机器人"),
            _opt("Materials", "材料"),
            _opt("Software", "软件"),
            _opt("Services", "服务"),
        ],
    },
]


def saved_questions(session: Session, show: Show) -> list[Question]:
    """Return the questions the organizer saved for this edition, in order (active or not)."""
    return list(
        session.scalars(
            select(Question)
            .where(Question.show_id == show.id)
            .order_by(Question.position, Question.id)
        )
    )


def questions_for(session: Session, show: Show) -> list[Question]:
    """Return the active questions visitors answer at this edition.

    An edition with no saved questions uses the previous edition's, else the defaults;
    those are returned unsaved (nothing is written on a read).
    """
    saved = saved_questions(session, show)
    if saved:
        return [q for q in saved if q.active]
    return [q for q in _inherited(session, show) if q.active]


def answer_labels(session: Session, show: Show, language: str) -> dict[str, dict[str, str]]:
    """Return, per question key, what each stored answer (an option's value) reads as in
    ``language``: answers are kept as values, people read them as the option's label."""
    return {
        q.key: {str(o["value"]): q.option_text(str(o["value"]), language) for o in q.options or []}
        for q in questions_for(session, show)
    }


def _inherited(session: Session, show: Show) -> list[Question]:
    earlier = session.scalars(
        select(Show).where(Show.starts_on < show.starts_on).order_by(Show.starts_on.desc())
    )
    for previous in earlier:
        rows = saved_questions(session, previous)
        if rows:
            return [_copy(q, show) for q in rows]
    return [
        Question(
            show_id=show.id,
            position=i,
            key=d["key"],
            kind=d["kind"],
            label=dict(d["label"]),
            options=[dict(o) for o in d["options"]],
            required=d["required"],
            active=True,
        )
        for i, d in enumerate(DEFAULT_QUESTIONS)
    ]


def _copy(question: Question, show: Show) -> Question:
    return Question(
        show_id=show.id,
        position=question.position,
        key=question.key,
        kind=question.kind,
        label=dict(question.label),
        options=[dict(o) for o in question.options],
        required=question.required,
        active=question.active,
    )


def customize(session: Session, show: Show) -> list[Question]:
    """Save the questions this edition inherits so the organizer can edit them."""
    saved = saved_questions(session, show)
    if saved:
        return saved
    rows = _inherited(session, show)
    session.add_all(rows)
    session.flush()
    return rows


def clean_answers(
    questions: list[Question], answers: dict[str, Any] | None, *, enforce_required: bool = True
) -> dict[str, Any]:
    """Check answers against the questions; return them cleaned.

    Raise ValidationError on an unknown question, an option not offered, or a missing
    required answer.
    """
    answers = dict(answers or {})
    by_key = {q.key: q for q in questions}
    unknown = sorted(set(answers) - set(by_key))
    if unknown:
        raise ValidationError(unknown[0], _("Unknown question: %(key)s.", key=unknown[0]))
    cleaned: dict[str, Any] = {}
    for question in questions:
        value = answers.get(question.key)
        if isinstance(value, str):
            value = value.strip()
        if value in (None, "", []):
            if question.required and enforce_required:
                raise ValidationError(
                    question.key, _("Please answer: %(question)s", question=question.text("en"))
                )
            continue
        offered = {o["value"] for o in question.options}
        if question.kind is QuestionKind.SINGLE:
            if not isinstance(value, str) or value not in offered:
                raise ValidationError(question.key, _("Please choose one of the options offered."))
        elif question.kind is QuestionKind.MULTIPLE:
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list) or not set(value) <= offered:
                raise ValidationError(question.key, _("Please choose from the options offered."))
            value = [o["value"] for o in question.options if o["value"] in set(value)]
        else:
            if not isinstance(value, str) or len(value) > MAX_TEXT_ANSWER:
                raise ValidationError(
                    question.key,
                    _("Please answer in at most %(n)s characters.", n=MAX_TEXT_ANSWER),
                )
        cleaned[question.key] = value
    return cleaned


def parse_options(text: str) -> list[dict[str, Any]]:
    """Parse the editor's option lines ``English | 中文`` into option dicts."""
    options = []
    seen = set()
    for line in text.splitlines():
        if not line.strip():
            continue
        en, _sep, zh = (part.strip() for part in line.partition("|"))
        if not en:
            raise ValidationError("options", _("Each option needs an English label."))
        if en in seen:
            raise ValidationError("options", _("The option %(o)s appears twice.", o=en))
        seen.add(en)
        label = {"en": en}
        if zh:
            label["zh_Hans_CN"] = zh
        options.append({"value": en, "label": label})
    return options


def format_options(options: list[dict[str, Any]]) -> str:
    """Return options as the editor's ``English | 中文`` lines."""
    lines = []
    for option in options:
        zh = option.get("label", {}).get("zh_Hans_CN")
        lines.append(f"{option['value']} | {zh}" if zh else option["value"])
    return "\n".join(lines)
