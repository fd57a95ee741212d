"""Browser-test helpers: a live Expo CRM server process and a kiosk Chromium with a fake camera."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.kiosk.cardimage import write_y4m
from tests.kiosk.live_server import KIOSK_EMAIL, KIOSK_PASSWORD

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[2]
QR_READER = ROOT / "expo_crm/static/vendor/zxing-wasm/zxing_reader.wasm"


def require_chromium(*, qr_reader: bool = False) -> None:
    """Skip the calling test module unless Playwright and Chromium are here (and, with
    ``qr_reader``, the vendored zxing-wasm the gate and kiosk read QR codes with)."""
    pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed", allow_module_level=True)
    if qr_reader and not QR_READER.exists():
        pytest.skip(
            "the QR reader is not vendored: run `npm ci && python scripts/vendor.py`",
            allow_module_level=True,
        )


@contextmanager
def live_server(here: Path, idle_seconds: int, countdown: int) -> Iterator[dict]:
    """A real server in its own process with its own SQLite database."""
    env = dict(
        os.environ,
        DATABASE_URL=f"sqlite:///{here / 'live.sqlite3'}",
        EXPO_CRM_INSTANCE=str(here),
        EXPO_CRM_MEDIA=str(here / "media"),
        KIOSK_IDLE_SECONDS=str(idle_seconds),
        KIOSK_IDLE_COUNTDOWN=str(countdown),
        PYTHONWARNINGS="ignore",
    )
    proc = subprocess.Popen(  # noqa: S603  (our own interpreter and module)
        [sys.executable, "-m", "tests.kiosk.live_server"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    engine = sa.create_engine(env["DATABASE_URL"], poolclass=sa.pool.NullPool)
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        assert line.startswith("PORT "), "the live server did not start"
        yield {
            "url": f"http://127.0.0.1:{int(line.split()[1])}",
            "engine": engine,
            "media": here / "media",
            "video": write_y4m(here / "card.y4m"),
        }
    finally:
        engine.dispose()
        proc.terminate()
        proc.wait(10)
        if proc.stdout:
            proc.stdout.close()


@contextmanager
def staff_page(
    pw: object, live: dict, email: str, password: str, path: str, video: Path | None = None
) -> Iterator[object]:
    """Chromium signed in as a user on ``path``, its fake camera filming ``video`` (default:
    the card)."""
    browser = pw.chromium.launch(
        executable_path=CHROMIUM,
        args=[
            "--no-sandbox",
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video or live['video']}",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
        ],
    )
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    context.grant_permissions(["camera"], origin=live["url"])
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto(live["url"] + "/login?next=" + path)
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button.primary")
    page.wait_for_url("**" + path)
    yield page
    browser.close()


#: Headless Chromium has no print manager: a page that calls ``print()`` has its renderer
#: killed at random ("Headless Print Manager: Unexpected Print Manager call"). The kiosk's
#: pages count the calls on the top document's ``data-printed`` instead of printing.
COUNT_PRINTS = """
window.print = function () {
  var body = window.top.document.body;
  body.dataset.printed = String(Number(body.dataset.printed || 0) + 1);
};
"""


@contextmanager
def kiosk_page(pw: object, live: dict, video: Path | None = None) -> Iterator[object]:
    """Chromium signed in as the kiosk, its fake camera filming ``video`` (default: the card);
    ``document.body.dataset.printed`` counts the times it asked to print (see COUNT_PRINTS)."""
    with staff_page(pw, live, KIOSK_EMAIL, KIOSK_PASSWORD, "/kiosk/", video) as page:
        page.context.add_init_script(COUNT_PRINTS)
        page.reload()
        yield page


def rows(live: dict, sql: str, **params: object) -> list:
    """Run a query on the live server's database."""
    with live["engine"].connect() as conn:
        return list(conn.execute(sa.text(sql), params))
