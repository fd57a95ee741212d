"""Badge PDFs: every layout and size decodes back to its code; text is data; no stray fetches."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image
from pypdf import PdfReader

from expo_crm.badges import issuing, pdf, printing
from expo_crm.badges.models import CATEGORY_LABELS, BadgeSize
from expo_crm.visitors.models import VisitorCategory

pytestmark = pytest.mark.usefixtures("request_ctx")

NAMES = {
    VisitorCategory.TRADE: ("Dr. Anna-Katharina Müller-Lüdenscheidt von Hohenzollern", "DE"),
    VisitorCategory.PUBLIC: ("王秀英", "CN"),
    VisitorCategory.EXHIBITOR_STAFF: ("佐藤 健", "JP"),
    VisitorCategory.PRESS: ("Zoë Ömer-Søren", "BR"),
    VisitorCategory.VIP: ("João Ávila", "PT"),
}


def rasterize(document: bytes, dpi: int = 150) -> list[Image.Image]:
    """Rasterize each page with poppler's pdftoppm."""
    pdftoppm = shutil.which("pdftoppm")
    assert pdftoppm, "poppler-utils must be installed (scripts/setup.sh)"
    out = subprocess.run(  # noqa: S603  (fixed tool, our own PDF on stdin)
        [pdftoppm, "-r", str(dpi), "-gray", "-png"],
        input=document,
        capture_output=True,
        check=True,
    )
    # Without an output root pdftoppm writes the pages' PNGs one after another to stdout.
    images, data = [], out.stdout
    signature = b"\x89PNG\r\n\x1a\n"
    starts = [i for i in range(len(data)) if data.startswith(signature, i)]
    for begin, end in zip(starts, [*starts[1:], len(data)], strict=True):
        images.append(Image.open(io.BytesIO(data[begin:end])))
    return images


def decode(image: Image.Image) -> list[str]:
    return [result.text for result in zxingcpp.read_barcodes(image)]


def pdf_text(document: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(document)).pages)


@pytest.mark.parametrize("size", list(BadgeSize))
def test_every_layout_decodes_back_to_its_badge(db, create_registration, size) -> None:
    badges = []
    for category, (name, country) in NAMES.items():
        registration = create_registration(
            name,
            category=category,
            company="Vereinigte Präzisionsmaschinenbau GmbH & Co. KG",
            country=country,
        )
        badges.append(issuing.issue_badge(db, registration))
    faces = [printing.badge_face(db, badge, size) for badge in badges]
    document = pdf.render_pdf(faces)
    pages = rasterize(document)
    assert len(pages) == len(badges)
    width_mm = pages[0].width / 150 * 25.4
    assert width_mm == pytest.approx(105 if size is BadgeSize.A6 else 101.6, abs=1)
    for page, badge in zip(pages, badges, strict=True):
        assert decode(page) == [badge.code]
    text = pdf_text(document)
    for category, (name, _country) in NAMES.items():
        assert name.replace(" ", "") in text.replace(" ", "").replace("\n", "")
        assert str(CATEGORY_LABELS[category]).upper() in text


def test_single_badge_pdf_for_the_kiosk(db, badge) -> None:
    document, warning = printing.print_badge(db, badge, BadgeSize.IN4X3)
    assert warning is None
    assert badge.print_count == 1
    (page,) = rasterize(document)
    assert decode(page) == [badge.code]
    assert printing.print_badge(db, badge)[1] == "This badge was already printed once."


def test_markup_in_a_name_prints_literally(db, create_registration) -> None:
    hostile = '<img src="file:///etc/passwd">'
    badge = issuing.issue_badge(
        db, create_registration(hostile, company='<link rel=stylesheet href="http://x.test/a.css">')
    )
    fetcher = pdf.assets_only_fetcher()
    document = pdf.render_pdf([printing.badge_face(db, badge)], fetcher=fetcher)
    text = pdf_text(document).replace("\n", "")
    assert 'src="file:///etc/passwd">' in text
    assert "http://x.test/a.css" in text
    assert fetcher.refused == []  # printed as text, so nothing was even attempted
    assert "root:" not in text


def test_restricted_fetcher_refuses_files_and_network() -> None:
    fetcher = pdf.assets_only_fetcher()
    html = (
        '<html><head><link rel="stylesheet" href="http://127.0.0.1:9/x.css">'
        '<link rel="stylesheet" href="css/app.css"></head><body>'
        '<img src="file:///etc/passwd"><img src="../../../../etc/hostname">'
        '<img src="https://example.com/a.png"><p>hello</p></body></html>'
    )
    document = pdf.html_to_pdf(html, fetcher=fetcher)
    assert document.startswith(b"%PDF")
    refused = set(fetcher.refused)
    assert "http://127.0.0.1:9/x.css" in refused
    assert "file:///etc/passwd" in refused
    assert "https://example.com/a.png" in refused
    assert any(url.endswith("/etc/hostname") for url in refused)
    assert not any(url.endswith("css/app.css") for url in refused)  # the app's own asset


def test_static_assets_are_served_to_weasyprint() -> None:
    fetcher = pdf.assets_only_fetcher()
    response = fetcher.fetch((pdf.STATIC_DIR / "css" / "app.css").as_uri())
    assert b"{" in response.read()
    with pytest.raises(ValueError, match="may not fetch"):
        fetcher.fetch((pdf.STATIC_DIR / ".." / "config.py").as_uri())
    with pytest.raises(ValueError, match="may not fetch"):
        fetcher.fetch(Path("/etc/passwd").as_uri())


def test_long_text_shrinks() -> None:
    short = float(pdf.fit_font_size("Ana Silva", 93, 30, 13).removesuffix("pt"))
    long = float(
        pdf.fit_font_size(
            "Anna-Katharina Müller-Lüdenscheidt von Hohenzollern", 93, 30, 13
        ).removesuffix("pt")
    )
    tiny = float(pdf.fit_font_size("x" * 500, 93, 30, 13).removesuffix("pt"))
    assert short == 30
    assert 13 <= long < 30
    assert tiny == 13


def test_bulk_on_two_processes_keeps_order(db, create_registration, show) -> None:
    for i in range(5):
        create_registration(f"Person{i} Surname{chr(ord('E') - i)}")
    badges = printing.bulk_badges(db, show, order="surname")
    seen = []
    faces = [printing.badge_face(db, b) for b in badges]
    document = pdf.render_bulk(
        faces, processes=2, chunk_size=2, progress=lambda d, t: seen.append((d, t))
    )
    assert seen[-1] == (5, 5)
    assert len(seen) == 3
    pages = rasterize(document, dpi=100)
    assert [decode(p) for p in pages] == [[b.code] for b in badges]


def test_badges_rendered_at_once_in_threads_all_come_out(db, badge) -> None:
    """Threaded web workers may render several badges at once (kiosk and desk)."""
    from concurrent.futures import ThreadPoolExecutor

    face = printing.badge_face(db, badge)
    with ThreadPoolExecutor(max_workers=4) as pool:
        documents = list(pool.map(lambda _i: pdf.render_pdf([face]), range(8)))
    assert all(d.startswith(b"%PDF") for d in documents)
    assert decode(rasterize(documents[-1])[0]) == [badge.code]
