"""What one scanned conversation contributes to campaign grouping: the counterpart's opening
text as a template, the persona and cover company, the counterpart's own identifiers, when
first contact was made, and which organisation the target belongs to."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime

from lurewatch.campaigns.names import persona_key
from lurewatch.model import ScannedConversation
from lurewatch.profile.company import company_key
from lurewatch.profile.config import load_config

# Indicator types that, shared between two conversations, alone say "one operator".
STRONG_TYPES = frozenset({
    "wechat-id", "whatsapp-number", "phone", "email", "telegram", "linkedin-url", "url",
})
# Shared by a firm's many staff: they link only with other support.
WEAK_TYPES = frozenset({"domain"})
# Hosts and domains everyone uses: shared, they say nothing.
COMMON_HOSTS = frozenset({
    "linkedin.com", "www.linkedin.com", "lnkd.in", "wechat.com", "weixin.qq.com", "qq.com",
    "whatsapp.com", "wa.me", "t.me", "telegram.org", "signal.org", "zoom.us", "teams.microsoft.com",
    "meet.google.com", "google.com", "docs.google.com", "drive.google.com", "dropbox.com",
    "calendly.com", "youtube.com", "twitter.com", "x.com", "facebook.com", "bit.ly",
})
TEMPLATE_WORDS = 12  # the opening: the first counterpart message, or two if the first is short
TEMPLATE_CHARS = 1500

_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_HANDLE = re.compile(r"@\w+")
_NUMBER = re.compile(r"[+$€£¥]?\d[\d,.:/-]*")
_GREETING = re.compile(r"^\s*(?:hi|hello|dear|hey|good (?:morning|afternoon|evening))\s+[\w.\-']+",
                       re.IGNORECASE)
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


@dataclass(slots=True)
class CampaignFeatures:
    index: int  # position in the input
    conversation_id: str
    persona: str | None  # display name as shown
    persona_key: str | None
    company: str | None
    company_key: str | None
    template: str  # normalised opening text
    shingles: frozenset[str]
    strong: frozenset[tuple[str, str]]  # counterpart identifiers that alone link
    weak: frozenset[tuple[str, str]]  # identifiers that link only with support
    first_contact: datetime | None
    last_seen: datetime | None
    owner_org: str | None
    risk: float
    level: str
    profile_risk: float | None


def normalise_template(text: str, names: list[str]) -> str:
    """Case-folded text with the parts an operator changes per target or per persona replaced
    by placeholders: names (target, persona, company), greetings, numbers, e-mails, URLs and
    handles."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _URL.sub(" url ", text)
    text = _EMAIL.sub(" email ", text)
    text = _HANDLE.sub(" handle ", text)
    text = _GREETING.sub(" greeting name ", text)
    parts = {p for n in names for p in _WORD.findall(n.casefold()) if len(p) >= 2}
    if parts:
        text = _WORD.sub(lambda m: "name" if m.group(0) in parts else m.group(0), text)
    text = _NUMBER.sub(" 0 ", text)
    return " ".join(text.split())


def shingles(template: str, size: int = 3) -> frozenset[str]:
    """Word n-grams of the template; Chinese characters count as words."""
    words: list[str] = []
    for token in _WORD.findall(template):
        if _CJK.search(token):
            words.extend(token)  # each character
        else:
            words.append(token)
    if len(words) < size:
        return frozenset([" ".join(words)]) if words else frozenset()
    return frozenset(" ".join(words[i:i + size]) for i in range(len(words) - size + 1))


def _aware(ts: datetime) -> datetime:
    """Timestamps without a zone are UTC (conversation-jsonl.md)."""
    return ts if ts.tzinfo is not None else ts.replace(tzinfo=UTC)


def _domain(value: str) -> str:
    return value.rsplit("@", 1)[-1].casefold()


def _host(url: str) -> str:
    host = re.sub(r"^[a-z]+://", "", url.casefold()).split("/", 1)[0].split(":", 1)[0]
    return host[4:] if host.startswith("www.") else host


def campaign_features(item: ScannedConversation, index: int) -> CampaignFeatures:
    conv = item.conversation
    generic_domains = load_config().generic_email_domains
    mine = [m for m in conv.messages if m.sender == "counterpart"]
    counterpart = conv.counterpart
    persona = counterpart.name if counterpart and counterpart.name else None
    if persona is None:
        persona = next((m.sender_name for m in mine if m.sender_name), None)
    company = counterpart.company if counterpart else None

    names = [n for n in (conv.owner, persona, company) if n]
    opening = ""
    for m in mine[:2]:
        opening = f"{opening} {m.text}".strip()
        if len(opening.split()) >= TEMPLATE_WORDS:
            break
    opening = opening[:TEMPLATE_CHARS]
    template = normalise_template(opening, names)

    strong: set[tuple[str, str]] = set()
    weak: set[tuple[str, str]] = set()
    owner_domains: set[str] = set()
    for ind in item.indicators:
        sender = ind.sender
        index_ok = ind.message_index is not None and 0 <= ind.message_index < len(conv.messages)
        if sender is None and index_ok:
            sender = conv.messages[ind.message_index].sender  # type: ignore[index]
        if sender == "owner":
            if ind.type == "email":
                owner_domains.add(_domain(ind.value))
            continue
        if sender is None:
            continue  # whose it is is unknown: it might be the target's own
        _add_indicator(ind.type, ind.value, strong, weak, generic_domains)
    for kind, value in conv.identities:
        if kind != "name":
            _add_indicator(kind, value, strong, weak, generic_domains)

    owner_org = conv.extra.get("owner_org")
    if not owner_org and isinstance(conv.extra.get("owner_email"), str):
        owner_domains.add(_domain(conv.extra["owner_email"]))
    if not owner_org:
        own = sorted(d for d in owner_domains if d not in generic_domains)
        owner_org = own[0] if own else None

    stamps = [_aware(m.ts) for m in conv.messages if m.ts]
    first_contact = next((_aware(m.ts) for m in mine if m.ts), None) or (
        min(stamps) if stamps else None
    )
    return CampaignFeatures(
        index=index,
        conversation_id=conv.id,
        persona=persona,
        persona_key=persona_key(persona) if persona else None,
        company=company,
        company_key=company_key(company) if company else None,
        template=template,
        shingles=shingles(template),
        strong=frozenset(strong),
        weak=frozenset(weak),
        first_contact=first_contact,
        last_seen=max(stamps) if stamps else None,
        owner_org=str(owner_org) if owner_org else None,
        risk=item.verdict.risk,
        level=item.verdict.level,
        profile_risk=item.profile.risk if item.profile else None,
    )


def _add_indicator(
    kind: str, value: str, strong: set[tuple[str, str]], weak: set[tuple[str, str]],
    generic_domains: frozenset[str],
) -> None:
    value = value.strip()
    if not value:
        return
    if kind == "url":
        host = _host(value)
        if host in COMMON_HOSTS or host in generic_domains:
            return
        strong.add((kind, value.casefold().rstrip("/")))
    elif kind == "email":
        strong.add((kind, value.casefold()))
        domain = _domain(value)
        if domain not in generic_domains:
            weak.add(("domain", domain))
    elif kind == "domain":
        domain = value.casefold()
        if domain not in generic_domains and domain not in COMMON_HOSTS:
            weak.add((kind, domain))
    elif kind in STRONG_TYPES:
        strong.add((kind, value.casefold() if kind != "url" else value))
