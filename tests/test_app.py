from __future__ import annotations

from decimal import Decimal

from flask import Flask, render_template_string

from expo_crm.auth.roles import Role
from expo_crm.auth.services import create_user


def test_healthz_is_public(client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.text == "ok"


def test_login_with_wrong_password_is_refused_and_right_one_works(client, db) -> None:
    create_user(db, email="Sales@Expo.example", name="S", password="correct horse", role=Role.SALES)
    bad = client.post("/login", data={"email": "sales@expo.example", "password": "nope"})
    assert "Wrong email or password" in bad.text
    good = client.post(
        "/login?next=/companies", data={"email": "sales@expo.example", "password": "correct horse"}
    )
    assert good.status_code == 302
    assert good.location.endswith("/companies")
    assert client.get("/companies").status_code == 200


def test_login_ignores_offsite_next(client, db) -> None:
    create_user(db, email="a@expo.example", name="A", password="long enough", role=Role.SALES)
    response = client.post(
        "/login?next=//evil.example/x", data={"email": "a@expo.example", "password": "long enough"}
    )
    assert "evil.example" not in response.location


def test_passwords_are_hashed(db) -> None:
    user = create_user(
        db, email="h@expo.example", name="H", password="s3cret-pass", role=Role.SALES
    )
    assert "s3cret-pass" not in user.password_hash
    assert user.check_password("s3cret-pass")
    assert not user.check_password("other")


def test_csrf_is_enforced_on_forms(app: Flask, create_user, login) -> None:
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        client = login(create_user(Role.SALES))
        response = client.post("/companies/new", data={"name": "No Token Ltd"})
        assert response.status_code == 400
        assert "CSRF" in response.text
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_chinese_interface_and_locale_formats(app: Flask, as_role) -> None:
    client = as_role(Role.SALES)
    client.post("/language", data={"locale": "zh_Hans_CN", "next": "/companies"})
    page = client.get("/companies")
    assert "公司" in page.text
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        text = render_template_string("{{ amount | money('CNY') }}", amount=Decimal("1234.5"))
        assert text == "¥1,234.50"
    with app.test_request_context(headers={"Accept-Language": "en"}):
        text = render_template_string("{{ amount | money('EUR') }}", amount=Decimal("1234.5"))
        assert text == "€1,234.50"
