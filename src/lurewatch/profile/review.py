"""Review a counterpart's profile along the threat model's Profile indicators.

Each signal is a small function that looks at one thing and either says nothing or returns
a weighted, plain-language reason with its public source. Unknown data is listed as missing
and counts as a signal only where the threat model makes the absence itself the indicator
(a firm with nothing checkable).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from rapidfuzz import fuzz

from lurewatch.model import Conversation, Counterpart, Indicator, ProfileReview
from lurewatch.profile.activity import (
    LANGUAGE_NAMES,
    night_activity,
    place_of,
    script_language,
    speaks,
)
from lurewatch.profile.company import company_key, company_tokens, is_generic_name
from lurewatch.profile.config import ProfileConfig, load_config
from lurewatch.profile.network import SECTOR_WORDS, claimed_role, network_profile


@dataclass(frozen=True, slots=True)
class Signal:
    id: str
    weight: float  # raises risk; a mitigation's weight is the factor it multiplies risk by
    reason: str
    source: str


@dataclass(slots=True)
class ProfileAssessment:
    """Everything the review found; `review()` condenses it to the report's ProfileReview."""

    signals: list[Signal] = field(default_factory=list)
    mitigations: list[Signal] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    @property
    def risk(self) -> float:
        keep = 1.0
        for s in self.signals:
            keep *= 1.0 - s.weight
        risk = 1.0 - keep
        for m in self.mitigations:
            risk *= m.weight
        return round(risk, 3)

    def review(self) -> ProfileReview:
        reasons = [s.reason for s in sorted(self.signals, key=lambda s: -s.weight)]
        reasons += [f"lowers risk: {m.reason}" for m in self.mitigations]
        if self.missing:
            reasons.append("not known, so not counted: " + ", ".join(self.missing))
        return ProfileReview(risk=self.risk, reasons=reasons, missing=list(self.missing))


@dataclass(frozen=True, slots=True)
class _Facts:
    """What the signals look at, gathered once."""

    counterpart: Counterpart
    conversation: Conversation | None
    emails: tuple[str, ...]
    positions: list[dict[str, Any]] | None
    today: date
    config: ProfileConfig


_LANGUAGE_CODES = {
    "chinese": "zh", "mandarin": "zh", "cantonese": "zh", "english": "en", "german": "de",
    "french": "fr", "japanese": "ja", "korean": "ko", "russian": "ru", "arabic": "ar",
    "persian": "fa", "farsi": "fa", "hebrew": "he", "spanish": "es", "italian": "it",
    "dutch": "nl",
}


def _counterpart_emails(
    counterpart: Counterpart, conversation: Conversation | None, indicators: list[Indicator]
) -> tuple[str, ...]:
    found: list[str] = []
    for key in ("email", "emails"):
        value = counterpart.extra.get(key)
        values = [value] if isinstance(value, str) else value if isinstance(value, list) else []
        found += [v for v in values if isinstance(v, str)]
    for ind in indicators:
        if ind.type != "email":
            continue
        sender = ind.sender
        index = ind.message_index
        if sender is None and conversation and index is not None and (
            0 <= index < len(conversation.messages)
        ):
            sender = conversation.messages[index].sender
        if sender == "counterpart":
            found.append(ind.value)
    return tuple(dict.fromkeys(e.strip().casefold() for e in found if "@" in e))


def _positions(counterpart: Counterpart) -> list[dict[str, Any]] | None:
    value = counterpart.extra.get("experience")
    if not isinstance(value, list):
        return None
    return [p for p in value if isinstance(p, dict)]


def _years_of_history(positions: list[dict[str, Any]], today: date) -> float:
    starts: list[date] = []
    for p in positions:
        try:
            starts.append(date.fromisoformat(str(p.get("start"))[:10]))
        except ValueError:
            continue
    return (today - min(starts)).days / 365.25 if starts else 0.0


# --- signals -------------------------------------------------------------------------------

def _account_age(f: _Facts, a: ProfileAssessment) -> None:
    cfg = f.config.signal("new_account")
    days = f.counterpart.account_age_days
    if days is None:
        a.missing.append("account age")
        return
    if days < cfg["very_new_days"]:
        a.signals.append(Signal("new_account", cfg["very_new_weight"],
                                f"account {days} days old", cfg["source"]))
    elif days < cfg["new_days"]:
        a.signals.append(Signal("new_account", cfg["new_weight"],
                                f"account less than a year old ({days} days)", cfg["source"]))
    old = f.config.mitigations["old_account"]
    if days >= old["min_days"]:
        a.mitigations.append(Signal("old_account", old["factor"],
                                    f"account {days // 365} years old", old["source"]))


def _connection_count(f: _Facts, a: ProfileAssessment) -> None:
    cfg = f.config.signal("few_connections")
    n = f.counterpart.connections
    if n is None:
        a.missing.append("number of connections")
    elif n < cfg["max_connections"] and not f.counterpart.extra.get("connections_at_least"):
        a.signals.append(Signal("few_connections", cfg["weight"],
                                f"only {n} connections", cfg["source"]))


def _connection_network(f: _Facts, a: ProfileAssessment) -> None:
    titles = f.counterpart.extra.get("connection_titles")
    if not isinstance(titles, list) or not titles:
        a.missing.append("who their connections are")
        return
    cfg = f.config
    net = network_profile([t for t in titles if isinstance(t, str)], cfg)
    conc = cfg.signal("connection_concentration")
    top = net.top()
    elite_share = net.share(cfg.elite_sectors)
    if top and elite_share > top[1]:  # government, diplomacy and defence count as one sector
        top = ("elite", elite_share)
    if top and net.classified >= conc["min_titles"] and top[1] >= conc["min_share"]:
        sector, share = top
        elite = sector == "elite" or sector in cfg.elite_sectors
        few = f.counterpart.connections is not None and f.counterpart.connections < 100
        a.signals.append(Signal(
            "connection_concentration",
            conc["elite_weight"] if elite else conc["weight"],
            f"{share:.0%} of {net.classified} known connections are {SECTOR_WORDS[sector]}"
            + (" (few but elite)" if elite and few else ""),
            conc["source"],
        ))
    fit = cfg.signal("role_network_mismatch")
    role = claimed_role(f.counterpart.headline, cfg)
    if role is None or net.classified < fit["min_titles"]:
        return
    expected = net.share(role.expected_sectors)
    if expected <= fit["max_expected_share"] and elite_share >= fit["min_elite_share"]:
        shown = ", ".join(
            SECTOR_WORDS[s] for s, _ in net.counts.most_common() if s in cfg.elite_sectors
        )
        a.signals.append(Signal(
            "role_network_mismatch", fit["weight"],
            f"claims a {role.name.replace('_', '-')} role ('{f.counterpart.headline}') but "
            f"{elite_share:.0%} of known connections are {shown} and only {expected:.0%} "
            f"are in the fields that role implies",
            fit["source"],
        ))


def _senior_thin_history(f: _Facts, a: ProfileAssessment) -> None:
    cfg = f.config.signal("senior_thin_history")
    headline = f.counterpart.headline or ""
    senior = f.config.senior_titles.search(headline)
    if f.positions is None:
        a.missing.append("work history")
        return
    long = f.config.mitigations["long_history"]
    years = _years_of_history(f.positions, f.today)
    if len(f.positions) >= long["min_positions"] and years >= long["min_years"]:
        a.mitigations.append(Signal(
            "long_history", long["factor"],
            f"{len(f.positions)} positions over {years:.0f} years", long["source"]))
    if senior and (len(f.positions) <= cfg["max_positions"] or years < cfg["min_years"]):
        history = ("no positions listed" if not f.positions else
                   f"{len(f.positions)} position(s) covering {years:.1f} years")
        a.signals.append(Signal(
            "senior_thin_history", cfg["weight"],
            f"senior title ('{senior.group(0)}' in '{headline}') with a thin history: {history}",
            cfg["source"]))


def _firm(f: _Facts, a: ProfileAssessment) -> None:
    company = f.counterpart.company
    if not company:
        a.missing.append("company")
        return
    cfg = f.config
    key = company_key(company)
    exact_real = None
    for real in cfg.real_firms:
        real_key = company_key(real)
        score = fuzz.ratio(key, real_key)
        if key == real_key:
            exact_real = real
            break
        mimic = cfg.signal("firm_mimicry")
        if score >= mimic["min_score"]:
            a.signals.append(Signal(
                "firm_mimicry", mimic["weight"],
                f"company '{company}' is spelt like the real firm '{real}' "
                f"({score:.0f}% similar) but is not the same name",
                mimic["source"]))
            break
    anchors: list[str] = []
    if exact_real:
        anchors.append(f"a known firm ({exact_real})")
    for k in ("company_url", "company_website", "website", "websites", "company_page"):
        if f.counterpart.extra.get(k):
            anchors.append("a company website or page")
            break
    employees = f.counterpart.extra.get("company_employees")
    checkable = f.config.mitigations["checkable_company"]
    if isinstance(employees, int) and employees >= checkable["min_employees"]:
        anchors.append(f"a company page with {employees} employees")
        a.mitigations.append(Signal("checkable_company", checkable["factor"],
                                    f"'{company}' has a page with {employees} employees",
                                    checkable["source"]))
    if _company_email(f):
        anchors.append("a company-domain e-mail")
    if not anchors:
        a.missing.append(f"a website, company page or company e-mail for '{company}'")
        if is_generic_name(company, cfg.generic_company_words):
            unv = cfg.signal("unverifiable_firm")
            a.signals.append(Signal(
                "unverifiable_firm", unv["weight"],
                f"company '{company}' is made only of generic words and nothing about it "
                f"can be checked (no website, company page or company e-mail)",
                unv["source"]))


def _company_email(f: _Facts) -> str | None:
    """The counterpart's first e-mail whose domain carries the claimed company's name."""
    if not f.counterpart.company:
        return None
    tokens = [
        t for t in company_tokens(f.counterpart.company)
        if len(t) >= 4 and t not in f.config.generic_company_words
    ]
    key = company_key(f.counterpart.company)
    for email in f.emails:
        domain = email.rsplit("@", 1)[1]
        if domain in f.config.generic_email_domains:
            continue
        label = domain.split(".")[0].replace("-", "")
        if key and (key in label or label in key or fuzz.ratio(key, label) >= 85):
            return email
        if any(t in label for t in tokens):
            return email
    return None


def _email(f: _Facts, a: ProfileAssessment) -> None:
    cfg = f.config.signal("generic_email")
    if not f.emails:
        a.missing.append("e-mail address")
        return
    generic = [e for e in f.emails if e.rsplit("@", 1)[1] in f.config.generic_email_domains]
    own = _company_email(f)
    if own:
        m = f.config.mitigations["company_email"]
        a.mitigations.append(Signal("company_email", m["factor"],
                                    f"writes from a company-domain e-mail ({own})", m["source"]))
    if generic and not own:
        domain = generic[0].rsplit("@", 1)[1]
        if f.counterpart.company:
            a.signals.append(Signal(
                "generic_email", cfg["claimed_firm_weight"],
                f"uses a {domain} address although claiming to work for "
                f"'{f.counterpart.company}'", cfg["source"]))
        else:
            a.signals.append(Signal("generic_email", cfg["weight"],
                                    f"uses a generic {domain} address", cfg["source"]))


def _hours_and_language(f: _Facts, a: ProfileAssessment) -> None:
    place = place_of(f.counterpart.location, f.config)
    if not f.counterpart.location:
        a.missing.append("claimed location")
        return
    if place is None:
        a.missing.append(f"a known time zone for '{f.counterpart.location}'")
        return
    if f.conversation is None:
        return
    mine = [m for m in f.conversation.messages if m.sender == "counterpart"]
    cfg = f.config.signal("night_activity")
    activity = night_activity((m.ts for m in mine if m.ts), place.tz,
                              cfg["night_start"], cfg["night_end"])
    if activity is None or activity.messages < cfg["min_messages"]:
        a.missing.append("enough timestamped messages from them to judge their hours")
    elif activity.at_night / activity.messages >= cfg["min_night_share"]:
        off = activity.best_utc_offset
        a.signals.append(Signal(
            "night_activity", cfg["weight"],
            f"{activity.at_night} of {activity.messages} messages were sent between "
            f"{cfg['night_start']:02d}:00 and {cfg['night_end']:02d}:00 in {place.name.title()} "
            f"(the claimed location); they fit a working day at UTC{off:+d}",
            cfg["source"]))
    first = next((m.text for m in mine if m.text.strip()), None)
    lang = script_language(first) if first else None
    if lang is None:
        return
    listed = [
        _LANGUAGE_CODES.get(str(x).split()[0].casefold(), "")
        for x in f.counterpart.extra.get("languages") or []
    ]
    if not speaks(place.languages, lang) and not speaks(listed, lang):
        lcfg = f.config.signal("language_mismatch")
        a.signals.append(Signal(
            "language_mismatch", lcfg["weight"],
            f"writes first in {LANGUAGE_NAMES[lang]}, which neither the claimed location "
            f"({place.name.title()}) nor the profile's languages suggest",
            lcfg["source"]))


SIGNALS: tuple[Callable[[_Facts, ProfileAssessment], None], ...] = (
    _account_age, _connection_count, _connection_network, _senior_thin_history, _firm, _email,
    _hours_and_language,
)


def assess_profile(
    counterpart: Counterpart,
    conversation: Conversation | None = None,
    indicators: list[Indicator] | None = None,
    *,
    today: date | None = None,
    config: ProfileConfig | None = None,
) -> ProfileAssessment:
    """The full assessment, with every signal's weight and source."""
    config = config or load_config()
    if today is None:
        stamps = [m.ts for m in conversation.messages if m.ts] if conversation else []
        today = max(stamps).date() if stamps else datetime.now(UTC).date()
    facts = _Facts(
        counterpart=counterpart,
        conversation=conversation,
        emails=_counterpart_emails(counterpart, conversation, indicators or []),
        positions=_positions(counterpart),
        today=today,
        config=config,
    )
    assessment = ProfileAssessment()
    for signal in SIGNALS:
        signal(facts, assessment)
    return assessment


def review_profile(
    counterpart: Counterpart,
    conversation: Conversation | None = None,
    indicators: list[Indicator] | None = None,
) -> ProfileReview:
    """Profile risk (0-1), the reasons, and what was not known."""
    return assess_profile(counterpart, conversation, indicators).review()
