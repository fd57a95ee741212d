"""The value pyramid boundaries and company value, with hand-computed expectations."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from expo_crm.exhibitors.models import Invoice, InvoiceKind, Payment, PaymentMethod
from expo_crm.followup import value
from expo_crm.followup.value import Quadrant, Tier

V, M, ORD, S = Tier.VIP, Tier.MAJOR, Tier.ORDINARY, Tier.SMALL


def d(*values: int) -> list[Decimal]:
    return [Decimal(v) for v in values]


def test_no_exhibitors_no_tiers() -> None:
    assert value.assign_tiers([]) == []


def test_a_single_exhibitor_is_vip() -> None:
    assert value.assign_tiers(d(500)) == [V]


def test_ten_exhibitors_one_vip_no_major_one_ordinary() -> None:
    # ceil(0.1) = 1 → VIP is #1; ceil(0.5) = 1 → major boundary is #1 too, so no major;
    # ceil(2.0) = 2 → #2 is ordinary; #3..#10 are small.
    assert value.assign_tiers(d(100, 90, 80, 70, 60, 50, 40, 30, 20, 10)) == [V, ORD] + [S] * 8


def test_fifteen_exhibitors_float_share_does_not_round_up() -> None:
    # 20% of 15 is 3 (a float gives 3.0000000000000004: ceil must still say 3).
    tiers = value.assign_tiers(d(*range(150, 0, -10)))
    assert tiers.count(ORD) == 2
    assert tiers[:4] == [V, ORD, ORD, S]


def test_tie_at_vip_boundary_lifts_both_into_vip() -> None:
    tiers = value.assign_tiers(d(100, 100, 90, 80, 70, 60, 50, 40, 30, 20))
    # Both 100s are VIP; the ordinary boundary (#2) is 100 too, so nobody else is ordinary.
    assert tiers == [V, V] + [S] * 8


def test_two_hundred_exhibitors() -> None:
    tiers = value.assign_tiers(d(*range(200, 0, -1)))
    assert (tiers.count(V), tiers.count(M), tiers.count(ORD), tiers.count(S)) == (2, 8, 30, 160)


def test_tie_at_ordinary_boundary_on_hundred() -> None:
    revenues = d(*range(1000, 900, -1))  # 100 distinct values
    revenues[20] = revenues[19]  # #20 and #21 tie at the ordinary boundary
    tiers = value.assign_tiers(revenues)
    assert (tiers.count(V), tiers.count(M), tiers.count(ORD), tiers.count(S)) == (1, 4, 16, 79)


def test_unsorted_input_is_refused() -> None:
    with pytest.raises(ValueError, match="sorted"):
        value.assign_tiers(d(1, 2))


def test_pyramid_of_an_edition(db, create_show, create_company, make_contract) -> None:
    show = create_show()
    for k, total in enumerate([5000, 3000, 3000, 1000]):
        make_contract(show, create_company(f"Co {k}"), total)
    result = value.pyramid(db, show)
    # n = 4: VIP #1 (5000); major boundary ceil(0.2) = #1; ordinary boundary ceil(0.8) = #1.
    assert [r.tier for r in result.rows] == [V, S, S, S]
    assert result.tiers[V] == {"companies": 1, "revenue": Decimal("5000.00")}
    assert result.tiers[S]["revenue"] == Decimal("7000.00")


def test_company_values_and_matrix(db, three_editions, create_company, make_contract) -> None:
    s23, s24, s25 = three_editions
    loyal, newcomer, fading = (create_company(n) for n in ("Loyal", "Newcomer", "Fading"))
    shrinking, lapsed = create_company("Shrinking"), create_company("Lapsed")
    make_contract(s24, shrinking, 3000, 30)
    make_contract(s25, shrinking, 1000, 10)
    make_contract(s24, lapsed, 5000, 20)
    make_contract(s23, loyal, 1000, 10)
    c24 = make_contract(s24, loyal, 2000, 20)
    make_contract(s25, loyal, 3000, 30)
    make_contract(s25, newcomer, 1000, 10)
    c_f = make_contract(s23, fading, 500, 10)
    invoice = Invoice(
        show_id=s24.id,
        sequence=1,
        number="I-1",
        contract_id=c24.id,
        company_id=loyal.id,
        kind=InvoiceKind.BALANCE,
        currency="BRL",
        amount=Decimal(2000),
        issued_on=date(2024, 1, 1),
        due_on=date(2024, 2, 1),
    )
    invoice2 = Invoice(
        show_id=s23.id,
        sequence=2,
        number="I-2",
        contract_id=c_f.id,
        company_id=fading.id,
        kind=InvoiceKind.BALANCE,
        currency="BRL",
        amount=Decimal(1000),
        issued_on=date(2023, 1, 1),
        due_on=date(2023, 2, 1),
    )
    db.add_all([invoice, invoice2])
    db.flush()
    for inv, amount in ((invoice, 2000), (invoice2, 400)):
        db.add(
            Payment(
                invoice_id=inv.id,
                amount=Decimal(amount),
                currency="BRL",
                method=PaymentMethod.BANK_TRANSFER,
                received_on=date(2024, 1, 15),
            )
        )
    db.flush()
    values = {v.name: v for v in value.company_values(db, s25)}
    # Average revenue per m² at 2025: (3000 + 1000) / 40 = 100.
    assert values["Loyal"].historical == Decimal("2000.00")
    assert values["Loyal"].current == Decimal("3000.00")
    assert values["Loyal"].potential == Decimal("4000.00")  # 3000 + 10 m² × 100
    assert values["Newcomer"].potential == Decimal("1000.00")
    assert values["Fading"].potential == Decimal("500.00")  # last edition's revenue
    assert values["Fading"].historical == Decimal("400.00")
    assert values["Shrinking"].potential == Decimal("0.00")  # 1000 - 20 m² × 100, not below 0
    assert values["Lapsed"].potential == Decimal("5000.00")  # its last edition's revenue
    # The matrix is current against potential. Medians: current of (3000, 1000, 0, 1000, 0)
    # is 1000; potential of (4000, 1000, 500, 0, 5000) is 1000.
    assert values["Loyal"].quadrant is Quadrant.LOYAL
    assert values["Newcomer"].quadrant is Quadrant.LOYAL  # 1000 ≥ 1000 on both
    assert values["Shrinking"].quadrant is Quadrant.REPEAT  # current 1000, potential 0
    assert values["Lapsed"].quadrant is Quadrant.EXPECTED  # nothing now, 5000 to win back
    assert values["Fading"].quadrant is Quadrant.ORDINARY  # nothing now, 500 < 1000
    assert value.matrix_medians(list(values.values())) == (Decimal(1000), Decimal(1000))
    assert any("area trend" in r for r in values["Loyal"].reasons)
