"""Skipping the fuzzy name comparison when the lengths alone rule a match out changes no hit:
every built-in entry against published names, their spelling variants and near misses, and
ordinary names of every length, gives what comparing every name would give."""

from __future__ import annotations

import json
from pathlib import Path

from lurewatch.campaigns.names import company_similarity, name_similarity
from lurewatch.campaigns.watchlist import (
    COMPANY_THRESHOLD,
    NAME_THRESHOLD,
    _match_entry,
    load_watchlist,
)

ROOT = Path(__file__).resolve().parents[2]


def _reference(entry, name, company):
    """The comparison without the shortcut: both similarities always computed."""
    names = [entry.name, *entry.aliases] if entry.name else []
    companies = [c for c in [entry.company, *(entry.aliases if entry.kind == "company" else ()),
                             *entry.company_aliases] if c]
    n = max((name_similarity(name, c) for c in names if c), default=0.0) if name else 0.0
    c = (max((company_similarity(company, x) for x in companies if x), default=0.0)
         if company else 0.0)
    name_ok, company_ok = n >= NAME_THRESHOLD, c >= COMPANY_THRESHOLD
    if entry.kind == "company":
        return ("strong", n, c, "company") if company_ok else None
    if name_ok and company_ok:
        return ("strong", n, c, "name and company")
    if name_ok:
        return ("weak" if entry.common_name else "medium", n, c, "name")
    if company_ok and entry.company_is_cover:
        return ("medium", n, c, "company")
    return None


def test_shortcut_gives_the_same_hits() -> None:
    watchlist = load_watchlist()
    names: set[str | None] = {None, "", "Li", "Contact 12", "Alexandra Konstantinopoulou"}
    companies: set[str | None] = {None, "", "Northwind Energy Inc."}
    for e in watchlist.entries:
        for n in [e.name, *e.aliases]:
            if n:
                names |= {n, n.upper(), n + "x", n[:-1], n + " Jr", " ".join(reversed(n.split()))}
        for c in [e.company, *e.company_aliases]:
            if c:
                companies |= {c, c + " Ltd", c[:-1]}
    for path in sorted((ROOT / "data" / "corpus").glob("*.jsonl"))[:4]:
        for line in path.read_text("utf-8").splitlines():
            cp = json.loads(line).get("counterpart") or {}
            names.add(cp.get("name"))
            companies.add(cp.get("company"))
    hits = 0
    for e in watchlist.entries:
        for name in names:
            for company in [*sorted(companies, key=str)[:40], None]:
                got = _match_entry(e, name, company)
                want = _reference(e, name, company)
                assert (None if got is None else
                        (got.strength, got.name_score, got.company_score, got.matched)) == want
                hits += want is not None
    assert hits > 50  # the variants do hit, so hits are compared, not only misses
