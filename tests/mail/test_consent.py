"""Marketing mail only with consent; the one-click unsubscribe works without signing in."""

from __future__ import annotations

from typing import Any

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import select

from expo_crm.errors import Conflict
from expo_crm.followup.optouts import contactable_only, is_person_opted_out, record_opt_out
from expo_crm.mail import consent, delivery, outbox
from expo_crm.mail.models import Topic
from expo_crm.visitors.models import ConsentKind, ConsentRecord, Registration


def _invite(session: Any, registration: Registration) -> Any:
    person = registration.person
    return outbox.queue_message(
        session,
        topic=Topic.PROSPECT_INVITATION,
        show=registration.show,
        to_address=person.email,
        language="en",
        values={"name": person.full_name, "company": "Cliente Ltda"},
        person=person,
    )


def test_marketing_message_carries_the_unsubscribe_link_and_headers(db, app, preregister):
    app.config["PUBLIC_URL"] = "https://expo.example"
    try:
        message = _invite(db, preregister())
    finally:
        app.config["PUBLIC_URL"] = None
    url = message.headers["List-Unsubscribe"].strip("<>")
    assert url.startswith("https://expo.example/unsubscribe/")
    assert message.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert url in message.body_text
    assert url in message.body_html
    assert message.kind == "marketing"


def test_no_marketing_without_consent_or_after_opt_out(db, preregister):
    without = preregister(email="nope@cliente.example", marketing=False)
    with pytest.raises(Conflict, match="No marketing consent"):
        _invite(db, without)
    opted = preregister(email="opted@cliente.example")
    record_opt_out(db, person_id=opted.person_id)
    with pytest.raises(Conflict, match="Opted out"):
        _invite(db, opted)
    # Transactional mail needs no marketing consent.
    assert outbox.send_registration_confirmation(db, without).kind == "transactional"


def _token_of(message: Any) -> str:
    return message.headers["List-Unsubscribe"].strip("<>").rsplit("/", 1)[1]


def test_one_click_unsubscribe_without_sign_in_opts_out_everywhere(db, app, client, preregister):
    registration = preregister()
    token = _token_of(_invite(db, registration))
    db.commit()
    page = client.get(f"/unsubscribe/{token}")
    assert page.status_code == 200
    assert b"Stop receiving invitations" in page.data
    assert not is_person_opted_out(db, registration.person_id)  # a GET changes nothing
    app.config["WTF_CSRF_ENABLED"] = True  # a mail client posts without any form token
    try:
        done = client.post(
            f"/unsubscribe/{token}",
            data="List-Unsubscribe=One-Click",
            content_type="application/x-www-form-urlencoded",
        )
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert done.status_code == 200
    assert b"You are unsubscribed" in done.data
    assert is_person_opted_out(db, registration.person_id)
    withdrawn = db.scalars(
        select(ConsentRecord).where(
            ConsentRecord.person_id == registration.person_id,
            ConsentRecord.kind == ConsentKind.MARKETING,
        )
    ).all()
    assert [r.granted for r in withdrawn] == [True, False]
    # Honoured by exports (they filter with contactable_only) and by the next mailing.
    listed = db.execute(
        contactable_only(select(Registration.person_id).where(Registration.id == registration.id))
    ).all()
    assert listed == []
    with pytest.raises(Conflict):
        _invite(db, registration)
    # A second click is harmless.
    assert client.post(f"/unsubscribe/{token}").status_code == 200


def test_tampered_or_expired_unsubscribe_links_are_refused(db, app, client, preregister):
    registration = preregister()
    token = _token_of(_invite(db, registration))
    db.commit()
    payload, _sep, signature = token.rpartition(".")
    swapped = "A" if signature[5] != "A" else "B"
    tampered = f"{payload}.{signature[:5]}{swapped}{signature[6:]}"
    response = client.post(f"/unsubscribe/{tampered}")
    assert response.status_code == 400
    assert b"not valid" in response.data
    other_person = URLSafeTimedSerializer("another-key", salt="mail-unsubscribe").dumps({"p": 1})
    assert client.post(f"/unsubscribe/{other_person}").status_code == 400

    class Past(TimestampSigner):
        def get_timestamp(self) -> int:  # signed a day longer ago than links live
            return super().get_timestamp() - consent.UNSUBSCRIBE_MAX_AGE - 86400

    expired = URLSafeTimedSerializer(app.secret_key, salt="mail-unsubscribe", signer=Past)
    old = expired.dumps({"p": registration.person_id})
    response = client.post(f"/unsubscribe/{old}")
    assert response.status_code == 400
    assert b"expired" in response.data
    assert not is_person_opted_out(db, registration.person_id)


def test_link_in_a_delivered_message_unsubscribes(app, committed_db, smtp, client, preregister):
    mailbox, _port = smtp
    registration = preregister()
    _invite(committed_db.session, registration)
    person_id = registration.person_id
    committed_db.session.commit()
    delivery.deliver_due(app)
    [(_f, _r, email)] = mailbox.received
    assert email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = email["List-Unsubscribe"].strip("<>")
    assert url.startswith("https://expo.example/unsubscribe/")
    path = url.removeprefix("https://expo.example")
    assert client.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    assert is_person_opted_out(committed_db.session, person_id)


def test_unsubscribed_person_leaves_the_follow_up_exports(db, client, as_role, preregister):
    from expo_crm.auth.roles import Role

    stays = preregister(email="stays@cliente.example", name="Stays Here")
    leaves = preregister(email="leaves@cliente.example", name="Leaves Now")
    token = _token_of(_invite(db, leaves))
    db.commit()
    staff = as_role(Role.SALES)
    before = staff.get("/followup/lists/visitors/EXPO2026/visitors?format=csv").get_data(
        as_text=True
    )
    assert "Stays Here" in before
    assert "Leaves Now" in before
    with staff.session_transaction() as session:
        session.clear()  # the visitor clicks the link without signing in
    assert client.post(f"/unsubscribe/{token}").status_code == 200
    staff = as_role(Role.SALES)
    after = staff.get("/followup/lists/visitors/EXPO2026/visitors?format=csv").get_data(
        as_text=True
    )
    assert "Stays Here" in after
    assert "Leaves Now" not in after
    assert stays.person_id != leaves.person_id
