"""Progress and results of long jobs."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, jsonify, render_template, send_file
from flask_login import current_user
from werkzeug.wrappers import Response

from expo_crm.auth.roles import Role, roles
from expo_crm.extensions import db
from expo_crm.jobs import services
from expo_crm.jobs.models import Job
from expo_crm.labels import label

bp = Blueprint("jobs", __name__, url_prefix="/jobs")

#: Every staff role may start some long job; each sees only their own.
JOB_ROLES = (Role.SALES, Role.FINANCE, Role.ONSITE)


def _own_job(job_id: str) -> Job:
    job = services.get_job(db.session, job_id)
    if job.created_by_id != current_user.id and current_user.role is not Role.ADMIN:
        abort(403)
    return job


def status_payload(job: Job) -> dict:
    return {
        "id": job.id,
        "kind": job.kind,
        "status": str(job.status),
        "done": job.done,
        "total": job.total,
        "percent": job.percent,
        "message": job.message,
        "result": job.result,
        #: What each result figure is, in the reader's language.
        "result_labels": {key: label(key, "job_result") for key in job.result or {}},
        "error": job.error,
        "finished": job.finished,
        "download": bool(job.result_file),
    }


@bp.get("/<job_id>")
@roles(*JOB_ROLES)
def show(job_id: str) -> str:
    return render_template("jobs/show.html", job=_own_job(job_id))


@bp.get("/<job_id>/status")
@roles(*JOB_ROLES)
def status(job_id: str) -> Response:
    return jsonify(status_payload(_own_job(job_id)))


@bp.get("/<job_id>/download")
@roles(*JOB_ROLES)
def download(job_id: str) -> Response:
    job = _own_job(job_id)
    if not job.result_file:
        abort(404)
    media = Path(current_app.config["MEDIA_DIR"]).resolve()
    path = (media / job.result_file).resolve()
    if not path.is_relative_to(media) or not path.is_file():
        abort(404)
    return send_file(path, as_attachment=True, download_name=path.name)
