"""A person's look at uncertain matches: the same company, or different ones.

An uncertain listed name has a company of its own (created by the import) and a close
company it may be. **Same**: the import's company is merged into the close one (everything
listed under it moves over; see ``directory.services.merge_companies``). **Different**:
both stay. Either way the decision is kept per spelling, so no later import asks again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from expo_crm.auth.models import User
from expo_crm.db import utcnow
from expo_crm.directory.models import Company
from expo_crm.directory.services import get_company, merge_companies
from expo_crm.errors import Conflict, NotFound
from expo_crm.history.models import MatchDecision, Participation, Review
from expo_crm.shows.models import Show

log = logging.getLogger(__name__)


@dataclass
class PendingMatch:
    participation_id: int
    show_code: str
    listed_name: str
    country: str | None
    domain: str | None
    score: float | None
    company_id: int
    candidate_id: int
    candidate_name: str
    candidate_country: str | None
    candidate_domain: str | None
    candidate_editions: int  #: editions the close company exhibited at (listed or sold)


def pending_count(session: Session) -> int:
    return (
        session.scalar(
            select(func.count(Participation.id)).where(Participation.review == Review.PENDING)
        )
        or 0
    )


def pending(session: Session, limit: int = 100, offset: int = 0) -> list[PendingMatch]:
    """Return uncertain matches waiting for a person, most similar first."""
    from expo_crm.history.participations import participation_rows

    candidate = aliased(Company)
    rows = participation_rows()
    editions = (
        select(rows.c.company_id, func.count().label("n"))
        .group_by(rows.c.company_id)
        .subquery("editions")
    )
    query = (
        select(
            Participation,
            Show.code,
            candidate.name,
            candidate.country,
            candidate.domain,
            func.coalesce(editions.c.n, 0),
        )
        .join(Show, Show.id == Participation.show_id)
        .join(candidate, candidate.id == Participation.candidate_id)
        .outerjoin(editions, editions.c.company_id == Participation.candidate_id)
        .where(Participation.review == Review.PENDING)
        .order_by(Participation.score.desc(), Participation.listed_name, Participation.id)
        .limit(limit)
        .offset(offset)
    )
    return [
        PendingMatch(
            participation_id=p.id,
            show_code=code,
            listed_name=p.listed_name,
            country=p.country,
            domain=p.domain,
            score=p.score,
            company_id=p.company_id,
            candidate_id=p.candidate_id or 0,
            candidate_name=name,
            candidate_country=country,
            candidate_domain=domain,
            candidate_editions=int(n),
        )
        for p, code, name, country, domain, n in session.execute(query)
    ]


def decide(session: Session, participation_id: int, same: bool, user: User | None) -> Company:
    """Record a person's decision on an uncertain match; return the company the name now
    counts for. Raise NotFound, or Conflict when it was decided already."""
    participation = session.get(Participation, participation_id)
    if participation is None:
        raise NotFound(_("No listed name %(id)s.", id=participation_id))
    if participation.review is not Review.PENDING or participation.candidate_id is None:
        raise Conflict(_("“%(name)s” was decided already.", name=participation.listed_name))
    candidate = get_company(session, participation.candidate_id)
    own = get_company(session, participation.company_id)
    # Every pending name kept apart under the same company is the same question.
    siblings = list(
        session.scalars(
            select(Participation).where(
                Participation.company_id == participation.company_id,
                Participation.review == Review.PENDING,
            )
        )
    )
    now = utcnow()
    for row in siblings:
        row.review = Review.SAME if same else Review.DIFFERENT
        row.reviewed_by_id = user.id if user else None
        row.reviewed_at = now
        if not session.scalar(
            select(MatchDecision.id).where(
                MatchDecision.name_key == row.name_key,
                MatchDecision.company_id == candidate.id,
            )
        ):
            session.add(
                MatchDecision(
                    name_key=row.name_key,
                    listed_name=row.listed_name,
                    company_id=candidate.id,
                    same=same,
                    decided_by_id=user.id if user else None,
                )
            )
    session.flush()
    log.info(
        "%s decided %r is %s company %s",
        user.email if user else "the command line",
        participation.listed_name,
        "the same as" if same else "not",
        candidate.id,
    )
    if same and own.id != candidate.id:
        merge_companies(session, candidate, own, user)
        return candidate
    return own
