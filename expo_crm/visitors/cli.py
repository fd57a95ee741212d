"""`expo-crm visitors ...` and `expo-crm cards ...` commands."""

from __future__ import annotations

import hashlib
import json
import logging
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

log = logging.getLogger(__name__)

cli = AppGroup("visitors", help="Visitors commands.")
cards = AppGroup("cards", help="Business cards: read photos, import scanned folders, accuracy.")

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".tif", ".tiff", ".bmp"}


@cards.command("read")
@click.argument("images", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object keyed by path.")
@click.option(
    "--region",
    default=None,
    help="Country for phones without a prefix (e.g. BR); by default the card tells.",
)
def read_command(images: tuple[str, ...], as_json: bool, region: str | None) -> None:
    """Read business-card photos and print the fields found, with confidences."""
    from expo_crm.visitors.ocr import readings_as_json

    results = readings_as_json(list(images), region=region)
    if as_json:
        click.echo(json.dumps(results, ensure_ascii=False, indent=2))
        return
    for path, fields in results.items():
        click.echo(click.style(path, bold=True))
        if fields.get("error"):
            click.echo(f"  error: {fields['error']}")
            continue
        confidences = fields["confidence"]
        if not isinstance(confidences, dict):
            raise TypeError(f"The card reading of {path} has no confidence table.")
        for name, value in fields.items():
            if name in ("confidence", "seconds"):
                continue
            confidence = confidences.get(name, 0)
            click.echo(f"  {name:8} {confidence:4.2f}  {value if value else '—'}")


def _read_file(args: tuple[str, str | None]) -> dict[str, Any]:
    """Read one card file in a worker process; errors come back as data."""
    path, region = args
    from expo_crm.visitors.ocr import CardImageError, read_card

    data = Path(path).read_bytes()
    result: dict[str, Any] = {"path": path, "sha256": hashlib.sha256(data).hexdigest()}
    try:
        reading = read_card(data, region=region)
    except (CardImageError, OSError) as exc:
        result["error"] = str(exc)
        return result
    result["reading"] = reading
    return result


@cards.command("import")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--show", "show_code", required=True, help="Edition code, e.g. EXPO2026.")
@click.option("--workers", default=2, show_default=True, type=int, help="OCR processes.")
@click.option("--batch", default=50, show_default=True, type=int, help="Cards per commit.")
def import_command(folder: Path, show_code: str, workers: int, batch: int) -> None:
    """Read a folder of scanned cards into people and companies (same dedupe as the kiosk).

    Re-importing the same folder changes nothing: each image is known by its SHA-256.
    """
    from expo_crm.extensions import db
    from expo_crm.shows.services import get_show
    from expo_crm.visitors.models import CaptureSource, CardCapture

    session = db.session
    show = get_show(session, show_code)
    files = sorted(p for p in folder.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
    known = set(
        session.scalars(
            select(CardCapture.image_sha256).where(
                CardCapture.show_id == show.id, CardCapture.source == CaptureSource.IMPORT
            )
        )
    )
    media_dir = Path(current_app.config["MEDIA_DIR"])
    stats = {"read": 0, "registered": 0, "skipped": 0, "failed": 0}
    uncertain: list[tuple[str, str]] = []
    jobs = [(str(p), show.phone_region) for p in files]
    pool = ProcessPoolExecutor(max_workers=workers) if workers > 1 and len(jobs) > 1 else None
    results = pool.map(_read_file, jobs, chunksize=4) if pool else map(_read_file, jobs)
    pending = 0
    try:
        with click.progressbar(results, length=len(jobs), label="Reading cards") as bar:
            for result in bar:
                path = result["path"]
                if result["sha256"] in known:
                    stats["skipped"] += 1
                    continue
                known.add(result["sha256"])
                if "error" in result:
                    stats["failed"] += 1
                    uncertain.append((path, result["error"]))
                    continue
                stats["read"] += 1
                reason = _import_one(session, show, Path(path), result["reading"], media_dir)
                if reason is None:
                    stats["registered"] += 1
                else:
                    uncertain.append((path, reason))
                pending += 1
                if pending >= batch:
                    session.commit()
                    pending = 0
        session.commit()
    finally:
        if pool:
            pool.shutdown()
    click.echo(
        f"{stats['read']} read, {stats['registered']} registered, "
        f"{stats['skipped']} already imported, {stats['failed']} unreadable."
    )
    if uncertain:
        click.echo(f"{len(uncertain)} cards to check:")
        for path, reason in uncertain:
            click.echo(f"  {os.path.relpath(path, folder)}: {reason}")


def _import_one(session: Any, show: Any, path: Path, reading: Any, media_dir: Path) -> str | None:
    """Keep one card and register its person; return why it is uncertain, or None."""
    from expo_crm.errors import ValidationError
    from expo_crm.visitors import captures, contacts, registering
    from expo_crm.visitors.models import CaptureSource, RegistrationSource

    with session.begin_nested():
        capture = captures.store_capture(
            session,
            show,
            path.read_bytes(),
            reading,
            media_dir=media_dir,
            source=CaptureSource.IMPORT,
            original_name=path.name,
        )
    fields = {f: getattr(reading, f) for f in contacts.CARD_FIELDS}
    if not fields["name"]:
        return "no name read"
    try:
        with session.begin_nested():
            registration = registering.register_visitor(
                session, show, fields, {}, None, RegistrationSource.IMPORT, capture=capture
            )
            contact = contacts.clean_contact(fields, show.phone_region)
            captures.confirm_capture(session, capture, registration, contact)
    except ValidationError as exc:
        return exc.message
    if capture.uncertain:
        low = captures.low_confidence_fields(capture.parsed, capture.confidences)
        return "check " + ", ".join(low)
    return None


@cards.command("accuracy")
@click.option("--show", "show_code", required=True, help="Edition code, e.g. EXPO2026.")
def accuracy_command(show_code: str) -> None:
    """Report per field how often kiosk visitors corrected what the machine read."""
    from expo_crm.extensions import db
    from expo_crm.shows.services import get_show
    from expo_crm.visitors import accuracy

    show = get_show(db.session, show_code)
    rows = accuracy.capture_accuracy(db.session, show)
    counts = accuracy.capture_counts(db.session, show)
    click.echo(
        f"{show.code}: {counts['captures']} cards captured, {counts['confirmed']} confirmed."
    )
    click.echo(
        f"{'field':10} {'confirmed':>9} {'corrected':>9} {'rate':>7} {'missed':>7} {'wrong':>7}"
    )
    for row in rows:
        click.echo(
            f"{row.field:10} {row.confirmed:9d} {row.corrected:9d} "
            f"{row.correction_rate:7.1%} {row.missed:7d} {row.wrong:7d}"
        )
