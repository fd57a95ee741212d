"""Follow-up pages through the client: roles, lists behind figures, forms, errors, API."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from expo_crm.auth.roles import Role
from expo_crm.auth.services import issue_token
from expo_crm.followup import prospects
from expo_crm.followup.models import FollowUpTask, SavedSegment, TaskStatus


@pytest.fixture
def edition(db, three_editions, create_company, make_contract, make_registration):
    s23, s24, s25 = three_editions
    acme = create_company("Acme", country="BR", industry="Packaging")
    beta = create_company("Beta", country="DE", industry="Packaging")
    make_contract(s23, acme, 1000, 9)
    make_contract(s24, acme, 2000, 18)
    make_contract(s24, beta, 500, 9)
    make_registration(s24, create_company("Visiting Co", country="BR"), job_function="Purchasing")
    make_registration(s24, beta)
    return s24


def test_dashboard_links_each_figure_to_its_list(as_role, edition) -> None:
    client = as_role(Role.SALES)
    page = client.get(f"/followup/?show={edition.code}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f"/followup/lists/exhibitors/{edition.code}/upgraded" in html
    assert f"/followup/lists/visitors/{edition.code}/returning" in html
    assert "vendor/chart.js/chart.umd.min.js" in html
    upgraded = client.get(f"/followup/lists/exhibitors/{edition.code}/upgraded")
    assert "Acme" in upgraded.get_data(as_text=True)
    assert "Beta" not in upgraded.get_data(as_text=True)


def test_finance_reads_the_dashboard_but_not_segments(as_role, edition) -> None:
    client = as_role(Role.FINANCE)
    assert client.get(f"/followup/?show={edition.code}").status_code == 200
    assert client.get("/followup/segments").status_code == 403


@pytest.mark.parametrize("role", [Role.SCANNER, Role.KIOSK, Role.ONSITE])
def test_devices_and_floor_staff_are_refused(as_role, edition, role) -> None:
    assert as_role(role).get("/followup/").status_code == 403


def test_every_list_exports_csv_and_xlsx(as_role, edition) -> None:
    client = as_role(Role.SALES)
    code = edition.code
    for url in [
        f"/followup/lists/exhibitors/{code}/exhibitors",
        f"/followup/lists/visitors/{code}/visitors",
        f"/followup/pyramid/{code}",
        f"/followup/value/{code}",
        f"/followup/sales/{code}",
        f"/followup/segments?show={code}",
        f"/followup/prospects?show={code}",
        "/followup/tasks/mine",
        "/followup/tasks/overdue",
    ]:
        assert client.get(url).status_code == 200, url
        for fmt in ("csv", "xlsx"):
            response = client.get(url + ("&" if "?" in url else "?") + f"format={fmt}")
            assert response.status_code == 200, (url, fmt)
            assert "attachment" in response.headers["Content-Disposition"]
    assert client.get(f"/followup/pyramid/{code}?format=pdf").status_code == 422


def test_unknown_list_is_a_clear_error(as_role, edition) -> None:
    response = as_role(Role.SALES).get(f"/followup/lists/exhibitors/{edition.code}/bogus")
    assert response.status_code == 422


def test_save_segment_and_refuse_duplicate(as_role, edition, db) -> None:
    client = as_role(Role.SALES)
    data = {
        "name": "BR trade",
        "filters": '{"show": "EXPO2024", "countries": ["BR"], "categories": ["trade"]}',
    }
    response = client.post("/followup/segments/save", data=data)
    assert response.status_code == 302
    saved = db.query(SavedSegment).one()
    assert saved.filters == {"show": "EXPO2024", "countries": ["BR"], "categories": ["trade"]}
    again = client.post("/followup/segments/save", data=data)
    assert again.status_code == 302
    assert db.query(SavedSegment).count() == 1
    opened = client.get(f"/followup/segments/{saved.id}", follow_redirects=True)
    assert 'id="segment-total">1<' in opened.get_data(as_text=True)


def test_bulk_tasks_from_prospects_twice_makes_no_duplicates(
    as_role, edition, create_user, db
) -> None:
    sales = create_user(Role.SALES)
    client = as_role(Role.SALES)
    data = {
        "campaign": "Prospects EXPO2024",
        "title": "Offer a booth",
        "due_on": "2030-01-15",
        "per": "company",
        "assignment": "round_robin",
        "assignees": [str(sales.id)],
        "top": "10",
        "source": "prospects",
        "filters": f'{{"show": "{edition.code}"}}',
    }
    assert client.post("/followup/tasks/bulk", data=data).status_code == 302
    made = db.query(FollowUpTask).all()
    assert [t.company.name for t in made] == ["Visiting Co"]
    client.post("/followup/tasks/bulk", data=data)
    assert db.query(FollowUpTask).count() == 1
    bad = dict(data, due_on="not a date", campaign="Other")
    client.post("/followup/tasks/bulk", data=bad)
    assert db.query(FollowUpTask).count() == 1


def test_my_tasks_and_task_update(as_role, create_user, db, login) -> None:
    user = create_user(Role.SALES)
    task = FollowUpTask(title="Call Acme", assigned_to_id=user.id, due_on=date(2020, 1, 1))
    db.add(task)
    db.flush()
    client = login(user)
    assert "Call Acme" in client.get("/followup/tasks/mine").get_data(as_text=True)
    assert "Call Acme" in client.get("/followup/tasks/overdue").get_data(as_text=True)
    refused = client.post(f"/followup/tasks/{task.id}", data={"status": "done", "outcome": ""})
    assert refused.status_code == 422
    assert db.get(FollowUpTask, task.id).status is TaskStatus.OPEN
    done = client.post(
        f"/followup/tasks/{task.id}", data={"status": "done", "outcome": "interested"}
    )
    assert done.status_code == 302
    assert db.get(FollowUpTask, task.id).status is TaskStatus.DONE


def test_weights_page_refuses_bad_numbers(as_role, db) -> None:
    client = as_role(Role.SALES)
    assert client.get("/followup/prospects/weights").status_code == 200
    data = {name: "1" for name in prospects.SIGNALS}
    bad = client.post("/followup/prospects/weights", data=dict(data, lapsed="500"))
    assert bad.status_code == 422
    assert prospects.get_weights(db)["lapsed"] == prospects.DEFAULT_WEIGHTS["lapsed"]
    ok = client.post("/followup/prospects/weights", data=dict(data, lapsed="9"))
    assert ok.status_code == 302
    assert prospects.get_weights(db)["lapsed"] == 9


def test_opt_out_page_and_profile(as_role, create_person, create_company, db) -> None:
    client = as_role(Role.SALES)
    person = create_person("Zed", email="zed@example.com")
    assert client.post("/followup/optouts", data={"reason": "x"}).status_code == 422
    ok = client.post("/followup/optouts", data={"person_id": person.id, "reason": "asked"})
    assert ok.status_code == 302
    profile = client.get(f"/followup/people/{person.id}").get_data(as_text=True)
    assert "opted out" in profile
    assert client.get("/followup/people/999999").status_code == 404


def test_interaction_logged_from_company_page(as_role, create_company, db) -> None:
    client = as_role(Role.SALES)
    company = create_company("Gamma")
    page = client.get(f"/companies/{company.id}").get_data(as_text=True)
    assert "Log interaction" in page
    client.post(
        "/followup/interactions",
        data={"kind": "call", "summary": "Interested in hall B", "company_id": company.id},
    )
    assert "Interested in hall B" in client.get(f"/companies/{company.id}").get_data(as_text=True)


def test_segment_export_is_csv_with_header(as_role, edition) -> None:
    response = as_role(Role.SALES).get(f"/followup/segments?show={edition.code}&format=csv")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:2] == ["Name", "Email"]
    assert len(rows) == 3


def test_api_kpis(client, create_user, db, edition) -> None:
    token = issue_token(db, create_user(Role.FINANCE), "t")
    headers = {"Authorization": f"Bearer {token}"}
    trend = client.get("/api/v1/followup/kpis", headers=headers)
    assert trend.status_code == 200
    assert [k["show_code"] for k in trend.json] == ["EXPO2023", "EXPO2024", "EXPO2025"]
    one = client.get(f"/api/v1/followup/kpis/{edition.code}?basis=spend", headers=headers)
    assert one.json["exhibitors"] == 2
    assert one.json["upgraded"] == 1
    bad = client.get(f"/api/v1/followup/kpis/{edition.code}?basis=weight", headers=headers)
    assert bad.status_code == 422
    tiers = client.get(f"/api/v1/followup/pyramid/{edition.code}", headers=headers).json
    assert tiers[0] == {"tier": "vip", "companies": 1, "revenue": "2000.00"}
