"""Steps of the kiosk a browser test walks through as a visitor would (real Chromium)."""

from __future__ import annotations

VISIBLE_QUESTION = "#questions .k-question:not([hidden])"


def answer_questions(page: object, answers: dict[str, str] | None = None) -> None:
    """Go through the questions, one a screen, up to the consent step: tap the answer given
    for a question (a one-answer question then moves on by itself), else tap Next."""
    answers = answers or {}
    page.wait_for_selector("#step-questions:not([hidden])")
    for _ in range(30):
        if not page.is_visible("#step-questions"):
            break
        key = page.get_attribute(VISIBLE_QUESTION, "data-key")
        value = answers.get(key or "")
        before = page.inner_text("#question-count")
        if value is not None:
            option = page.locator(f"{VISIBLE_QUESTION} input[value='{value}']")
            page.click(f"label[for='{option.get_attribute('id')}']")
            if option.get_attribute("type") == "radio":
                page.wait_for_function(
                    "(before) => document.querySelector('#question-count').textContent !== before"
                    " || !document.querySelector('#step-consent').hidden",
                    arg=before,
                )
                continue
        page.click("#questions-form button[type=submit]")
        assert not page.is_visible(f"{VISIBLE_QUESTION}.k-error"), f"{key} needs an answer"
    page.wait_for_selector("#step-consent:not([hidden])")
