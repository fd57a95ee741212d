"""Booths on the floor plan: placed booths of a hall may touch but never overlap."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from expo_crm.auth.roles import Role
from expo_crm.auth.services import issue_token
from expo_crm.errors import ValidationError
from expo_crm.exhibitors import services
from expo_crm.exhibitors.models import Booth, BoothType

D = Decimal


def _count(db) -> int:
    return db.scalar(select(func.count(Booth.id)))


def _positions(db, show) -> dict[str, tuple]:
    return {b.code: (b.hall, b.x, b.y, b.width, b.depth) for b in services.list_booths(db, show)}


# -- create ---------------------------------------------------------------------------------


def test_a_new_booth_cannot_overlap_one_of_its_hall(db, show, create_booth) -> None:
    create_booth(code="A11", x=0, y=0, width=6, depth=3)
    with pytest.raises(ValidationError) as err:
        create_booth(code="A12", x=5, y=2, width=3, depth=3)
    assert err.value.message == "Booth A12 overlaps booth A11 in hall A."
    assert err.value.field == "x"
    # Inside it, covering it, on exactly the same spot: all overlaps.
    for x, y, width, depth in [(1, 1, 1, 1), (0, 0, 10, 10), (0, 0, 6, 3)]:
        with pytest.raises(ValidationError, match="overlaps booth A11"):
            create_booth(code="A13", x=x, y=y, width=width, depth=depth)
    assert _count(db) == 1


def test_booths_may_touch_at_an_edge_or_a_corner(db, show, create_booth) -> None:
    create_booth(code="A-1", x=3, y=3, width=3, depth=3)
    create_booth(code="A-2", x=6, y=3)  # right edge
    create_booth(code="A-3", x=3, y=6)  # bottom edge
    create_booth(code="A-4", x=0, y=0)  # top-left corner
    create_booth(code="A-5", x=0, y=3)  # left edge
    create_booth(code="A-6", x=6, y=0)  # top-right corner
    # Decimal sums: 0.1 + 0.2 is exactly 0.3, so these two only touch.
    create_booth(code="A-7", x=D("0.1"), y=20, width=D("0.2"), depth=1)
    create_booth(code="A-8", x=D("0.3"), y=20, width=1, depth=1)
    assert _count(db) == 8
    with pytest.raises(ValidationError, match="Booth A-9 overlaps booth A-8 in hall A"):
        create_booth(code="A-9", x=D("1.29"), y=D("20.99"), width=1, depth=1)


def test_same_spot_in_another_hall_or_edition_is_free(db, show, create_show, create_booth) -> None:
    create_booth(code="A-1", x=0, y=0)
    create_booth(code="B-1", hall="B", x=0, y=0)
    create_booth(show=create_show("EXPO2027", 2027), code="A-1", x=0, y=0)
    assert _count(db) == 3


def test_booths_without_a_position_are_not_on_the_plan_and_not_checked(
    db, show, create_booth
) -> None:
    create_booth(code="A-1", x=0, y=0)
    a2 = create_booth(code="A-2")
    a3 = create_booth(code="A-3", width=6, depth=6)
    assert (a2.x, a2.y, a3.x, a3.y) == (None, None, None, None)
    assert not a2.is_placed
    with pytest.raises(ValidationError, match="Give both x and y") as err:
        create_booth(code="A-4", x=10)
    assert err.value.field == "y"
    with pytest.raises(ValidationError, match="Give both x and y") as err:
        create_booth(code="A-4", y=10)
    assert err.value.field == "x"
    assert _count(db) == 3


# -- update ---------------------------------------------------------------------------------


def test_moving_or_resizing_onto_another_booth_is_refused(db, show, create_booth) -> None:
    create_booth(code="A10", x=0, y=0, width=3, depth=3)
    create_booth(code="A11", x=6, y=0, width=3, depth=3)
    a12 = create_booth(code="A12", x=3, y=0, width=3, depth=3)
    create_booth(code="B-1", hall="B", x=4, y=1, width=3, depth=3)
    before = _positions(db, show)
    refused = [
        ({"x": D("2.5")}, "Booth A12 overlaps booth A10 in hall A."),  # moved left
        ({"width": 4}, "Booth A12 overlaps booth A11 in hall A."),  # widened
        ({"hall": "b"}, "Booth A12 overlaps booth B-1 in hall B."),  # moved to hall B
        ({"x": 1, "y": 1, "code": "A13"}, "Booth A13 overlaps booth A10 in hall A."),
    ]
    for fields, message in refused:
        with pytest.raises(ValidationError) as err:
            services.update_booth(db, a12, None, **fields)
        assert err.value.message == message
    assert _positions(db, show) == before
    # Deepened, moved down, saved again on the same spot: fine.
    services.update_booth(db, a12, None, depth=6)
    services.update_booth(db, a12, None, y=3, x=0, width=6, depth=3)
    services.update_booth(db, a12, None, x=0, y=3, width=6, depth=3, area_m2=18)
    assert (a12.x, a12.y, a12.width, a12.depth) == (0, 3, 6, 3)


def test_placing_a_booth_later_is_checked(db, show, create_booth) -> None:
    create_booth(code="A-1", x=0, y=0)
    later = create_booth(code="A-2")
    with pytest.raises(ValidationError, match="Booth A-2 overlaps booth A-1 in hall A"):
        services.update_booth(db, later, None, x=1, y=1)
    with pytest.raises(ValidationError, match="Give both x and y"):
        services.update_booth(db, later, None, x=3)
    services.update_booth(db, later, None, x=3, y=0)
    assert later.is_placed


def test_an_edit_that_does_not_move_a_booth_is_not_blocked_by_an_old_overlap(
    db, show, create_booth
) -> None:
    """Booths stored before the check (the old default put them all at 0,0) may overlap."""
    old = [
        Booth(
            show_id=show.id,
            hall="A",
            code=f"OLD-{n}",
            area_m2=D(9),
            booth_type=BoothType.SHELL_SCHEME,
            x=D(0),
            y=D(0),
        )
        for n in (1, 2)
    ]
    db.add_all(old)
    db.flush()
    services.update_booth(db, old[0], None, code="OLD-1B", area_m2=12, x=0, y=0, width=3)
    assert old[0].code == "OLD-1B"
    with pytest.raises(ValidationError, match="overlaps booth OLD-2"):
        services.update_booth(db, old[0], None, x=1)
    services.update_booth(db, old[0], None, x=3)  # moved apart: the overlap is gone
    assert old[0].x == 3


# -- CSV import -----------------------------------------------------------------------------


HEADER = "hall,code,area_m2,booth_type,open_sides,x,y,width,depth\n"


def test_import_refuses_booths_overlapping_stored_ones_or_each_other(
    db, show, create_booth
) -> None:
    create_booth(code="A-1", x=0, y=0, width=6, depth=3)
    before = _count(db)
    text = HEADER + (
        "A,A-2,9,shell_scheme,1,6,0,3,3\n"  # line 2: touches A-1, fine
        "A,A-3,9,shell_scheme,1,5,0,3,3\n"  # line 3: over A-1
        "A,A-4,9,shell_scheme,1,20,0,3,3\n"  # line 4: fine
        "A,A-5,9,shell_scheme,1,21,1,3,3\n"  # line 5: over line 4
        "B,B-1,9,shell_scheme,1,0,0,3,3\n"  # line 6: another hall, fine
        "A,A-6,9,shell_scheme,1,,,3,3\n"  # line 7: not on the plan, fine
        "A,A-7,9,shell_scheme,1,,,3,3\n"  # line 8: not on the plan either, fine
        "A,A-8,9,shell_scheme,1,7,,3,3\n"  # line 9: half a position
        "A,A-9,-9,shell_scheme,1,40,0,3,3\n"  # line 10: bad area
    )
    with pytest.raises(ValidationError) as err:
        services.import_booths_csv(db, show, text)
    message = err.value.message
    assert "line 3: Booth A-3 overlaps booth A-1 in hall A." in message
    assert "line 5: Booth A-5 overlaps booth A-4 in hall A." in message
    assert "line 9: Give both x and y" in message
    assert "line 10: The area must be greater than zero" in message
    for fine in (2, 4, 6, 7, 8):
        assert f"line {fine}:" not in message
    assert _count(db) == before  # all or nothing


def test_import_of_booths_that_only_touch(db, show, create_booth) -> None:
    create_booth(code="A-1", x=0, y=0)
    text = HEADER + (
        "A,A-2,9,shell_scheme,1,3,0,3,3\n"
        "A,A-3,9,shell_scheme,1,0,3,3,3\n"
        "A,A-4,9,shell_scheme,1,3,3,3,3\n"
        "A,A-5,9,shell_scheme,1,,,,\n"
        "A,A-6,9,shell_scheme,1,,,,\n"
    )
    assert services.import_booths_csv(db, show, text) == 5
    positions = _positions(db, show)
    assert positions["A-4"] == ("A", 3, 3, 3, 3)
    assert positions["A-5"] == positions["A-6"] == ("A", None, None, 3, 3)


def test_exported_booths_import_again_with_their_places(
    db, show, create_show, create_booth, as_role
) -> None:
    create_booth(code="A-1", x=0, y=0, width=6, depth=3)
    create_booth(code="A-2", x=6, y=0)
    create_booth(code="A-3")
    exported = as_role(Role.SALES).get(f"/exhibitors/booths?show={show.code}&format=csv")
    text = exported.get_data(as_text=True).lstrip("\ufeff")
    next_year = create_show("EXPO2027", 2027)
    assert services.import_booths_csv(db, next_year, text) == 3
    assert _positions(db, next_year) == _positions(db, show)
    assert _positions(db, next_year)["A-3"][1:3] == (None, None)


# -- the user sees the error ----------------------------------------------------------------


def test_booth_form_shows_the_overlap(db, show, create_booth, as_role) -> None:
    create_booth(code="A11", x=0, y=0)
    moving = create_booth(code="A10", x=10, y=0)
    client = as_role(Role.SALES)
    form = {"hall": "A", "area_m2": "9", "booth_type": "shell_scheme", "open_sides": 1}
    response = client.post(
        f"/exhibitors/booths/new?show={show.code}",
        data={**form, "code": "A12", "x": "2", "y": "2", "width": "3", "depth": "3"},
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert '<p class="error" role="alert">Booth A12 overlaps booth A11 in hall A.</p>' in page
    assert _count(db) == 2
    response = client.post(
        f"/exhibitors/booths/{moving.id}/edit",
        data={**form, "code": "A10", "x": "1", "y": "0", "width": "3", "depth": "3"},
    )
    assert response.status_code == 200
    assert "Booth A10 overlaps booth A11 in hall A." in response.get_data(as_text=True)
    db.refresh(moving)
    assert moving.x == 10
    # Without a position the booth is added, off the plan.
    response = client.post(f"/exhibitors/booths/new?show={show.code}", data={**form, "code": "A13"})
    assert response.status_code == 302
    assert db.scalar(select(Booth).where(Booth.code == "A13")).x is None


def test_booth_import_page_names_the_overlapping_lines(db, show, create_booth, as_role) -> None:
    create_booth(code="A11", x=0, y=0)
    client = as_role(Role.SALES)
    text = HEADER + "A,A12,9,shell_scheme,1,1,1,3,3\n"
    response = client.post(
        f"/exhibitors/booths/import?show={show.code}",
        data={"file": (io.BytesIO(text.encode()), "booths.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    with client.session_transaction() as session:
        flashes = [m for _c, m in session.get("_flashes", [])]
    assert any("line 2: Booth A12 overlaps booth A11 in hall A." in m for m in flashes)
    assert _count(db) == 1


def test_api_answers_422_naming_the_other_booth(db, show, create_booth, client, create_user):
    create_booth(code="A11", x=0, y=0)
    token = issue_token(db, create_user(Role.SALES), "test")
    body = {"show": show.code, "hall": "A", "area_m2": "9", "booth_type": "shell_scheme"}
    response = client.post(
        "/api/v1/booths",
        json={**body, "code": "A12", "x": "1.5", "y": "0"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 422
    error = response.json["error"]
    assert error["message"] == "Booth A12 overlaps booth A11 in hall A."
    assert error["fields"] == {"x": "Booth A12 overlaps booth A11 in hall A."}
    touching = client.post(
        "/api/v1/booths",
        json={**body, "code": "A12", "x": "3", "y": "0"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert touching.status_code == 201
    unplaced = client.post(
        "/api/v1/booths", json={**body, "code": "A13"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert unplaced.status_code == 201
    assert (unplaced.json["x"], unplaced.json["y"]) == (None, None)
    assert _count(db) == 3


def test_overlap_message_in_chinese(app, db, show, create_booth) -> None:
    create_booth(code="A11", x=0, y=0)
    with (
        app.test_request_context(),
        force_locale("zh_Hans_CN"),
        pytest.raises(ValidationError) as err,
    ):
        create_booth(code="A12", x=1, y=1)
    assert err.value.message == "展位 A12 与 A 馆的展位 A11 重叠。"
