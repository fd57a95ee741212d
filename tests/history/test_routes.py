"""The history pages: a list imported from the back office as a job, and uncertain
matches decided on the review page."""

from __future__ import annotations

import io
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from expo_crm.auth.models import User
from expo_crm.auth.roles import Role
from expo_crm.directory.models import Company
from expo_crm.history import importer
from expo_crm.history.models import Participation, Review
from expo_crm.jobs.models import JobStatus
from expo_crm.shows.models import Show
from tests.conftest import FAST_HASH
from tests.test_jobs import _wait


def _upload(content: bytes, name: str = "expo2019.csv", **fields: str) -> dict:
    return {"file": (io.BytesIO(content), name), "show": "EXPO2019", **fields}


def test_the_page_shows_editions_by_source_and_the_form(db, as_role, create_show) -> None:
    create_show("EXPO2024", 2024)
    page = as_role(Role.SALES).get("/history/")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "EXPO2024" in text
    assert 'id="chart-sources"' in text
    assert 'name="file"' in text


def test_a_bad_file_is_refused_on_the_form_with_its_lines(db, as_role, create_show) -> None:
    create_show("EXPO2024", 2024)
    client = as_role(Role.SALES)
    response = client.post(
        "/history/import",
        data=_upload(b"company,area_m2\nAcme,9\n,4\nBeta,many\n", opens="2019-10-08"),
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "line 3: a company is missing" in text
    assert "line 4: area_m2 “many” is not a positive number." in text
    assert db.scalar(select(Show.id).where(Show.code == "EXPO2019")) is None


def test_a_good_file_is_imported_by_a_job_with_progress(app, committed_db, client, login) -> None:
    with Session(committed_db.engine) as session:
        session.add(
            Show(
                code="EXPO2024",
                name="Expo 2024",
                year=2024,
                venue="V",
                city="C",
                country="BR",
                starts_on=date(2024, 10, 6),
                ends_on=date(2024, 10, 9),
                currency="BRL",
                phone_region="BR",
            )
        )
        session.add(Company(name="Capgemini", normalized_name="capgemini", country="FR"))
        user = User(email="s@x.example", name="S", role=Role.SALES, password_hash=FAST_HASH)
        session.add(user)
        session.commit()
        user_id = user.id
    with Session(committed_db.engine) as session:
        login(session.get(User, user_id))
    response = client.post(
        "/history/import",
        data=_upload(b"company,area_m2\nCapgemini UK,12\nNordic Foods,9\n", opens="2019-10-08"),
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    job_id = response.location.rsplit("/", 1)[-1]
    job = _wait(committed_db, job_id)
    assert job.status is JobStatus.DONE, job.message
    assert (job.done, job.total) == (2, 2)
    assert "2 companies imported into EXPO2019: 1 matched, 1 new." in job.message
    with Session(committed_db.engine) as session:
        names = sorted(session.scalars(select(Participation.listed_name)))
    assert names == ["Capgemini UK", "Nordic Foods"]
    assert client.get(f"/jobs/{job_id}").status_code == 200


def test_review_page_decides_same_and_different(db, as_role, create_show, create_company) -> None:
    create_show("EXPO2024", 2024)
    vertex = create_company("Vertex Systems Ltda", country="BR")
    create_company("Helix Medical", country="DE")
    importer.import_list(
        db,
        b"company\nVortex Systems\nHelix Medica Systems\n",
        "2019.csv",
        "EXPO2019",
        opens=date(2019, 10, 8),
    )
    client = as_role(Role.SALES)
    page = client.get("/history/review").get_data(as_text=True)
    assert "Vortex Systems" in page
    assert "Vertex Systems Ltda" in page
    rows = {p.listed_name: p for p in db.scalars(select(Participation))}
    vortex, helix = rows["Vortex Systems"], rows["Helix Medica Systems"]
    same = client.post(f"/history/review/{vortex.id}", data={"decision": "same"})
    assert same.status_code == 302
    assert db.get(Participation, vortex.id).company_id == vertex.id
    client.post(f"/history/review/{helix.id}", data={"decision": "different"})
    assert db.get(Participation, helix.id).review is Review.DIFFERENT
    assert "Nothing to review" in client.get("/history/review").get_data(as_text=True)
    again = client.post(f"/history/review/{vortex.id}", data={"decision": "different"})
    assert again.status_code == 302  # decided already: said on the page, nothing changes
    assert db.get(Participation, vortex.id).review is Review.SAME
