from __future__ import annotations

import enum
import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from expo_crm.db import enum_column, utcnow
from expo_crm.extensions import Model


class JobStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Job(Model):
    __tablename__ = "jobs"

    #: Random, so job URLs cannot be guessed from one another.
    id: Mapped[str] = mapped_column(
        String(32), primary_key=True, default=lambda: secrets.token_hex(16)
    )
    #: What the job does, e.g. ``badges.bulk_pdf``; shown as its title.
    kind: Mapped[str] = mapped_column(String(60))
    #: ``module:function`` run by the worker.
    task: Mapped[str] = mapped_column(String(200))
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[JobStatus] = mapped_column(enum_column(JobStatus), default=JobStatus.QUEUED)
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int | None]
    message: Mapped[str] = mapped_column(String(300), default="")
    #: A summary the task returns (counts, warnings) shown when the job is done.
    result: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: A file the job produced, relative to MEDIA_DIR (a PDF, an export).
    result_file: Mapped[str | None] = mapped_column(String(300))
    error: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    created_by = relationship("User")

    @property
    def percent(self) -> int | None:
        if not self.total:
            return None
        return min(100, round(100 * self.done / self.total))

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)

    def __repr__(self) -> str:
        return f"<Job {self.kind} {self.status} {self.done}/{self.total}>"
