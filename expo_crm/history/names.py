"""Company names reduced to what identifies the company, across languages and spellings.

:func:`name_key` is the exact key: lower case without accents or punctuation, legal forms
dropped (``GmbH``, ``S.p.A.``, ``Sp. z o.o.``, ``株式会社``, ``有限公司`` … at either end of the
name, in the languages of the show's exhibitors), parenthesised remarks dropped
(``Acme (Deutschland)``, ``华夏机械（上海）``), spelling variants made one
(``Defence``/``Defense``, ``Centre``/``Center``, ``-isation``/``-ization``, ``&``/``and``/
``und``/``e``/``y``), German umlauts written out (``Müller`` = ``Mueller``).

:class:`NameParts` splits a key into what :mod:`expo_crm.history.matching` compares:
*qualifiers* (countries and regions at the end: ``Capgemini UK``), *generic* words
(``Systems``, ``Packaging``: shared by unrelated companies) and the *distinctive* rest.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property

#: Legal forms, lower-case, dots removed, as word sequences; longest first when matched.
LEGAL_FORMS: tuple[str, ...] = (
    # English-speaking countries
    "limited liability company",
    "public limited company",
    "limited",
    "ltd",
    "llc",
    "llp",
    "lp",
    "plc",
    "inc",
    "incorporated",
    "corp",
    "corporation",
    "co ltd",
    "co",
    "company",
    "pty ltd",
    "pty",
    "pvt ltd",
    "private limited",
    "pvt",
    "pte ltd",
    "pte",
    "sdn bhd",
    "bhd",
    # German-speaking countries
    "gmbh co kg",
    "gmbh and co kg",
    "gmbh",
    "mbh",
    "ag",
    "kg",
    "kgaa",
    "ohg",
    "gbr",
    "ug",
    "ev",
    "aktiengesellschaft",
    "gesellschaft mit beschrankter haftung",
    # French, Italian, Spanish, Portuguese
    "sa",
    "sas",
    "sasu",
    "sarl",
    "eurl",
    "snc",
    "sca",
    "scs",
    "srl",
    "srls",
    "spa",
    "sapa",
    "sl",
    "slu",
    "sa de cv",
    "s de rl de cv",
    "s de rl",
    "sab de cv",
    "ltda",
    "lda",
    "me",
    "epp",
    "eireli",
    "s a",
    "s l",
    # Benelux and the Nordics
    "bv",
    "nv",
    "vof",
    "bvba",
    "sprl",
    "cvba",
    "ab",
    "publ",
    "as",
    "asa",
    "aps",
    "oy",
    "oyj",
    "hf",
    "ehf",
    # Central and Eastern Europe, Turkey
    "sp z oo",
    "spolka z oo",
    "sp j",
    "sp k",
    "sro",
    "spol s ro",
    "as",
    "kft",
    "zrt",
    "nyrt",
    "doo",
    "dd",
    "ad",
    "ood",
    "eood",
    "ltd sti",
    "san ve tic ltd sti",
    "san tic ltd sti",
    "as",
    "ooo",
    "oao",
    "zao",
    "pao",
    "ao",
    "ооо",
    "оао",
    "зао",
    "пао",
    "ао",
    # Asia
    "kk",
    "kabushiki kaisha",
    "yk",
    "gk",
    "pt",
    "tbk",
    "cv",
    "jsc",
    "co jsc",
)
#: Legal forms written in CJK scripts, dropped wherever they stand at an end of the name.
CJK_LEGAL_FORMS = (
    "股份有限公司",
    "有限责任公司",
    "有限責任公司",
    "有限公司",
    "集团公司",
    "集团",
    "集團",
    "公司",
    "株式会社",
    "有限会社",
    "合同会社",
    "(株)",
    "㈱",
    "주식회사",
    "유한회사",
)
#: The legal forms that stand before the name in their countries ("OOO Gazprom", "PT Astra").
LEADING_LEGAL_FORMS = {"ooo", "oao", "zao", "pao", "ao", "ооо", "оао", "зао", "пао", "pt", "kk"}

#: Spelling variants, British and American and common abbreviations: word → the one spelling.
VARIANTS = {
    "defence": "defense",
    "centre": "center",
    "centres": "centers",
    "theatre": "theater",
    "fibre": "fiber",
    "fibres": "fibers",
    "metre": "meter",
    "litre": "liter",
    "colour": "color",
    "colours": "colors",
    "labour": "labor",
    "aluminium": "aluminum",
    "tyre": "tire",
    "tyres": "tires",
    "programme": "program",
    "catalogue": "catalog",
    "jewellery": "jewelry",
    "grey": "gray",
    "mould": "mold",
    "moulds": "molds",
    "moulding": "molding",
    "sulphur": "sulfur",
    "intl": "international",
    "int": "international",
    "mfg": "manufacturing",
    "mgmt": "management",
    "svcs": "services",
    "svc": "services",
    "tech": "technology",
    "techn": "technology",
    "sys": "systems",
    "bros": "brothers",
    "und": "and",
    "et": "and",
    "e": "and",
    "y": "and",
    "the": "",
}
#: ``-isation`` → ``-ization`` and kin (British → American), applied to whole words.
SUFFIX_VARIANTS = (("isation", "ization"), ("isations", "izations"), ("ising", "izing"))

#: Countries, regions and their adjectives, as they trail a subsidiary's name.
QUALIFIERS = {
    "uk",
    "gb",
    "us",
    "usa",
    "america",
    "americas",
    "north",
    "latam",
    "europe",
    "european",
    "europa",
    "emea",
    "asia",
    "pacific",
    "apac",
    "international",
    "global",
    "worldwide",
    "germany",
    "deutschland",
    "france",
    "italia",
    "italy",
    "espana",
    "spain",
    "iberica",
    "iberia",
    "portugal",
    "brasil",
    "brazil",
    "do",
    "de",
    "da",
    "mexico",
    "argentina",
    "chile",
    "china",
    "japan",
    "nippon",
    "korea",
    "india",
    "benelux",
    "nederland",
    "netherlands",
    "belgium",
    "schweiz",
    "suisse",
    "switzerland",
    "austria",
    "osterreich",
    "polska",
    "poland",
    "turkiye",
    "turkey",
    "canada",
    "australia",
    "singapore",
    "hk",
    "hong",
    "kong",
    "taiwan",
}
#: Words many unrelated companies share: a name made only of these says little.
GENERIC = {
    "and",
    "of",
    "group",
    "holding",
    "holdings",
    "international",
    "global",
    "industries",
    "industry",
    "industrial",
    "systems",
    "system",
    "solutions",
    "technology",
    "technologies",
    "services",
    "service",
    "engineering",
    "electronics",
    "electronic",
    "electric",
    "packaging",
    "foods",
    "food",
    "machinery",
    "machines",
    "machine",
    "automation",
    "logistics",
    "plastics",
    "plastic",
    "print",
    "printing",
    "textile",
    "textiles",
    "medical",
    "energy",
    "robotics",
    "manufacturing",
    "products",
    "equipment",
    "consulting",
    "software",
    "digital",
    "enterprises",
    "enterprise",
    "trading",
    "partners",
    "brothers",
    "sons",
    "bank",
    "banco",
    "new",
    "first",
    "general",
    "national",
    "united",
    "american",
    "european",
    "asian",
    "north",
    "south",
    "east",
    "west",
    "center",
    "network",
    "media",
    "design",
    "mechanical",
    "components",
    "tools",
    "materials",
}

#: Places that open Chinese and Japanese company names (``上海华夏机械`` is ``华夏机械``).
CJK_PLACES = (
    "中国",
    "北京",
    "上海",
    "天津",
    "重庆",
    "广州",
    "深圳",
    "杭州",
    "宁波",
    "苏州",
    "南京",
    "青岛",
    "厦门",
    "东莞",
    "佛山",
    "无锡",
    "成都",
    "武汉",
    "西安",
    "大连",
    "香港",
    "台湾",
    "浙江",
    "江苏",
    "广东",
    "山东",
    "福建",
    "河北",
    "河南",
    "湖北",
    "湖南",
    "安徽",
    "四川",
    "辽宁",
    "东京",
    "大阪",
    "名古屋",
)

#: Cities and provinces that open company names in their Latin spelling ("Ningbo Foo").
LEADING_PLACES = {
    "shanghai",
    "beijing",
    "shenzhen",
    "guangzhou",
    "ningbo",
    "hangzhou",
    "suzhou",
    "qingdao",
    "xiamen",
    "dongguan",
    "foshan",
    "tianjin",
    "wuxi",
    "zhejiang",
    "jiangsu",
    "guangdong",
    "shandong",
    "fujian",
    "chongqing",
    "chengdu",
    "wuhan",
    "dalian",
    "nanjing",
    "hebei",
}

_UMLAUTS = str.maketrans(
    {
        "ä": "ae",
        "ö": "oe",
        "ü": "ue",
        "ß": "ss",
        "ø": "o",
        "æ": "ae",
        "œ": "oe",
        "ł": "l",
        "đ": "d",
        "ð": "d",
        "þ": "th",
        "ı": "i",
    }
)
_PARENS = re.compile(r"[(（\[【][^)）\]】]*[)）\]】]")
_SINGLE_LETTER_SLASH = re.compile(r"\b(\w)\s*/\s*(\w)\b")
_LEGAL_SEQUENCES = sorted({tuple(f.split()) for f in LEGAL_FORMS}, key=len, reverse=True)


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _drop_cjk_forms(text: str) -> str:
    changed = True
    while changed:
        changed = False
        stripped = text.strip(" .,、·")
        for form in CJK_LEGAL_FORMS:
            if stripped.endswith(form) and len(stripped) > len(form):
                text, changed = stripped[: -len(form)], True
                break
            if stripped.startswith(form) and len(stripped) > len(form):
                text, changed = stripped[len(form) :], True
                break
    return text


def _word(word: str) -> str:
    word = VARIANTS.get(word, word)
    for british, american in SUFFIX_VARIANTS:
        if word.endswith(british) and len(word) > len(british) + 2:
            return word[: -len(british)] + american
    return word


def _drop_legal_forms(words: list[str]) -> list[str]:
    """Drop legal forms at the end (repeatedly: ``GmbH & Co. KG``) and at the start."""
    changed = True
    while changed and len(words) > 1:
        changed = False
        for form in _LEGAL_SEQUENCES:
            n = len(form)
            if len(words) > n and tuple(words[-n:]) == form:
                words, changed = words[:-n], True
                break
        if not changed and words[-1] == "and" and len(words) > 1:
            words, changed = words[:-1], True  # "Silva & Filhos e Cia" leaves a dangling "and"
    if len(words) > 1 and words[0] in LEADING_LEGAL_FORMS:
        words = words[1:]
    return words


def name_key(name: str) -> str:
    """Return the matching key of a company name (see the module docstring).

    ``"Müller Verpackungen GmbH & Co. KG"`` → ``"mueller verpackungen"``;
    ``"BAE Systems Defence Ltd."`` → ``"bae systems defense"``; ``"华夏机械（上海）有限公司"``
    → ``"华夏机械"``. A name made only of a legal form keeps it, so no key is empty.
    """
    text = unicodedata.normalize("NFKC", name).strip()
    text = _PARENS.sub(" ", text).strip() or text
    text = _drop_cjk_forms(text)
    text = text.lower().translate(_UMLAUTS)
    text = _strip_accents(text)
    text = text.replace("&", " and ").replace("+", " and ").replace("'", "").replace("’", "")
    text = _SINGLE_LETTER_SLASH.sub(r"\1\2", text)  # A/S, S/A
    text = re.sub(r"(?<=\w)\.(?=\w)", "", text)  # S.p.A. → spa, e.V. → ev
    raw = re.findall(r"\w+", text)
    words = [w for w in (_word(w) for w in raw) if w]
    words = _drop_legal_forms(words) if words else raw
    return " ".join(words) or name.strip().lower()


def _singular(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _stem(word: str) -> str:
    """Plural and singular of a generic word as one: ``systems`` → ``system``,
    ``industries`` → ``industry`` (other words are names and keep their letters)."""
    singular = _singular(word)
    return singular if singular in _GENERIC_SINGULAR or word in GENERIC else word


@dataclass(frozen=True)
class NameParts:
    """A key split into the words matching compares (see the module docstring)."""

    key: str

    @cached_property
    def words(self) -> tuple[str, ...]:
        return tuple(_stem(w) for w in self.key.split())

    @cached_property
    def core(self) -> tuple[str, ...]:
        """The words without qualifiers trailing the name (at least one word is kept)."""
        words = list(self.key.split())
        # "Atlas Plastics Ltd UK": a country after the legal form; both go.
        while len(words) > 1 and (words[-1] in QUALIFIERS or (words[-1],) in _LEGAL_SEQUENCES):
            words.pop()
        if len(words) > 1 and words[0] in LEADING_PLACES:
            words = words[1:]
        first = words[0]
        for place in CJK_PLACES:
            if first.startswith(place) and len(first) > len(place) + 1:
                words[0] = first[len(place) :]
                break
        return tuple(_stem(w) for w in words)

    @cached_property
    def numbers(self) -> tuple[str, ...]:
        return tuple(w for w in self.words if any(c.isdigit() for c in w))

    @cached_property
    def distinctive(self) -> tuple[str, ...]:
        """Core words that are not generic: what tells this company from others."""
        return tuple(w for w in self.core if w not in _GENERIC_SINGULAR)

    @property
    def is_distinctive(self) -> bool:
        """Whether the core alone can name one company: a distinctive word of 5 or more
        characters (or 2 or more in a CJK script), or two distinctive words of 3 or more."""
        long_enough = [w for w in self.distinctive if len(w) >= 5 or (_is_cjk(w) and len(w) >= 2)]
        words = [w for w in self.distinctive if len(w) >= 3 or _is_cjk(w)]
        return bool(long_enough) or len(words) >= 2


_GENERIC_SINGULAR = {_singular(g) for g in GENERIC} | GENERIC


def _is_cjk(word: str) -> bool:
    return any("\u3040" <= c <= "\u9fff" or "\uac00" <= c <= "\ud7af" for c in word)
