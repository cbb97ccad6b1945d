"""Persona names in a comparable form: 'Rachel Li', 'Rachael Lee' and 'LI Rachel' are one
persona written by one operator (BfV 2017: batches of similar profiles; threat model, Network)."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from rapidfuzz import fuzz

from lurewatch.profile.company import company_key

# Romanisations of one Chinese surname (Pinyin, Wade-Giles, Cantonese, Hokkien, English).
SURNAME_VARIANTS: dict[str, str] = {
    "lee": "li", "lei": "li", "wong": "wang", "chan": "chen", "chen": "chen", "tan": "chen",
    "chang": "zhang", "cheung": "zhang", "teo": "zhang", "lau": "liu", "lew": "liu",
    "lieu": "liu", "woo": "wu", "ng": "wu", "chow": "zhou", "chou": "zhou", "hsu": "xu",
    "tsui": "xu", "hsieh": "xie", "tse": "xie", "yeung": "yang", "young": "yang", "chao": "zhao",
    "chiu": "zhao", "ho": "he", "kwok": "guo", "kuo": "guo", "lam": "lin", "lim": "lin",
    "hwang": "huang", "hon": "han", "hahn": "han", "tsai": "cai",
    "choy": "cai", "sun": "sun", "suen": "sun", "kao": "gao", "ko": "gao", "chu": "zhu",
    "chiang": "jiang", "kong": "kong", "lo": "luo", "law": "luo", "ma": "ma", "mah": "ma",
    "hu": "hu", "wu": "wu",
}
# Spelling variants of Western given names that personas use.
GIVEN_VARIANTS: dict[str, str] = {
    "rachael": "rachel", "rachelle": "rachel", "rachal": "rachel", "laetitia": "leticia",
    "laeticia": "leticia", "letitia": "leticia", "lettice": "leticia", "alexander": "alex",
    "alexandra": "alex", "alexis": "alex", "aleks": "alex", "alan": "allen", "allan": "allen",
    "alen": "allen", "alain": "allen", "lilly": "lily", "lili": "lily", "lilli": "lily",
    "lillie": "lily", "jayson": "jason", "jasen": "jason", "eve": "eva", "ava": "eva",
    "katy": "katie", "katey": "katie", "kati": "katie", "kathy": "katie", "catie": "katie",
    "mya": "mia", "miah": "mia", "vivien": "vivian", "vivienne": "vivian", "vyvyan": "vivian",
    "steven": "stephen", "stefan": "stephen", "jon": "john",
    "jonathan": "john", "micheal": "michael", "sara": "sarah", "ann": "anne", "anna": "anne",
}
_TITLES = frozenset({"dr", "mr", "mrs", "ms", "miss", "prof", "phd", "mba", "msc", "ma", "bsc"})
_NON_WORD = re.compile(r"[^\w]+")


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def name_tokens(name: str) -> list[str]:
    """Tokens with titles and degrees removed and spellings mapped to one form, sorted so
    'Li Rachel' (surname first) equals 'Rachel Li'."""
    raw = [t for t in _NON_WORD.sub(" ", _fold(name)).split() if t]
    tokens = [t for t in raw if t not in _TITLES or len(raw) <= 1]
    mapped = [GIVEN_VARIANTS.get(t, SURNAME_VARIANTS.get(t, t)) for t in tokens]
    return sorted(mapped)


@lru_cache(maxsize=65536)
def persona_key(name: str) -> str:
    """One key for all spellings of a persona name: 'Rachael Lee' -> 'li rachel'."""
    return " ".join(name_tokens(name))


def name_similarity(a: str, b: str) -> float:
    """0-100: how alike two persona names are after spelling normalisation."""
    ka, kb = persona_key(a), persona_key(b)
    if not ka or not kb:
        return 0.0
    return float(fuzz.ratio(ka, kb))


_company_key = lru_cache(maxsize=65536)(company_key)


def company_similarity(a: str, b: str) -> float:
    """0-100: how alike two company names are after spacing and suffix normalisation. Short
    names (acronyms like DRHR) must match exactly: one letter changes a short name too much."""
    ka, kb = _company_key(a), _company_key(b)
    if not ka or not kb:
        return 0.0
    if ka == kb:
        return 100.0
    if min(len(ka), len(kb)) < 6:
        return 0.0
    return float(fuzz.ratio(ka, kb))
