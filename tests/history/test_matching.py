"""Names as exhibitor lists spell them, year after year: what is one company, what is not."""

from __future__ import annotations

import pytest

from expo_crm.history.matching import compare
from expo_crm.history.names import NameParts, name_key


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Müller Verpackungen GmbH & Co. KG", "mueller verpackungen"),
        ("BAE Systems Defence Ltd.", "bae systems defense"),
        ("Capgemini U.K. plc", "capgemini uk"),
        ("Acme S.p.A.", "acme"),
        ("Polimex Sp. z o.o.", "polimex"),
        ("Vestas Wind Systems A/S", "vestas wind systems"),
        ("Banco do Brasil S/A", "banco do brasil"),
        ("Silva & Filhos Ltda.", "silva and filhos"),
        ("Silva e Filhos LTDA", "silva and filhos"),
        ("Siemens Aktiengesellschaft", "siemens"),
        ("OOO Gazprom", "gazprom"),
        ("Organisation Centre SARL", "organization center"),
        ("Shenzhen Foo Co., Ltd.", "shenzhen foo"),
        ("华夏机械（上海）有限公司", "华夏机械"),
        ("华夏机械股份有限公司", "华夏机械"),
        ("トヨタ株式会社", "トヨタ"),
        ("株式会社トヨタ", "トヨタ"),
        ("The Boeing Company", "boeing"),
        ("Ltd", "ltd"),  # a name made only of a legal form keeps it
    ],
)
def test_name_key(name: str, key: str) -> None:
    assert name_key(name) == key


def _verdict(a: str, b: str):
    return compare(NameParts(name_key(a)), NameParts(name_key(b)))


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Capgemini", "Capgemini UK"),
        ("Atlas Plastics Ltd", "Atlas Plastics Ltd UK"),
        ("Cobalt Plastics Ltda.", "Cobalt Plastics Ltda. Brasil"),
        ("BAE Systems Defence Ltd", "BAE Systems Defense Inc."),
        ("Müller Verpackungen GmbH", "Muller Verpackungen"),
        ("Zenith Robotics", "Zenit Robotics Ltda."),
        ("Orion Foods Inc", "Orion Food"),
        ("华夏机械有限公司", "上海华夏机械"),
        ("Ningbo Donghai Plastics Co., Ltd.", "Donghai Plastics"),
    ],
)
def test_spelling_variants_are_one_company(a: str, b: str) -> None:
    verdict = _verdict(a, b)
    assert verdict.same, verdict
    assert _verdict(b, a).same


@pytest.mark.parametrize(
    ("a", "b", "close"),
    [
        ("Nordic Plastics", "Nordic Foods", False),  # a different trade
        ("Alpha 2000 Ltd", "Alpha 3000 Ltd", False),  # different numbers
        ("Pioneer Automation", "Pioneer Automotive", False),
        ("Vertex Systems", "Vortex Systems", True),  # one letter, but in the name itself
        ("Atlas Robotics", "Atlas Robotics Systems", True),  # an extra word
        ("Siemens", "Siemens Healthineers", True),
        ("Delta Print", "Delta Paint", True),
        ("Air France", "Air", True),  # "Air" alone is too short to be sure
        ("Banco do Brasil", "Banco", True),  # "Banco" is a common word
    ],
)
def test_different_companies_with_similar_names_are_not_one(a: str, b: str, close: bool) -> None:
    verdict = _verdict(a, b)
    assert not verdict.same, verdict
    assert verdict.close is close
