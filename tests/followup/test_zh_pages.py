"""The follow-up pages in Chinese: chart series, facets and their options, list titles, value
tags and task states are words of the reader's language, never codes or English."""

from __future__ import annotations

import json
import re

import pytest
from flask_babel import refresh

from expo_crm.auth.roles import Role
from tests.served.crawler import parse

ZH = {"Accept-Language": "zh-CN"}


@pytest.fixture
def chinese(as_role, db, three_editions, create_company, make_contract, make_registration):
    s23, s24, _s25 = three_editions
    acme = create_company("Acme", country="BR", industry="Packaging")
    make_contract(s23, acme, 1000, 9)
    make_contract(s24, acme, 2000, 18)
    make_registration(s24, create_company("Visiting Co", country="BR"), industry="Printing",
                      job_function="Purchasing")  # fmt: skip
    refresh()  # the tests' one app context keeps the locale of its first request
    client = as_role(Role.SALES)
    return lambda url: client.get(url, headers=ZH).text


def words(html: str) -> list[str]:
    return parse(html, "/").text


def test_dashboard_charts_name_their_series_in_chinese(chinese) -> None:
    html = chinese("/followup/?show=EXPO2024")
    chart = json.loads(re.search(r'id="chart-data" type="application/json">(.*?)</script>', html,
                                 re.S).group(1))  # fmt: skip
    assert chart["labels"]["exhibitors"] == "展商"
    assert chart["labels"]["revenue"] == "收入"
    assert [row[2] for row in chart["pyramid"]][0] != "vip"
    assert all(re.search(r"[\u4e00-\u9fff]", text) for text in chart["labels"].values())


def test_segments_facets_and_options_in_chinese(chinese) -> None:
    text = words(chinese("/followup/segments?show=EXPO2024"))
    for english in ("category", "industry", "job function", "trade", "Printing", "Purchasing"):
        assert english not in text, english
    assert "印刷" in text  # the industry answer, by the questionnaire's own words
    assert "采购" in text


def test_lists_value_tags_and_tasks_in_chinese(chinese) -> None:
    listing = words(chinese("/followup/lists/exhibitors/EXPO2024/exhibitors"))
    assert "EXPO2024：展商" in listing
    assert "包装" in listing  # the company's industry, an answer of the questionnaire
    value = words(chinese("/followup/value/EXPO2024"))
    assert not {"loyal", "repeat", "expected", "ordinary"} & set(value)
    tasks = words(chinese("/followup/tasks/mine"))
    assert not {"open", "done", "cancelled", "all"} & set(tasks)
    invoices = words(chinese("/exhibitors/invoices?show=EXPO2024"))
    assert not {"open", "paid", "cancelled"} & set(invoices)
