"""Service messages and enum labels of booth sales and visitors are translatable."""

from __future__ import annotations

import pytest
from flask_babel import force_locale

from expo_crm.errors import ValidationError
from expo_crm.exhibitors import models as ex
from expo_crm.exhibitors.pricing import Category, parse_rules
from expo_crm.labels import _LABELS, label
from expo_crm.visitors import models as vis

ENUMS = [
    ex.BoothType,
    ex.BoothStatus,
    ex.QuoteStatus,
    ex.ContractStatus,
    ex.InvoiceKind,
    ex.InvoiceStatus,
    ex.PaymentMethod,
    Category,
    vis.VisitorCategory,
    vis.RegistrationSource,
    vis.QuestionKind,
]


@pytest.mark.parametrize("enum_class", ENUMS, ids=lambda e: e.__name__)
def test_every_member_has_a_registered_label(enum_class) -> None:
    assert [m for m in enum_class if (enum_class, m.value) not in _LABELS] == []


def test_labels_and_messages_follow_the_locale(app) -> None:
    with app.test_request_context():
        assert label(ex.InvoiceKind.BALANCE) == "Balance"
        with force_locale("zh_Hans_CN"):
            # Context keeps the invoice kind apart from the "Balance" (amount due) heading.
            assert label(ex.InvoiceKind.BALANCE) == "尾款"
            assert label(ex.ContractStatus.SIGNED) == "已签订"
            with pytest.raises(ValidationError) as err:
                parse_rules({"price_per_m2": {"raw_space": 1}})
            assert err.value.message.startswith("价格规则无效")
            assert "请为 shell_scheme 设置每平方米价格" in err.value.message
