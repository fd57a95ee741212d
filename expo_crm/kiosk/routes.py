"""The kiosk's blueprint: its page and the JSON endpoints its script calls.

The kiosk is one touch page (``templates/kiosk/kiosk.html`` + ``kiosk/kiosk.js``). A kiosk
device can read a card, register the visitor in front of it and print that visitor's
badge, through the visitors and badges services; it can never look anyone else up.
"""

from __future__ import annotations

import logging
import warnings
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.exceptions import RequestEntityTooLarge

from expo_crm import resource_dir
from expo_crm.auth.roles import Role, roles
from expo_crm.badges import issuing, printing
from expo_crm.badges.models import Badge
from expo_crm.errors import DomainError, NotFound, ValidationError
from expo_crm.extensions import db
from expo_crm.kiosk.strings import kiosk_strings
from expo_crm.shows.models import Show
from expo_crm.shows.services import current_show
from expo_crm.visitors.captures import (
    confirm_capture,
    kiosk_capture,
    low_confidence_fields,
    store_capture,
)
from expo_crm.visitors.consents import consent_wording
from expo_crm.visitors.contacts import CARD_FIELDS, clean_contact
from expo_crm.visitors.models import (
    ConsentKind,
    RegistrationSource,
    VisitorCategory,
)
from expo_crm.visitors.prefill import code_prefill, kiosk_prefill
from expo_crm.visitors.questionnaire import questions_for
from expo_crm.visitors.registering import CODE_ALPHABET, CODE_LENGTH, register_visitor

log = logging.getLogger(__name__)

bp = Blueprint(
    "kiosk",
    __name__,
    url_prefix="/kiosk",
    static_folder=str(resource_dir("kiosk")),
    static_url_path="/assets",
)

KIOSK_ROLES = (Role.KIOSK, Role.ONSITE)
#: Categories a visitor may choose for themselves (exhibitor staff and VIPs are set by staff).
SELF_CATEGORIES = (VisitorCategory.TRADE, VisitorCategory.PUBLIC, VisitorCategory.PRESS)
#: Seconds a badge link stays valid after registering (printing it again included).
BADGE_LINK_SECONDS = 600
#: Seconds without a touch before the kiosk asks whether the visitor is still there.
IDLE_SECONDS = 60


def read_card(image: bytes, region: str | None) -> Any:
    """Read a card photo with the OCR module (raises its CardImageError on bad input).

    Pillow's decompression-bomb guard is turned into the same refusal here too, so a
    hostile file can never surface as a server error, whatever the reader lets through.
    """
    from PIL import Image

    from expo_crm.visitors.ocr import CardImageError
    from expo_crm.visitors.ocr import read_card as ocr_read_card

    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            return ocr_read_card(image, region=region)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise CardImageError(
                _("The photo has far too many pixels. Please take a normal photo.")
            ) from exc


def _card_image_error() -> type[Exception]:
    from expo_crm.visitors.ocr import CardImageError

    return CardImageError


def _json_error(status: int, message: str, field: str | None = None) -> tuple[Response, int]:
    body: dict[str, Any] = {"status": status, "message": message}
    if field:
        body["field"] = field
    return jsonify({"error": body}), status


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(exc: RequestEntityTooLarge) -> Any:
    limit = current_app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)
    message = _("The photo is too large (over %(mb)s MB). Please take it again.", mb=limit)
    if request.accept_mimetypes.best == "application/json" or request.path.endswith(
        ("/capture", "/code")
    ):
        return _json_error(413, message)
    return render_template("errors/http.html", error=exc), 413


@bp.errorhandler(DomainError)
def _domain_error(exc: DomainError) -> Any:
    db.session.rollback()
    return _json_error(exc.status_code, exc.message, getattr(exc, "field", None))


def _language(body: Any) -> str:
    """The language the visitor chose on the kiosk (sent with each request), or the default."""
    language = body.get("language") if isinstance(body, dict) else None
    if isinstance(language, str) and language in current_app.config["LANGUAGES"]:
        return language
    return str(current_app.config["BABEL_DEFAULT_LOCALE"])


def _show() -> Show:
    show = current_show(db.session)
    if show is None:
        raise NotFound(_("No show edition is set up yet."))
    return show


# -- the page --------------------------------------------------------------------------------


def _questions_json(show: Show) -> list[dict[str, Any]]:
    return [
        {
            "key": q.key,
            "kind": q.kind.value,
            "required": q.required,
            "label": q.label,
            "options": q.options,
        }
        for q in questions_for(db.session, show)
    ]


@bp.get("/")
@roles(*KIOSK_ROLES)
def welcome() -> str:
    show = _show()
    languages = current_app.config["LANGUAGES"]
    strings, consents = {}, {}
    for lang in languages:
        with force_locale(lang):
            strings[lang] = kiosk_strings()
        consents[lang] = {
            "marketing": consent_wording(ConsentKind.MARKETING, lang),
            "share": consent_wording(ConsentKind.SHARE_WITH_EXHIBITORS, lang),
        }
    data = {
        "show": {"code": show.code, "name": show.name},
        "languages": languages,
        "strings": strings,
        "consents": consents,
        "questions": _questions_json(show),
        "categories": [c.value for c in SELF_CATEGORIES],
        "idleSeconds": current_app.config.get("KIOSK_IDLE_SECONDS", IDLE_SECONDS),
        "idleCountdown": current_app.config.get("KIOSK_IDLE_COUNTDOWN", 10),
        "maxUploadBytes": current_app.config["MAX_CONTENT_LENGTH"],
        "code": {"alphabet": CODE_ALPHABET, "length": CODE_LENGTH},
        "urls": {
            "capture": url_for("kiosk.capture"),
            "code": url_for("kiosk.code"),
            "register": url_for("kiosk.register"),
            #: the QR reader the gate scanner uses too (scripts/vendor.py puts it there)
            "qrWasm": url_for("static", filename="vendor/zxing-wasm/zxing_reader.wasm"),
        },
    }
    return render_template("kiosk/kiosk.html", show=show, kiosk_data=data)


# -- JSON endpoints ----------------------------------------------------------------------------


@bp.post("/capture")
@roles(*KIOSK_ROLES)
def capture() -> Any:
    """Read a card photo; keep it; answer with the prefill and the fields to check."""
    show = _show()
    upload = request.files.get("image")
    if upload is None:
        return _json_error(400, _("No photo was received. Please take the picture again."))
    image = upload.read()
    try:
        reading = read_card(image, show.phone_region)
    except _card_image_error() as exc:
        log.info("Kiosk %s sent an unusable card photo: %s", current_user.email, exc)
        return _json_error(422, str(exc))
    if not any(getattr(reading, f) for f in ("name", "company", "emails", "phones")):
        return _json_error(
            422, _("We could not read a card in this photo. Hold the card closer and try again.")
        )
    card = store_capture(
        db.session,
        show,
        image,
        reading,
        media_dir=current_app.config["MEDIA_DIR"],
        user=current_user,
    )
    prefill = kiosk_prefill(db.session, show, card.parsed)
    db.session.commit()
    log.info(
        "Card %s read by kiosk %s in %.2fs",
        card.id,
        current_user.email,
        reading.timings.get("total", 0),
    )
    return jsonify(
        capture_id=card.id,
        fields=prefill["fields"],
        returning=prefill["returning"],
        confidence=card.confidences,
        check=low_confidence_fields(card.parsed, card.confidences),
    )


@bp.post("/code")
@roles(*KIOSK_ROLES)
def code() -> Any:
    """Prefill from a pre-registration's confirmation code, typed or read from its QR code.

    The QR code on the pre-registration page encodes the bare code; what a camera reads is
    normalized like a typed code (case, spaces and dashes ignored), so an unknown code or
    someone else's QR code gets the same clear 404 message.
    """
    body = request.get_json(silent=True) or {}
    raw = body.get("code")
    if not isinstance(raw, str) or not raw.strip():
        return _json_error(422, _("Please enter your confirmation code."), "code")
    return jsonify(code_prefill(db.session, _show(), raw[:40]))


@bp.post("/register")
@roles(*KIOSK_ROLES)
def register() -> Any:
    """Register the visitor at the kiosk and answer with the link to their badge."""
    show = _show()
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return _json_error(400, _("The kiosk sent an unreadable request."))
    fields = body.get("fields") or {}
    if not isinstance(fields, dict):
        raise ValidationError("fields", _("The kiosk sent an unreadable request."))
    category = body.get("category") or VisitorCategory.TRADE.value
    if category not in {c.value for c in SELF_CATEGORIES}:
        raise ValidationError("category", _("Please choose a visitor category."))
    language = _language(body)
    card = None
    if body.get("capture_id") is not None:
        try:
            card = kiosk_capture(db.session, int(body["capture_id"]), current_user)
        except (TypeError, ValueError) as exc:
            raise NotFound(_("This card scan has expired. Please scan the card again.")) from exc
    consents = body.get("consents") or {}
    if not isinstance(consents, dict):
        raise ValidationError("consents", _("The kiosk sent an unreadable request."))
    registration = register_visitor(
        db.session,
        show,
        {k: fields.get(k) for k in CARD_FIELDS},
        body.get("answers") or {},
        {k: bool(v) for k, v in consents.items()},
        RegistrationSource.KIOSK,
        current_user,
        category=category,
        language=language,
        confirmation_code=body.get("confirmation_code") or None,
        capture=card,
    )
    if card is not None:
        contact = clean_contact(fields, show.phone_region)
        confirm_capture(db.session, card, registration, contact)
    badge = issuing.issue_badge(db.session, registration, current_user)
    db.session.commit()
    return jsonify(
        registration_id=registration.id,
        name=registration.person.full_name,
        returning=not registration.is_new_person,
        badge=badge.id,
        print_url=url_for("kiosk.print_badge", token=_badge_token(badge)),
    )


# -- badges ------------------------------------------------------------------------------------


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def _badge_token(badge: Badge) -> str:
    """A link to print the badge just issued, for this kiosk device and a few minutes."""
    return _serializer("kiosk-badge").dumps({"b": badge.id, "u": current_user.id})


def _kiosk_badge(token: str, salt: str) -> Badge:
    """Return the active badge a token of this kiosk names; raise NotFound otherwise."""
    expired = NotFound(_("This badge link has expired."))
    try:
        data = _serializer(salt).loads(token, max_age=BADGE_LINK_SECONDS)
    except BadSignature as exc:
        raise expired from exc
    if not isinstance(data, dict) or data.get("u") != current_user.id:
        raise expired
    try:
        badge = issuing.get_badge(db.session, str(data.get("b")))
    except NotFound as exc:
        raise expired from exc
    if not badge.is_active:
        raise expired
    return badge


@bp.post("/badge/<token>/print")
@roles(*KIOSK_ROLES)
def print_badge(token: str) -> Any:
    """Count a print of the badge this kiosk issued minutes ago (nobody else's); answer with
    the link to its PDF and, from the second print on, the reprint warning."""
    badge = _kiosk_badge(token, "kiosk-badge")
    with force_locale(_language(request.get_json(silent=True))):
        warning = printing.record_print(db.session, badge)
    count = badge.print_count
    db.session.commit()
    pdf_token = _serializer("kiosk-badge-pdf").dumps(
        {"b": badge.id, "u": current_user.id, "n": count}
    )
    return jsonify(
        print_count=count,
        warning=warning,
        pdf_url=url_for("kiosk.badge_pdf", token=pdf_token),
    )


@bp.get("/badge/<token>.pdf")
@roles(*KIOSK_ROLES)
def badge_pdf(token: str) -> Response:
    """The PDF of a print counted by ``print_badge`` (showing it again counts nothing)."""
    badge = _kiosk_badge(token, "kiosk-badge-pdf")
    return Response(
        printing.badge_pdf(badge),
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f"inline; filename=badge-{badge.id}.pdf",
            "Cache-Control": "no-store",
        },
    )
