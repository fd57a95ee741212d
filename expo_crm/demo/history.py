"""Demo history: four earlier editions brought in as exhibitor lists, through the real import.

Before the first edition sold in Expo CRM, the organizer kept exhibitor lists in
spreadsheets. Each list is written as a CSV and imported with
:func:`expo_crm.history.importer.import_list`, so the demo shows what a real import does:
names spelt as lists spell them (legal forms dropped or added, capitals, a country after the
name, accents lost), websites sometimes given, areas and amounts, about half of an
edition's exhibitors back at the next one, and a few newcomers whose names resemble a known
company closely enough that a person must decide (the review page). The newest list leads
into the first sold edition: many of its exhibitors are the ones that edition booked.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from datetime import date

from sqlalchemy.orm import Session

from expo_crm.demo.base import World
from expo_crm.directory.models import Company
from expo_crm.history import importer

LISTED = 4  #: editions before the first sold one
LEGAL_WORDS = (" Ltda.", " GmbH", " Inc.", " S.r.l.", " SAS", " Ltd", " Sp. z o.o.")
QUALIFIERS = {"BR": "Brasil", "DE": "Deutschland", "US": "USA", "GB": "UK", "IT": "Italia"}
#: Newcomers whose names are one letter away from a known company's: a person decides.
LOOKALIKES = 4


def _spelling(company: Company, rng: object) -> str:
    """The name as one year's list spells it."""
    name = company.name
    roll = rng.random()  # type: ignore[attr-defined]
    if roll < 0.2:
        for word in LEGAL_WORDS:
            name = name.replace(word, "")
    elif roll < 0.3:
        name = name.upper()
    elif roll < 0.38 and company.country in QUALIFIERS:
        name = f"{name} {QUALIFIERS[company.country]}"
    elif roll < 0.45:
        decomposed = unicodedata.normalize("NFKD", name)
        name = "".join(c for c in decomposed if not unicodedata.combining(c))
    return name.strip()


def _lookalike(name: str) -> str:
    """A different company's name: one letter of the first word changed."""
    first, _space, rest = name.partition(" ")
    if len(first) < 5:
        return f"{first}ex {rest}"
    swapped = first[:2] + ("o" if first[2] != "o" else "a") + first[3:]
    return f"{swapped} {rest}"


def seed(session: Session, world: World) -> None:
    """Import the lists of the editions before the first sold one (runs after exhibitors)."""
    rng = world.rng
    first = world.shows[0]
    pool = list(world.exhibitor_pool)
    sold_first = {c.id for c in pool if c.id in _exhibitors_of(session, first.id)}
    size = max(len(sold_first), 20)
    # Walk back from the first sold edition: about half of each list exhibits again.
    years: list[list[Company]] = []
    following = [c for c in pool if c.id in sold_first]
    for _k in range(LISTED):
        kept = [c for c in following if rng.random() < 0.55]
        others = [c for c in pool if c not in kept]
        current = kept + rng.sample(others, min(len(others), max(size - len(kept), 0)))
        years.append(current)
        following = current
    years.reverse()
    imported = 0
    for k, companies in enumerate(years):
        year = first.year - LISTED + k
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["company", "country", "website", "booth", "area_m2", "amount_paid"])
        for n, company in enumerate(companies, 1):
            area = rng.choice([9, 12, 18, 24, 36])
            writer.writerow(
                [
                    _spelling(company, rng),
                    company.country or "",
                    company.website if rng.random() < 0.3 else "",
                    f"{'AB'[n % 2]}-{n:03d}",
                    area,
                    f"{area * rng.choice([380, 420, 450]):.2f}".replace(".", ","),
                ]
            )
        if k == LISTED - 1:
            for company in rng.sample(companies, LOOKALIKES):
                writer.writerow([_lookalike(company.name), company.country or "", "", "", 9, ""])
        data = buffer.getvalue().encode("utf-8")
        result = importer.import_list(
            session,
            data,
            f"exhibitors-{year}.csv",
            f"EXPO{year}",
            name=f"ExpoTech {year}",
            opens=date(year, first.starts_on.month, first.starts_on.day),
        )
        imported += result.added
    world.summary["listed exhibitors (imported)"] = imported


def _exhibitors_of(session: Session, show_id: int) -> set[int]:
    from expo_crm.followup import facts

    return set(session.scalars(facts.exhibitor_ids(show_id)))
