"""Near-duplicate people: flagged on registering, merged or dismissed by staff."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from expo_crm.directory.models import Person
from expo_crm.visitors import duplicates, registering
from expo_crm.visitors.models import (
    DuplicateFlag,
    DuplicateStatus,
    Registration,
)
from tests.visitors.factories import ANSWERS, card


def test_near_duplicate_is_flagged_and_can_be_merged(db, create_show, create_user):
    show = create_show()
    staff = create_user()
    a = registering.register_visitor(db, show, card(), ANSWERS)
    b = registering.register_visitor(
        db, show, card(name="ana  SILVA", emails=["ana@private.example"], phones=[]), ANSWERS
    )
    assert b.person_id != a.person_id
    flag = db.scalar(select(DuplicateFlag))
    assert (flag.person_id, flag.other_person_id) == (b.person_id, a.person_id)
    duplicates.resolve_duplicate(db, flag, staff, merge=True)
    assert flag.status is DuplicateStatus.MERGED
    survivors = db.scalars(select(Person).where(Person.merged_into_id.is_(None))).all()
    assert [p.id for p in survivors] == [a.person_id]
    # one registration per person and edition survives the merge
    assert db.scalars(select(Registration.person_id)).all() == [a.person_id]
    with pytest.raises(Exception, match="already resolved"):
        duplicates.resolve_duplicate(db, flag, staff, merge=False)


@pytest.mark.parametrize(
    ("second", "flagged"),
    [
        # no company typed, but a work email at the same company's domain: flagged
        ({"name": "Ána Silva", "emails": ["a.silva@acme-pack.example"], "company": None,
          "website": None, "phones": []}, "email domain (acme-pack.example)"),
        # a company typed that is another record, work email at the first one's domain
        ({"name": "ANA SILVA", "emails": ["asilva@acme-pack.example"],
          "company": "Silva Consulting", "website": "www.silva-consult.example", "phones": []},
         "email domain (acme-pack.example)"),
        # the same company: flagged as before
        ({"name": "ana silva", "emails": ["ana@private.example"], "phones": []}, "company"),
        # a free-mail address says nothing about the employer
        ({"name": "Ana Silva", "emails": ["ana.silva@gmail.com"], "company": None, "website": None,
          "phones": []}, None),
        # someone else at the same domain
        ({"name": "Bruno Costa", "emails": ["bruno@acme-pack.example"], "company": None,
          "website": None, "phones": []}, None),
    ],
)  # fmt: skip
def test_near_duplicate_by_name_and_company_email_domain(db, create_show, second, flagged):
    show = create_show()
    first = registering.register_visitor(db, show, card(), ANSWERS)
    new = registering.register_visitor(db, show, card(**second), ANSWERS)
    assert new.person_id != first.person_id
    flags = db.scalars(select(DuplicateFlag)).all()
    if flagged is None:
        assert flags == []
    else:
        assert [(f.person_id, f.other_person_id) for f in flags] == [
            (new.person_id, first.person_id)
        ]
        assert flagged in flags[0].reason


def test_merge_folds_registrations_and_moves_everything_that_refers_to_them(
    db, create_show, create_user, app
):
    from datetime import date

    from expo_crm.badges import issuing as badges
    from expo_crm.badges.models import Badge, CheckIn
    from expo_crm.db import utcnow
    from expo_crm.visitors.models import CardCapture, ConsentRecord

    show = create_show()
    staff = create_user()
    a = registering.register_visitor(db, show, card(), ANSWERS, {"marketing": True})
    b = registering.register_visitor(
        db, show, card(name="Ana Silva", emails=["ana@private.example"], phones=[]), ANSWERS,
        {"share": True},
    )  # fmt: skip
    kept_badge, folded_badge = badges.issue_badge(db, a), badges.issue_badge(db, b)
    db.add(
        CheckIn(
            badge_id=folded_badge.id, registration_id=b.id, show_id=show.id, gate="north",
            day=date(2026, 10, 6), bucket=1, scanned_at=utcnow(),
        )
    )  # fmt: skip
    db.add(
        CardCapture(
            show_id=show.id, source="kiosk", image_path="cards/x.jpg", image_sha256="0" * 64,
            registration_id=b.id, person_id=b.person_id,
        )
    )  # fmt: skip
    db.flush()
    folded_id = b.id
    flag = db.scalar(select(DuplicateFlag))
    duplicates.resolve_duplicate(db, flag, staff, merge=True, keep_id=a.person_id)

    assert db.scalars(select(Registration.id)).all() == [a.id]
    assert {c.registration_id for c in db.scalars(select(ConsentRecord))} == {a.id}
    assert db.scalar(select(CardCapture.registration_id)) == a.id
    assert db.scalar(select(CheckIn.registration_id)) == a.id
    assert {b_.registration_id for b_ in db.scalars(select(Badge))} == {a.id}
    assert badges.active_badge(db, a.id).id == kept_badge.id  # one active badge survives
    db.refresh(folded_badge)
    assert folded_badge.revoked_at is not None
    assert str(a.id) in folded_badge.revoked_reason
    assert db.get(Registration, folded_id) is None
