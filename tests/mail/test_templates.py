"""Templates editable per edition with a preview; edited text is rendered in a sandbox."""

from __future__ import annotations

import pytest

from expo_crm.auth.roles import Role
from expo_crm.errors import ValidationError
from expo_crm.mail import outbox
from expo_crm.mail import templates as mail_templates
from expo_crm.mail.compose import check_template
from expo_crm.mail.models import MailTemplate, Topic
from expo_crm.mail.wording import DEFAULTS, LANGUAGES, VARIABLES, variables
from tests.mail.conftest import ensure_show


def test_every_message_has_both_languages_and_renders(db, app):
    show = ensure_show(db)
    for topic in Topic:
        assert set(DEFAULTS[topic]) == set(LANGUAGES)
        assert topic in VARIABLES
        for language in LANGUAGES:
            subject, body = DEFAULTS[topic][language]
            rendered = mail_templates.preview(show, topic, language, subject, body)
            assert rendered.subject
            assert "{{" not in rendered.text
            assert ("<img" in rendered.html) == (topic in mail_templates.QR_TOPICS)
            assert ("unsubscribe" in rendered.html) == (topic.kind == "marketing")


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("{{ name.__class__ }}", "Only {{ variables }}"),
        ("{{ config }}", "Unknown variable 'config'"),
        ("{% for i in range(10) %}x{% endfor %}", "Only {{ variables }}"),
        ("{{ name | attr('upper') }}", "filter 'attr'"),
        ("{{ name(1) }}", "Only {{ variables }}"),
        ("{{ name ", "Line 1"),
        ("{% include 'base.html' %}", "Only {{ variables }}"),
        ("x" * 20001, "too long"),
    ],
)
def test_unsafe_or_broken_templates_are_refused(source, message):
    with pytest.raises(ValidationError, match=message):
        check_template(source, variables(Topic.BADGE_READY))


def test_allowed_template_features():
    check_template(
        "{% if name %}Dear {{ name | title }},{% else %}Hello,{% endif %} {{ show }}",
        variables(Topic.BADGE_READY),
    )


def test_edited_template_is_used_for_the_edition_and_escaped_in_html(db, preregister):
    registration = preregister()
    show = registration.show
    mail_templates.save(
        db, show, Topic.REGISTRATION_CONFIRMATION, "en",
        "Welcome {{ name }}!", "Hi {{ name }} <b>bold?</b>\n\nCode: {{ code }}", None,
    )  # fmt: skip
    message = outbox.send_registration_confirmation(db, registration)
    assert message.subject == "Welcome Ana Silva!"
    assert "Hi Ana Silva <b>bold?</b>" in message.body_text
    assert "&lt;b&gt;bold?&lt;/b&gt;" in message.body_html
    assert "<b>bold?</b>" not in message.body_html
    other = ensure_show(db, "EXPO2027")
    assert (
        outbox.template_for(db, other, Topic.REGISTRATION_CONFIRMATION, "en")
        == DEFAULTS[Topic.REGISTRATION_CONFIRMATION]["en"]
    )


def test_editor_previews_saves_and_resets(db, as_role):
    show = ensure_show(db)
    db.commit()
    client = as_role(Role.SALES)
    url = f"/mail/templates/badge_ready/zh?show={show.code}"
    page = client.get(url).get_data(as_text=True)
    assert "胸卡已准备好" in page
    preview = client.post(
        url, data={"action": "preview", "subject": "胸卡 {{ name }}", "body": "您好 {{ name }}"}
    )
    assert preview.status_code == 200
    assert "胸卡 王伟" in preview.get_data(as_text=True)
    assert db.query(MailTemplate).count() == 0  # a preview saves nothing
    bad = client.post(url, data={"action": "save", "subject": "x", "body": "{{ self.__init__ }}"})
    assert bad.status_code == 422
    assert "Only {{ variables }}" in bad.get_data(as_text=True)
    assert db.query(MailTemplate).count() == 0
    saved = client.post(
        url, data={"action": "save", "subject": "胸卡 {{ name }}", "body": "您好 {{ name }}"}
    )
    assert saved.status_code == 302
    assert db.query(MailTemplate).one().subject == "胸卡 {{ name }}"
    listing = client.get(f"/mail/templates?show={show.code}").get_data(as_text=True)
    assert "Edited for this edition" in listing
    client.post(url, data={"action": "reset"})
    assert db.query(MailTemplate).count() == 0
    assert client.get("/mail/templates/nonsense/en").status_code == 404
    assert client.get("/mail/templates/badge_ready/fr").status_code == 422
