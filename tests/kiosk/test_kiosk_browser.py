"""The kiosk in real headless Chromium, with a fake camera that films a business card."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.kiosk.browser import kiosk_page, live_server, require_chromium
from tests.kiosk.browser import rows as _rows
from tests.kiosk.flow import answer_questions

pytestmark = pytest.mark.browser

require_chromium()


@pytest.fixture(scope="module")
def page(pw: object, live: dict) -> Iterator[object]:
    with kiosk_page(pw, live) as page:
        yield page


def test_card_on_camera_prefills_the_form_and_prints_a_badge(page, live) -> None:
    page.click("#step-welcome [data-go=scan]")
    page.wait_for_function("() => document.querySelector('#camera').videoWidth > 0")
    page.click("#take-photo")
    page.wait_for_selector("#step-review:not([hidden])")
    assert page.input_value("#f-name") == "Ana Silva"
    assert "Acme Packaging" in page.input_value("#f-company")
    assert "98765-4321" in page.input_value("#f-phones")
    if not page.input_value("#f-emails"):  # the visitor types what the machine missed
        assert page.is_visible("[data-field=emails].k-low")
        page.fill("#f-emails", "ana.silva@acme-pack.example")
    page.click("#review-form button[type=submit]")

    answer_questions(page, {"industry": "Packaging", "job_function": "Engineering"})
    page.check("#consent-marketing")
    page.click("#print-badge")
    page.wait_for_selector("#step-done:not([hidden])")
    assert "Ana Silva" in page.inner_text("#done-name")

    page.wait_for_function("() => document.body.dataset.prints === '1'")
    badge = page.request.get(live["url"] + page.get_attribute("#badge-frame", "src"))
    assert badge.status == 200
    assert badge.body().startswith(b"%PDF")
    (reg,) = _rows(
        live,
        "SELECT r.id, p.full_name, p.email, r.industry, r.consent_marketing, r.source "
        "FROM registrations r JOIN people p ON p.id = r.person_id",
    )
    assert reg[1:] == ("Ana Silva", "ana.silva@acme-pack.example", "Packaging", 1, "kiosk")
    (card,) = _rows(live, "SELECT image_path, registration_id, confirmed FROM card_captures")
    assert card[1] == reg[0]
    assert card[2] is not None
    assert (live["media"] / card[0]).stat().st_size > 10_000
    assert page.evaluate("document.body.dataset.registration") == str(reg[0])
    assert _rows(live, "SELECT print_count FROM badges")[0][0] == 1

    page.wait_for_function("() => document.body.dataset.printed === '1'")  # the badge's PDF

    page.click("#print-again")  # counted too, and said to be a reprint
    page.wait_for_function("() => document.body.dataset.prints === '2'")
    assert "already printed once" in page.inner_text("#message")
    assert _rows(live, "SELECT print_count FROM badges") == [(2,)]
    page.wait_for_function("() => document.body.dataset.printed === '2'")


def test_unreadable_upload_shows_a_clear_message(page, live, tmp_path) -> None:
    page.evaluate("window.kiosk.reset()")
    page.click("#step-welcome [data-go=scan]")
    junk = tmp_path / "notes.jpg"
    junk.write_bytes(b"this is not a photo at all")
    page.set_input_files("#upload", str(junk))
    message = page.wait_for_selector("#message:not([hidden])")
    assert "photo" in message.inner_text()
    assert page.is_visible("#step-scan")
    assert len(_rows(live, "SELECT id FROM card_captures")) == 1  # only the first test's


def test_language_switch_and_idle_reset_clear_the_screen(pw, tmp_path) -> None:
    with live_server(tmp_path, idle_seconds=3, countdown=2) as live, kiosk_page(pw, live) as page:
        _switch_language_then_wait(page)


def _switch_language_then_wait(page) -> None:
    page.click(".k-lang[data-lang=zh_Hans_CN]")
    assert page.evaluate("document.documentElement.lang") == "zh-Hans"
    page.click("#step-welcome [data-go=scan]")
    page.click("#no-card")
    page.fill("#f-name", "Wang Wei")
    page.fill("#f-emails", "wang@example.cn")
    page.click("#review-form button[type=submit]")
    page.click("#questions-form button[type=submit]")  # the category: trade visitor
    assert "您所在的行业" in page.inner_text("#questions")  # the question in Chinese
    page.click(".k-lang[data-lang=en]")
    assert "Your industry" in page.inner_text("#questions")
    # no touch for a while: the kiosk asks, then clears everything
    page.wait_for_selector("#idle:not([hidden])", timeout=8000)
    page.wait_for_selector("#step-welcome:not([hidden])", timeout=8000)
    assert page.input_value("#f-name") == ""
    assert page.input_value("#f-emails") == ""
    assert page.evaluate("window.kiosk.state().fields") == {}
