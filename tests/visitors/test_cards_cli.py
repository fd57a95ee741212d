"""`expo-crm cards read / import / accuracy`."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from expo_crm.directory.models import Person
from expo_crm.visitors.models import CardCapture, Registration, RegistrationSource

pytest.importorskip("expo_crm.visitors.ocr", reason="the OCR module is not on this branch yet")


@pytest.fixture
def folder(tmp_path):
    from tests.kiosk.cardimage import card_jpeg

    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "card1.jpg").write_bytes(card_jpeg())
    (tmp_path / "junk.png").write_bytes(b"not an image")
    return tmp_path


def test_read_prints_json_keyed_by_path(runner, folder):
    path = str(folder / "a" / "card1.jpg")
    result = runner.invoke(args=["cards", "read", path, "--json", "--region", "BR"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert list(data) == [path]
    assert data[path]["name"] == "Ana Silva"
    assert set(data[path]["confidence"]) >= {"name", "company", "emails", "phones"}


def test_import_is_idempotent_and_reports_uncertain_cards(runner, folder, create_show, db):
    create_show("EXPO2026")
    args = ["cards", "import", str(folder), "--show", "EXPO2026", "--workers", "1"]
    first = runner.invoke(args=args)
    assert first.exit_code == 0, first.output
    assert "1 read" in first.output
    assert "1 unreadable" in first.output
    assert "junk.png" in first.output
    reg = db.scalar(select(Registration))
    assert reg.source is RegistrationSource.IMPORT
    assert reg.person.full_name == "Ana Silva"
    second = runner.invoke(args=args)
    assert "0 read" in second.output
    assert "1 already imported" in second.output
    assert db.scalar(select(func.count(Person.id))) == 1
    assert db.scalar(select(func.count(CardCapture.id))) == 1


def test_accuracy_reports_every_field(runner, create_show):
    create_show("EXPO2026")
    result = runner.invoke(args=["cards", "accuracy", "--show", "EXPO2026"])
    assert result.exit_code == 0, result.output
    for field in ("name", "title", "company", "emails", "phones", "website", "address"):
        assert field in result.output
    bad = runner.invoke(args=["cards", "accuracy", "--show", "NOPE"])
    assert bad.exit_code != 0
