"""The main menu of every role: each item opens a page that role may use."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from expo_crm.auth.roles import Role


class _MenuLinks(HTMLParser):
    """Collect the hrefs of the links inside ``nav.mainnav``."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "nav" and "mainnav" in (found.get("class") or "").split():
            self.depth = 1
        elif tag == "nav" and self.depth:
            self.depth += 1
        elif tag == "a" and self.depth and found.get("href"):
            self.links.append(str(found["href"]))

    def handle_endtag(self, tag: str) -> None:
        if tag == "nav" and self.depth:
            self.depth -= 1


def menu_links(html: str) -> list[str]:
    parser = _MenuLinks()
    parser.feed(html)
    return parser.links


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.KIOSK])
def test_every_menu_item_opens_a_page(role: Role, as_role, create_show) -> None:
    create_show()
    client = as_role(role)
    home = client.get("/", follow_redirects=True)
    assert home.status_code == 200
    links = menu_links(home.text)
    assert links, f"{role} has no menu"
    for link in links:
        response = client.get(link)
        assert response.status_code == 200, (role, link, response.status_code)


def test_administrators_leads_item_is_the_organizers_lead_report(as_role, create_show) -> None:
    create_show()
    client = as_role(Role.ADMIN)
    links = menu_links(client.get("/exhibitors/").text)
    assert "/badges/exhibitor-leads" in links
    assert "/badges/leads/scan" not in links
    # Typed by hand, a scanner page sends an administrator to the report, not to an error.
    for page in ("/badges/leads/scan", "/badges/leads", "/badges/leads/questions"):
        response = client.get(page)
        assert response.status_code == 302, page
        assert response.location.endswith("/badges/exhibitor-leads")


def test_on_site_staff_reach_the_on_site_desk_from_the_menu(as_role, create_show) -> None:
    create_show()
    links = menu_links(as_role(Role.ONSITE).get("/", follow_redirects=True).text)
    assert "/exhibitors/desk" in links
    assert "/badges/gate" in links
