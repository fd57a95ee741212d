"""Tie a name from an exhibitor list to a company of the directory, or say it is new.

In order, the first that answers wins:

1. the same spelling already listed (at this edition, else at another one): its company;
2. a person's decision that this spelling is a company (:class:`MatchDecision`);
3. the website's domain, when it is a company's (free-mail domains say nothing);
4. the same key (:func:`~expo_crm.history.names.name_key`: legal forms, accents,
   punctuation and spelling variants set aside);
5. a similar name, compared by :func:`compare` among the companies that share a word or the
   start of one with it (RapidFuzz scores the spelling).

Similar names are *the same* only when nothing but spelling tells them apart: every word
has a close counterpart, the distinctive words (not ``Systems``, ``Packaging``…) differ by
at most a letter or two (90 or more out of 100), the numbers agree, and the countries do
when both are known (a name that differs by a trailing country, ``Capgemini UK``, may be
elsewhere). Names that differ
in a word (``Nordic Plastics`` / ``Nordic Foods``), by an extra word (``Atlas Robotics`` /
``Atlas Robotics Systems``) or in a short distinctive word (``Vertex`` / ``Vortex``) are at
most *close*: the list's company is then kept apart and a person is asked
(:mod:`expo_crm.history.review`). A person's "different" is remembered, so that company is
never proposed again for that spelling.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from rapidfuzz import fuzz, process
from sqlalchemy import select
from sqlalchemy.orm import Session

from expo_crm.directory.models import Company
from expo_crm.directory.normalize import FREE_MAIL_DOMAINS, domain_of
from expo_crm.history.models import MatchDecision, MatchMethod, Participation
from expo_crm.history.names import NameParts, name_key

log = logging.getLogger(__name__)

__all__ = ["Directory", "Match", "Verdict", "compare", "name_key"]

#: Below this a word has no counterpart in the other name.
WORD_CLOSE = 80.0
#: Distinctive words this close (one or two letters in a long word) are spelling variants.
DISTINCTIVE_SAME = 90.0
#: Whole names this close are worth a person's look.
NAME_CLOSE = 80.0
#: Words shared by more companies than this are not used to find candidates.
COMMON_WORD = 5000

REASONS = {
    "exact": _l("same name once legal forms and spelling variants are set aside"),
    "qualifier": _l("same name but for a country or region"),
    "spelling": _l("the same words, spelt a little differently"),
    "short": _l("the same name, but too short or too common to be sure"),
    "spelling_distinctive": _l("a distinctive word is spelt differently"),
    "extra_words": _l("one name has words the other lacks"),
    "other_words": _l("the names differ in a word"),
    "numbers": _l("the names have different numbers"),
    "country": _l("similar names, but different countries"),
    "domain": _l("the same website"),
    "other_domain": _l("the same name, but different websites"),
    "decision": _l("a person decided it"),
    "listed": _l("the same spelling was listed before"),
}


@dataclass(frozen=True)
class Verdict:
    """How alike two names are: ``same`` (match without asking), ``close`` (ask a person)."""

    score: float
    same: bool
    close: bool
    reason: str


def _best(word: str, others: Iterable[str]) -> float:
    return max((fuzz.ratio(word, other) for other in others), default=0.0)


def compare(a: NameParts, b: NameParts) -> Verdict:
    """Compare two names' parts (see the module docstring for the rules)."""
    if a.words == b.words:
        return Verdict(100.0, True, True, "exact")
    if a.numbers != b.numbers:
        return Verdict(0.0, False, False, "numbers")
    whole = fuzz.ratio(" ".join(a.core), " ".join(b.core))
    if a.core == b.core:
        if a.is_distinctive:
            return Verdict(97.0, True, True, "qualifier")
        return Verdict(90.0, False, True, "short")
    missing_a = [w for w in a.core if _best(w, b.core) < WORD_CLOSE]
    missing_b = [w for w in b.core if _best(w, a.core) < WORD_CLOSE]
    if not missing_a and not missing_b:
        distinct = [_best(w, b.core) for w in a.distinctive] + [
            _best(w, a.core) for w in b.distinctive
        ]
        if (
            min(distinct, default=0.0) >= DISTINCTIVE_SAME
            and whole >= DISTINCTIVE_SAME
            and a.is_distinctive
            and b.is_distinctive
        ):
            return Verdict(round(whole, 1), True, True, "spelling")
        if whole >= NAME_CLOSE:
            reason = "spelling_distinctive" if a.is_distinctive else "short"
            return Verdict(round(whole, 1), False, True, reason)
        return Verdict(round(whole, 1), False, False, "other_words")
    if not missing_a or not missing_b:
        # One name is the other plus words: close when what they share is distinctive.
        shared = NameParts(" ".join(w for w in (a.core if not missing_a else b.core)))
        score = round(fuzz.token_set_ratio(" ".join(a.core), " ".join(b.core)), 1)
        return Verdict(score, False, shared.is_distinctive, "extra_words")
    return Verdict(round(whole, 1), False, whole >= 90.0, "other_words")


def _rank(verdict: Verdict) -> tuple[bool, bool, float]:
    return verdict.same, verdict.close, verdict.score


@dataclass
class Entry:
    """A live company as matching sees it."""

    company_id: int
    name: str
    parts: NameParts
    domain: str | None
    country: str | None


@dataclass
class Match:
    """The outcome for one listed name."""

    method: MatchMethod
    company_id: int | None  #: None: create a company (new, or kept apart while uncertain)
    verdict: Verdict | None = None
    candidate_id: int | None = None  #: the close company a person must compare with

    @property
    def uncertain(self) -> bool:
        """Kept apart from a close company until a person decides."""
        return self.candidate_id is not None and self.method is MatchMethod.NEW


@dataclass
class Directory:
    """The directory's live companies indexed for matching, plus what people decided."""

    entries: dict[int, Entry] = field(default_factory=dict)
    by_domain: dict[str, int] = field(default_factory=dict)
    by_key: dict[str, list[int]] = field(default_factory=dict)
    by_word: dict[str, list[int]] = field(default_factory=dict)
    by_prefix: dict[str, list[int]] = field(default_factory=dict)
    #: name_key → company of that spelling in any edition's list (lowest edition id wins).
    listed: dict[str, int] = field(default_factory=dict)
    same: dict[str, int] = field(default_factory=dict)
    different: dict[str, set[int]] = field(default_factory=dict)
    merged_into: dict[int, int] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session) -> Directory:
        """Index every live company, listed spelling and decision (one pass over each table)."""
        directory = cls()
        rows = session.execute(
            select(
                Company.id, Company.name, Company.domain, Company.country, Company.merged_into_id
            ).order_by(Company.id)
        )
        for company_id, name, domain, country, merged_into in rows:
            if merged_into is not None:
                directory.merged_into[company_id] = merged_into
                continue
            directory.add(Entry(company_id, name, NameParts(name_key(name)), domain, country))
        for key, company_id in session.execute(
            select(Participation.name_key, Participation.company_id).order_by(Participation.show_id)
        ):
            directory.listed.setdefault(key, directory.live(company_id))
        for key, company_id, same in session.execute(
            select(MatchDecision.name_key, MatchDecision.company_id, MatchDecision.same)
        ):
            if same:
                directory.same[key] = directory.live(company_id)
            else:
                directory.different.setdefault(key, set()).add(directory.live(company_id))
        return directory

    def live(self, company_id: int) -> int:
        """Follow merges to the live company."""
        seen = 0
        while company_id in self.merged_into and seen < 100:
            company_id, seen = self.merged_into[company_id], seen + 1
        return company_id

    def add(self, entry: Entry) -> None:
        """Index a company (also those created while importing, so later rows find them)."""
        self.entries[entry.company_id] = entry
        if entry.domain and entry.domain not in self.by_domain:
            self.by_domain[entry.domain] = entry.company_id
        self.by_key.setdefault(entry.parts.key, []).append(entry.company_id)
        for word in set(entry.parts.core):
            self.by_word.setdefault(word, []).append(entry.company_id)
        for word in entry.parts.distinctive:
            self.by_prefix.setdefault(word[:3], []).append(entry.company_id)

    def _candidates(self, parts: NameParts, refused: set[int]) -> dict[int, str]:
        found: set[int] = set()
        for word in set(parts.core):
            ids = self.by_word.get(word, [])
            if len(ids) <= COMMON_WORD:
                found.update(ids)
        for word in parts.distinctive:
            ids = self.by_prefix.get(word[:3], [])
            if len(ids) <= COMMON_WORD:
                found.update(ids)
        return {
            cid: " ".join(self.entries[cid].parts.core)
            for cid in found
            if cid not in refused and cid in self.entries
        }

    def match(self, name: str, country: str | None = None, website: str | None = None) -> Match:
        """Find the company a listed name stands for (see the module docstring)."""
        parts = NameParts(name_key(name))
        key = parts.key
        if key in self.listed:
            return Match(MatchMethod.LISTED, self.live(self.listed[key]))
        if key in self.same:
            return Match(MatchMethod.DECISION, self.same[key])
        refused = self.different.get(key, set())
        domain = domain_of(website)
        if domain and domain not in FREE_MAIL_DOMAINS:
            owner = self.by_domain.get(domain)
            if owner is not None and owner not in refused:
                return Match(MatchMethod.DOMAIN, owner, Verdict(100.0, True, True, "domain"))
        exact = [cid for cid in self.by_key.get(key, []) if cid not in refused]
        if exact:
            entry = self.entries[exact[0]]
            if domain and entry.domain and entry.domain != domain:
                verdict = Verdict(95.0, False, True, "other_domain")
                return Match(MatchMethod.NEW, None, verdict, candidate_id=entry.company_id)
            return Match(MatchMethod.NAME, entry.company_id, Verdict(100.0, True, True, "exact"))
        choices = self._candidates(parts, refused)
        best: tuple[Verdict, int] | None = None
        for _text, _score, cid in process.extract(
            " ".join(parts.core), choices, scorer=fuzz.token_set_ratio, score_cutoff=60, limit=8
        ):
            entry = self.entries[cid]
            verdict = compare(parts, entry.parts)
            # A subsidiary named for its country ("Capgemini UK") is expected elsewhere.
            other_country = bool(country and entry.country and country != entry.country)
            if verdict.same and other_country and verdict.reason != "qualifier":
                verdict = Verdict(verdict.score, False, True, "country")
            if verdict.close and (best is None or _rank(verdict) > _rank(best[0])):
                best = (verdict, cid)
        if best is None:
            return Match(MatchMethod.NEW, None)
        verdict, cid = best
        if verdict.same:
            return Match(MatchMethod.SIMILAR, cid, verdict)
        return Match(MatchMethod.NEW, None, verdict, candidate_id=cid)
