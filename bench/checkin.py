"""Gate check-in under load: a real gunicorn server on PostgreSQL, loopback only.

    python bench/checkin.py [--scans 20000] [--concurrency 32] [--workers 3] [--threads 4]

Builds a throwaway PostgreSQL database with one show running today, N registrations with
badges and a gate user; starts gunicorn on 127.0.0.1; signs in like the gate page does
(session cookie + CSRF header); fires scans from an asyncio keep-alive client; then checks
the counts: every scan answered, every distinct (badge, gate) admitted once, repeats
answered "repeat", and exactly that many rows in the database. Prints scans/s and latency
percentiles. Requests go to 127.0.0.1 only and the run is bounded in count and time.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import random
import re
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
HOST = "127.0.0.1"
PASSWORD = "bench-password"  # noqa: S105  (a throwaway user of a throwaway database)
MAX_SECONDS = 300


def build_database(url: str, n_badges: int, secret: str) -> list[str]:
    """Create the schema and the data; return the badge codes."""
    os.environ["SECRET_KEY"] = secret
    from expo_crm import create_app
    from expo_crm.auth.models import User
    from expo_crm.auth.roles import Role
    from expo_crm.badges import qr
    from expo_crm.badges.models import Badge
    from expo_crm.directory.models import Company, Person
    from expo_crm.extensions import db
    from expo_crm.shows.models import Show
    from expo_crm.visitors.models import Registration

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secret})
    with app.app_context():
        db.create_all()
        today = datetime.now(UTC).date()
        show = Show(
            code="BENCH",
            name="Bench Expo",
            year=today.year,
            venue="Hall",
            city="São Paulo",
            country="BR",
            starts_on=today - timedelta(days=1),
            ends_on=today + timedelta(days=2),
            currency="BRL",
            phone_region="BR",
            timezone="UTC",
        )
        company = Company(name="Acme", normalized_name="acme")
        db.session.add_all([show, company])
        user = User(email="gate@bench.example", name="Gate", role=Role.ONSITE)
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.flush()
        conn = db.session.connection()
        conn.execute(
            sa.insert(Person),
            [
                {
                    "full_name": f"Visitor {i}",
                    "first_name": "Visitor",
                    "last_name": str(i),
                    "email": f"v{i}@bench.example",
                    "other_contacts": {},
                }
                for i in range(n_badges)
            ],
        )
        person_ids = list(db.session.scalars(sa.select(Person.id).order_by(Person.id)))
        conn.execute(
            sa.insert(Registration),
            [
                {
                    "show_id": show.id,
                    "person_id": pid,
                    "company_id": company.id,
                    "category": "trade",
                    "source": "preregistered",
                    "answers": {},
                    "consent_marketing": False,
                    "consent_share": False,
                    "created_at": datetime.now(UTC),
                }
                for pid in person_ids
            ],
        )
        registration_ids = list(
            db.session.scalars(sa.select(Registration.id).order_by(Registration.id))
        )
        codes, rows = [], []
        for rid in registration_ids:
            badge_id, code = qr.new_code(secret)
            codes.append(code)
            rows.append(
                {
                    "id": badge_id,
                    "code": code,
                    "registration_id": rid,
                    "show_id": show.id,
                    "print_count": 0,
                    "issued_at": datetime.now(UTC),
                }
            )
        conn.execute(sa.insert(Badge), rows)
        db.session.commit()
        db.engine.dispose()
    return codes


class Client:
    """A minimal HTTP/1.1 keep-alive client over asyncio streams (cheap per request)."""

    def __init__(self, port: int, cookie: str, csrf: str) -> None:
        self.port = port
        self.head = (
            f"POST /badges/scan HTTP/1.1\r\nHost: {HOST}:{port}\r\nCookie: {cookie}\r\n"
            f"X-CSRFToken: {csrf}\r\nAccept: application/json\r\n"
            "Content-Type: application/json\r\n"
        )
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, body: bytes) -> tuple[int, bytes]:
        for attempt in range(2):
            try:
                if self.writer is None:
                    self.reader, self.writer = await asyncio.open_connection(HOST, self.port)
                assert self.reader is not None
                self.writer.write(
                    (self.head + f"Content-Length: {len(body)}\r\n\r\n").encode() + body
                )
                status_line = await self.reader.readline()
                if not status_line:
                    raise ConnectionError("closed")
                status = int(status_line.split()[1])
                length, close = 0, False
                while True:
                    line = await self.reader.readline()
                    if line in (b"\r\n", b""):
                        break
                    name, _, value = line.decode("latin-1").partition(":")
                    name = name.strip().lower()
                    if name == "content-length":
                        length = int(value)
                    elif name == "connection" and value.strip().lower() == "close":
                        close = True
                payload = await self.reader.readexactly(length)
                if close:
                    self.writer.close()
                    self.writer = None
                return status, payload
            except (ConnectionError, asyncio.IncompleteReadError):
                # Only a connection the server closed while idle is retried: the request
                # was not read, so it cannot have been recorded.
                if self.writer is not None:
                    self.writer.close()
                self.writer = None
                if attempt:
                    raise
        raise AssertionError("unreachable")


def sign_in(port: int) -> tuple[str, str]:
    """Sign in through the login form like a browser; return (cookie, csrf token)."""
    conn = http.client.HTTPConnection(HOST, port, timeout=10)
    conn.request("GET", "/login")
    response = conn.getresponse()
    page = response.read().decode()
    cookie = response.getheader("Set-Cookie", "").split(";", 1)[0]
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token" value="([^"]+)"', page
    )
    assert token, "no CSRF token on the login page"
    body = urlencode(
        {"csrf_token": token.group(1), "email": "gate@bench.example", "password": PASSWORD}
    )
    conn.request(
        "POST",
        "/login",
        body=body,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
    )
    response = conn.getresponse()
    response.read()
    assert response.status == 302, f"login failed: {response.status}"
    cookie = response.getheader("Set-Cookie", "").split(";", 1)[0] or cookie
    conn.request("GET", "/badges/gate", headers={"Cookie": cookie})
    response = conn.getresponse()
    page = response.read().decode()
    assert response.status == 200, f"gate page: {response.status}"
    cookie = (response.getheader("Set-Cookie") or cookie).split(";", 1)[0]
    csrf = re.search(r'data-csrf="([^"]+)"', page)
    assert csrf, "no CSRF token on the gate page"
    conn.close()
    return cookie, csrf.group(1)


def post_batch(port: int, cookie: str, csrf: str, scans: list[dict[str, str]]) -> dict:
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    conn.request(
        "POST",
        "/badges/scan/batch",
        body=json.dumps({"scans": scans}),
        headers={"Content-Type": "application/json", "Cookie": cookie, "X-CSRFToken": csrf},
    )
    response = conn.getresponse()
    payload = json.loads(response.read())
    conn.close()
    assert response.status == 200, payload
    return dict(payload)


def plan_scans(codes: list[str], n: int, rng: random.Random) -> list[dict[str, str]]:
    """n scans over distinct (badge, gate) pairs; about 10 % are quick repeats of a pair."""
    gates = ["North 1", "North 2", "South 1", "East"]
    scans: list[dict[str, str]] = []
    i = 0
    while len(scans) < n:
        scan = {"code": codes[i % len(codes)], "gate": gates[(i // len(codes)) % len(gates)]}
        scans.append(scan)
        if rng.random() < 0.1 and len(scans) < n:
            scans.append(dict(scan))  # the same badge shown again at the same gate
        i += 1
    for scan in scans:
        scan["client_uuid"] = str(uuid.uuid4())
    return scans


async def fire(
    port: int, cookie: str, csrf: str, scans: list[dict[str, str]], concurrency: int
) -> tuple[list[float], list[tuple[int, dict]], float]:
    queue: asyncio.Queue[int] = asyncio.Queue()
    for index in range(len(scans)):
        queue.put_nowait(index)
    latencies: list[float] = [0.0] * len(scans)
    answers: list[tuple[int, dict]] = [(0, {})] * len(scans)
    deadline = time.monotonic() + MAX_SECONDS

    async def worker() -> None:
        client = Client(port, cookie, csrf)
        while not queue.empty() and time.monotonic() < deadline:
            index = queue.get_nowait()
            body = json.dumps(scans[index]).encode()
            started = time.perf_counter()
            status, payload = await client.post(body)
            latencies[index] = time.perf_counter() - started
            answers[index] = (status, json.loads(payload) if payload else {})
        if client.writer is not None:
            client.writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, answers, time.perf_counter() - started


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc), 0 if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def server_cpu(group: int, database_url: str, database: str) -> tuple[float, float]:
    """CPU seconds used so far by the gunicorn process group and its PostgreSQL backends."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.getpgid(int(entry.name)) == group:
                    pids.append(int(entry.name))
            except OSError:
                continue
    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        backends = (
            conn.execute(
                sa.text(
                    "SELECT pid FROM pg_stat_activity"
                    " WHERE datname = :d AND pid <> pg_backend_pid()"
                ),
                {"d": database},
            )
            .scalars()
            .all()
        )
    engine.dispose()
    return sum(_cpu_seconds(pid) for pid in pids), sum(_cpu_seconds(pid) for pid in backends)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scans", type=int, default=20000)
    parser.add_argument("--badges", type=int, default=20000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--port", type=int, default=18431)
    args = parser.parse_args()

    admin_url = sa.engine.make_url(PG_URL).set(drivername="postgresql+psycopg")
    name = f"expo_bench_{secrets.token_hex(4)}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    secret = secrets.token_urlsafe(32)
    server = None
    try:
        t0 = time.perf_counter()
        codes = build_database(url, args.badges, secret)
        print(f"database: {len(codes)} badges in {time.perf_counter() - t0:.1f} s")
        instance = tempfile.mkdtemp(prefix="expo-bench-")
        env = dict(
            os.environ,
            DATABASE_URL=url,
            SECRET_KEY=secret,
            EXPO_CRM_INSTANCE=instance,
            PYTHONPATH=str(ROOT),
        )
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--workers",
                str(args.workers),
                "--worker-class",
                "gthread",
                "--threads",
                str(args.threads),
                "--bind",
                f"{HOST}:{args.port}",
                "--keep-alive",
                "30",
                "--log-level",
                "warning",
                "expo_crm:create_app()",
            ],
            cwd=ROOT,
            env=env,
            start_new_session=True,
        )
        for _ in range(100):
            try:
                conn = http.client.HTTPConnection(HOST, args.port, timeout=1)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.2)
        else:
            raise SystemExit("the server did not start")
        cookie, csrf = sign_in(args.port)

        rng = random.Random(7)
        warmup = plan_scans(codes[-200:], 200, rng)
        asyncio.run(fire(args.port, cookie, csrf, warmup, args.concurrency))
        scans = plan_scans(codes[:-200], args.scans, rng)
        app_cpu0, pg_cpu0 = server_cpu(server.pid, url, name)
        client_cpu0 = time.process_time()
        load0 = os.getloadavg()[0]
        latencies, answers, elapsed = asyncio.run(
            fire(args.port, cookie, csrf, scans, args.concurrency)
        )
        client_cpu = time.process_time() - client_cpu0
        app_cpu1, pg_cpu1 = server_cpu(server.pid, url, name)
        load1 = os.getloadavg()[0]

        statuses = [status for status, _ in answers]
        unanswered = statuses.count(0)
        errors = sum(1 for s in statuses if s not in (0, 200))
        pairs = {(s["code"], s["gate"]) for s in scans}
        admitted = sum(1 for _, a in answers if a.get("verdict") == "admitted")
        repeats = sum(1 for _, a in answers if a.get("verdict") == "repeat")
        refused = sum(1 for _, a in answers if a and not a.get("admitted"))
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            stored = conn.execute(sa.text("SELECT count(*) FROM checkins")).scalar_one()
            stored_pairs = conn.execute(
                sa.text("SELECT count(DISTINCT (badge_id, gate)) FROM checkins")
            ).scalar_one()
        stored -= len({(s["code"], s["gate"]) for s in warmup})
        stored_pairs -= len({(s["code"], s["gate"]) for s in warmup})

        # The offline queue: one batch of new scans sent twice must be stored once.
        batch = [
            {
                "code": code,
                "gate": "Offline gate",
                "client_uuid": str(uuid.uuid4()),
                "scanned_at": datetime.now(UTC).isoformat(),
            }
            for code in codes[:200]
        ]
        batch_answers = [post_batch(args.port, cookie, csrf, batch) for _ in range(2)]
        with engine.connect() as conn:
            offline_stored = conn.execute(
                sa.text("SELECT count(*) FROM checkins WHERE gate = 'Offline gate'")
            ).scalar_one()
        engine.dispose()
        ms = [x * 1000 for x in latencies if x]
        print(
            f"server: gunicorn gthread {args.workers} workers x {args.threads} threads, "
            f"PostgreSQL; client: {args.concurrency} keep-alive connections"
        )
        print(
            f"scans sent:      {len(scans)} ({len(pairs)} distinct badge+gate, "
            f"{len(scans) - len(pairs)} repeats)"
        )
        print(f"throughput:      {len(scans) / elapsed:.0f} scans/s over {elapsed:.1f} s")
        print(
            f"latency:         p50 {statistics.median(ms):.1f} ms,"
            f" p90 {percentile(ms, 0.9):.1f} ms,"
            f" p99 {percentile(ms, 0.99):.1f} ms, max {max(ms):.1f} ms"
        )
        per_scan = {
            "gunicorn": (app_cpu1 - app_cpu0) / len(scans) * 1000,
            "postgres": (pg_cpu1 - pg_cpu0) / len(scans) * 1000,
            "client": client_cpu / len(scans) * 1000,
        }
        capacity = 2000 / (per_scan["gunicorn"] + per_scan["postgres"])
        print(
            "CPU per scan:    "
            + ", ".join(f"{k} {v:.2f} ms" for k, v in per_scan.items())
            + f" -> the server alone could do ~{capacity:.0f} scans/s on 2 idle cores"
        )
        print(f"machine load:    {load0:.1f} -> {load1:.1f} (1-min load average; 2 cores)")
        print(
            f"answers:         {admitted} admitted, {repeats} repeat, {refused} refused, "
            f"{errors} HTTP errors, {unanswered} unanswered"
        )
        print(f"database:        {stored} check-ins stored for {stored_pairs} badge+gate pairs")
        ok = (
            unanswered == 0
            and errors == 0
            and admitted == len(pairs)
            and repeats == len(scans) - len(pairs)
            and stored == len(pairs)
            and stored_pairs == len(pairs)
        )
        first, second = ([r["verdict"] for r in answer["results"]] for answer in batch_answers)
        print(
            f"offline batch:   200 queued scans sent twice: {first.count('admitted')} admitted, "
            f"then {second.count('repeat')} repeat; {offline_stored} stored"
        )
        ok = ok and first.count("admitted") == 200 and offline_stored == 200
        print("counts:          " + ("OK: no scan lost, none counted twice" if ok else "MISMATCH"))
        return 0 if ok else 1
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    sys.exit(main())
