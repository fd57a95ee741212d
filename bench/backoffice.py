"""Benchmark: build the demo database at 10× and time the main back-office pages.

    python bench/backoffice.py [--scale 10] [--repeat 5]

Uses a throwaway SQLite file unless BENCH_DATABASE_URL is set (e.g. a PostgreSQL URL of an
empty database). The tables are created with ``create_all`` (as the tests do), then the
demo is built through the real ``expo-crm demo --scale N`` command, and each page is
fetched ``--repeat`` times as an administrator; the figures are printed, nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    import logging

    from expo_crm import create_app
    from expo_crm.extensions import db

    url = os.environ.get("BENCH_DATABASE_URL") or (
        f"sqlite:///{tempfile.mkdtemp(prefix='expo-bench-')}/bench.sqlite3"
    )
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench",
            "WTF_CSRF_ENABLED": False,
            "REDIS_URL": None,
        }
    )
    logging.getLogger().setLevel(logging.WARNING)
    with app.app_context():
        db.drop_all()
        db.create_all()
        started = time.perf_counter()
        result = app.test_cli_runner().invoke(args=["demo", "--scale", str(args.scale)])
        build = time.perf_counter() - started
        if result.exit_code != 0:
            print(result.output)
            raise SystemExit(f"demo failed: {result.exception!r}")
        summary = [line for line in result.output.splitlines() if line.startswith("Demo data")]
        print(f"database: {db.engine.url.render_as_string(hide_password=True)}")
        print(f"expo-crm demo --scale {args.scale}: {build:.1f} s")
        print("  " + (summary[0] if summary else ""))

        from expo_crm.auth.models import User
        from expo_crm.exhibitors.models import Booth
        from expo_crm.shows.services import current_show

        admin = db.session.scalar(db.select(User).where(User.email == "admin@expo.example"))
        show = current_show(db.session)
        booths = db.session.scalar(
            db.select(db.func.count(Booth.id)).where(Booth.show_id == show.id, Booth.hall == "A")
        )
        pages = [
            (
                f"floor plan, hall A ({booths} booths)",
                f"/exhibitors/floorplan?show={show.code}&hall=A",
            ),
            ("company list, page 1", "/companies"),
            ("company list, search 'robotics'", "/companies?q=robotics"),
            ("overdue list (current edition)", f"/exhibitors/overdue?show={show.code}"),
            ("overdue list, past edition", "/exhibitors/overdue?show=" + _past(db)),
            ("overdue CSV export", f"/exhibitors/overdue?show={show.code}&format=csv"),
            ("invoices, page 1", f"/exhibitors/invoices?show={show.code}"),
            ("sales dashboard", f"/exhibitors/?show={show.code}"),
        ]
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = str(admin.id)
        print(f"\n{'page':48} {'median ms':>10} {'min ms':>8} {'max ms':>8} {'KiB':>7}")
        for label, url_ in pages:
            timings, size = [], 0
            for _ in range(args.repeat):
                t = time.perf_counter()
                response = client.get(url_)
                timings.append((time.perf_counter() - t) * 1000)
                assert response.status_code == 200, (url_, response.status_code)
                size = len(response.data)
            print(
                f"{label:48} {statistics.median(timings):10.1f} {min(timings):8.1f} "
                f"{max(timings):8.1f} {size / 1024:7.1f}"
            )


def _past(db) -> str:  # type: ignore[no-untyped-def]
    from expo_crm.shows.models import Show

    return db.session.scalar(db.select(Show.code).order_by(Show.starts_on).limit(1))


if __name__ == "__main__":
    main()
