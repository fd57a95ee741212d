"""How common a word is as a first name, from the gender-guesser name dictionary.

The dictionary (Jörg Michael's `nam_dict.txt`, shipped by the `gender-guesser` package)
lists about 45,000 first names with how common each is in some 55 countries, on a scale
of 1 (rare) to 13 (very common). The card parser uses it to tell a person's name
("Mariana Souza") from other capitalized lines ("Auto Peças", "Assistência Técnica").
"""

from __future__ import annotations

import functools
import logging
import unicodedata
from pathlib import Path

import gender_guesser

log = logging.getLogger(__name__)

_DATA = Path(gender_guesser.__file__).resolve().parent / "data" / "nam_dict.txt"
#: Column where the per-country frequency figures start in a `nam_dict.txt` line.
_FREQUENCY_COLUMN = 30


def _fold(text: str) -> str:
    """Lowercase and strip accents."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


@functools.cache
def first_names() -> dict[str, int]:
    """Return {folded first name: highest frequency in any country (1-13)}.

    Loaded once per process (about a tenth of a second).
    """
    names: dict[str, int] = {}
    with _DATA.open(encoding="utf-8") as handle:
        for raw in handle:
            line = raw.rstrip("\r\n").rstrip("$").rstrip()
            if not line or line[0] in "#=":
                continue
            parts = line[:_FREQUENCY_COLUMN].split()
            if len(parts) < 2:
                continue
            # Frequencies are single hex digits 1-D: in ASCII their maximum is the largest.
            figures = line[_FREQUENCY_COLUMN:].replace(" ", "")
            frequency = int(max(figures), 16) if figures else 0
            name = parts[1]
            variants = (name.replace("+", ""), name.replace("+", "-")) if "+" in name else (name,)
            for variant in variants:
                key = variant.lower() if variant.isascii() else _fold(variant)
                if frequency > names.get(key, -1):
                    names[key] = frequency
    log.debug("Loaded %d first names", len(names))
    return names


def first_name_score(word: str) -> float:
    """Return how surely `word` is a first name: 1.0 common somewhere, less if rare, 0 unknown."""
    frequency = first_names().get(_fold(word.strip(".,;:()")), -1)
    if frequency < 0:
        return 0.0
    if frequency >= 4:
        return 1.0
    if frequency >= 2:
        return 0.7
    return 0.4
