"""An edition created by mistake: deleted while it holds nothing, archived otherwise."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from expo_crm.auth.roles import Role
from expo_crm.errors import Conflict
from expo_crm.exhibitors.models import Booth, BoothType, PriceList
from expo_crm.followup import kpis
from expo_crm.shows import services
from expo_crm.shows.models import Show


def test_an_empty_edition_is_deleted_with_its_setup(db, create_show) -> None:
    mistake = create_show("EXPO2099", 2099)
    db.add(PriceList(show_id=mistake.id, rules={}))
    db.add(
        Booth(show_id=mistake.id, hall="A", code="A-1", area_m2=9, booth_type=BoothType.RAW_SPACE)
    )
    db.flush()
    services.delete_show(db, mistake)
    assert db.scalar(select(Show).where(Show.code == "EXPO2099")) is None
    assert db.scalar(select(Booth).where(Booth.code == "A-1")) is None


def test_an_edition_with_data_is_not_deleted(
    db, create_show, create_company, make_registration
) -> None:
    show = create_show("EXPO2026", 2026)
    make_registration(show, create_company("Visiting Co"))
    with pytest.raises(Conflict, match="registrations 1"):
        services.delete_show(db, show)
    assert db.get(Show, show.id) is not None


def test_archiving_takes_an_edition_out_of_the_figures(
    db, create_show, create_company, make_contract
) -> None:
    s25, s26, mistake = (create_show(f"EXPO{y}", y) for y in (2025, 2026, 2027))
    co = create_company("Exhibitor")
    make_contract(s25, co)
    make_contract(s26, co)
    make_contract(mistake, create_company("Someone"))
    trend = kpis.trend(db, today=date(2028, 1, 1))
    assert [k.show_code for k in trend] == ["EXPO2025", "EXPO2026", "EXPO2027"]
    assert trend[-1].lost == 1  # the mistaken edition "loses" the real exhibitor
    services.archive_show(db, mistake)
    trend = kpis.trend(db, today=date(2028, 1, 1))
    assert [k.show_code for k in trend] == ["EXPO2025", "EXPO2026"]
    assert [s.code for s in services.list_shows(db)] == ["EXPO2026", "EXPO2025"]
    assert services.current_show(db, today=date(2027, 1, 1)).code == "EXPO2026"
    assert services.next_show(db, s26) is None
    with pytest.raises(Conflict):
        services.archive_show(db, mistake)
    services.restore_show(db, mistake)
    assert len(kpis.trend(db)) == 3


def test_pages_and_roles(db, as_role, create_show) -> None:
    create_show("EXPO2098", 2098)
    sales = as_role(Role.SALES)
    assert "EXPO2098" in sales.get("/shows/").get_data(as_text=True)
    assert sales.post("/shows/EXPO2098/archive").status_code == 403  # administrators only
    assert as_role(Role.FINANCE).post("/shows/EXPO2098/delete").status_code == 403
    admin = as_role(Role.ADMIN)
    assert admin.post("/shows/EXPO2098/archive").status_code == 302
    assert db.scalar(select(Show.archived_at).where(Show.code == "EXPO2098")) is not None
    assert admin.post("/shows/EXPO2098/restore").status_code == 302
    assert sales.post("/shows/EXPO2098/delete").status_code == 302
    assert db.scalar(select(Show).where(Show.code == "EXPO2098")) is None


def test_command_line(db, runner, create_show, create_company, make_registration) -> None:
    show = create_show("EXPO2097", 2097)
    make_registration(show, create_company("Visiting Co"))
    out = runner.invoke(args=["shows", "delete", "EXPO2097"])
    assert out.exit_code == 1
    assert "Archive it instead" in out.output
    out = runner.invoke(args=["shows", "archive", "EXPO2097"])
    assert out.exit_code == 0, out.output
    assert "[archived]" in runner.invoke(args=["shows", "list"]).output
