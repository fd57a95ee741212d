"""Rebooking risk on a small worked history, computed by hand.

    company  2021      2022      2023      2024
    A        listed    listed    listed    listed
    B        -         -         listed    -
    C        listed    -         listed    -
    D        -         18 m²     9 m²      -
    E        -         9 m²      12 m²     listed

Hand risk at 2023 (weights in rebooking.HAND_WEIGHTS; no leads, check-ins or invoices):
    A: 3 editions → -1.2;  B: 1 edition, first → -0.4 + 3 = 2.6
    C: 2 editions, missed 2022, came back → -0.8 + 1 + 1 = 1.2
    D: 2 editions, shrank → -0.8 + 2 = 1.2;  E: 2 editions, grew → -0.8 - 1 = -1.8
Lapsed at 2024: B, C, D.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from expo_crm.errors import ValidationError
from expo_crm.exhibitors.models import (
    ContractStatus,
    Invoice,
    InvoiceKind,
    Payment,
    PaymentMethod,
)
from expo_crm.followup import learning, rebooking
from expo_crm.visitors.models import VisitorCategory


@pytest.fixture
def worked(db, create_show, create_company, listed):
    s21, s22, s23, s24 = (create_show(f"EXPO{y}", y) for y in (2021, 2022, 2023, 2024))
    co = {k: create_company(f"Company {k}") for k in "ABCDE"}
    for show in (s21, s22, s23, s24):
        listed(show, co["A"])
    listed(s23, co["B"])
    listed(s21, co["C"])
    listed(s23, co["C"])
    listed(s22, co["D"], 18)
    listed(s23, co["D"], 9)
    listed(s22, co["E"], 9)
    listed(s23, co["E"], 12)
    listed(s24, co["E"])
    return (s21, s22, s23, s24), co


def test_signals_and_hand_score(db, worked) -> None:
    (_s21, _s22, s23, _s24), co = worked
    rows = {r.name: r for r in rebooking.all_signals(db, s23)}
    assert rows["Company C"].signals | {} == {
        **{s: 0 for s in rebooking.SIGNALS},
        "editions": 2,
        "gaps": 1,
        "returned": 1,
    }
    assert rows["Company D"].signals["shrank"] == 1
    assert rows["Company E"].signals["grew"] == 1
    assert rows["Company B"].signals["first_time"] == 1
    scores = {n: rebooking.HAND.score(r.signals) for n, r in rows.items()}
    assert scores == pytest.approx(
        {"Company A": -1.2, "Company B": 2.6, "Company C": 1.2, "Company D": 1.2, "Company E": -1.8}
    )


def test_the_list_is_ranked_by_the_database_and_leaves_out_the_rebooked(db, worked) -> None:
    (_s21, _s22, s23, _s24), co = worked
    page = rebooking.risk_page(db, s23, 1, 2)
    assert [r.name for r in page.rows] == ["Company B", "Company C"]  # C before D: lower id
    assert (page.total, page.booked) == (3, 2)  # A and E booked 2024
    reasons = {s for s, _text, _points in page.rows[1].reasons}
    assert reasons == {"editions", "gaps", "returned"}
    assert [r.name for r in rebooking.risk_list(db, s23)] == [
        "Company B",
        "Company C",
        "Company D",
    ]


def test_backtest_beside_baselines(db, worked) -> None:
    (_s21, _s22, s23, s24), _co = worked
    result = learning.backtest(db, rebooking.question(), s23, ks=(1, 2, 3), today=date(2025, 1, 1))
    assert (result.companies, result.outcomes) == (5, 3)
    by = {r.name: r for r in result.rankings}
    assert set(by) == {"hand", "editions", "random"}  # too little history to learn
    assert "Too few examples" in (result.learned_note or "")
    assert by["hand"].auc == 1.0
    assert by["hand"].top == {1: 1, 2: 2, 3: 3}
    # Fewer editions, more risk: B (1) first, then C, D, E (2) by id, then A (3).
    assert by["editions"].auc == pytest.approx(5 / 6, abs=1e-4)
    assert by["editions"].top == {1: 1, 2: 2, 3: 3}
    with pytest.raises(ValidationError):
        learning.backtest(db, rebooking.question(), s24)


def test_backtest_command_prints_every_ranking(db, worked, runner) -> None:
    out = runner.invoke(args=["followup", "rebooking-backtest", "--show", "EXPO2023"])
    assert out.exit_code == 0, out.output
    for label in ("hand weights", "editions attended", "random"):
        assert label in out.output
    assert "5 companies, 3 with the outcome" in out.output
    as_json = runner.invoke(args=["followup", "rebooking-backtest", "--show", "EXPO2023", "--json"])
    data = json.loads(as_json.output)
    assert [r["name"] for r in data["rankings"]] == ["hand", "editions", "random"]


def test_payments_leads_staff_and_cancellations_are_signals(
    db, create_show, create_company, make_contract, make_registration, attend
) -> None:
    s24 = create_show("EXPO2024", 2024)
    late, fine = create_company("Late Co"), create_company("Fine Co")
    contract = make_contract(s24, late, 1000)
    make_contract(s24, late, 500, status=ContractStatus.CANCELLED)
    make_contract(s24, fine, 1000)
    invoice = Invoice(
        show_id=s24.id,
        sequence=1,
        number="I-1",
        contract_id=contract.id,
        company_id=late.id,
        kind=InvoiceKind.BALANCE,
        currency="BRL",
        amount=Decimal(1000),
        issued_on=date(2024, 6, 1),
        due_on=date(2024, 9, 1),
    )
    db.add(invoice)
    db.flush()
    # 400 paid 20 days late; the rest never: still open when the show ends on 9 October.
    db.add(
        Payment(
            invoice_id=invoice.id,
            amount=Decimal(400),
            currency="BRL",
            method=PaymentMethod.BANK_TRANSFER,
            received_on=date(2024, 9, 21),
        )
    )
    staff = make_registration(s24, fine, category=VisitorCategory.EXHIBITOR_STAFF)
    visitor = make_registration(s24, None)
    attend(staff, days=[date(2024, 10, 6)])
    attend(visitor, days=[date(2024, 10, 6)], booths=[fine])
    db.flush()
    rows = {r.name: r.signals for r in rebooking.all_signals(db, s24)}
    assert (rows["Late Co"]["late_days"], rows["Late Co"]["unpaid"]) == (38, 1)
    assert rows["Late Co"]["cancelled"] == 1
    assert (rows["Late Co"]["no_leads"], rows["Late Co"]["no_staff"]) == (1, 1)
    assert (rows["Fine Co"]["leads"], rows["Fine Co"]["no_leads"]) == (1, 0)
    assert (rows["Fine Co"]["no_staff"], rows["Fine Co"]["late_days"]) == (0, 0)


def test_a_feedback_source_feeds_the_feedback_signals(db, worked) -> None:
    (_s21, _s22, s23, _s24), co = worked

    def answers(session, show_id: int):
        return {co["A"].id: 0.2, co["E"].id: 0.9} if show_id == s23.id else {}

    rebooking.feedback_source(answers)
    try:
        rows = {r.name: r.signals for r in rebooking.all_signals(db, s23)}
    finally:
        rebooking._feedback_sources.remove(answers)
    assert (rows["Company A"]["feedback_no"], rows["Company A"]["feedback_yes"]) == (1, 0)
    assert (rows["Company E"]["feedback_no"], rows["Company E"]["feedback_yes"]) == (0, 1)
    assert rows["Company B"]["feedback_no"] + rows["Company B"]["feedback_yes"] == 0


def test_mailings_read_the_riskiest_first(db, worked) -> None:
    (_s21, _s22, s23, _s24), co = worked
    ids = rebooking.at_risk_company_ids(db, s23)
    assert ids == [co["B"].id, co["C"].id, co["D"].id]
