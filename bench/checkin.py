"""Gate check-in under load: a real gunicorn server on PostgreSQL, loopback only.

    python bench/checkin.py [--mode open|closed|both] [--rate 500] [--duration 30]
                            [--scans 20000] [--concurrency 32]

Builds a throwaway PostgreSQL database with one show running today, N registrations with
badges and a gate user; starts gunicorn on 127.0.0.1 with the repository's
``gunicorn.conf.py`` (the settings ``./run.sh`` and production use); signs in like the
gate page does (session cookie + CSRF header); fires scans from an asyncio keep-alive
client; then checks the counts: every scan answered, every distinct (badge, gate) admitted
once, repeats answered "repeat", and exactly that many rows in the database.

Two ways to load the server, each reported on its own:

* ``open``: an offered rate. Scan *i* is due at ``start + i / rate`` and is sent then
  whether or not earlier scans were answered (on a free keep-alive connection; if every
  connection is busy it waits for one). Its latency runs from the time it was *due*, so a
  stalled server or a late client is counted, not hidden (no coordinated omission). This
  is how "500 scans/s with p99 under 100 ms" is judged.
* ``closed``: saturation. ``--concurrency`` connections each send the next scan as soon as
  the previous is answered; the throughput is the server's maximum, and latency there is
  mostly queueing (about connections / throughput).

Prints scans/s and latency percentiles per mode. Requests go to 127.0.0.1 only and the
run is bounded in count and time.
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
from dataclasses import dataclass, field
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
    # A show's registrations are not bulk-loaded seconds before the gates open: give them
    # their statistics and write the load out now, so neither autovacuum nor a checkpoint of
    # the load's pages lands in the middle of the measurement. ``checkins`` is left as a
    # first show finds it, never analyzed: analyzed while empty, the prepared insert's
    # generic plan would scan it sequentially as it grows (see the README's benchmarks).
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text("VACUUM ANALYZE badges, registrations, people, companies"))
        conn.execute(sa.text("CHECKPOINT"))
    engine.dispose()
    return codes


class Client:
    """A minimal HTTP/1.1 keep-alive client over asyncio streams: cheap per request, as it
    shares the two cores with the server it measures."""

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
                try:
                    head = await self.reader.readuntil(b"\r\n\r\n")
                except asyncio.IncompleteReadError as closed:
                    raise ConnectionError("closed") from closed
                status = int(head[9:12])
                length, close = 0, False
                for line in head.lower().split(b"\r\n")[1:]:
                    if line.startswith(b"content-length:"):
                        length = int(line[15:])
                    elif line.startswith(b"connection:") and b"close" in line:
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


def plan_scans(
    codes: list[str], n: int, rng: random.Random, gates: list[str]
) -> list[dict[str, str]]:
    """n scans over distinct (badge, gate) pairs; about 10 % are quick repeats of a pair."""
    scans: list[dict[str, str]] = []
    i = 0
    while len(scans) < n:
        scan = {"code": codes[i % len(codes)], "gate": gates[(i // len(codes)) % len(gates)]}
        scans.append(scan)
        if rng.random() < 0.1 and len(scans) < n:
            scans.append(dict(scan))  # the same badge shown again at the same gate
        i += 1
    rng.shuffle(scans)  # a repeat is not always right behind its first scan
    for scan in scans:
        scan["client_uuid"] = str(uuid.uuid4())
    return scans


@dataclass
class Outcome:
    """What one load phase measured."""

    latencies: list[float]
    answers: list[tuple[int, dict]]
    elapsed: float
    #: Open loop: how late the client sent scans (its own lag, included in the latencies).
    send_lag: list[float] = field(default_factory=list)
    #: Open loop: how many of the client's connections each gunicorn worker holds.
    spread: list[int] = field(default_factory=list)


async def fire_closed(
    port: int, cookie: str, csrf: str, scans: list[dict[str, str]], concurrency: int
) -> Outcome:
    """Saturation: each connection sends its next scan as soon as the last is answered."""
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
    return Outcome(latencies, answers, time.perf_counter() - started)


async def fire_open(
    port: int,
    cookie: str,
    csrf: str,
    scans: list[dict[str, str]],
    rate: float,
    connections: int,
) -> Outcome:
    """Offered load: scan i is due at start + i / rate and is sent then, answered or not.

    Latency counts from the due time, so time spent waiting for a free connection (every
    one busy with an unanswered scan) or for a late client is part of it.
    """
    latencies: list[float] = [0.0] * len(scans)
    answers: list[tuple[int, dict]] = [(0, {})] * len(scans)
    send_lag: list[float] = [0.0] * len(scans)
    idle: asyncio.Queue[Client] = asyncio.Queue()
    for _ in range(connections):
        client = Client(port, cookie, csrf)
        client.reader, client.writer = await asyncio.open_connection(HOST, port)
        idle.put_nowait(client)
    spread = connections_per_worker(port)
    deadline = time.perf_counter() + MAX_SECONDS

    async def send(index: int, due: float) -> None:
        client = await idle.get()
        send_lag[index] = time.perf_counter() - due
        try:
            status, payload = await client.post(json.dumps(scans[index]).encode())
            latencies[index] = time.perf_counter() - due
            answers[index] = (status, json.loads(payload) if payload else {})
        finally:
            idle.put_nowait(client)

    tasks = []
    start = time.perf_counter() + 0.05
    for index in range(len(scans)):
        due = start + index / rate
        if due > deadline:
            break
        wait = due - time.perf_counter()
        if wait > 0:
            await asyncio.sleep(wait)
        tasks.append(asyncio.create_task(send(index, due)))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - start
    while not idle.empty():
        client = idle.get_nowait()
        if client.writer is not None:
            client.writer.close()
    return Outcome(latencies, answers, elapsed, send_lag, spread)


def connections_per_worker(port: int) -> list[int]:
    """Established connections to the server per gunicorn worker, most first (``ss``).

    Each keep-alive connection stays with the worker that accepted it, so a worker holding
    half of them serves half of the scans on its own one core.
    """
    try:
        out = subprocess.run(  # noqa: S603
            ["ss", "-Htnp", "state", "established", f"( sport = :{port} )"],  # noqa: S607
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    pids = re.findall(r"pid=(\d+)", out)
    return sorted((pids.count(pid) for pid in set(pids)), reverse=True)


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


def uptime() -> str:
    """The machine's load averages as ``uptime`` prints them (1, 5, 15 minutes)."""
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def start_server(port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """gunicorn with the repository's configuration file, as ``./run.sh`` starts it."""
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--config",
            str(ROOT / "gunicorn.conf.py"),
            "--bind",
            f"{HOST}:{port}",
            "--log-level",
            "warning",
            "expo_crm:create_app()",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    for _ in range(150):
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=1)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the server did not start")


def server_settings(port: int, env: dict[str, str]) -> str:
    """Say how gunicorn is configured (read from the same file it was started with)."""
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import runpy; c = runpy.run_path('gunicorn.conf.py'); "
            "print(c['worker_class'], c['workers'], c['threads'], c['keepalive'],"
            " c.get('reuse_port', False))",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    listen = "a socket per worker (SO_REUSEPORT)" if out[4] == "True" else "one shared socket"
    return f"gunicorn {out[0]} {out[1]} workers x {out[2]} threads, keep-alive {out[3]} s, {listen}"


def count_stored(url: str, prefix: str) -> tuple[int, int]:
    """Check-ins stored at the gates of one phase, and their distinct badge+gate pairs."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        stored, pairs = conn.execute(
            sa.text(
                "SELECT count(*), count(DISTINCT (badge_id, gate)) FROM checkins"
                " WHERE gate LIKE :prefix"
            ),
            {"prefix": prefix + "%"},
        ).one()
    engine.dispose()
    return int(stored), int(pairs)


def report(
    title: str,
    scans: list[dict[str, str]],
    outcome: Outcome,
    stored: tuple[int, int],
    cpu: dict[str, float],
    load: tuple[str, str],
) -> bool:
    """Print one phase's figures; return whether its counts hold."""
    statuses = [status for status, _ in outcome.answers]
    unanswered = statuses.count(0)
    errors = sum(1 for s in statuses if s not in (0, 200))
    pairs = {(s["code"], s["gate"]) for s in scans}
    admitted = sum(1 for _, a in outcome.answers if a.get("verdict") == "admitted")
    repeats = sum(1 for _, a in outcome.answers if a.get("verdict") == "repeat")
    refused = sum(1 for _, a in outcome.answers if a and not a.get("admitted"))
    ms = [x * 1000 for x in outcome.latencies if x] or [0.0]
    print(f"\n== {title}")
    print(
        f"scans sent:      {len(scans)} ({len(pairs)} distinct badge+gate, "
        f"{len(scans) - len(pairs)} repeats)"
    )
    print(
        f"throughput:      {len(scans) / outcome.elapsed:.0f} scans/s over {outcome.elapsed:.1f} s"
    )
    print(
        f"latency:         p50 {statistics.median(ms):.1f} ms,"
        f" p90 {percentile(ms, 0.9):.1f} ms,"
        f" p99 {percentile(ms, 0.99):.1f} ms, p99.9 {percentile(ms, 0.999):.1f} ms,"
        f" max {max(ms):.1f} ms"
    )
    if outcome.send_lag:
        lag = [x * 1000 for x in outcome.send_lag]
        print(
            f"client lag:      sent p99 {percentile(lag, 0.99):.1f} ms, max {max(lag):.1f} ms"
            " after due (waiting for a free connection included; counted in the latency)"
        )
    if outcome.spread:
        print(
            "connections:     per gunicorn worker "
            + ", ".join(map(str, outcome.spread))
            + " (a worker serves its connections' scans on one core)"
        )
    capacity = 2000 / (cpu["gunicorn"] + cpu["postgres"])
    print(
        "CPU per scan:    "
        + ", ".join(f"{k} {v:.2f} ms" for k, v in cpu.items())
        + f" -> the server alone could do ~{capacity:.0f} scans/s on 2 idle cores"
    )
    print(f"machine load:    {load[0]} -> {load[1]} (uptime: 1, 5, 15 min; 2 cores)")
    print(
        f"answers:         {admitted} admitted, {repeats} repeat, {refused} refused, "
        f"{errors} HTTP errors, {unanswered} unanswered"
    )
    print(f"database:        {stored[0]} check-ins stored for {stored[1]} badge+gate pairs")
    ok = (
        unanswered == 0
        and errors == 0
        and admitted == len(pairs)
        and repeats == len(scans) - len(pairs)
        and stored[0] == len(pairs)
        and stored[1] == len(pairs)
    )
    print("counts:          " + ("OK: no scan lost, none counted twice" if ok else "MISMATCH"))
    return ok


def run_phase(
    mode: str,
    args: argparse.Namespace,
    server: subprocess.Popen[bytes],
    url: str,
    name: str,
    session: tuple[str, str],
    codes: list[str],
    rng: random.Random,
) -> bool:
    prefix = "Open " if mode == "open" else "Closed "
    gates = [prefix + g for g in ("North 1", "North 2", "South 1", "East")]
    n = int(args.rate * args.duration) if mode == "open" else args.scans
    scans = plan_scans(codes, n, rng, gates)
    cookie, csrf = session
    app_cpu0, pg_cpu0 = server_cpu(server.pid, url, name)
    client_cpu0 = time.process_time()
    load0 = uptime()
    if mode == "open":
        outcome = asyncio.run(
            fire_open(args.port, cookie, csrf, scans, args.rate, args.connections)
        )
        title = (
            f"open loop: {args.rate:.0f} scans/s offered for {args.duration:.0f} s "
            f"(up to {args.connections} keep-alive connections)"
        )
    else:
        outcome = asyncio.run(fire_closed(args.port, cookie, csrf, scans, args.concurrency))
        title = f"closed loop (saturation): {args.concurrency} keep-alive connections"
    client_cpu = time.process_time() - client_cpu0
    app_cpu1, pg_cpu1 = server_cpu(server.pid, url, name)
    load1 = uptime()
    cpu = {
        "gunicorn": (app_cpu1 - app_cpu0) / len(scans) * 1000,
        "postgres": (pg_cpu1 - pg_cpu0) / len(scans) * 1000,
        "client": client_cpu / len(scans) * 1000,
    }
    if args.dump:
        Path(f"{args.dump}.{mode}.json").write_text(json.dumps(outcome.latencies))
    return report(title, scans, outcome, count_stored(url, prefix), cpu, (load0, load1))


def check_offline_batch(
    args: argparse.Namespace, url: str, session: tuple[str, str], codes: list[str]
) -> bool:
    """The offline queue: one batch of new scans sent twice must be stored once."""
    batch = [
        {
            "code": code,
            "gate": "Offline gate",
            "client_uuid": str(uuid.uuid4()),
            "scanned_at": datetime.now(UTC).isoformat(),
        }
        for code in codes[:200]
    ]
    first, second = (
        [r["verdict"] for r in post_batch(args.port, *session, batch)["results"]] for _ in range(2)
    )
    stored, _pairs = count_stored(url, "Offline gate")
    print(
        f"\noffline batch:   200 queued scans sent twice: {first.count('admitted')} admitted, "
        f"then {second.count('repeat')} repeat; {stored} stored"
    )
    return first.count("admitted") == 200 and second.count("repeat") == 200 and stored == 200


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mode", choices=("open", "closed", "both"), default="both")
    parser.add_argument("--rate", type=float, default=500, help="open loop: scans/s offered")
    parser.add_argument("--duration", type=float, default=30, help="open loop: seconds")
    parser.add_argument(
        "--connections", type=int, default=64, help="open loop: keep-alive connections"
    )
    parser.add_argument("--scans", type=int, default=20000, help="closed loop: scans")
    parser.add_argument(
        "--concurrency", type=int, default=32, help="closed loop: keep-alive connections"
    )
    parser.add_argument("--badges", type=int, default=20000)
    parser.add_argument("--dump", help="write each phase's latencies (s, in send order) here")
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
        server = start_server(args.port, env)
        print(f"server: {server_settings(args.port, env)}, PostgreSQL, 127.0.0.1")
        session = sign_in(args.port)

        rng = random.Random(7)
        warmup = plan_scans(codes[-200:], 400, rng, ["Warm-up"])
        asyncio.run(fire_closed(args.port, *session, warmup, 16))
        ok = True
        for mode in ("open", "closed") if args.mode == "both" else (args.mode,):
            ok = run_phase(mode, args, server, url, name, session, codes[:-200], rng) and ok
        ok = check_offline_batch(args, url, session, codes[:-200]) and ok
        print("\nall counts:      " + ("OK" if ok else "MISMATCH"))
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
