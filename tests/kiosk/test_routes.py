"""The kiosk's JSON endpoints: capture, code, register, print; roles and bad input."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field

import pytest
from sqlalchemy import func, select

from expo_crm.auth.roles import Role
from expo_crm.badges.models import Badge
from expo_crm.directory.models import Company, Person
from expo_crm.kiosk import routes as kiosk_routes
from expo_crm.visitors import accuracy, registering
from expo_crm.visitors.models import CardCapture, ConsentRecord, Registration, RegistrationSource

ANSWERS = {"industry": "Packaging", "job_function": "Engineering"}


class FakeImageError(ValueError):
    pass


@dataclass
class FakeReading:
    name: str | None = "Ana Silva"
    title: str | None = "Buyer"
    company: str | None = "Acme Packaging"
    emails: list = field(default_factory=lambda: ["ana@acme-pack.example"])
    phones: list = field(default_factory=lambda: ["11 98765 4321"])
    website: str | None = None
    address: str | None = None
    confidence: dict = field(
        default_factory=lambda: {"name": 0.95, "title": 0.4, "company": 0.9, "emails": 0.97,
                                 "phones": 0.9}
    )  # fmt: skip
    raw_text: str = "Ana Silva\nBuyer"
    timings: dict = field(default_factory=lambda: {"total": 0.3})


@pytest.fixture
def fake_ocr(monkeypatch):
    readings = {}

    def read(image, region):
        if image.startswith(b"BAD"):
            raise FakeImageError("This file is not a photo we can read (JPEG or PNG).")
        return readings.get(image, FakeReading())

    monkeypatch.setattr(kiosk_routes, "read_card", read)
    monkeypatch.setattr(kiosk_routes, "_card_image_error", lambda: FakeImageError)
    return readings


def counts(db):
    return tuple(
        db.scalar(select(func.count()).select_from(m))
        for m in (Person, Company, Registration, CardCapture, ConsentRecord)
    )


def capture(client, data=b"\xff\xd8fake-jpeg"):
    return client.post(
        "/kiosk/capture",
        data={"image": (io.BytesIO(data), "card.jpg")},
        headers={"Accept": "application/json"},
    )


def test_kiosk_page_carries_both_languages_and_the_questions(as_role, create_show):
    create_show()
    page = as_role(Role.KIOSK).get("/kiosk/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "kiosk.js" in html
    data = json.loads(html.split('type="application/json">')[1].split("</script>")[0])
    assert set(data["strings"]) == {"en", "zh_Hans_CN"}
    assert data["questions"][0]["label"]["zh_Hans_CN"] == "您所在的行业"
    assert "exhibitors" in data["consents"]["en"]["share"]


def test_capture_then_register_then_badge(as_role, create_show, db, fake_ocr, app):
    show = create_show()
    client = as_role(Role.KIOSK)
    read = capture(client)
    assert read.status_code == 200, read.json
    body = read.json
    assert body["fields"]["name"] == "Ana Silva"
    assert body["returning"] is False
    assert "title" in body["check"]  # low confidence is flagged
    card = db.get(CardCapture, body["capture_id"])
    assert (app.config["MEDIA_DIR"] / card.image_path).read_bytes() == b"\xff\xd8fake-jpeg"
    assert "static" not in card.image_path

    fields = dict(body["fields"], title="Head of Buying")
    done = client.post(
        "/kiosk/register",
        json={"capture_id": card.id, "fields": fields, "category": "trade", "answers": ANSWERS,
              "consents": {"marketing": True, "share": True}, "language": "zh_Hans_CN"},
    )  # fmt: skip
    assert done.status_code == 200, done.json
    reg = db.get(Registration, done.json["registration_id"])
    assert reg.source is RegistrationSource.KIOSK
    assert reg.person.title == "Head of Buying"
    assert card.confirmed["title"] == "Head of Buying"
    assert card.registration_id == reg.id
    assert {r.language for r in db.scalars(select(ConsentRecord))} == {"zh_Hans_CN"}
    by_field = {a.field: a for a in accuracy.capture_accuracy(db, show)}
    assert by_field["title"].corrected == 1
    assert by_field["name"].corrected == 0

    printed = client.post(done.json["print_url"], json={"language": "en"})
    assert printed.status_code == 200, printed.json
    assert printed.json["warning"] is None
    pdf = client.get(printed.json["pdf_url"])
    assert pdf.status_code == 200
    assert pdf.data.startswith(b"%PDF")

    # the capture cannot be confirmed twice
    again = client.post("/kiosk/register", json={"capture_id": card.id, "fields": fields,
                                                  "answers": ANSWERS})  # fmt: skip
    assert again.status_code == 404


def test_returning_visitor_is_welcomed_from_their_card(as_role, create_show, db, fake_ocr):
    show = create_show()
    registering.register_visitor(db, show, {"name": "Ana Silva", "title": "Buyer",
                                         "emails": ["ana@acme-pack.example"]}, ANSWERS)  # fmt: skip
    fake_ocr[b"\xff\xd8only-email"] = FakeReading(name=None, title=None, company=None)
    body = capture(as_role(Role.KIOSK), b"\xff\xd8only-email").json
    assert body["returning"] is True
    assert body["fields"]["name"] == "Ana Silva"
    assert set(body) == {"capture_id", "fields", "returning", "confidence", "check"}


def test_confirmation_code_prefills_and_registers_the_same_person(as_role, create_show, db):
    show = create_show()
    pre = registering.register_visitor(
        db, show, {"name": "Li Wei", "emails": ["li@wei.example"]}, ANSWERS,
        {"marketing": True}, RegistrationSource.PREREGISTERED,
    )  # fmt: skip
    client = as_role(Role.KIOSK)
    assert client.post("/kiosk/code", json={"code": "WRONG123"}).status_code == 404
    body = client.post("/kiosk/code", json={"code": pre.confirmation_code.lower()}).json
    assert body["fields"]["name"] == "Li Wei"
    assert body["answers"]["industry"] == "Packaging"
    done = client.post(
        "/kiosk/register",
        json={"confirmation_code": body["confirmation_code"], "fields": body["fields"],
              "answers": ANSWERS},
    )  # fmt: skip
    assert done.json["registration_id"] == pre.id
    assert done.json["returning"] is True
    assert db.scalar(select(func.count(Person.id))) == 1


def test_bad_photo_answers_422_and_changes_nothing(as_role, create_show, db, fake_ocr):
    create_show()
    client = as_role(Role.KIOSK)
    before = counts(db)
    response = capture(client, b"BAD not an image")
    assert response.status_code == 422
    assert "not a photo" in response.json["error"]["message"]
    fake_ocr[b"\xff\xd8nothing"] = FakeReading(name=None, company=None, emails=[], phones=[],
                                               title=None)  # fmt: skip
    response = capture(client, b"\xff\xd8nothing")
    assert response.status_code == 422
    assert "could not read a card" in response.json["error"]["message"]
    assert client.post("/kiosk/capture", data={}).status_code == 400
    assert counts(db) == before


def test_oversize_upload_gets_a_clear_413(as_role, create_show, db, app):
    create_show()
    client = as_role(Role.KIOSK)
    before = counts(db)
    big = b"\xff\xd8" + b"0" * (app.config["MAX_CONTENT_LENGTH"] + 10)
    response = client.post(
        "/kiosk/capture",
        input_stream=io.BytesIO(big),
        content_length=len(big),
        content_type="multipart/form-data; boundary=x",
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 413
    assert "too large" in response.json["error"]["message"]
    assert counts(db) == before


def test_invalid_registration_is_refused_with_the_field(as_role, create_show, db, fake_ocr):
    create_show()
    client = as_role(Role.KIOSK)
    before = counts(db)
    cases = [
        ({"fields": {"name": ""}, "answers": ANSWERS}, "name"),
        ({"fields": {"name": "A", "emails": ["nope"]}, "answers": ANSWERS}, "emails"),
        ({"fields": {"name": "A"}, "answers": {"industry": "Nope"}}, "industry"),
        ({"fields": {"name": "A"}, "answers": ANSWERS, "category": "vip"}, "category"),
    ]
    for body, field_name in cases:
        response = client.post("/kiosk/register", json=body)
        assert response.status_code == 422, body
        assert response.json["error"]["field"] == field_name
    assert client.post("/kiosk/register", data="x").status_code == 400
    assert counts(db) == before


def test_kiosk_cannot_use_another_kiosks_capture_or_badge(as_role, create_show, db, fake_ocr,
                                                           create_user, login):  # fmt: skip
    create_show()
    first = as_role(Role.KIOSK)
    card_id = capture(first).json["capture_id"]
    done = first.post(
        "/kiosk/register",
        json={"capture_id": card_id, "fields": {"name": "Ana"}, "answers": ANSWERS},
    )
    print_url = done.json["print_url"]
    pdf_url = first.post(print_url).json["pdf_url"]
    other = login(create_user(Role.KIOSK))
    assert other.post(print_url).status_code == 404
    assert other.get(pdf_url).status_code == 404
    assert other.get("/kiosk/badge/forged.pdf").status_code == 404
    assert other.post("/kiosk/badge/forged/print").status_code == 404
    assert db.get(Badge, done.json["badge"]).print_count == 1  # only the first kiosk's print


def test_kiosk_prints_are_counted_and_a_second_one_is_warned_as_a_reprint(as_role, create_show, db):
    create_show()
    client = as_role(Role.KIOSK)
    done = client.post(
        "/kiosk/register", json={"fields": {"name": "Ana Silva"}, "answers": ANSWERS}
    ).json
    badge = db.get(Badge, done["badge"])
    assert badge.registration_id == done["registration_id"]
    assert badge.print_count == 0  # issued once, not printed yet

    first = client.post(done["print_url"], json={"language": "en"})
    assert first.json["print_count"] == 1
    assert first.json["warning"] is None
    second = client.post(done["print_url"], json={"language": "en"})
    assert second.json["print_count"] == 2
    assert second.json["warning"] == "This badge was already printed once."
    in_chinese = client.post(done["print_url"], json={"language": "zh_Hans_CN"})
    assert in_chinese.json["warning"] == "此胸卡已打印过两次。"
    db.refresh(badge)
    assert badge.print_count == 3
    assert badge.last_printed_at is not None
    # showing a counted print's PDF again counts nothing
    for _ in range(2):
        assert client.get(second.json["pdf_url"]).data.startswith(b"%PDF")
    db.refresh(badge)
    assert badge.print_count == 3
    assert db.scalar(select(func.count(Badge.id))) == 1  # one badge, printed three times


def test_a_revoked_badge_is_not_printed_from_its_old_link(as_role, create_show, db):
    from expo_crm.badges import issuing

    create_show()
    client = as_role(Role.KIOSK)
    done = client.post(
        "/kiosk/register", json={"fields": {"name": "Ana Silva"}, "answers": ANSWERS}
    ).json
    pdf_url = client.post(done["print_url"]).json["pdf_url"]
    issuing.revoke_badge(db, db.get(Badge, done["badge"]), None, "lost")
    db.commit()
    assert client.post(done["print_url"]).status_code == 404
    assert client.get(pdf_url).status_code == 404


@pytest.mark.parametrize("url", ["/visitors/", "/companies", "/visitors/duplicates"])
def test_kiosk_cannot_read_back_office_lists(as_role, url):
    assert as_role(Role.KIOSK).get(url).status_code in (403, 404)


def test_kiosk_page_loads_the_vendored_qr_reader(as_role, create_show):
    create_show()
    html = as_role(Role.KIOSK).get("/kiosk/").get_data(as_text=True)
    assert "/static/vendor/zxing-wasm/reader.js" in html
    assert 'id="code-camera"' in html
    data = json.loads(html.split('type="application/json">')[1].split("</script>")[0])
    assert data["urls"]["qrWasm"].endswith("/static/vendor/zxing-wasm/zxing_reader.wasm")
    assert data["code"] == {
        "alphabet": registering.CODE_ALPHABET,
        "length": registering.CODE_LENGTH,
    }


@pytest.mark.parametrize(
    "as_read",
    [
        lambda c: c,
        lambda c: f"  {c.lower()}\n",
        lambda c: f"{c[:4]}-{c[4:]}",
        lambda c: f"{c[:4]} {c[4:]}\r\n",
    ],
)
def test_code_read_from_the_qr_is_normalized_like_a_typed_one(as_role, create_show, db, as_read):
    show = create_show()
    pre = registering.register_visitor(
        db, show, {"name": "Li Wei", "emails": ["li@wei.example"], "company": "Wei Tech"},
        ANSWERS, {"share": True}, RegistrationSource.PREREGISTERED,
    )  # fmt: skip
    body = as_role(Role.KIOSK).post("/kiosk/code", json={"code": as_read(pre.confirmation_code)})
    assert body.status_code == 200, body.json
    assert body.json["confirmation_code"] == pre.confirmation_code
    assert body.json["fields"]["company"] == "Wei Tech"
    assert body.json["consents"]["share"] is True


@pytest.mark.parametrize(
    "read",
    [
        "ZZZZ2345",  # well formed, nobody's
        "https://example.com/some/other/qr?x=1",  # another QR code (a website)
        "BEGIN:VCARD\nFN:Someone\nEND:VCARD",  # a business card's own QR
        "X" * 5000,  # absurdly long
    ],
)
def test_unknown_or_foreign_qr_gets_a_clear_404_and_changes_nothing(as_role, create_show, db, read):
    create_show()
    client = as_role(Role.KIOSK)
    before = counts(db)
    response = client.post("/kiosk/code", json={"code": read})
    assert response.status_code == 404
    assert "confirmation code is not known" in response.json["error"]["message"]
    assert counts(db) == before


def test_code_of_another_edition_is_not_known_here(as_role, create_show, db):
    past = create_show(code="EXPO2025", year=2025)
    create_show()
    pre = registering.register_visitor(
        db, past, {"name": "Li Wei", "emails": ["li@wei.example"]}, ANSWERS, {},
        RegistrationSource.PREREGISTERED,
    )  # fmt: skip
    response = as_role(Role.KIOSK).post("/kiosk/code", json={"code": pre.confirmation_code})
    assert response.status_code == 404
    assert "confirmation code is not known" in response.json["error"]["message"]


@pytest.mark.parametrize("body", [{}, {"code": ""}, {"code": "   "}, {"code": 12345678}, []])
def test_missing_code_is_refused_with_the_field(as_role, create_show, body):
    create_show()
    response = as_role(Role.KIOSK).post("/kiosk/code", json=body)
    assert response.status_code == 422
    assert response.json["error"]["field"] == "code"
