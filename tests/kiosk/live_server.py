"""Run a real Expo CRM server for browser tests, in its own process and SQLite database.

Usage: ``python -m tests.kiosk.live_server`` with DATABASE_URL, EXPO_CRM_INSTANCE and
EXPO_CRM_MEDIA set; prints ``PORT <n>`` once it listens, serves until killed.
"""

from __future__ import annotations

import os
import sys
from datetime import date, timedelta

from werkzeug.serving import make_server

from expo_crm import create_app
from expo_crm.auth.models import User
from expo_crm.auth.roles import Role
from expo_crm.extensions import db
from expo_crm.shows.models import Show

KIOSK_EMAIL = "kiosk@test.example"
KIOSK_PASSWORD = "kiosk-password"  # noqa: S105  (a throwaway test login)
#: Signs sessions and badge codes; tests make badges the server accepts with it.
SECRET_KEY = "live-server-secret"  # noqa: S105  (a throwaway test server)


def main() -> None:
    app = create_app(
        {
            "SECRET_KEY": SECRET_KEY,
            "KIOSK_IDLE_SECONDS": int(os.environ.get("KIOSK_IDLE_SECONDS", "60")),
            "KIOSK_IDLE_COUNTDOWN": int(os.environ.get("KIOSK_IDLE_COUNTDOWN", "10")),
        }
    )
    with app.app_context():
        db.create_all()
        starts = date.today() + timedelta(days=1)
        db.session.add(
            Show(
                code="LIVE", name="ExpoTech Live", year=starts.year, venue="Hall", city="SP",
                country="BR", starts_on=starts, ends_on=starts + timedelta(days=2),
                currency="BRL", phone_region="BR",
            )
        )  # fmt: skip
        kiosk = User(email=KIOSK_EMAIL, name="Kiosk 1", role=Role.KIOSK)
        kiosk.set_password(KIOSK_PASSWORD)
        db.session.add(kiosk)
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    print(f"PORT {server.server_port}", flush=True)
    sys.stdout.flush()
    server.serve_forever()


if __name__ == "__main__":
    main()
