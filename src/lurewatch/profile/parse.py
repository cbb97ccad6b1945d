"""Counterpart profiles from what a person has: the text copied from a LinkedIn profile page,
or a JSON object (the canonical `counterpart` fields, or common scraper field names)."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from typing import Any

from lurewatch.ingest.base import InputError
from lurewatch.model import Counterpart

MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)}
SECTIONS = frozenset({
    "about", "activity", "experience", "education", "skills", "licenses & certifications",
    "licenses and certifications", "volunteering", "volunteer experience", "recommendations",
    "interests", "languages", "projects", "publications", "honors & awards", "honors and awards",
    "courses", "organizations", "featured", "causes", "people also viewed", "contact info",
    "about this profile", "services", "test scores", "patents",
})
_NOISE = re.compile(
    r"^(?:·\s*)?(?:1st|2nd|3rd\+?|3rd)$|^(?:contact info|message|more|follow|connect|pending|"
    r"open to|view full profile|show all.*|see all.*|he/him|she/her|they/them|"
    r"\d+ mutual connections?.*|.*mutual connection.*)$",
    re.IGNORECASE,
)
_CONNECTIONS = re.compile(r"(\d[\d,.]*)\s*(\+)?\s+connections?\b", re.IGNORECASE)
_FOLLOWERS = re.compile(r"(\d[\d,.]*)\s*(?:k\b)?\s*(\+)?\s*followers?\b", re.IGNORECASE)
_JOINED = re.compile(
    r"\bjoined(?:\s+linkedin)?(?:\s+(?:on|in))?\s+([A-Za-z]{3,9}\.?\s+\d{4}|\d{4})", re.IGNORECASE
)
_DATE = r"(?:[A-Za-z]{3,9}\.?\s+)?\d{4}"
_RANGE = re.compile(
    rf"^(?P<start>{_DATE})\s*[-–—]\s*(?P<end>present|now|{_DATE})(?:\s*·\s*(?P<dur>.*))?$",
    re.IGNORECASE,
)
_DURATION = re.compile(r"^\d+\s+yrs?(?:\s+\d+\s+mos?)?$|^\d+\s+mos?$", re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"']+", re.IGNORECASE)
_EMPLOYMENT = re.compile(
    r"\s*·\s*(?:full-time|part-time|self-employed|freelance|contract|internship|apprenticeship|"
    r"seasonal|permanent)\s*$",
    re.IGNORECASE,
)
_HEADLINE_COMPANY = re.compile(r"\s(?:at|@)\s+(.+?)(?:\s*[|,·•]|$)", re.IGNORECASE)
_PLACE_HINT = re.compile(r",|\barea\b|\bregion\b|\bmetropolitan\b", re.IGNORECASE)


def _month_year(text: str) -> date | None:
    parts = text.replace(".", "").split()
    try:
        if len(parts) == 1:
            return date(int(parts[0]), 1, 1)
        month = MONTHS.get(parts[0][:3].casefold())
        return date(int(parts[1]), month, 1) if month else None
    except ValueError:
        return None


def _count(raw: str) -> int | None:
    try:
        return int(raw.replace(",", "").replace(".", ""))
    except ValueError:
        return None


def _clean_lines(text: str) -> list[str]:
    lines: list[str] = []
    for raw in text.replace("\r\n", "\n").split("\n"):
        line = raw.strip().strip("\u200e\u200f\ufeff").strip()
        # The page repeats many lines for screen readers; keep one of each run.
        if line and (not lines or lines[-1] != line):
            lines.append(line)
    return lines


def _experience(lines: list[str], today: date) -> list[dict[str, Any]]:
    """Positions from the lines of an Experience section: each date range closes one position,
    whose title and company are the lines just above it."""
    positions: list[dict[str, Any]] = []
    group_company: str | None = None
    last_end = -1
    for i, line in enumerate(lines):
        m = _RANGE.match(line)
        if not m:
            continue
        start = _month_year(m.group("start"))
        end_raw = m.group("end")
        end = None if end_raw.casefold() in ("present", "now") else _month_year(end_raw)
        above = [s for s in lines[last_end + 1:i] if not _RANGE.match(s)]
        title, company = None, None
        if above and "·" in above[-1]:  # Title / Company · Full-time / dates
            company = _EMPLOYMENT.sub("", above[-1]).split("·")[0].strip() or None
            title = above[-2] if len(above) >= 2 else None
        elif len(above) >= 3 and _DURATION.match(above[-2]):  # Company / 6 yrs / Title / dates
            group_company, title = above[-3], above[-1]
            company = group_company
        elif len(above) >= 2:  # Title / Company / dates
            title, company = above[-2], above[-1]
        elif above:  # another title under the last grouped company
            title, company = above[-1], group_company
        positions.append({
            "title": title, "company": company,
            "start": start.isoformat() if start else None,
            "end": end.isoformat() if end else None,
        })
        last_end = i
    return positions


def _sections(lines: list[str]) -> tuple[list[str], dict[str, list[str]]]:
    top: list[str] = []
    sections: dict[str, list[str]] = {}
    current: list[str] = top
    for line in lines:
        key = line.casefold()
        if key in SECTIONS:
            current = sections.setdefault(key, [])
        else:
            current.append(line)
    return top, sections


def parse_profile_text(text: str, today: date | None = None) -> Counterpart:
    """A Counterpart from text copied from a LinkedIn profile page (name, headline, location,
    "500+ connections", "Joined May 2023", Experience and Languages sections, e-mails).
    `today` anchors the account age ("Joined ..."); it defaults to the current UTC date."""
    today = today or datetime.now(UTC).date()
    lines = _clean_lines(text)
    if not lines:
        raise InputError("profile text is empty")
    top, sections = _sections(lines)
    extra: dict[str, Any] = {"profile_source": "text"}

    connections: int | None = None
    account_age: int | None = None
    for line in lines:
        if connections is None and (m := _CONNECTIONS.search(line)):
            connections = _count(m.group(1))
            if m.group(2):
                extra["connections_at_least"] = True
        if account_age is None and (m := _JOINED.search(line)):
            joined = _month_year(m.group(1))
            if joined:
                extra["joined"] = joined.isoformat()
                account_age = max(0, (today - joined).days)
    emails = sorted({e.casefold().rstrip(".") for e in _EMAIL.findall(text)})
    urls = [u.rstrip(".,)") for u in _URL.findall(text)]
    if emails:
        extra["emails"] = emails
    websites = [u for u in urls if "linkedin.com/in/" not in u.casefold()]
    if websites:
        extra["websites"] = websites
    profile_url = next((u for u in urls if "linkedin.com/in/" in u.casefold()), None)

    identity = [
        line for line in top
        if not _NOISE.match(line) and not _CONNECTIONS.search(line)
        and not _FOLLOWERS.search(line) and not _JOINED.search(line)
        and not _EMAIL.search(line) and not _URL.search(line)
    ]
    if not identity:
        raise InputError("profile text has no name line")
    name = identity[0]
    headline = identity[1] if len(identity) > 1 else None
    location = next((s for s in identity[2:6] if _PLACE_HINT.search(s)), None)
    if location:
        location = re.sub(r"\s*·?\s*contact info$", "", location, flags=re.IGNORECASE)

    company: str | None = None
    if "experience" in sections:
        extra["experience"] = _experience(sections["experience"], today)
        current = [p for p in extra["experience"] if p["end"] is None and p["company"]]
        if current:
            company = current[0]["company"]
    if company is None and headline and (m := _HEADLINE_COMPANY.search(headline)):
        company = m.group(1).strip()
    if "languages" in sections:
        extra["languages"] = [
            s for s in sections["languages"] if "proficiency" not in s.casefold()
        ]
    if "about" in sections:
        extra["about"] = " ".join(sections["about"])[:2000]
    return Counterpart(
        name=name, headline=headline, company=company, location=location,
        profile_url=profile_url, connections=connections, account_age_days=account_age,
        extra=extra,
    )


# Field names that scrapers and exports use for the canonical counterpart fields.
_ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("name", "fullName", "full_name", "displayName"),
    "headline": ("headline", "title", "occupation"),
    "company": ("company", "companyName", "company_name", "organisation", "organization"),
    "location": ("location", "locationName", "location_name", "geoLocationName"),
    "profile_url": ("profile_url", "profileUrl", "url", "publicProfileUrl"),
    "connections": ("connections", "connectionsCount", "numConnections", "connection_count"),
    "account_age_days": ("account_age_days", "accountAgeDays"),
    "mutual_connections": ("mutual_connections", "mutualConnections"),
    "notes": ("notes",),
}
_INT_FIELDS = ("connections", "account_age_days", "mutual_connections")


def parse_profile_json(
    data: str | bytes | dict[str, Any], today: date | None = None
) -> Counterpart:
    """A Counterpart from a JSON object. Unknown fields go to `extra` (so `experience`,
    `connection_titles`, `languages`, `email`, `company_url`, `company_employees` are kept).
    A bad document raises InputError with a one-line reason."""
    today = today or datetime.now(UTC).date()
    if isinstance(data, str | bytes):
        try:
            data = json.loads(data)
        except json.JSONDecodeError as exc:
            raise InputError(
                f"profile JSON is not valid JSON: {exc.msg} at line {exc.lineno}"
            ) from None
    if not isinstance(data, dict):
        raise InputError("profile JSON must be an object")
    if isinstance(data.get("counterpart"), dict):
        data = data["counterpart"]
    fields: dict[str, Any] = {}
    used: set[str] = set()
    for field_name, aliases in _ALIASES.items():
        for alias in aliases:
            if data.get(alias) not in (None, ""):
                fields[field_name] = data[alias]
                used.add(alias)
                break
    if "name" not in fields and (data.get("firstName") or data.get("lastName")):
        fields["name"] = f"{data.get('firstName', '')} {data.get('lastName', '')}".strip()
        used |= {"firstName", "lastName"}
    if not isinstance(fields.get("name"), str) or not fields["name"].strip():
        raise InputError("profile JSON has no name")
    for key in _INT_FIELDS:
        if key in fields:
            value = fields[key]
            if isinstance(value, str) and (m := re.match(r"\s*(\d[\d,]*)\s*(\+?)", value)):
                fields[key] = _count(m.group(1))
                if m.group(2) and key == "connections":
                    data = {**data, "connections_at_least": True}
            elif isinstance(value, bool) or not isinstance(value, int | float):
                raise InputError(f"profile JSON field {key!r} is not a number: {value!r}")
            else:
                fields[key] = int(value)
    for key in ("headline", "company", "location", "profile_url", "notes"):
        if key in fields and not isinstance(fields[key], str):
            raise InputError(f"profile JSON field {key!r} is not text")
    extra = {k: v for k, v in data.items() if k not in used}
    extra.setdefault("profile_source", "json")
    if isinstance(extra.get("extra"), dict):
        extra.update(extra.pop("extra"))
    if "account_age_days" not in fields and isinstance(extra.get("joined"), str):
        joined = _month_year(extra["joined"]) or _iso_date(extra["joined"])
        if joined:
            fields["account_age_days"] = max(0, (today - joined).days)
    if "connection_titles" in extra and not (
        isinstance(extra["connection_titles"], list)
        and all(isinstance(t, str) for t in extra["connection_titles"])
    ):
        raise InputError("profile JSON field 'connection_titles' must be a list of text")
    return Counterpart(**fields, extra=extra)


def _iso_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None
