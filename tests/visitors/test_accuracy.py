"""The card reader's running accuracy, from what visitors confirmed."""

from __future__ import annotations

from expo_crm.visitors import accuracy, captures, contacts, registering
from tests.visitors.factories import ANSWERS


def test_accuracy_counts_corrections_per_field(db, create_show, app):
    show = create_show()

    class Reading:
        raw_text = "x"
        timings = {"total": 0.5}

        def __init__(self, **kw):
            self.name, self.title, self.company = kw["name"], None, "Acme"
            self.emails, self.phones = kw["emails"], []
            self.website = self.address = None
            self.confidence = {"name": 0.9, "company": 0.3, "emails": 0.95}

    for i, (read_name, real_name) in enumerate([("Ana Siva", "Ana Silva"), ("Bo Li", "Bo Li")]):
        reading = Reading(name=read_name, emails=[f"p{i}@acme.example"])
        capture = captures.store_capture(
            db, show, f"image {i}".encode(), reading, media_dir=app.config["MEDIA_DIR"]
        )
        assert capture.uncertain  # company read with low confidence
        reg = registering.register_visitor(
            db, show, {"name": real_name, "company": "Acme", "emails": reading.emails}, ANSWERS
        )
        captures.confirm_capture(
            db,
            capture,
            reg,
            contacts.clean_contact(
                {"name": real_name, "company": "Acme", "emails": reading.emails}, "BR"
            ),
        )
    by_field = {a.field: a for a in accuracy.capture_accuracy(db, show)}
    assert by_field["name"].confirmed == 2
    assert by_field["name"].corrected == 1
    assert by_field["name"].wrong == 1
    assert by_field["name"].correction_rate == 0.5
    assert by_field["emails"].corrected == 0
    assert by_field["company"].corrected == 0
