"""Company names in a comparable form: 'RiseHR', 'Rise HR' and 'Rise H.R. Ltd' are one firm.

Used by the profile signals (generic names, names mimicking a real firm) and by campaign
grouping (cover companies spelt differently by one operator).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Trailing words that say what kind of firm it is, not which firm (issue 4: HR, Ltd, Consulting).
FIRM_SUFFIXES: frozenset[str] = frozenset({
    "ltd", "limited", "inc", "incorporated", "llc", "llp", "gmbh", "ag", "sa", "sarl", "bv",
    "nv", "plc", "pte", "pty", "co", "company", "corp", "corporation", "group", "holdings",
    "hr", "consulting", "consultancy", "consultants", "partners", "associates", "executive",
    "search", "human", "resources", "recruitment", "recruiting", "talent", "advisory",
    "solutions", "services", "international", "intl", "global",
})
_CONNECTORS = frozenset({"and", "&"})
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_NON_WORD = re.compile(r"[^\w&]+")


def _ascii_fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def company_tokens(name: str) -> list[str]:
    """Lower-case word tokens, splitting 'RiseHR' at the case change and dropping '&'/'and'.
    Dotted initials are joined first, so 'H.R.' reads as 'HR'."""
    text = re.sub(r"\b([A-Za-z])\.(?=[A-Za-z]\.)", r"\1", _ascii_fold(name))
    text = _CAMEL.sub(" ", text.replace(".", ""))
    tokens = [t.casefold() for t in _NON_WORD.sub(" ", text).split()]
    return [t for t in tokens if t not in _CONNECTORS and t != "_"]


def core_tokens(name: str) -> list[str]:
    """Tokens without trailing firm-kind suffixes; never empty when the name had a token."""
    tokens = company_tokens(name)
    core = list(tokens)
    while len(core) > 1 and core[-1] in FIRM_SUFFIXES:
        core.pop()
    return core


@lru_cache(maxsize=8192)
def company_key(name: str) -> str:
    """Spacing-, case-, punctuation- and suffix-insensitive key: 'Rise HR' -> 'rise'.
    Cached: every profile review compares against the same list of real firms."""
    return "".join(core_tokens(name))


def is_generic_name(name: str, generic_words: frozenset[str]) -> bool:
    """True when every word of the name is a generic word (nothing identifies the firm)."""
    tokens = company_tokens(name)
    return bool(tokens) and all(t in generic_words or t in FIRM_SUFFIXES for t in tokens)
