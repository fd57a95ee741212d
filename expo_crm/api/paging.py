"""Paged lists in the API: one query shape, one answer shape, and one place that pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import Select

from expo_crm.extensions import db


class PageQuery(BaseModel):
    """The paging half of a list endpoint's query string."""

    page: int = Field(default=1, ge=1)
    per_page: int = Field(default=50, ge=1, le=500)


class PageOut(BaseModel):
    """Where a page sits in the whole list; a list model adds its ``items``."""

    page: int
    pages: int
    total: int


def paged(
    statement: Select[Any], query: PageQuery, convert: Callable[[Any], Any]
) -> dict[str, Any]:
    """Run one page of `statement` and return ``items`` (each converted) with its place.

    A page past the end is empty rather than an error, so clients can page until empty.
    """
    page = db.paginate(statement, page=query.page, per_page=query.per_page, error_out=False)
    return {
        "items": [convert(row) for row in page.items],
        "page": page.page,
        "pages": page.pages,
        "total": page.total or 0,
    }
