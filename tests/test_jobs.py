from __future__ import annotations

import time
from typing import Any

import pytest
from sqlalchemy.orm import Session

from expo_crm.auth.models import User
from expo_crm.auth.roles import Role
from expo_crm.jobs import services
from expo_crm.jobs.models import Job, JobStatus
from tests.conftest import FAST_HASH


def count_to(session: Session, report: Any, *, n: int, fail_at: int | None = None) -> dict:
    """A job that counts, reports progress and writes a file."""
    for i in range(1, n + 1):
        if i == fail_at:
            raise ValueError(f"stopped at {i}")
        report(i, n, f"item {i}", force=True)
    path = report.output_path("count.txt")
    path.write_text("\n".join(str(i) for i in range(1, n + 1)))
    return {"summary": {"counted": n}, "file": str(path), "message": "counted"}


def _user(committed_db: Any, email: str, role: Role = Role.SALES) -> User:
    user = User(email=email, name=email, role=role, password_hash=FAST_HASH)
    committed_db.session.add(user)
    committed_db.session.commit()
    return user


def _submit(committed_db: Any, user: User, **params: Any) -> str:
    with Session(committed_db.engine) as session:
        job = services.submit(
            session, kind="count", task="tests.test_jobs:count_to", params=params, user_id=user.id
        )
        session.commit()
        return job.id


def _wait(committed_db: Any, job_id: str, timeout: float = 10) -> Job:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with Session(committed_db.engine) as session:
            job = session.get(Job, job_id)
            if job.finished:
                session.expunge(job)
                return job
        time.sleep(0.05)
    raise AssertionError("job did not finish")


def test_inline_job_reports_progress_and_serves_its_file(app, committed_db, client, login) -> None:
    owner = _user(committed_db, "owner@x.example")
    job_id = _submit(committed_db, owner, n=5)
    with app.test_request_context(), Session(committed_db.engine) as session:
        services.dispatch(session.get(Job, job_id))
    job = _wait(committed_db, job_id)
    assert job.status is JobStatus.DONE
    assert (job.done, job.total, job.result) == (5, 5, {"counted": 5})
    login(owner)
    assert client.get(f"/jobs/{job_id}/status").json["percent"] == 100
    with client.get(f"/jobs/{job_id}/download") as download:
        assert download.data == b"1\n2\n3\n4\n5"
    login(_user(committed_db, "other@x.example"))
    assert client.get(f"/jobs/{job_id}").status_code == 403
    assert client.get(f"/jobs/{job_id}/download").status_code == 403


def test_failed_job_says_why(app, committed_db) -> None:
    job_id = _submit(committed_db, _user(committed_db, "f@x.example"), n=5, fail_at=3)
    services.run(app, job_id)
    job = _wait(committed_db, job_id)
    assert job.status is JobStatus.FAILED
    assert job.done == 2
    assert "stopped at 3" in job.message


def test_unknown_task_is_refused_at_submit(db) -> None:
    with pytest.raises(AttributeError):
        services.submit(db, kind="x", task="tests.test_jobs:no_such_task", params={}, user_id=None)


def test_job_runs_on_the_redis_queue(app, committed_db, monkeypatch, database_url) -> None:
    redis = pytest.importorskip("redis")
    from rq import Queue, SimpleWorker

    url = "redis://127.0.0.1:6379/15"
    connection = redis.Redis.from_url(url)
    try:
        connection.ping()
    except redis.ConnectionError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    connection.flushdb()
    job_id = _submit(committed_db, _user(committed_db, "q@x.example"), n=3)
    monkeypatch.setitem(app.config, "REDIS_URL", url)
    with app.test_request_context(), Session(committed_db.engine) as session:
        services.dispatch(session.get(Job, job_id))
    queue = Queue(services.QUEUE_NAME, connection=connection)
    assert queue.count == 1
    with Session(committed_db.engine) as session:
        assert session.get(Job, job_id).status is JobStatus.QUEUED
    # The worker builds its own app from the environment, as `expo-crm jobs worker` does.
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("SECRET_KEY", "test")
    monkeypatch.setenv("EXPO_CRM_MEDIA", str(app.config["MEDIA_DIR"]))
    SimpleWorker([queue], connection=connection).work(burst=True)
    job = _wait(committed_db, job_id)
    assert job.status is JobStatus.DONE
    assert job.result == {"counted": 3}
    connection.flushdb()
