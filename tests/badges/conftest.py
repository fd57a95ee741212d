"""Fixtures of the badges tests: registrations to badge, and a clean check-in rule cache."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from expo_crm.badges import issuing, rules
from expo_crm.visitors.models import Registration, RegistrationSource, VisitorCategory


@pytest.fixture(autouse=True)
def _fresh_rules() -> Iterator[None]:
    """Rolled-back tests reuse show ids on SQLite: never keep rules across tests."""
    rules.forget_show_rules()
    yield
    rules.forget_show_rules()


@pytest.fixture
def show(create_show):
    return create_show()


@pytest.fixture
def create_registration(db, show, create_person, create_company) -> Callable[..., Registration]:
    counter = iter(range(10**6))

    def factory(
        full_name: str = "Ana Silva",
        *,
        category: VisitorCategory = VisitorCategory.TRADE,
        company: str | None = "Acme Robotics GmbH",
        consent_share: bool = False,
        source: RegistrationSource = RegistrationSource.PREREGISTERED,
        the_show: Any = None,
        **person_fields: Any,
    ) -> Registration:
        n = next(counter)
        first, _sep, last = full_name.partition(" ")
        person_fields.setdefault("email", f"visitor{n}@example.com")
        person_fields.setdefault("first_name", first)
        person_fields.setdefault("last_name", last or first)
        person = create_person(full_name, **person_fields)
        org = create_company(company, country="DE") if company else None
        registration = Registration(
            show_id=(the_show or show).id,
            person_id=person.id,
            company_id=org.id if org else None,
            category=category,
            source=source,
            consent_share=consent_share,
            answers={},
        )
        db.add(registration)
        db.flush()
        return registration

    return factory


@pytest.fixture
def badge(db, create_registration):
    return issuing.issue_badge(db, create_registration())


@pytest.fixture
def request_ctx(app) -> Iterator[None]:
    """Services translate their messages, and the locale is chosen per request."""
    with app.test_request_context():
        yield
