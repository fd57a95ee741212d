"""Test data of the visitors tests: a business card's fields and questionnaire answers."""

from __future__ import annotations

from sqlalchemy import func, select

ANSWERS = {"industry": "Packaging", "job_function": "Engineering"}


def count(db, model) -> int:
    return db.scalar(select(func.count()).select_from(model))


def card(**overrides):
    fields = {
        "name": "Ana Silva",
        "title": "Buyer",
        "company": "Acme Packaging Ltda.",
        "emails": ["Ana.Silva@Acme-Pack.example"],
        "phones": ["(11) 98765-4321"],
        "website": "www.acme-pack.example",
    }
    fields.update(overrides)
    return fields
