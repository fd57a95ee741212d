"""Benchmark: segments, KPIs and the prospect ranking over 1,000,000 registrations.

    python bench/followup.py [--backend sqlite|postgres|both] [--registrations 1000000]
                             [--companies 200000] [--pg-url postgresql://postgres@127.0.0.1/x]

Generates three editions with 1M registrations over 200k companies (plus people, exhibitor
contracts with their booths and quotes, badges, gate check-ins and booth leads) with bulk
inserts — executemany in one transaction on SQLite, COPY on PostgreSQL — into a throwaway
database (a temporary SQLite file; a PostgreSQL database created and dropped like the tests
do). Then a fresh process computes, and times:

* segments: counts and breakdowns of three segments (all visitors, trade from BR with a
  check-in, returning with a booth scan) and the first page of each (as the page shows it);
* KPIs: the trend of the three editions, the value pyramid and the sales ranking;
* prospects: the ranking of edition 2's visitor companies (edition 3 as the coming one).

Peak memory is the measuring process's peak RSS (``ru_maxrss``), so data generation does
not count; the database server's memory is not included. Figures are printed, nothing is
asserted. Goal: under 60 s and 2 GB on each backend.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

INDUSTRIES = ["Packaging", "Printing", "Food processing", "Plastics", "Electronics", "Logistics"]
COUNTRIES = ["BR"] * 6 + ["DE", "DE", "US", "IT", "FR", "CN", "CN", "JP"]
ACTIVITIES = ["manufacturer", "distributor", "service", "retail", "other"]
CATEGORIES = ["trade"] * 7 + ["public", "public", "press"]
FUNCTIONS = ["General management", "Engineering", "Production", "Purchasing", "Other"]
PURCHASING = ["Final decision", "Recommend", "Specify", "No role"]
NOW = datetime(2026, 1, 1, tzinfo=UTC)


# -- data ----------------------------------------------------------------------------------


def generate(n_regs: int, n_companies: int, seed: int = 7) -> dict[str, list[tuple[Any, ...]]]:
    """Return {table: rows} in insertion order (column order in COLUMNS)."""
    rng = random.Random(seed)
    years = [2023, 2024, 2025]
    tables: dict[str, list[tuple[Any, ...]]] = {}
    tables["shows"] = [
        (
            i + 1,
            f"EXPO{y}",
            f"Expo {y}",
            y,
            "Center",
            "São Paulo",
            "BR",
            date(y, 10, 6),
            date(y, 10, 9),
            "BRL",
            "BR",
            "UTC",
            NOW,
        )
        for i, y in enumerate(years)
    ]
    tables["companies"] = [
        (
            c,
            f"Company {c}",
            f"company {c}",
            rng.choice(INDUSTRIES),
            rng.choice(ACTIVITIES),
            rng.choice(COUNTRIES),
            rng.choice([None, 10, 50, 200, 1000, 5000]),
            False,
            NOW,
            NOW,
        )
        for c in range(1, n_companies + 1)
    ]
    # People: enough that about 40% of an edition's visitors come back the next year.
    per_edition = n_regs // 3
    n_people = int(per_edition * 1.9)
    person_company = [0] + [rng.randint(1, n_companies) for _ in range(n_people)]
    tables["people"] = [
        (p, f"P{p}", "Visitor", f"P{p} Visitor", "{}", person_company[p], "BR", False, NOW, NOW)
        for p in range(1, n_people + 1)
    ]
    regs, badges, checkins, leads = [], [], [], []
    booths, quotes, contracts = [], [], []
    exhibitors_prev: list[int] = []
    reg_id = booth_id = lead_id = checkin_id = 0
    for s, year in enumerate(years, 1):
        # Exhibitors: 70% of last edition's rebook, the rest are new (some were visitors).
        keep = [c for c in exhibitors_prev if rng.random() < 0.7]
        fresh = rng.sample(range(1, n_companies + 1), max(n_companies // 40 - len(keep), 0))
        exhibitors = sorted(set(keep + fresh))
        for c in exhibitors:
            booth_id += 1
            area = rng.choice([9, 12, 18, 24, 36, 54])
            total = area * rng.choice([900, 1000, 1100])
            booths.append(
                (booth_id, s, "A", f"A-{booth_id}", area, "raw_space", 1, "sold", 0, 0, 3, 3, c)
            )
            quotes.append(
                (
                    booth_id,
                    f"Q{booth_id}",
                    s,
                    c,
                    booth_id,
                    1,
                    "{}",
                    "BRL",
                    total,
                    0,
                    total,
                    "accepted",
                    date(year, 1, 1),
                    date(year, 2, 1),
                    NOW,
                )
            )
            status = "cancelled" if rng.random() < 0.03 else "signed"
            contracts.append(
                (
                    booth_id,
                    f"C{booth_id}",
                    s,
                    c,
                    booth_id,
                    booth_id,
                    "BRL",
                    total,
                    area,
                    status,
                    30,
                    date(year, 3, 1),
                    date(year, 9, 1),
                    NOW,
                )
            )
        exhibitors_prev = exhibitors
        # Visitors: a window over the people, shifted each edition (overlap = returning).
        start = (s - 1) * int(per_edition * 0.45)
        for p in range(start + 1, start + per_edition + 1):
            reg_id += 1
            category = rng.choice(CATEGORIES)
            regs.append(
                (
                    reg_id,
                    s,
                    p,
                    person_company[p],
                    category,
                    "preregistered",
                    "{}",
                    rng.choice(INDUSTRIES),
                    rng.choice(FUNCTIONS),
                    rng.choice(PURCHASING),
                    rng.random() < 0.6,
                    False,
                    NOW,
                )
            )
            if rng.random() < 0.7:  # checked in
                badge = f"{reg_id:016x}"
                badges.append((badge, f"c{badge}", reg_id, s, NOW, 1))
                for day in range(6, 6 + rng.choice([1, 1, 2, 3])):
                    checkin_id += 1
                    when = datetime(year, 10, day, 10, tzinfo=UTC)
                    checkins.append(
                        (checkin_id, badge, reg_id, s, "N", date(year, 10, day), checkin_id, when)
                    )
                for booth_company in rng.sample(exhibitors, rng.choice([0, 0, 1, 2, 4])):
                    lead_id += 1
                    leads.append((lead_id, s, booth_company, reg_id, badge, "", "{}", 1, NOW, NOW))
    tables.update(
        booths=booths,
        quotes=quotes,
        contracts=contracts,
        registrations=regs,
        badges=badges,
        checkins=checkins,
        leads=leads,
    )
    return tables


COLUMNS = {
    "shows": "id code name year venue city country starts_on ends_on currency phone_region "
    "timezone created_at",
    "companies": "id name normalized_name industry activity country employees is_member "
    "created_at updated_at",
    "people": "id first_name last_name full_name other_contacts company_id country "
    "is_booking_contact created_at updated_at",
    "booths": "id show_id hall code area_m2 booth_type open_sides status x y width depth "
    "company_id",
    "quotes": "id number show_id company_id booth_id price_list_version rules_snapshot currency "
    "subtotal discount_total total status priced_on valid_until created_at",
    "contracts": "id number show_id company_id quote_id booth_id currency total area_m2 status "
    "deposit_percent deposit_due_on balance_due_on signed_at",
    "registrations": "id show_id person_id company_id category source answers industry "
    "job_function purchasing_role consent_marketing consent_share created_at",
    "badges": "id code registration_id show_id issued_at print_count",
    "checkins": "id badge_id registration_id show_id gate day bucket scanned_at",
    "leads": "id show_id company_id registration_id badge_id notes answers scan_count "
    "scanned_at updated_at",
}


def load_sqlite(path: str, tables: dict[str, list[tuple[Any, ...]]]) -> None:
    import sqlite3

    def plain(row: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(
            v.replace(tzinfo=None).isoformat(sep=" ") if isinstance(v, datetime) else v for v in row
        )

    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    with conn:
        for table, rows in tables.items():
            cols = COLUMNS[table].split()
            marks = ", ".join("?" * len(cols))
            sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})"  # noqa: S608
            conn.executemany(sql, (plain(r) for r in rows))
    conn.execute("ANALYZE")
    conn.close()


def load_postgres(url: str, tables: dict[str, list[tuple[Any, ...]]]) -> None:
    import psycopg

    with psycopg.connect(url) as conn:
        with conn.cursor() as cur:
            for table, rows in tables.items():
                cols = ", ".join(COLUMNS[table].split())
                with cur.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
        conn.commit()
        conn.autocommit = True
        conn.execute("ANALYZE")


# -- measuring ------------------------------------------------------------------------------


def measure(url: str) -> dict[str, Any]:
    """Run the three computations on ``url``; return seconds and peak RSS."""
    import logging

    from werkzeug.datastructures import MultiDict

    from expo_crm import create_app
    from expo_crm.extensions import db
    from expo_crm.followup import kpis, prospects, segments, value
    from expo_crm.followup.facts import editions

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "REDIS_URL": None})
    logging.getLogger().setLevel(logging.WARNING)
    figures: dict[str, Any] = {}
    with app.app_context():
        session = db.session
        shows = editions(session)
        last = shows[-1]

        started = time.perf_counter()
        sizes = []
        for args in (
            {},
            {"categories": "trade", "countries": "BR", "min_days": "1"},
            {"history": "returning", "min_booths": "1"},
        ):
            filters = segments.SegmentFilters.parse(MultiDict(args))
            counts = segments.segment_counts(session, last, filters)
            segments.segment_page(session, last, filters, 1, 50)
            sizes.append(counts["total"])
        figures["segments_s"] = time.perf_counter() - started
        figures["segment_sizes"] = sizes

        started = time.perf_counter()
        trend = kpis.trend(session)
        value.pyramid(session, last)
        kpis.sales_ranking(session, last)
        figures["kpis_s"] = time.perf_counter() - started
        figures["kpis"] = [
            (k.show_code, k.exhibitors, k.new, k.lost, k.visitors, k.returning) for k in trend
        ]

        started = time.perf_counter()
        ranked = prospects.prospect_ranking(session, shows[1])
        figures["prospects_s"] = time.perf_counter() - started
        figures["prospects"] = len(ranked)
    figures["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return figures


def run_backend(name: str, url: str, tables: dict[str, list[tuple[Any, ...]]]) -> None:
    from expo_crm import create_app
    from expo_crm.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "REDIS_URL": None})
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    started = time.perf_counter()
    if name == "sqlite":
        load_sqlite(url.removeprefix("sqlite:///"), tables)
    else:
        load_postgres(url.replace("postgresql+psycopg://", "postgresql://"), tables)
    print(f"[{name}] loaded in {time.perf_counter() - started:.1f} s")
    out = subprocess.run(  # noqa: S603  (our own script, fixed arguments)
        [sys.executable, __file__, "--measure", url],
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        print(out.stderr[-3000:])
        raise SystemExit(f"[{name}] measuring failed")
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    total = figures["segments_s"] + figures["kpis_s"] + figures["prospects_s"]
    print(
        f"[{name}] segments {figures['segments_s']:.1f} s (sizes {figures['segment_sizes']}), "
        f"KPIs {figures['kpis_s']:.1f} s, prospects {figures['prospects_s']:.1f} s "
        f"({figures['prospects']} ranked); total {total:.1f} s; "
        f"peak RSS {figures['peak_rss_mb']:.0f} MB"
    )
    for row in figures["kpis"]:
        print(
            f"[{name}]   {row[0]}: exhibitors {row[1]} (+{row[2]}/-{row[3]}), "
            f"visitors {row[4]}, returning {row[5]}"
        )


def postgres_database(base_url: str) -> Iterator[str]:
    import sqlalchemy as sa

    url = sa.engine.make_url(base_url).set(drivername="postgresql+psycopg")
    name = f"expo_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main(argv: Iterable[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--registrations", type=int, default=1_000_000)
    parser.add_argument("--companies", type=int, default=200_000)
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
    )
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args(list(argv) if argv is not None else None)
    if args.measure:
        print(json.dumps(measure(args.measure)))
        return

    started = time.perf_counter()
    tables = generate(args.registrations, args.companies)
    counts = ", ".join(f"{len(rows)} {name}" for name, rows in tables.items())
    print(f"generated in {time.perf_counter() - started:.1f} s: {counts}")
    if args.backend in ("sqlite", "both"):
        with tempfile.TemporaryDirectory(prefix="expo-bench-") as folder:
            run_backend("sqlite", f"sqlite:///{folder}/bench.sqlite3", tables)
    if args.backend in ("postgres", "both"):
        for url in postgres_database(args.pg_url):
            run_backend("postgres", url, tables)


if __name__ == "__main__":
    main()
