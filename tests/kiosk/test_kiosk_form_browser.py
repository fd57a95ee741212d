"""The kiosk's forms in real Chromium: checks in the visitor's language (never the browser's
bubble), fields that grow to show long values, everything on the first screen of a portrait
and a landscape kiosk with targets big enough for a gloved finger, and a visitor who uses only
the keyboard."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.kiosk.browser import kiosk_page, require_chromium, rows
from tests.kiosk.flow import answer_questions

pytestmark = pytest.mark.browser
require_chromium()

PORTRAIT = {"width": 1080, "height": 1920}
LANDSCAPE = {"width": 1280, "height": 800}
#: 15 mm on a 10-inch 1280x800 panel (0.17 mm a CSS pixel), the densest kiosk screen served.
SMALLEST_TARGET = 88
ADDRESS = (
    "Avenida Engenheiro Luís Carlos Berrini, 1748, Conjunto 1205, Torre Norte, "
    "Cidade Monções, São Paulo - SP, 04571-000"
)
PHONES = ["+55 11 98765-4321", "+55 11 3456-7890", "+55 11 91234-5678"]

#: Controls of the step on screen smaller than a target should be ({selector, height, width}).
SMALL_TARGETS = """(least) => {
  const step = document.querySelector('.k-step:not([hidden])');
  const controls = [...document.querySelectorAll('.k-top button'),
                    ...step.querySelectorAll('button, .k-input, .k-option, .k-consent')];
  return controls.filter((el) => el.getClientRects().length && !el.closest('[hidden]'))
    .map((el) => ({ id: el.id || el.className, h: el.getBoundingClientRect().height,
                    w: el.getBoundingClientRect().width }))
    .filter((box) => box.h < least || box.w < least);
}"""
#: Selectors whose box is not wholly on the first screen, or a step body that must scroll.
OFF_SCREEN = """(selectors) => {
  const out = selectors.filter((sel) => {
    const box = document.querySelector(sel).getBoundingClientRect();
    return !box.height || box.top < 0 || box.bottom > innerHeight || box.right > innerWidth;
  });
  const body = document.querySelector('.k-step:not([hidden]) .k-body');
  if (body.scrollHeight > body.clientHeight + 1) { out.push('the step scrolls'); }
  return out;
}"""
#: Fields whose value does not fit their box (cut off, or scrolled inside it).
CUT_FIELDS = """() => [...document.querySelectorAll('#review-form .k-input')]
  .filter((f) => f.scrollHeight > f.clientHeight + 1 || f.scrollWidth > f.clientWidth + 1)
  .map((f) => f.id)"""


@pytest.fixture
def page(pw: object, live: dict) -> Iterator[object]:
    with kiosk_page(pw, live) as page:
        yield page


def no_card(page: object) -> None:
    page.click("#step-welcome [data-go=scan]")
    page.click("#no-card")
    page.wait_for_selector("#step-review:not([hidden])")


def test_missing_and_malformed_details_are_said_in_chinese_by_the_kiosk(page) -> None:
    page.click(".k-lang[data-lang=zh_Hans_CN]")
    no_card(page)
    page.fill("#f-emails", "wang@")
    page.click("#review-form button[type=submit]")
    assert page.is_visible("#step-review")
    assert page.inner_text("#f-name-error") == "请输入您的姓名。"
    assert page.evaluate("document.activeElement.id") == "f-name"
    assert page.get_attribute("#f-name", "aria-invalid") == "true"
    # The form is the kiosk's to check: no browser bubble, in any language.
    assert page.evaluate("document.querySelector('#review-form').noValidate") is True
    assert page.evaluate("document.querySelector('#f-name').validationMessage") == ""

    page.fill("#f-name", "王伟")
    assert page.is_hidden("#f-name-error")  # typing clears it
    page.click("#review-form button[type=submit]")
    assert "请检查电子邮箱地址" in page.inner_text("#f-emails-error")
    page.click(".k-lang[data-lang=en]")  # the message follows the language
    assert page.inner_text("#f-emails-error").startswith("Please check this email address")

    page.fill("#f-emails", "wang@example.cn")
    page.click("#review-form button[type=submit]")
    page.wait_for_selector("#step-questions:not([hidden])")
    page.click(".k-lang[data-lang=zh_Hans_CN]")
    page.click("#questions-form button[type=submit]")  # the category: trade visitor
    page.click("#questions-form button[type=submit]")  # the industry, required, unanswered
    assert page.inner_text("[data-key=industry] .k-error-text") == "请回答此问题。"
    assert page.inner_text("#question-count") == "第 2 题，共 5 题"


def test_the_servers_refusal_comes_back_in_the_visitors_language(page, live) -> None:
    page.click(".k-lang[data-lang=zh_Hans_CN]")
    no_card(page)
    page.fill("#f-name", "王伟")
    page.fill("#f-phones", "+55 11 98765-4321\n000000")  # six digits, yet no phone number
    page.click("#review-form button[type=submit]")
    answer_questions(page, {"industry": "Packaging", "job_function": "Engineering"})
    page.click("#print-badge")
    error = page.wait_for_selector("#f-phones-error:not([hidden])")
    assert "000000" in error.inner_text()
    assert "电话号码" in error.inner_text()
    assert page.is_visible("#step-review")  # back where it can be put right, nothing lost
    assert page.input_value("#f-name") == "王伟"
    assert rows(live, "SELECT count(*) FROM people WHERE full_name = '王伟'") == [(0,)]


@pytest.mark.parametrize("screen", [PORTRAIT, LANDSCAPE], ids=["portrait", "landscape"])
def test_long_details_fit_the_first_screen_in_fields_that_grow(page, screen) -> None:
    page.set_viewport_size(screen)
    assert page.evaluate(SMALL_TARGETS, SMALLEST_TARGET) == []
    assert page.evaluate(OFF_SCREEN, ["#step-welcome .k-primary", ".k-lang"]) == []
    no_card(page)
    page.fill("#f-name", "Maria da Conceição Albuquerque Vasconcelos")
    page.fill("#f-company", "Acme Robotics Indústria e Comércio de Máquinas Ltda.")
    page.fill("#f-address", ADDRESS)
    page.fill("#f-phones", "\n".join(PHONES))
    page.fill("#f-emails", "maria.vasconcelos@acme-robotics-industria.example")
    assert page.evaluate(CUT_FIELDS) == []
    fields = [f"#f-{name}" for name in ("name", "title", "company", "website", "emails",
                                        "phones", "address")]  # fmt: skip
    assert page.evaluate(OFF_SCREEN, [*fields, "#review-form .k-primary"]) == []
    assert page.evaluate(SMALL_TARGETS, SMALLEST_TARGET) == []
    phones = page.locator("#f-phones").bounding_box()
    assert phones["height"] > 1.25 * page.locator("#f-title").bounding_box()["height"]

    page.click("#review-form button[type=submit]")
    page.wait_for_selector("#step-questions:not([hidden])")
    page.click("#questions-form button[type=submit]")
    industry = ["[data-key=industry] .k-options", "#questions-form .k-primary"]
    assert page.evaluate(OFF_SCREEN, industry) == []
    assert page.evaluate(SMALL_TARGETS, SMALLEST_TARGET) == []


def test_a_visitor_registers_with_the_keyboard_alone(page, live) -> None:
    page.keyboard.press("Enter")  # Start
    page.wait_for_selector("#step-scan:not([hidden])")
    page.keyboard.press("Escape")  # Back
    page.wait_for_selector("#step-welcome:not([hidden])")
    page.keyboard.press("Enter")
    page.focus("#no-card")
    page.keyboard.press("Enter")
    page.wait_for_selector("#step-review:not([hidden])")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "f-name"
    page.keyboard.type("Keyboard Kim")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.type("Kim Keys Ltd")
    page.keyboard.press("Enter")  # a one-line field: Enter goes on
    page.wait_for_selector("#step-questions:not([hidden])")
    page.keyboard.press("Enter")  # the category, trade visitor by default
    page.wait_for_selector("[data-key=industry]:not([hidden])")
    page.keyboard.press("Tab")  # the first option; arrows move through the others
    page.keyboard.press("ArrowDown")
    assert page.is_checked("#q-industry-Packaging")
    assert page.is_visible("[data-key=industry]")  # arrows do not move on by themselves
    for _ in range(4):  # industry, job function (unanswered: stays), then on
        page.keyboard.press("Enter")
    assert page.is_visible("[data-key=job_function].k-error")
    assert page.evaluate("document.activeElement.id") == "q-job_function-General_management"
    page.keyboard.press("Space")
    for _ in range(3):
        page.keyboard.press("Enter")
    page.wait_for_selector("#step-consent:not([hidden])")
    page.keyboard.press("Tab")
    page.keyboard.press("Space")  # the first consent
    page.focus("#step-consent h1")
    page.keyboard.press("Enter")  # Print my badge
    page.wait_for_selector("#step-done:not([hidden])")
    ((name, company, industry, job, marketing),) = rows(
        live,
        "SELECT p.full_name, c.name, r.industry, r.job_function, r.consent_marketing "
        "FROM registrations r JOIN people p ON p.id = r.person_id "
        "LEFT JOIN companies c ON c.id = r.company_id WHERE p.full_name = 'Keyboard Kim'",
    )
    assert (name, company, industry, job, marketing) == (
        "Keyboard Kim", "Kim Keys Ltd", "Packaging", "General management", 1,
    )  # fmt: skip
