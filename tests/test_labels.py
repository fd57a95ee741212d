from __future__ import annotations

import enum

from flask import render_template_string

from expo_crm.auth.roles import Role
from expo_crm.directory.models import Activity
from expo_crm.labels import choices, label, register_labels


class Colour(enum.StrEnum):
    RED = "open"  # same value as other enums' members: labels must not collide
    DARK_BLUE = "dark_blue"


def test_labels_are_per_enum_and_translated(app) -> None:
    register_labels({Colour.RED: "Red"})
    assert label(Colour.RED) == "Red"
    assert label(Colour.DARK_BLUE) == "Dark blue"  # readable fallback
    assert label(None) == ""
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        assert label(Role.KIOSK) == "自助登记机"
        assert render_template_string("{{ a | label }}", a=Activity.MANUFACTURER) == "制造商"
        assert ("manufacturer", "制造商") in choices(Activity)
