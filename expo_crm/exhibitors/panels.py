"""The booth-sales section of the company page: every quote, contract and open balance."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from expo_crm.directory.panels import Panel, company_panel
from expo_crm.exhibitors import invoicing, services


@company_panel
def booth_sales(session: Session, company: Any) -> Panel | None:
    quotes = services.company_quotes(session, company.id)
    contracts = services.company_contracts(session, company.id)
    invoices = invoicing.company_invoices(session, company.id)
    if not (quotes or contracts or invoices):
        return None
    return Panel(
        title=str(_l("Booth sales")),
        template="exhibitors/_company_panel.html",
        context={
            "quotes": quotes,
            "contracts": contracts,
            "invoices": invoices,
            "balance": invoicing.company_balance(session, company.id),
            "currency": (invoices or quotes)[0].currency if (invoices or quotes) else "",
        },
        order=20,
    )
