"""Hostile and useless photos, through the real card reader: a clear 4xx, fast, no records."""

from __future__ import annotations

import io
import struct
import time
import zlib

import pytest
from PIL import Image
from sqlalchemy import func, select

from expo_crm.auth.roles import Role
from expo_crm.directory.models import Company, Person
from expo_crm.visitors.models import CardCapture, Registration


def png(width: int, height: int) -> bytes:
    """A valid grey PNG built by hand: tiny on disk, ``width × height`` once decoded."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    squeeze = zlib.compressobj(9)
    row = b"\0" * (width + 1)
    raw = b"".join(squeeze.compress(row) for _ in range(height)) + squeeze.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def blank() -> bytes:
    return jpeg(Image.new("RGB", (1280, 720), (128, 128, 128)))


def truncated() -> bytes:
    from tests.kiosk.cardimage import card_jpeg

    data = card_jpeg()
    return data[: len(data) // 2]


CASES = {
    "not an image": lambda: b"%PDF-1.4 definitely not a photo",
    "truncated jpeg": truncated,
    "100 megapixels": lambda: png(10_000, 10_000),
    "decompression bomb": lambda: png(20_000, 20_000),  # 400 MB of pixels in ~400 kB
    "blank photo": blank,
    "empty file": lambda: b"",
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_photo_is_refused_clearly_and_quickly(case, as_role, create_show, db):
    create_show()
    client = as_role(Role.KIOSK)
    data = CASES[case]()
    models = (Person, Company, Registration, CardCapture)
    before = [db.scalar(select(func.count()).select_from(m)) for m in models]
    started = time.perf_counter()
    response = client.post(
        "/kiosk/capture",
        data={"image": (io.BytesIO(data), "card.jpg")},
        headers={"Accept": "application/json"},
    )
    elapsed = time.perf_counter() - started
    assert 400 <= response.status_code < 500, case
    message = response.json["error"]["message"]
    assert len(message) > 15
    assert "Traceback" not in message
    assert elapsed < 2.0, (case, elapsed)
    assert [db.scalar(select(func.count()).select_from(m)) for m in models] == before


def test_a_bad_photo_is_explained_in_the_kiosks_language(as_role, create_show):
    create_show()
    client = as_role(Role.KIOSK)
    with client.session_transaction() as session:
        session["locale"] = "zh_Hans_CN"

    response = client.post(
        "/kiosk/capture",
        data={"image": (io.BytesIO(blank()), "card.jpg")},
        headers={"Accept": "application/json"},
    )

    assert 400 <= response.status_code < 500
    assert response.json["error"]["message"] == "照片中看不到名片。请将名片放在取景框内。"
