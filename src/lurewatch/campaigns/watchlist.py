"""Published personas and cover companies, matched fuzzily against counterparts.

The built-in list (`watchlist.yaml`) holds what governments and reporters have published;
users add their own lists as YAML (same layout) or CSV (columns `name,company,source,kind,
aliases,company_aliases,note,common_name,company_is_cover`; a list cell is ';'-separated).
How strong a hit is depends on what matched: a persona's name and company together is strong;
a distinctive full name alone is medium; a common full name alone is weak; a first name alone
never hits."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from lurewatch.campaigns.names import (
    company_similarity,
    name_similarity,
    name_tokens,
    persona_key,
)
from lurewatch.ingest.base import InputError, InputIssue
from lurewatch.yamlio import load_yaml

NAME_THRESHOLD = 90.0  # rapidfuzz ratio of normalised persona names
COMPANY_THRESHOLD = 88.0  # rapidfuzz ratio of company keys (short names must be equal)
STRENGTHS: tuple[str, ...] = ("weak", "medium", "strong")


@dataclass(frozen=True, slots=True)
class WatchlistEntry:
    id: str
    kind: str  # "persona" or "company"
    source: str
    name: str | None = None
    company: str | None = None
    aliases: tuple[str, ...] = ()
    company_aliases: tuple[str, ...] = ()
    note: str | None = None
    common_name: bool = True
    company_is_cover: bool = True
    list_name: str = "built-in"

    @property
    def label(self) -> str:
        if self.name and self.company:
            return f"'{self.name}' ({self.company})"
        return f"'{self.name or self.company}'"


@dataclass(frozen=True, slots=True)
class WatchlistHit:
    entry: WatchlistEntry
    strength: str  # one of STRENGTHS
    name_score: float
    company_score: float
    matched: str  # what matched: "name and company", "name", "company"

    @property
    def reason(self) -> str:
        how = {
            "name and company": "name and company match",
            "name": "full name matches"
            + (" (a common name, so weak)" if self.entry.common_name else ""),
            "company": "company matches",
        }[self.matched]
        return (f"{how} {self.entry.kind} {self.entry.label} published by "
                f"{self.entry.source} ({self.strength} hit)")

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.entry.id, "kind": self.entry.kind, "name": self.entry.name,
            "company": self.entry.company, "source": self.entry.source,
            "list": self.entry.list_name, "strength": self.strength, "matched": self.matched,
            "name_score": round(self.name_score, 1),
            "company_score": round(self.company_score, 1),
        }


@dataclass(slots=True)
class Watchlist:
    entries: list[WatchlistEntry] = field(default_factory=list)
    issues: list[InputIssue] = field(default_factory=list)  # rows skipped in user lists

    def match(self, name: str | None, company: str | None) -> list[WatchlistHit]:
        """Hits for one counterpart, strongest first."""
        full_name = bool(name) and len(name_tokens(name or "")) >= 2  # a first name never hits
        hits: list[WatchlistHit] = []
        for entry in self.entries:
            hit = _match_entry(entry, name if full_name else None, company)
            if hit:
                hits.append(hit)
        hits.sort(key=lambda h: (-STRENGTHS.index(h.strength), -h.name_score - h.company_score))
        return hits


def _best(score: Any, value: str | None, candidates: Iterable[str]) -> float:
    if not value:
        return 0.0
    return max((score(value, c) for c in candidates if c), default=0.0)


def _name_can_match(name: str | None, names: list[str]) -> bool:
    """False when no name of the entry can reach NAME_THRESHOLD: a ratio of two keys is at
    most 100 * 2 * shorter / (sum of lengths), however alike their letters are."""
    key = persona_key(name) if name else ""
    if not key:
        return False
    for other in names:
        other_key = persona_key(other) if other else ""
        if not other_key:
            continue
        bound = 200.0 * min(len(key), len(other_key)) / (len(key) + len(other_key))
        if bound >= NAME_THRESHOLD - 1e-6:
            return True
    return False


def _match_entry(
    entry: WatchlistEntry, name: str | None, company: str | None
) -> WatchlistHit | None:
    names = [entry.name, *entry.aliases] if entry.name else []
    companies = [entry.company, *(entry.aliases if entry.kind == "company" else ()),
                 *entry.company_aliases]
    companies = [c for c in companies if c]
    c = _best(company_similarity, company, companies)
    company_ok = c >= COMPANY_THRESHOLD
    hit_without_name = company_ok and (entry.kind == "company" or entry.company_is_cover)
    if entry.kind == "company" and not company_ok:
        return None
    if not hit_without_name and not _name_can_match(name, names):
        return None  # most counterparts: the names' lengths alone rule a match out
    n = _best(name_similarity, name, names)
    name_ok = n >= NAME_THRESHOLD
    if entry.kind == "company":
        return WatchlistHit(entry, "strong", n, c, "company") if company_ok else None
    if name_ok and company_ok:
        return WatchlistHit(entry, "strong", n, c, "name and company")
    if name_ok:
        return WatchlistHit(entry, "weak" if entry.common_name else "medium", n, c, "name")
    if company_ok and entry.company_is_cover:
        return WatchlistHit(entry, "medium", n, c, "company")
    return None


def _entry(raw: dict[str, Any], list_name: str, where: str) -> WatchlistEntry:
    name = (raw.get("name") or "").strip() or None
    company = (raw.get("company") or "").strip() or None
    if not name and not company:
        raise ValueError(f"{where}: entry has neither a name nor a company")
    kind = (raw.get("kind") or ("persona" if name else "company")).strip()
    if kind not in ("persona", "company"):
        raise ValueError(f"{where}: kind must be 'persona' or 'company', not {kind!r}")
    aliases, company_aliases = _list(raw.get("aliases")), _list(raw.get("company_aliases"))
    return WatchlistEntry(
        id=str(raw.get("id") or f"{list_name}:{name or company}"),
        kind=kind,
        source=str(raw.get("source") or f"user list {list_name}"),
        name=name,
        company=company,
        aliases=aliases,
        company_aliases=company_aliases,
        note=raw.get("note"),
        common_name=_flag(raw.get("common_name"), True),
        company_is_cover=_flag(raw.get("company_is_cover"), True),
        list_name=list_name,
    )


def _list(value: Any) -> tuple[str, ...]:
    """A YAML list, or a ';'-separated CSV cell."""
    if isinstance(value, str):
        value = value.split(";")
    return tuple(str(v).strip() for v in value or () if str(v).strip())


def _flag(value: Any, default: bool) -> bool:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    return str(value).strip().casefold() in ("1", "true", "yes", "y")


def _read_yaml(text: str, list_name: str, watchlist: Watchlist) -> None:
    try:
        data = load_yaml(text)
    except yaml.YAMLError as exc:
        raise InputError(f"{list_name}: not valid YAML ({str(exc).splitlines()[0]})") from None
    rows = data.get("entries") if isinstance(data, dict) else data
    if not isinstance(rows, list):
        raise InputError(f"{list_name}: expected a list of entries (or 'entries:')")
    for i, raw in enumerate(rows, 1):
        try:
            if not isinstance(raw, dict):
                raise ValueError(f"entry {i}: not a mapping")
            watchlist.entries.append(_entry(raw, list_name, f"entry {i}"))
        except ValueError as exc:
            watchlist.issues.append(InputIssue(list_name, f"skipped {exc}"))


def _read_csv(text: str, list_name: str, watchlist: Watchlist) -> None:
    reader = csv.DictReader(text.lstrip("\ufeff").splitlines())
    if not reader.fieldnames or not {"name", "company"} & {
        f.strip().casefold() for f in reader.fieldnames
    }:
        raise InputError(f"{list_name}: CSV needs a header with 'name' and/or 'company'")
    for line, row in enumerate(reader, 2):
        clean = {(k or "").strip().casefold(): (v or "").strip() for k, v in row.items()
                 if isinstance(v, str)}
        try:
            watchlist.entries.append(_entry(clean, list_name, f"row {line}"))
        except ValueError as exc:
            watchlist.issues.append(InputIssue(list_name, f"skipped {exc}", line=line))


def load_watchlist(extra_paths: Iterable[str | Path] = ()) -> Watchlist:
    """The built-in list plus the user's own lists (.yaml/.yml or .csv). A file that cannot be
    read raises InputError naming it; a bad entry is skipped and noted in `issues`."""
    watchlist = Watchlist()
    builtin = resources.files("lurewatch.campaigns").joinpath("watchlist.yaml").read_text("utf-8")
    _read_yaml(builtin, "built-in", watchlist)
    for path in extra_paths:
        path = Path(path)
        try:
            text = path.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"{path}: cannot read watchlist ({exc.__class__.__name__})") from None
        if path.suffix.casefold() == ".csv":
            _read_csv(text, str(path), watchlist)
        elif path.suffix.casefold() in (".yaml", ".yml"):
            _read_yaml(text, str(path), watchlist)
        else:
            raise InputError(f"{path}: watchlist must be .yaml, .yml or .csv")
    return watchlist
