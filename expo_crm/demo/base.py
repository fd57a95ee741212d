"""The demo's shared base: editions, staff, companies with contacts, and the :class:`World`
the seeders of :mod:`expo_crm.demo` read and extend (names, latent interest, who books)."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from expo_crm.auth.models import User
from expo_crm.auth.roles import Role
from expo_crm.directory.models import Activity, Company, Person
from expo_crm.directory.normalize import normalize_company_name
from expo_crm.shows.models import Show

DEMO_PASSWORD = "demo-pass"  # noqa: S105  (printed to the user: it is a demo login)
DEMO_USERS = [
    ("admin@expo.example", "admin"),
    ("sales1@expo.example", "sales"),
    ("sales2@expo.example", "sales"),
    ("sales3@expo.example", "sales"),
    ("finance@expo.example", "finance"),
    ("onsite@expo.example", "onsite"),
    ("kiosk1@expo.example", "kiosk"),
    ("scanner@expo.example", "scanner"),
]
DEMO_NAMES = {
    "admin@expo.example": "Marina Costa",
    "sales1@expo.example": "Lucas Pereira",
    "sales2@expo.example": "王芳 Wang Fang",
    "sales3@expo.example": "Julia Becker",
    "finance@expo.example": "Carlos Mendes",
    "onsite@expo.example": "Paula Lima",
    "kiosk1@expo.example": "Kiosk 1 · Hall A entrance",
    "scanner@expo.example": "Booth scanner",
}

INDUSTRIES = [
    "Industrial automation",
    "Packaging",
    "Food processing",
    "Plastics & rubber",
    "Electronics",
    "Logistics",
    "Printing",
    "Textiles",
    "Medical devices",
    "Renewable energy",
]

LATIN_FIRST = [
    "Ana",
    "Bruno",
    "Carla",
    "Daniel",
    "Eva",
    "Felipe",
    "Giulia",
    "Hans",
    "Inês",
    "João",
    "Katarzyna",
    "Lucas",
    "Marie",
    "Nils",
    "Olga",
    "Pedro",
    "Rafaela",
    "Sofia",
    "Thomas",
    "Zoë",
    "Émile",
    "Søren",
    "Ömer",
    "Laura",
    "Mateus",
]
LATIN_LAST = [
    "Silva",
    "Santos",
    "Müller",
    "Schmidt",
    "Rossi",
    "Dubois",
    "Kowalski",
    "García",
    "Oliveira",
    "Andersen",
    "Nakamura",
    "Costa",
    "Novák",
    "Yılmaz",
    "Ferreira",
    "Martins",
    "Bianchi",
    "Lefèvre",
    "Jensen",
    "Pereira",
    "O'Brien",
    "van Dijk",
]
CHINESE_SURNAMES = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙"]
CHINESE_GIVEN = [
    "伟",
    "芳",
    "娜",
    "秀英",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀兰",
    "霞",
]
JAPANESE = [("佐藤", "健"), ("鈴木", "美咲"), ("高橋", "翔"), ("田中", "陽子"), ("渡辺", "大輔")]

COMPANY_WORDS = [
    "Acme",
    "Nordic",
    "Atlas",
    "Vertex",
    "Orion",
    "Delta",
    "Summit",
    "Pioneer",
    "Vector",
    "Apex",
    "Helix",
    "Quantum",
    "Titan",
    "Aurora",
    "Cobalt",
    "Falcon",
    "Granite",
    "Horizon",
    "Iris",
    "Juniper",
    "Keystone",
    "Lumen",
    "Meridian",
    "Nova",
    "Omega",
    "Polaris",
    "Sierra",
    "Tristar",
    "Unity",
    "Zenith",
]
COMPANY_TAILS = [
    "Robotics",
    "Packaging",
    "Systems",
    "Foods",
    "Plastics",
    "Electronics",
    "Logistics",
    "Print",
    "Textile",
    "Medical",
    "Energy",
    "Machinery",
    "Automation",
]
LEGAL = {
    "BR": "Ltda.",
    "DE": "GmbH",
    "US": "Inc.",
    "IT": "S.r.l.",
    "FR": "SAS",
    "GB": "Ltd",
    "PL": "Sp. z o.o.",
    "JP": "",
    "CN": "",
}
CHINESE_COMPANY_PARTS = [
    "华夏",
    "东方",
    "新星",
    "宏达",
    "金马",
    "长城",
    "恒通",
    "精工",
    "远航",
    "中联",
    "瑞丰",
    "海天",
]
CHINESE_COMPANY_TAILS = ["机械", "包装", "电子", "自动化", "物流", "塑料", "食品机械", "印刷"]
#: Industries of some visiting companies that the show does not cover (they buy, rarely sell).
OTHER_INDUSTRIES = ["Construction", "Retail", "Agriculture", "Public sector"]
COUNTRIES = ["BR"] * 6 + ["DE"] * 2 + ["US", "IT", "FR", "GB", "PL", "CN", "CN", "CN", "JP"]


@dataclass
class World:
    """What the base built, handed to each seeder in turn."""

    rng: random.Random
    scale: int
    shows: list[Show]  #: oldest first; the last one is the current edition
    companies: list[Company]
    exhibitor_pool: list[Company]  #: companies that exhibit (some, in some editions)
    visitor_companies: list[Company]
    users: dict[str, User]
    progress: Callable[[str], Any]
    summary: dict[str, int] = field(default_factory=dict)
    #: Latent interest in exhibiting per company id (about N(0, 1), higher for makers and
    #: distributors in the show's industries). It drives how many staff visit, how senior
    #: they are, and the chance of booking a booth; drawn once here so seeders agree.
    interest: dict[int, float] = field(default_factory=dict)
    #: Edition index → ids of companies that book a booth at that edition after visiting
    #: the edition before (filled by the exhibitors seeder, read by the visitors seeder).
    booked_after_visit: dict[int, set[int]] = field(default_factory=dict)
    #: Edition index → ids of lapsed exhibitors who come back at that edition.
    won_back: dict[int, set[int]] = field(default_factory=dict)
    #: The demo's "today": what is past (paid, printed, admitted) and what is still ahead.
    today: date = field(default_factory=date.today)

    @property
    def current(self) -> Show:
        return self.shows[-1]

    @property
    def sales_users(self) -> list[User]:
        return [u for u in self.users.values() if u.role is Role.SALES]


def has_data(session: Session) -> bool:
    """Whether the database holds any edition (the demo is built only into an empty one)."""
    return bool(session.scalar(select(func.count(Show.id))))


def person_name(rng: random.Random, country: str) -> tuple[str, str, str]:
    """(first, last, full) name as people of that country write it."""
    """Return (first, last, full) as the person writes it."""
    if country == "CN":
        last, first = rng.choice(CHINESE_SURNAMES), rng.choice(CHINESE_GIVEN)
        return first, last, last + first
    if country == "JP":
        last, first = rng.choice(JAPANESE)
        return first, last, f"{last} {first}"
    first, last = rng.choice(LATIN_FIRST), rng.choice(LATIN_LAST)
    return first, last, f"{first} {last}"


CITIES = {"CN": ["上海", "深圳", "宁波", "苏州", "广州", "青岛"], "JP": ["東京", "大阪", "名古屋"]}
LATIN_CITIES = ["Norte", "Sul", "Campinas", "Curitiba", "Hamburg", "Milano", "Lyon", "Ohio"]


def _company_name(rng: random.Random, country: str, used: set[str]) -> str:
    """Return a realistic company name whose dedupe key is not taken yet."""
    for attempt in range(200):
        if country in ("CN", "JP"):
            core = rng.choice(CHINESE_COMPANY_PARTS) + rng.choice(CHINESE_COMPANY_TAILS)
            city = f"（{rng.choice(CITIES[country])}）" if attempt > 20 else ""
            name = core + city + ("株式会社" if country == "JP" else "有限公司")
        else:
            words = [rng.choice(COMPANY_WORDS), rng.choice(COMPANY_TAILS)]
            if attempt > 20:
                words.insert(1, rng.choice(COMPANY_WORDS + LATIN_CITIES))
            name = " ".join([*words, LEGAL[country]]).strip()
        if attempt > 150:
            name = f"{name} {attempt}"
        if normalize_company_name(name) not in used:
            break
    used.add(normalize_company_name(name))
    return name


def slug(name: str, rng: random.Random) -> str:
    """A short ASCII handle for a name (e-mail and domain parts); random if it has none."""
    ascii_part = "".join(c for c in normalize_company_name(name) if c.isascii() and c.isalnum())
    return (ascii_part or f"co{rng.randrange(10**6)}")[:20]


def _interest(rng: random.Random, company: Company) -> float:
    """Latent interest in exhibiting: noise, plus makers/distributors in the show's trades."""
    value = rng.gauss(0.0, 1.0)
    if company.activity in (Activity.MANUFACTURER, Activity.DISTRIBUTOR):
        value += 0.8
    elif company.activity in (Activity.RETAIL, Activity.ASSOCIATION):
        value -= 0.5
    if company.industry not in INDUSTRIES:
        value -= 0.8
    return value


def interest_weight(world: World, company_id: int, strength: float = 1.0) -> float:
    """Return ``exp(strength × interest)``: a sampling weight (1.0 for unknown companies)."""
    return math.exp(strength * world.interest.get(company_id, 0.0))


def build_world(
    session: Session,
    *,
    scale: int,
    seed: int,
    progress: Callable[[str], Any],
    today: date,
) -> World:
    """Add the editions, staff and companies every seeder builds on; return the world.
    The caller commits."""
    rng = random.Random(seed)
    progress("Creating editions and staff…")
    shows = []
    current_year = today.year if today.month < 10 else today.year + 1
    for offset in range(3, -1, -1):
        year = current_year - offset
        show = Show(
            code=f"EXPO{year}",
            name=f"ExpoTech {year}",
            year=year,
            venue="Expo Center Norte",
            city="São Paulo",
            country="BR",
            starts_on=date(year, 10, 6),
            ends_on=date(year, 10, 9),
            currency="BRL",
            phone_region="BR",
            timezone="America/Sao_Paulo",
        )
        session.add(show)
        shows.append(show)

    users: dict[str, User] = {}
    for email, role in DEMO_USERS:
        user = User(email=email, name=DEMO_NAMES[email], role=Role(role))
        user.set_password(DEMO_PASSWORD)
        session.add(user)
        users[email] = user
    users["sales1@expo.example"].territory = "BR"
    users["sales2@expo.example"].territory = "Packaging"
    session.flush()

    progress("Creating companies and contacts…")
    used: set[str] = set()
    companies: list[Company] = []
    n_exhibitors = 300 * scale
    n_visitor_companies = 900 * scale
    for i in range(n_exhibitors + n_visitor_companies):
        country = rng.choice(COUNTRIES)
        name = _company_name(rng, country, used)
        exhibitor = i < n_exhibitors
        domain = f"{slug(name, rng)}{i}.example.com"
        activity = rng.choices(
            list(Activity), weights=[5, 3, 2, 1, 0.3, 1] if exhibitor else [2, 2, 3, 4, 0.3, 3]
        )[0]
        company = Company(
            name=name,
            normalized_name=normalize_company_name(name),
            domain=domain,
            website=f"https://www.{domain}",
            industry=rng.choice(
                INDUSTRIES if exhibitor or rng.random() < 0.8 else OTHER_INDUSTRIES
            ),
            activity=activity,
            country=country,
            city=None,
            employees=rng.choice([None, 10, 50, 120, 400, 2500]),
            is_member=exhibitor and rng.random() < 0.25,
        )
        companies.append(company)
    session.add_all(companies)
    session.flush()
    for company in companies[:n_exhibitors]:
        for k in range(rng.randint(1, 3)):
            first, last, full = person_name(rng, company.country or "BR")
            session.add(
                Person(
                    first_name=first,
                    last_name=last,
                    full_name=full,
                    company_id=company.id,
                    email=f"{slug(first, rng)}.{k}.{company.id}@{company.domain}".lower(),
                    phone=f"+55119{rng.randrange(10**7, 10**8)}",
                    country=company.country,
                    title=rng.choice(
                        [
                            "Sales Director",
                            "Marketing Manager",
                            "CEO",
                            "Export Manager",
                            "销售经理",
                            "市场总监",
                        ]
                    ),
                    is_booking_contact=k == 0,
                )
            )
    users["scanner@expo.example"].company_id = companies[0].id
    session.flush()

    interest = {c.id: _interest(rng, c) for c in companies}
    world = World(
        rng=rng,
        scale=scale,
        shows=shows,
        companies=companies,
        exhibitor_pool=companies[:n_exhibitors],
        visitor_companies=companies[n_exhibitors:],
        users=users,
        progress=progress,
        interest=interest,
        today=today,
    )
    world.summary.update(editions=len(shows), companies=len(companies))
    return world
