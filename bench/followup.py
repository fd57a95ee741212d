"""Benchmark: post-show work on a decade of a mega-show.

    python bench/followup.py [--backend sqlite|postgres|both] [--registrations 10000000]
                             [--companies N] [--editions 10] [--keep URL]
                             [--pg-url postgresql://postgres@127.0.0.1/postgres]

Generates a show history (default: 10 editions, 10,000,000 registrations, one company per
ten registrations): the first three editions as imported exhibitor lists, the others sold in
Expo CRM (booths, quotes, contracts, an invoice each with its payment), visitors and
exhibitor staff, badges, gate check-ins and booth leads. Exhibitors rebook the next edition
at 35–55 %, driven by a hidden loyalty that also shows in what the product records (their
leads, how late they pay, their booth size) with noise. Rows are generated as streams and
loaded with COPY on PostgreSQL, executemany on SQLite, into a throwaway database.

A fresh process then computes and times what the back office shows after the show:

* segments: the counts, breakdowns and first page of three visitor segments of the last
  edition;
* KPIs: the trend of every edition, the value pyramid and the sales ranking;
* prospects: the first page (and the count) of the last edition's ranked prospects;
* rebooking risk: the first page (and the count) of the last edition's exhibitors ranked by
  their risk of not rebooking, with the reasons chart's counts.

Peak memory is the measuring process's peak RSS (``ru_maxrss``); generation does not count
and the database server's memory is not included. Figures are printed, nothing asserted.
Goal: under 60 s and 2 GB.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
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
LISTED_EDITIONS = 3  #: the first editions come from imported exhibitor lists
STAFF_PER_EXHIBITOR = 2

COLUMNS = {
    "shows": "id code name year venue city country starts_on ends_on currency phone_region "
    "timezone created_at",
    "companies": "id name normalized_name industry activity country employees is_member "
    "created_at updated_at",
    "people": "id first_name last_name full_name other_contacts company_id country "
    "is_booking_contact created_at updated_at",
    "participations": "id show_id company_id listed_name name_key area_m2 amount match review "
    "created_at",
    "booths": "id show_id hall code area_m2 booth_type open_sides status width depth company_id",
    "quotes": "id number show_id company_id booth_id price_list_version rules_snapshot currency "
    "subtotal discount_total total status priced_on valid_until created_at",
    "contracts": "id number show_id company_id quote_id booth_id currency total area_m2 status "
    "deposit_percent deposit_due_on balance_due_on signed_at",
    "invoices": "id show_id sequence number contract_id company_id kind currency amount "
    "amount_paid issued_on due_on status description created_at",
    "payments": "id invoice_id amount currency method received_on created_at",
    "registrations": "id show_id person_id company_id category source answers industry "
    "job_function purchasing_role consent_marketing consent_share created_at",
    "badges": "id code registration_id show_id issued_at print_count",
    "checkins": "id badge_id registration_id show_id gate day bucket scanned_at",
    "leads": "id show_id company_id registration_id badge_id notes answers scan_count "
    "scanned_at updated_at",
}


def _mix(n: int) -> int:
    """A cheap deterministic hash of an int (Knuth's multiplicative)."""
    return (n * 2654435761) & 0xFFFFFFFF


@dataclass
class Plan:
    """What every table's generator needs to agree on, decided up front (small)."""

    registrations: int
    companies: int
    editions: int
    seed: int = 7
    years: list[int] = field(default_factory=list)
    exhibitors: list[list[int]] = field(default_factory=list)  #: per edition, sorted ids
    area: dict[tuple[int, int], int] = field(default_factory=dict)
    loyalty: dict[int, float] = field(default_factory=dict)

    @property
    def per_edition(self) -> int:
        return self.registrations // self.editions

    @property
    def people(self) -> int:
        """Enough people that the window never wraps: about 55 % of visitors return."""
        return int(self.per_edition * (1 + 0.45 * self.editions))

    def company_of(self, person: int) -> int:
        return _mix(person) % self.companies + 1

    def window(self, s: int) -> tuple[int, int]:
        """(first person, visitors) of edition s (1-based): a window moving over the people,
        so 55 % of an edition's visitors were at the one before."""
        staff = len(self.exhibitors[s - 1]) * STAFF_PER_EXHIBITOR
        return (s - 1) * int(self.per_edition * 0.45), self.per_edition - staff

    @property
    def visitor_registrations(self) -> int:
        return sum(self.window(s)[1] for s in range(1, self.editions + 1))


def plan(registrations: int, companies: int, editions: int, seed: int = 7) -> Plan:
    """Decide who exhibits at each edition: rebooking driven by a hidden loyalty."""
    rng = random.Random(seed)
    p = Plan(registrations, companies, editions, seed)
    p.years = [NOW.year - editions + k for k in range(editions)]
    size = max(companies // 40, 10)
    previous: list[int] = []
    for _s in range(editions):
        kept = []
        for c in previous:
            chance = 1 / (1 + math.exp(-(-0.7 + 1.4 * p.loyalty[c])))
            if rng.random() < chance:
                kept.append(c)
        fresh = rng.sample(range(1, companies + 1), max(size - len(kept), 0))
        current = sorted(set(kept) | set(fresh))
        for c in current:
            p.loyalty.setdefault(c, rng.gauss(0.0, 1.0))
        p.exhibitors.append(current)
        previous = current
    for s, current in enumerate(p.exhibitors, 1):
        for c in current:
            before = p.area.get((s - 1, c))
            if before is None:
                p.area[(s, c)] = rng.choice([9, 12, 18, 24, 36, 54])
            else:
                drift = 0.25 * p.loyalty[c] + rng.gauss(0, 0.5)
                p.area[(s, c)] = max(6, int(before * (1 + 0.3 * math.tanh(drift))))
    return p


# -- rows, table by table (each a stream, reproducible on its own) --------------------------


def shows(p: Plan) -> Iterator[tuple[Any, ...]]:
    for s, y in enumerate(p.years, 1):
        yield (
            s,
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


def companies(p: Plan) -> Iterator[tuple[Any, ...]]:
    rng = random.Random(p.seed + 1)
    for c in range(1, p.companies + 1):
        yield (
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


def staff_people(p: Plan) -> Iterator[tuple[Any, ...]]:
    """Exhibitor staff (the visitors' people are made in the database, see ``SQL``)."""
    staff = p.people
    for s in range(1, p.editions + 1):
        for c in p.exhibitors[s - 1]:
            for _k in range(STAFF_PER_EXHIBITOR):
                staff += 1
                yield (
                    staff,
                    f"S{staff}",
                    "Staff",
                    f"S{staff} Staff",
                    "{}",
                    c,
                    "BR",
                    False,
                    NOW,
                    NOW,
                )


def participations(p: Plan) -> Iterator[tuple[Any, ...]]:
    n = 0
    for s in range(1, LISTED_EDITIONS + 1):
        for c in p.exhibitors[s - 1]:
            n += 1
            area = p.area[(s, c)]
            yield (n, s, c, f"Company {c}", f"company {c}", area, area * 1000, "name", "none", NOW)


def _sold(p: Plan) -> Iterator[tuple[int, int, int, int]]:
    """(id, edition, company, area) of every contract, in id order."""
    n = 0
    for s in range(LISTED_EDITIONS + 1, p.editions + 1):
        for c in p.exhibitors[s - 1]:
            n += 1
            yield n, s, c, p.area[(s, c)]


def booths(p: Plan) -> Iterator[tuple[Any, ...]]:
    for n, s, c, area in _sold(p):
        yield (n, s, "A", f"A-{n}", area, "raw_space", 1, "sold", 3, 3, c)


def quotes(p: Plan) -> Iterator[tuple[Any, ...]]:
    for n, s, c, area in _sold(p):
        y, total = p.years[s - 1], area * 1000
        yield (
            n,
            f"Q{n}",
            s,
            c,
            n,
            1,
            "{}",
            "BRL",
            total,
            0,
            total,
            "accepted",
            date(y, 1, 1),
            date(y, 2, 1),
            NOW,
        )


def contracts(p: Plan) -> Iterator[tuple[Any, ...]]:
    for n, s, c, area in _sold(p):
        y = p.years[s - 1]
        status = "cancelled" if _mix(n) % 100 < 3 else "signed"
        yield (
            n,
            f"C{n}",
            s,
            c,
            n,
            n,
            "BRL",
            area * 1000,
            area,
            status,
            30,
            date(y, 3, 1),
            date(y, 9, 1),
            NOW,
        )


def _lateness(p: Plan, n: int, c: int) -> int:
    """Days late the invoice of contract n is paid: the less loyal, the later (with noise)."""
    noise = (_mix(n * 7 + 3) % 1000) / 1000 - 0.5
    return max(0, int(20 - 25 * p.loyalty[c] + 40 * noise))


def invoices(p: Plan) -> Iterator[tuple[Any, ...]]:
    for n, s, c, area in _sold(p):
        y, amount = p.years[s - 1], area * 1000
        yield (
            n,
            s,
            n,
            f"I{n}",
            n,
            c,
            "full",
            "BRL",
            amount,
            amount,
            date(y, 3, 1),
            date(y, 9, 1),
            "paid",
            "",
            NOW,
        )


def payments(p: Plan) -> Iterator[tuple[Any, ...]]:
    for n, s, c, area in _sold(p):
        y = p.years[s - 1]
        yield (
            n,
            n,
            area * 1000,
            "BRL",
            "transfer",
            date(y, 9, 1) + timedelta(days=_lateness(p, n, c)),
            NOW,
        )


def staff_registrations(p: Plan) -> Iterator[tuple[Any, ...]]:
    n, staff = p.visitor_registrations, p.people
    for s in range(1, p.editions + 1):
        for c in p.exhibitors[s - 1]:
            for _k in range(STAFF_PER_EXHIBITOR):
                staff += 1
                n += 1
                yield (
                    n,
                    s,
                    staff,
                    c,
                    "exhibitor_staff",
                    "preregistered",
                    "{}",
                    "Packaging",
                    "Sales",
                    "No role",
                    False,
                    False,
                    NOW,
                )


def lead_plan(p: Plan) -> Iterator[tuple[Any, ...]]:
    """(show_id, company_id, start, leads, first id) per exhibitor: the loyal capture more."""
    first = 0
    for s in range(1, p.editions + 1):
        for c in p.exhibitors[s - 1]:
            noise = (_mix(c * 31 + s) % 1000) / 1000
            leads = int(LEADS_PER_EXHIBITOR * math.exp(0.6 * p.loyalty[c]) * (0.5 + noise))
            leads = min(leads, 600)
            yield (s, c, _mix(c * 17 + s), leads, first)
            first += leads


#: (table, rows) loaded from Python, in order; the big tables are made by ``SQL`` after.
TABLES = {
    "shows": shows,
    "companies": companies,
    "people": staff_people,
    "participations": participations,
    "booths": booths,
    "quotes": quotes,
    "contracts": contracts,
    "invoices": invoices,
    "payments": payments,
    "registrations": staff_registrations,
    "bench_lead_plan": lead_plan,
}
COLUMNS["bench_lead_plan"] = "show_id company_id start leads first_id"
LEADS_PER_EXHIBITOR = 50
STRIDE = 7919  #: a prime: successive leads of an exhibitor fall on distinct visitors


def _dialect_sql(dialect: str) -> dict[str, Any]:
    if dialect == "sqlite":
        return {
            "series": "WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g "
            "WHERE n < {n}) ",
            "from": "FROM g",
            "hex": "printf('%016x', {x})",
            "now": "'2026-01-01 00:00:00.000000'",
            "ts": "'{day} 10:00:00.000000'",
            "day": "'{day}'",
            "json": "'{}'",
            "false": "0",
        }
    return {
        "series": "",
        "from": "FROM generate_series(1, {n}) AS g(n)",
        "hex": "lpad(to_hex({x}), 16, '0')",
        "now": "TIMESTAMPTZ '2026-01-01 00:00:00+00'",
        "ts": "TIMESTAMPTZ '{day} 10:00:00+00'",
        "day": "DATE '{day}'",
        "json": "'{}'::jsonb",
        "false": "false",
    }


def _mix_sql(x: str) -> str:
    return f"(({x}) * 2654435761 % 4294967296)"


def big_tables(p: Plan, dialect: str) -> Iterator[tuple[str, str]]:
    """(table, SQL) statements that make visitors, their registrations, badges, check-ins
    and leads inside the database (hashes decide categories, check-ins and the rest)."""
    d = _dialect_sql(dialect)
    now = d["now"]
    people = p.people
    yield (
        "people",
        (
            d["series"].format(n=people)
            + "INSERT INTO people (id, first_name, last_name, full_name, other_contacts, "
            "company_id, country, is_booking_contact, created_at, updated_at) "
            f"SELECT n, 'P' || n, 'Visitor', 'P' || n || ' Visitor', {d['json']}, "
            f"{_mix_sql('n')} % {p.companies} + 1, 'BR', {d['false']}, {now}, {now} "
            + d["from"].format(n=people)
        ),
    )
    base = 0
    for s in range(1, p.editions + 1):
        start, visitors = p.window(s)
        h = _mix_sql(f"{base} + n + 11")
        category = (
            f"CASE WHEN {_mix_sql(f'{base} + n')} % 10 < 7 THEN 'trade' "
            f"WHEN {_mix_sql(f'{base} + n')} % 10 < 9 THEN 'public' ELSE 'press' END"
        )
        industries = " ".join(f"WHEN {k} THEN '{v}'" for k, v in enumerate(INDUSTRIES))
        functions = " ".join(f"WHEN {k} THEN '{v}'" for k, v in enumerate(FUNCTIONS))
        purchasing = " ".join(f"WHEN {k} THEN '{v}'" for k, v in enumerate(PURCHASING))
        yield (
            "registrations",
            (
                d["series"].format(n=visitors)
                + "INSERT INTO registrations (id, show_id, person_id, company_id, category, "
                "source, answers, industry, job_function, purchasing_role, consent_marketing, "
                "consent_share, created_at) "
                f"SELECT {base} + n, {s}, {start} + n, "
                f"{_mix_sql(f'{start} + n')} % {p.companies} + 1, "
                f"{category}, 'preregistered', {d['json']}, "
                f"CASE {h} % {len(INDUSTRIES)} {industries} END, "
                f"CASE {h} / 16 % {len(FUNCTIONS)} {functions} END, "
                f"CASE {h} / 256 % {len(PURCHASING)} {purchasing} END, "
                f"{h} / 4096 % 10 < 6, {d['false']}, {now} " + d["from"].format(n=visitors)
            ),
        )
        base += visitors
    checked = (
        f"{_mix_sql('r.id + 5')} % 100 < CASE WHEN r.category = 'exhibitor_staff' THEN 95 "
        "ELSE 70 END"
    )
    yield (
        "badges",
        (
            "INSERT INTO badges (id, code, registration_id, show_id, issued_at, print_count) "
            f"SELECT {d['hex'].format(x='r.id')}, 'c' || {d['hex'].format(x='r.id')}, r.id, "
            f"r.show_id, {now}, 1 FROM registrations r WHERE {checked}"
        ),
    )
    for s in range(1, p.editions + 1):
        y = p.years[s - 1]
        for k in range(3):
            day = date(y, 10, 6 + k).isoformat()
            yield (
                "checkins",
                (
                    "INSERT INTO checkins (id, badge_id, registration_id, show_id, gate, day, "
                    "bucket, scanned_at) "
                    f"SELECT b.registration_id * 3 + {k}, b.id, b.registration_id, b.show_id, 'N', "
                    f"{d['day'].format(day=day)}, b.registration_id * 3 + {k}, "
                    f"{d['ts'].format(day=day)} FROM badges b WHERE b.show_id = {s} "
                    f"AND {_mix_sql('b.registration_id + 9')} % 3 >= {k}"
                ),
            )
    base = 0
    most = 600
    for s in range(1, p.editions + 1):
        _start, visitors = p.window(s)
        chosen = f"{base} + (e.start + g.n * {STRIDE}) % {visitors} + 1"
        yield (
            "leads",
            (
                d["series"].format(n=most)
                + "INSERT INTO leads (id, show_id, company_id, registration_id, badge_id, notes, "
                "answers, scan_count, scanned_at, updated_at) "
                f"SELECT e.first_id + g.n, e.show_id, e.company_id, "
                f"b.registration_id, b.id, '', {d['json']}, 1, {now}, {now} "
                + d["from"].format(n=most)
                + f" JOIN bench_lead_plan e ON g.n <= e.leads AND e.show_id = {s} "
                f"JOIN badges b ON b.registration_id = {chosen}"
            ),
        )
        base += visitors


def load_sqlite(path: str, p: Plan) -> dict[str, int]:
    import sqlite3

    def plain(rows: Iterable[tuple[Any, ...]], counter: list[int]) -> Iterator[tuple[Any, ...]]:
        for row in rows:
            counter[0] += 1
            yield tuple(
                v.replace(tzinfo=None).isoformat(sep=" ") if isinstance(v, datetime) else v
                for v in row
            )

    counts: dict[str, int] = {}
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("CREATE TABLE bench_lead_plan (show_id, company_id, start, leads, first_id)")
    with conn:
        for table, rows in TABLES.items():
            cols = COLUMNS[table].split()
            marks = ", ".join("?" * len(cols))
            sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})"
            counter = [0]
            conn.executemany(sql, plain(rows(p), counter))
            counts[table] = counter[0]
        for table, sql in big_tables(p, "sqlite"):
            before = conn.total_changes
            conn.execute(sql)
            counts[table] = counts.get(table, 0) + conn.total_changes - before
    conn.execute("DROP TABLE bench_lead_plan")
    conn.commit()
    conn.execute("ANALYZE")
    conn.close()
    counts.pop("bench_lead_plan", None)
    return counts


def load_postgres(url: str, p: Plan) -> dict[str, int]:
    import psycopg

    counts: dict[str, int] = {}
    with psycopg.connect(url) as conn:
        with conn.cursor() as cur:
            cur.execute(
                "CREATE TABLE bench_lead_plan (show_id int, company_id int, start bigint, "
                "leads int, first_id int)"
            )
            for table, rows in TABLES.items():
                cols = ", ".join(COLUMNS[table].split())
                n = 0
                with cur.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                    for row in rows(p):
                        copy.write_row(row)
                        n += 1
                counts[table] = n
            for table, sql in big_tables(p, "postgresql"):
                cur.execute(sql)
                counts[table] = counts.get(table, 0) + cur.rowcount
            cur.execute("DROP TABLE bench_lead_plan")
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE")
    counts.pop("bench_lead_plan", None)
    return counts


# -- measuring ------------------------------------------------------------------------------


def measure(url: str) -> dict[str, Any]:
    """Run the four computations on ``url``; return seconds, figures and peak RSS."""
    import logging

    from werkzeug.datastructures import MultiDict

    from expo_crm import create_app
    from expo_crm.extensions import db
    from expo_crm.followup import kpis, prospects, rebooking, segments, value
    from expo_crm.followup.facts import editions

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "REDIS_URL": None})
    logging.getLogger().setLevel(logging.WARNING)
    figures: dict[str, Any] = {}
    with app.app_context():
        session = db.session
        shows_ = editions(session)
        last = shows_[-1]

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
            (k.show_code, k.exhibitors, k.new, k.lost, k.rebooking_rate, k.visitors, k.returning)
            for k in trend
        ]

        started = time.perf_counter()
        page, total = prospects.prospect_page(session, last, 1, 50)
        figures["prospects_s"] = time.perf_counter() - started
        figures["prospects"] = total

        started = time.perf_counter()
        risk = rebooking.risk_page(session, last, 1, 50)
        rebooking.reason_counts(session, last, risk.model)
        figures["rebooking_s"] = time.perf_counter() - started
        figures["rebooking"] = (last.code, risk.total, len(risk.rows))
    figures["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return figures


def run_backend(name: str, url: str, p: Plan) -> None:
    from expo_crm import create_app
    from expo_crm.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "REDIS_URL": None})
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    started = time.perf_counter()
    if name == "sqlite":
        counts = load_sqlite(url.removeprefix("sqlite:///"), p)
    else:
        counts = load_postgres(url.replace("postgresql+psycopg://", "postgresql://"), p)
    print(
        f"[{name}] generated and loaded in {time.perf_counter() - started:.0f} s: "
        + ", ".join(f"{n:,} {t}" for t, n in counts.items()),
        flush=True,
    )
    load = os.getloadavg()
    out = subprocess.run(  # noqa: S603  (our own script, fixed arguments)
        [sys.executable, __file__, "--measure", url],
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        print(out.stderr[-3000:])
        raise SystemExit(f"[{name}] measuring failed")
    f = json.loads(out.stdout.strip().splitlines()[-1])
    total = f["segments_s"] + f["kpis_s"] + f["prospects_s"] + f["rebooking_s"]
    print(
        f"[{name}] segments {f['segments_s']:.1f} s (sizes {f['segment_sizes']}), "
        f"KPIs {f['kpis_s']:.1f} s, prospects {f['prospects_s']:.1f} s ({f['prospects']:,} "
        f"ranked), rebooking risk {f['rebooking_s']:.1f} s ({f['rebooking'][1]:,} exhibitors of "
        f"{f['rebooking'][0]} ranked); total {total:.1f} s; "
        f"peak RSS {f['peak_rss_mb']:.0f} MB; load average before {load[0]:.2f} {load[1]:.2f}"
        f" {load[2]:.2f}",
        flush=True,
    )
    for row in f["kpis"]:
        rate = f"{row[4]:.0%}" if row[4] is not None else "-"
        print(
            f"[{name}]   {row[0]}: exhibitors {row[1]:,} (+{row[2]:,}/-{row[3]}), rebooking "
            f"{rate}, visitors {row[5]:,}, returning {row[6]:,}"
        )


def postgres_database(base_url: str, keep: bool = False) -> Iterator[str]:
    import sqlalchemy as sa

    url = sa.engine.make_url(base_url).set(drivername="postgresql+psycopg")
    name = f"expo_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        if keep:
            print(f"kept: {url.set(database=name).render_as_string(hide_password=False)}")
        else:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main(argv: Iterable[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--registrations", type=int, default=10_000_000)
    parser.add_argument("--companies", type=int, default=None, help="default: registrations/10")
    parser.add_argument("--editions", type=int, default=10)
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
    )
    parser.add_argument(
        "--keep", action="store_true", help="Keep the PostgreSQL database (to measure again)."
    )
    parser.add_argument("--measure", help="Only measure this database URL (kept from before).")
    args = parser.parse_args(list(argv) if argv is not None else None)
    if args.measure:
        print(json.dumps(measure(args.measure)))
        return
    companies_ = args.companies or max(args.registrations // 10, 100)
    p = plan(args.registrations, companies_, args.editions)
    rates = [
        len(set(a) & set(b)) / len(a) for a, b in zip(p.exhibitors, p.exhibitors[1:], strict=False)
    ]
    print(
        f"{args.editions} editions, {companies_:,} companies, about "
        f"{len(p.exhibitors[-1]):,} exhibitors each, rebooking "
        f"{min(rates):.0%}–{max(rates):.0%}",
        flush=True,
    )
    if args.backend in ("sqlite", "both"):
        with tempfile.TemporaryDirectory(prefix="expo-bench-") as folder:
            run_backend("sqlite", f"sqlite:///{folder}/bench.sqlite3", p)
    if args.backend in ("postgres", "both"):
        for url in postgres_database(args.pg_url, keep=args.keep):
            run_backend("postgres", url, p)


if __name__ == "__main__":
    main()
