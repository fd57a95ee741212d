"""The gate and the lead scanner are device pages: the tool first, the menu folded away, and
ratings in the exhibitor's words."""

from __future__ import annotations

import re

from flask_babel import refresh

from expo_crm.auth.roles import Role
from expo_crm.badges import issuing

ZH = {"Accept-Language": "zh-CN"}


def _folded_menu(html: str) -> str:
    """The closed <details> the back-office menu folds into (fails if the menu is open)."""
    found = re.search(r'<details class="devicemenu">(.*?)</details>', html, re.S)
    assert found, "the page has no folded menu"
    assert 'class="mainnav"' in found.group(1)
    assert html.count('class="mainnav"') == 1  # no second, unfolded menu
    return found.group(1)


def test_gate_page_folds_the_back_office_menu(as_role, show) -> None:
    page = as_role(Role.ONSITE).get("/badges/gate").text
    menu = _folded_menu(page)
    assert 'href="/exhibitors/desk"' in menu  # still one tap away
    assert page.index("</details>") < page.index('id="gate-name"')


def test_scanner_pages_fold_the_menu_and_show_ratings_as_words(
    db, as_role, create_registration, show
) -> None:
    client = as_role(Role.SCANNER)
    for number, rating in enumerate(("hot", "cold")):
        visitor = issuing.issue_badge(db, create_registration(f"Visitor {number}"))
        lead_id = client.post("/badges/leads/capture", json={"code": visitor.code}).json["id"]
        client.post(f"/badges/leads/{lead_id}", data={"rating": rating, "notes": ""})
    for url in ("/badges/leads/scan", "/badges/leads", "/badges/leads/questions"):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        _folded_menu(response.text)
    english = client.get("/badges/leads").text
    assert ">Hot</td>" in english
    assert ">Cold</td>" in english
    assert ">hot<" not in english
    spreadsheet = client.get("/badges/leads?format=csv").text
    assert ",Hot," in spreadsheet
    assert ",hot," not in spreadsheet
    refresh()  # the tests' one app context keeps the locale of its first request
    chinese = client.get("/badges/leads", headers=ZH).text
    assert ">hot<" not in chinese
    assert ">Hot<" not in chinese
    recent = client.get("/badges/leads/scan", headers=ZH).text
    assert ">cold<" not in recent
    assert ">Cold<" not in recent


def test_question_kinds_are_words(as_role, show) -> None:
    client = as_role(Role.SCANNER)
    client.post("/badges/leads/questions", data={"text": "Budget?", "kind": "yesno"})
    page = client.get("/badges/leads/questions").text
    assert '<span class="tag">Yes or no</span>' in page
