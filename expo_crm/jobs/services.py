"""Submit, run and report on long jobs."""

from __future__ import annotations

import importlib
import logging
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from sqlalchemy.orm import Session

from expo_crm.db import utcnow
from expo_crm.errors import NotFound
from expo_crm.jobs.models import Job, JobStatus

log = logging.getLogger(__name__)

QUEUE_NAME = "expo-crm"
#: Progress is written at most this often, so a fast loop doesn't hammer the database.
REPORT_INTERVAL_S = 0.5


class Reporter:
    """What a task calls to report progress: ``report(done, total, message)``."""

    def __init__(self, app: Flask, job_id: str) -> None:
        self.app = app
        self.job_id = job_id
        self._last = 0.0

    def __call__(
        self, done: int, total: int | None = None, message: str = "", force: bool = False
    ) -> None:
        now = time.monotonic()
        if not force and now - self._last < REPORT_INTERVAL_S:
            return
        self._last = now
        _update(self.app, self.job_id, done=done, total=total, message=message)

    def output_path(self, filename: str) -> Path:
        """Return where the job should write its result file (under MEDIA_DIR/jobs)."""
        folder = Path(self.app.config["MEDIA_DIR"]) / "jobs" / self.job_id
        folder.mkdir(parents=True, exist_ok=True)
        return folder / filename


def _update(app: Flask, job_id: str, **values: Any) -> None:
    from expo_crm.extensions import db

    with app.app_context(), Session(db.engine) as session:
        job = session.get(Job, job_id)
        if job is None:
            return
        for key, value in values.items():
            if value is not None or key == "total":
                setattr(job, key, value)
        session.commit()


def submit(
    session: Session, *, kind: str, task: str, params: dict[str, Any], user_id: int | None
) -> Job:
    """Record a job; call :func:`dispatch` after the transaction commits."""
    _resolve(task)  # fail now, not in the worker, on a wrong task name
    job = Job(kind=kind, task=task, params=params, created_by_id=user_id)
    session.add(job)
    session.flush()
    return job


def dispatch(job: Job) -> None:
    """Start a committed job: on the RQ queue when Redis is configured, else in a thread."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    redis_url = app.config.get("REDIS_URL")
    if redis_url:
        from redis import Redis
        from rq import Queue

        Queue(QUEUE_NAME, connection=Redis.from_url(redis_url)).enqueue_call(
            "expo_crm.jobs.services.run_in_worker",
            args=(job.id,),
            job_id=job.id,
            timeout=3600,
            result_ttl=3600,
        )
    else:
        threading.Thread(
            target=run, args=(app, job.id), daemon=True, name=f"job-{job.id[:8]}"
        ).start()


def _resolve(task: str) -> Callable[..., Any]:
    module, _, name = task.partition(":")
    return getattr(importlib.import_module(module), name)  # type: ignore[no-any-return]


def run(app: Flask, job_id: str) -> None:
    """Run a job to completion, recording its progress, result or error."""
    from expo_crm.extensions import db

    with app.app_context():
        with Session(db.engine) as session:
            job = session.get(Job, job_id)
            if job is None or job.status is not JobStatus.QUEUED:
                return
            job.status, job.started_at = JobStatus.RUNNING, utcnow()
            session.commit()
            task, params = _resolve(job.task), dict(job.params)
        report = Reporter(app, job_id)
        try:
            with Session(db.engine) as session:
                outcome = task(session, report, **params) or {}
                session.commit()
        except Exception as exc:  # the job records any failure for the user to see
            log.exception("Job %s (%s) failed", job_id, job.kind)
            _update(
                app,
                job_id,
                status=JobStatus.FAILED,
                finished_at=utcnow(),
                error=f"{type(exc).__name__}: {exc}",
                message=traceback.format_exception_only(exc)[-1].strip()[:300],
            )
            return
        result_file = outcome.get("file")
        if result_file:
            media = Path(app.config["MEDIA_DIR"]).resolve()
            result_file = str(Path(result_file).resolve().relative_to(media))
        _update(
            app,
            job_id,
            status=JobStatus.DONE,
            finished_at=utcnow(),
            result=outcome.get("summary", {}),
            result_file=result_file,
            message=outcome.get("message", ""),
        )
        log.info("Job %s (%s) done", job_id, job.kind)


_worker_app: Flask | None = None


def run_in_worker(job_id: str) -> None:
    """Entry point for the RQ worker: one app per worker process, connections closed after."""
    global _worker_app
    from expo_crm import create_app
    from expo_crm.extensions import db

    if _worker_app is None:
        _worker_app = create_app()
    try:
        run(_worker_app, job_id)
    finally:
        with _worker_app.app_context():
            db.engine.dispose()


def get_job(session: Session, job_id: str) -> Job:
    job = session.get(Job, job_id)
    if job is None:
        raise NotFound(f"No job {job_id}.")
    return job
