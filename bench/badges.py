"""Badge PDF speed: single-badge latency (kiosk, desk) and bulk throughput.

    python bench/badges.py [--single 60] [--bulk 480]

Builds a throwaway SQLite database with registrations whose names mix Latin, accented,
Chinese and Japanese text, then measures: the latency of one badge PDF through the
service the kiosk calls (``badge_pdf``), a naive baseline (one WeasyPrint document per
badge, one process), and the bulk job (many badges per document, chunks on 1 and 2
processes, joined with pypdf). Prints medians and badges per second.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

NAMES = [
    ("Ana", "Silva", "Ana Silva"),
    ("Anna-Katharina", "Müller-Lüdenscheidt", "Dr. Anna-Katharina Müller-Lüdenscheidt"),
    ("秀英", "王", "王秀英"),
    ("健", "佐藤", "佐藤 健"),
    ("Zoë", "Ömer", "Zoë Ömer"),
    ("João", "Ávila", "João Ávila"),
]
COMPANIES = [
    "Acme Robotics Ltda.",
    "华夏机械有限公司",
    "株式会社 東京精工",
    "Nordic Packaging GmbH",
]


def build(n: int):  # type: ignore[no-untyped-def]
    from expo_crm import create_app
    from expo_crm.directory.models import Company, Person
    from expo_crm.extensions import db
    from expo_crm.shows.models import Show
    from expo_crm.visitors.models import Registration, RegistrationSource, VisitorCategory

    folder = Path(tempfile.mkdtemp(prefix="expo-badges-bench-"))
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.sqlite3'}",
            "SECRET_KEY": "bench",
        }
    )
    rng = random.Random(3)
    with app.app_context():
        db.create_all()
        show = Show(
            code="BENCH",
            name="ExpoTech 2026",
            year=2026,
            venue="Hall",
            city="São Paulo",
            country="BR",
            starts_on=date(2026, 10, 6),
            ends_on=date(2026, 10, 9),
            currency="BRL",
            phone_region="BR",
        )
        companies = [
            Company(name=c, normalized_name=c.lower(), country=rng.choice(["BR", "CN", "JP", "DE"]))
            for c in COMPANIES
        ]
        db.session.add(show)
        db.session.add_all(companies)
        db.session.flush()
        categories = list(VisitorCategory)
        for i in range(n):
            first, last, full = NAMES[i % len(NAMES)]
            person = Person(
                first_name=first, last_name=f"{last}{i}", full_name=f"{full} {i}", country="BR"
            )
            db.session.add(person)
            db.session.flush()
            db.session.add(
                Registration(
                    show_id=show.id,
                    person_id=person.id,
                    company_id=companies[i % len(companies)].id,
                    category=categories[i % len(categories)],
                    source=RegistrationSource.PREREGISTERED,
                    answers={},
                )
            )
        db.session.commit()
    return app


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--single", type=int, default=60)
    parser.add_argument("--bulk", type=int, default=480)
    parser.add_argument("--naive", type=int, default=40)
    args = parser.parse_args()

    from expo_crm.badges import pdf, printing
    from expo_crm.extensions import db
    from expo_crm.shows.models import Show

    app = build(max(args.single, args.bulk))
    print(f"machine load (1-min average, 2 cores): {os.getloadavg()[0]:.1f}")
    with app.test_request_context():
        show = db.session.query(Show).one()
        badges = printing.bulk_badges(db.session, show)
        db.session.commit()

        # Single badge through the service the kiosk calls: warm up once, as a server would.
        printing.badge_pdf(badges[0])
        times, cpu = [], []
        for badge in badges[1 : args.single + 1]:
            started, cpu_started = time.perf_counter(), time.process_time()
            document = printing.badge_pdf(badge)
            times.append(time.perf_counter() - started)
            cpu.append(time.process_time() - cpu_started)
            assert document.startswith(b"%PDF")
        ms = sorted(t * 1000 for t in times)
        print(
            f"single badge:    median {statistics.median(ms):.0f} ms, "
            f"p90 {ms[int(len(ms) * 0.9)]:.0f} ms over {len(ms)} badges (goal: median < 150 ms);"
            f" CPU median {statistics.median(cpu) * 1000:.0f} ms"
        )

        faces = [printing.badge_face(db.session, badge) for badge in badges[: args.bulk]]
        started, cpu_started = time.perf_counter(), time.process_time()
        for face in faces[: args.naive]:
            pdf.render_pdf([face])
        naive = args.naive / (time.perf_counter() - started)
        naive_cpu = args.naive / (time.process_time() - cpu_started)
        print(
            f"naive baseline: {naive:.0f} badges/s (one document per badge, one process);"
            f" {naive_cpu:.0f} badges per CPU-second"
        )

        for processes in (1, 2):
            started = time.perf_counter()
            document = pdf.render_bulk(faces, processes=processes)
            elapsed = time.perf_counter() - started
            per_cpu = len(faces) / pdf.last_bulk_cpu_seconds
            print(
                f"bulk, {processes} process{'es' if processes > 1 else ''}: "
                f"{len(faces) / elapsed:.0f} badges/s ({len(faces)} badges in {elapsed:.1f} s, "
                f"{len(document) / 1e6:.1f} MB PDF, {pdf.CHUNK_SIZE} badges per document);"
                f" {per_cpu:.0f} badges per CPU-second ({per_cpu / naive_cpu:.1f}x naive)"
            )
        # The whole job as the organizer starts it: sorting, issuing, rendering, counting.
        started = time.perf_counter()
        document, _reprints = printing.bulk_pdf(db.session, badges[: args.bulk], processes=2)
        elapsed = time.perf_counter() - started
        print(f"bulk job (bulk_pdf, 2 processes, end to end): {len(faces) / elapsed:.0f} badges/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
