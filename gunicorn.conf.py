"""gunicorn settings for Expo CRM: what ``./run.sh``, production and ``bench/checkin.py`` use.

    gunicorn --config gunicorn.conf.py "expo_crm:create_app()"

Environment overrides: ``GUNICORN_BIND`` (default ``127.0.0.1:5000``), ``WEB_CONCURRENCY``
(worker processes), ``GUNICORN_THREADS`` (threads per worker).
"""

from __future__ import annotations

import gc
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:5000")
#: Threaded workers: a request waiting on PostgreSQL frees its core for another request, and
#: gate and kiosk pages keep their connection open between scans. On two cores, four
#: processes of two threads gave gate scans the shortest tails in bench/checkin.py (3 x 4,
#: 2 x 4, 2 x 2, 4 x 1, 6 x 1 and 4 sync workers all queued longer at 500 scans/s).
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
#: Gate scanners send a scan every few seconds: keep their connection rather than set up a
#: new one per scan.
keepalive = 30
#: Each worker listens on its own socket and the kernel spreads new connections evenly over
#: them. With one shared socket, whichever worker wakes first takes the connection, and a
#: kept-alive connection stays with it: bench/checkin.py saw 43 of 64 gate connections on
#: one worker (one core for two thirds of the scans, p99 147 ms at 500 scans/s) against
#: 17/17/15/15 with this (p99 20 ms). (Two servers started on one port would share it
#: silently rather than fail to bind.)
reuse_port = True
#: Badge PDFs and card photos take a few seconds; nothing should take this long.
timeout = 60
graceful_timeout = 20


def post_worker_init(worker: object) -> None:
    """Move the loaded app's objects out of the garbage collector's sight.

    They live as long as the worker; without this, every full collection walks all of them
    (Flask, SQLAlchemy, Babel, OpenCV bindings...), a pause of tens of milliseconds in the
    middle of whichever request triggered it.
    """
    gc.freeze()
