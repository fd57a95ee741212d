"""Business cards read by the machine: the photo and reading kept, what the visitor confirmed."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from expo_crm.auth.models import User
from expo_crm.db import utcnow
from expo_crm.errors import NotFound
from expo_crm.shows.models import Show
from expo_crm.visitors.contacts import CARD_FIELDS, Contact
from expo_crm.visitors.models import CaptureSource, CardCapture, Registration

#: Fields read with less confidence than this are highlighted for the visitor to check.
LOW_CONFIDENCE = 0.6


def _extension(image: bytes) -> str:
    if image.startswith(b"\xff\xd8"):
        return "jpg"
    if image.startswith(b"\x89PNG"):
        return "png"
    if image[:4] == b"RIFF" and image[8:12] == b"WEBP":
        return "webp"
    return "img"


def store_capture(
    session: Session,
    show: Show,
    image: bytes,
    reading: Any,
    *,
    media_dir: Path,
    source: CaptureSource = CaptureSource.KIOSK,
    user: User | None = None,
    original_name: str | None = None,
) -> CardCapture:
    """Keep a card that was read: the image under ``media_dir`` and the reading in a row.

    Call only after the image was validated (``read_card`` succeeded). If the row cannot be
    written, a file written for it is removed again.
    """
    digest = hashlib.sha256(image).hexdigest()
    relative = Path("cards") / show.code / digest[:2] / f"{digest}.{_extension(image)}"
    path = media_dir / relative
    created_file = not path.exists()
    if created_file:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".part")
        tmp.write_bytes(image)
        tmp.replace(path)
    parsed = {f: getattr(reading, f) for f in CARD_FIELDS}
    confidences = {f: round(float(reading.confidence.get(f, 0.0)), 3) for f in CARD_FIELDS}
    capture = CardCapture(
        show_id=show.id,
        source=source,
        image_path=relative.as_posix(),
        image_sha256=digest,
        original_name=original_name,
        raw_text=reading.raw_text or "",
        parsed=parsed,
        confidences=confidences,
        timings=dict(reading.timings or {}),
        uncertain=bool(low_confidence_fields(parsed, confidences)),
        user_id=user.id if user else None,
    )
    try:
        session.add(capture)
        session.flush()
    except Exception:
        if created_file:
            path.unlink(missing_ok=True)
        raise
    return capture


def low_confidence_fields(parsed: Mapping[str, Any], confidences: Mapping[str, Any]) -> list[str]:
    """Return the fields the visitor should check: read with low confidence, or not found
    where a card almost always has them (name, company, email)."""
    low = [
        f
        for f in CARD_FIELDS
        if parsed.get(f) not in (None, "", []) and float(confidences.get(f, 0)) < LOW_CONFIDENCE
    ]
    low.extend(f for f in ("name", "company", "emails") if parsed.get(f) in (None, "", []))
    return [f for f in CARD_FIELDS if f in low]


def confirm_capture(
    session: Session, capture: CardCapture, registration: Registration, confirmed: Contact
) -> None:
    """Record what the visitor finally confirmed for a captured card."""
    capture.confirmed = confirmed.as_dict()
    capture.confirmed_at = utcnow()
    capture.registration_id = registration.id
    capture.person_id = registration.person_id
    session.flush()


def kiosk_capture(session: Session, capture_id: int, user: User) -> CardCapture:
    """Return a capture this kiosk made and nobody has confirmed yet.

    Raise NotFound otherwise (a kiosk cannot reach another device's captures).
    """
    capture = session.get(CardCapture, capture_id)
    if capture is None or capture.user_id != user.id or capture.confirmed_at is not None:
        raise NotFound(_("This card scan has expired. Please scan the card again."))
    return capture
