"""Group conversations run by one operator (threat model, Network: the same text sent to many
people, batches of similar profiles, bursts in time, shared handles and domains).

Links, each recorded with its reason, join conversations through union-find:
- a shared counterpart identifier (WeChat id, number, e-mail, handle, profile URL, link);
- a near-identical opening message (MinHash LSH over normalised text, minhash.py);
- a similar opening message plus support: the same or a similar persona or company, a shared
  domain, or first contact within the burst window;
- the same persona with the same cover company, allowing spelling and transliteration drift
  in one of the two ('Rachel Li' / 'Rachael Lee' at RiseHR; 'Rachel Li' at RiseHR / Rise HR).
Similarity only groups. Whether a group is hostile comes from its members' verdicts and
watchlist hits: a genuine recruiter sending one note to fifty people is a cluster of low risk.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import fmean

import numpy as np
from rapidfuzz import fuzz, process

from lurewatch.campaigns.campaign import Campaign, campaign_level, campaign_to_report
from lurewatch.campaigns.features import CampaignFeatures, campaign_features
from lurewatch.campaigns.minhash import bands_for, candidate_pairs, iter_pairs, jaccard, signatures
from lurewatch.campaigns.watchlist import Watchlist, WatchlistHit, load_watchlist
from lurewatch.model import ScannedConversation
from lurewatch.unionfind import UnionFind

__all__ = [
    "Campaign", "GroupingSettings", "campaign_to_report", "group_campaigns", "group_features",
]

TYPE_WORDS = {
    "wechat-id": "WeChat id", "whatsapp-number": "WhatsApp number", "phone": "phone number",
    "email": "e-mail address", "telegram": "Telegram handle", "linkedin-url": "LinkedIn profile",
    "url": "link", "domain": "e-mail or web domain",
}


@dataclass(frozen=True, slots=True)
class GroupingSettings:
    num_perm: int = 64  # MinHash permutations
    lsh_threshold: float = 0.3  # candidate pairs from LSH; verified below
    template_link: float = 0.7  # opening-message Jaccard that links on its own
    template_support: float = 0.3  # Jaccard that links with supporting evidence
    min_shingles: int = 8  # shorter openings ('Hi', the platform's default note) never link
    name_threshold: float = 85.0  # persona-name similarity (0-100) within one company
    company_threshold: float = 85.0  # company similarity (0-100) for one persona
    persona_support: float = 0.4  # Jaccard that links with the same or a similar persona name
    company_support: float = 0.5  # Jaccard that links with the same company or e-mail domain
    time_support: float = 0.5  # Jaccard that links when first contacts fall in one burst
    burst_window: timedelta = timedelta(hours=72)
    burst_min: int = 3  # first contacts within burst_window that make a burst
    min_size: int = 2  # smaller groups are reported only with a watchlist hit


@dataclass(frozen=True, slots=True)
class _Edge:
    a: int
    b: int
    kind: str  # "indicator", "template", "template+support", "persona", "company", "domain"
    detail: str
    score: float


# --- linking -------------------------------------------------------------------------------

def _link_indicators(feats: list[CampaignFeatures], uf: UnionFind, edges: list[_Edge]) -> None:
    first_with: dict[tuple[str, str], int] = {}
    for f in feats:
        for ind in sorted(f.strong):
            other = first_with.setdefault(ind, f.index)
            if other != f.index:
                uf.union(other, f.index)
                edges.append(_Edge(other, f.index, "indicator", f"{ind[0]}\t{ind[1]}", 1.0))


def _supported(
    a: list[CampaignFeatures], b: list[CampaignFeatures], sim: float, s: GroupingSettings
) -> str:
    """Why two sets of conversations with similar openings are one operator, or ''."""
    a, b = a[:25], b[:25]  # bounded work on huge exact-duplicate groups
    pa = {f.persona_key for f in a if f.persona_key}
    pb = {f.persona_key for f in b if f.persona_key}
    if sim >= s.persona_support and (
        pa & pb or any(fuzz.ratio(x, y) >= s.name_threshold for x in pa for y in pb)
    ):
        return "persona"
    ca = {f.company_key for f in a if f.company_key}
    cb = {f.company_key for f in b if f.company_key}
    if sim >= s.company_support and (ca & cb or any(
        fuzz.ratio(x, y) >= s.company_threshold for x in ca for y in cb
        if min(len(x), len(y)) >= 6
    )):
        return "company"
    if sim >= s.company_support and {w for f in a for w in f.weak} & {w for f in b for w in f.weak}:
        return "domain"
    ta = sorted(f.first_contact for f in a if f.first_contact)
    tb = sorted(f.first_contact for f in b if f.first_contact)
    if sim >= s.time_support and ta and tb and any(
        abs(x - y) <= s.burst_window for x in ta for y in tb
    ):
        return "time"
    return ""


def _link_templates(
    feats: list[CampaignFeatures], uf: UnionFind, edges: list[_Edge], s: GroupingSettings
) -> dict[str, np.ndarray]:
    """Link conversations whose openings are the same or near-identical; returns each
    distinct opening's MinHash signature (for the campaign's similarity figure)."""
    by_text: dict[str, list[CampaignFeatures]] = defaultdict(list)
    for f in feats:
        if len(f.shingles) >= s.min_shingles:
            by_text[f.template].append(f)
    texts = list(by_text)
    for text in texts:  # the very same normalised opening
        group = by_text[text]
        for f in group[1:]:
            if uf.union(group[0].index, f.index):
                edges.append(_Edge(group[0].index, f.index, "template", "", 1.0))
    if not texts:
        return {}
    sigs = signatures([by_text[t][0].shingles for t in texts], s.num_perm)
    pairs = candidate_pairs(sigs, *bands_for(s.lsh_threshold, s.num_perm))
    sims = jaccard(sigs, pairs)
    keep = sims >= s.template_support
    for i, j, sim in iter_pairs(pairs[keep], sims[keep]):
        a, b = by_text[texts[i]], by_text[texts[j]]
        if uf.find(a[0].index) == uf.find(b[0].index):
            continue
        if sim >= s.template_link:
            uf.union(a[0].index, b[0].index)
            edges.append(_Edge(a[0].index, b[0].index, "template", "", sim))
        elif why := _supported(a, b, sim, s):
            uf.union(a[0].index, b[0].index)
            edges.append(_Edge(a[0].index, b[0].index, "template+support", why, sim))
    return {t: sigs[k] for k, t in enumerate(texts)}


def _link_personas(
    feats: list[CampaignFeatures], uf: UnionFind, edges: list[_Edge], s: GroupingSettings
) -> None:
    by_company: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    by_persona: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for f in feats:
        if f.persona_key and f.company_key:
            by_company[f.company_key][f.persona_key].append(f.index)
            by_persona[f.persona_key][f.company_key].append(f.index)

    def join(groups: dict[str, list[int]], kind: str, threshold: float, short_exact: bool) -> None:
        keys = list(groups)
        for key in keys:  # the same persona and company
            members = groups[key]
            for m in members[1:]:
                if uf.union(members[0], m):
                    edges.append(_Edge(members[0], m, kind, "same", 1.0))
        if len(keys) < 2:
            return
        scores = process.cdist(keys, keys, scorer=fuzz.ratio, score_cutoff=threshold,
                               dtype="uint8")
        rows, cols = scores.nonzero()
        for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
            if r >= c or (short_exact and min(len(keys[r]), len(keys[c])) < 6):
                continue
            a, b = groups[keys[r]][0], groups[keys[c]][0]
            if uf.union(a, b):
                edges.append(_Edge(a, b, kind, "spelling", float(scores[r, c]) / 100))

    for personas in by_company.values():  # one company: names that differ by spelling
        join(personas, "persona", s.name_threshold, short_exact=False)
    for companies in by_persona.values():  # one persona: companies that differ by spelling
        join(companies, "company", s.company_threshold, short_exact=True)


def _link_domains(feats: list[CampaignFeatures], uf: UnionFind, edges: list[_Edge]) -> None:
    """A shared non-generic domain links only conversations of one persona name."""
    seen: dict[tuple[tuple[str, str], str], int] = {}
    for f in feats:
        if not f.persona_key:
            continue
        for w in sorted(f.weak):
            other = seen.setdefault((w, f.persona_key), f.index)
            if other != f.index and uf.union(other, f.index):
                edges.append(_Edge(other, f.index, "domain", w[1], 1.0))


# --- describing a group --------------------------------------------------------------------

def _distinct(values: Iterable[str | None]) -> list[str]:
    counts = Counter(v for v in values if v)
    return [v for v, _ in counts.most_common()]


def _burst(stamps: list[datetime], s: GroupingSettings) -> tuple[int, datetime, datetime] | None:
    stamps = sorted(stamps)
    best: tuple[int, datetime, datetime] | None = None
    lo = 0
    for hi, t in enumerate(stamps):
        while t - stamps[lo] > s.burst_window:
            lo += 1
        n = hi - lo + 1
        if n >= s.burst_min and (best is None or n > best[0]):
            best = (n, stamps[lo], t)
    return best


def _reasons(
    members: list[CampaignFeatures], edges: list[_Edge], template_sims: list[float],
    s: GroupingSettings,
) -> list[str]:
    reasons: list[str] = []
    kinds = Counter(e.kind for e in edges)
    indicator_counts = Counter(i for f in members for i in f.strong)
    # Most shared first, then by type and value: never by the order of a set, which Python
    # changes from run to run.
    shared = sorted(((ind, n) for ind, n in indicator_counts.items() if n >= 2),
                    key=lambda x: (-x[1], x[0]))
    linking = {tuple(e.detail.split("\t", 1)) for e in edges if e.kind == "indicator"}
    for (kind, value), n in [x for x in shared if x[0] in linking][:3]:
        reasons.append(f"same {TYPE_WORDS.get(kind, kind)} {value} in {n} conversations")
    near = [x for x in template_sims if x >= s.template_link]
    if len(near) >= 2:
        reasons.append(f"near-identical opening message in {len(near)} conversations "
                       f"(similarity at least {min(near):.2f})")
    supported = [e for e in edges if e.kind == "template+support"]
    if supported:
        why = Counter(e.detail for e in supported).most_common(1)[0][0]
        words = {"persona": "a similar persona name", "company": "a similar cover company",
                 "domain": "a shared domain", "time": "first contacts in one burst"}[why]
        lo, hi = min(e.score for e in supported), max(e.score for e in supported)
        reasons.append(f"similar opening messages (similarity {lo:.2f}-{hi:.2f}) with {words}")
    personas = _distinct(f.persona for f in members)
    companies = _distinct(f.company for f in members)
    name_links = kinds["persona"] + kinds["company"] + kinds["domain"] + sum(
        1 for e in supported if e.detail == "persona")
    if name_links and len(personas) > 1:
        reasons.append("persona names differ only by spelling or transliteration: "
                       + " / ".join(personas[:4]))
    elif kinds["persona"] and personas and companies:
        reasons.append(f"same persona '{personas[0]}' at '{companies[0]}'")
    company_links = kinds["persona"] + kinds["company"] + sum(
        1 for e in supported if e.detail == "company")
    if company_links and len(companies) > 1:
        reasons.append("cover company written differently: " + " / ".join(companies[:4]))
    if kinds["domain"]:
        domain = next(e.detail for e in edges if e.kind == "domain")
        reasons.append(f"same persona writing from the domain {domain}")
    burst = _burst([f.first_contact for f in members if f.first_contact], s)
    if burst:
        n, start, end = burst
        hours = (end - start).total_seconds() / 3600
        span = f"{hours:.0f} hours" if hours < 48 else f"{hours / 24:.0f} days"
        reasons.append(f"burst: {n} first contacts within {span} "
                       f"({start:%Y-%m-%d} to {end:%Y-%m-%d})")
    orgs = Counter(f.owner_org for f in members if f.owner_org)
    if orgs and orgs.most_common(1)[0][1] >= 3:
        org, n = orgs.most_common(1)[0]
        reasons.append(f"{n} targets at one organisation ({org})")
    return reasons


def _risk(
    members: list[CampaignFeatures], hits: list[WatchlistHit], burst: bool
) -> tuple[float, list[str]]:
    """Campaign risk from what the members' verdicts and the watchlist say, never from size
    or similarity alone."""
    risks = sorted((f.risk for f in members), reverse=True)
    top = risks[0]
    upper = fmean(risks[: max(1, len(risks) // 2)])
    member = 0.5 * top + 0.5 * upper
    why = [f"highest member risk {top:.2f}, mean of the riskier half {upper:.2f}"]
    flagged = sum(1 for f in members if f.level in ("medium", "high"))
    if flagged:
        why.append(f"{flagged} of {len(members)} conversations at medium or high risk")
    risk = member
    profiles = [f.profile_risk for f in members if f.profile_risk is not None]
    if profiles:
        p = fmean(profiles)
        risk = 1 - (1 - risk) * (1 - 0.5 * p)
        if p >= 0.3:
            why.append(f"mean counterpart profile risk {p:.2f}")
    strongest = max((h.strength for h in hits), key=("weak", "medium", "strong").index,
                    default=None)
    if strongest == "strong":
        risk = max(risk, 0.9)
    elif strongest == "medium":
        risk = 1 - (1 - risk) * 0.5
    elif strongest == "weak":
        risk = 1 - (1 - risk) * 0.85
    if strongest:
        why.append(f"{strongest} watchlist hit")
    if burst and member >= 0.4:  # the network pattern counts only when members look hostile
        risk = 1 - (1 - risk) * 0.9
        why.append("a burst of approaches alongside hostile-looking conversations")
    return min(1.0, risk), why


def _assessment(level: str, members: list[CampaignFeatures], hits: list[WatchlistHit]) -> str:
    if any(h.strength == "strong" for h in hits):
        return "matches a published hostile persona or cover company"
    if level == "high":
        return "likely one hostile operator"
    if level == "medium":
        return "possibly hostile: review the member conversations"
    return ("templated outreach with no hostile signs (a cluster, not a hostile campaign)"
            if len(members) > 1 else "one conversation; see the watchlist hit")


def group_campaigns(
    items: Iterable[ScannedConversation],
    watchlist: Watchlist | None = None,
    settings: GroupingSettings | None = None,
) -> list[Campaign]:
    """Campaigns among scanned conversations, highest risk first. `watchlist` defaults to the
    built-in published personas; pass `load_watchlist(paths)` to add the user's lists."""
    return group_features([campaign_features(item, i) for i, item in enumerate(items)],
                          watchlist, settings)


def group_features(
    feats: list[CampaignFeatures],
    watchlist: Watchlist | None = None,
    settings: GroupingSettings | None = None,
) -> list[Campaign]:
    """`group_campaigns` for features already taken, `feats[i].index == i` (a scan takes
    each conversation's features as it streams past, instead of keeping the conversation)."""
    s = settings or GroupingSettings()
    watchlist = watchlist if watchlist is not None else load_watchlist()
    if not feats:
        return []
    uf = UnionFind(len(feats))
    edges: list[_Edge] = []
    _link_indicators(feats, uf, edges)
    sigs = _link_templates(feats, uf, edges, s)
    _link_personas(feats, uf, edges, s)
    _link_domains(feats, uf, edges)

    hit_cache: dict[tuple[str | None, str | None], list[WatchlistHit]] = {}
    groups: dict[int, list[CampaignFeatures]] = defaultdict(list)
    for f in feats:
        groups[uf.find(f.index)].append(f)
    edges_by_root: dict[int, list[_Edge]] = defaultdict(list)
    for e in edges:
        edges_by_root[uf.find(e.a)].append(e)

    ranked: list[tuple[Campaign, int]] = []
    for root, members in groups.items():
        hits: dict[str, WatchlistHit] = {}
        for f in members:
            key = (f.persona, f.company)
            if key not in hit_cache:
                hit_cache[key] = watchlist.match(*key) if (f.persona or f.company) else []
            for h in hit_cache[key]:
                old = hits.get(h.entry.id)
                if old is None or ("weak", "medium", "strong").index(h.strength) > (
                    "weak", "medium", "strong").index(old.strength):
                    hits[h.entry.id] = h
        if len(members) < s.min_size and not any(h.strength != "weak" for h in hits.values()):
            continue
        campaign = _campaign(members, edges_by_root[root], list(hits.values()), sigs, s)
        ranked.append((campaign, min(f.index for f in members)))
    ranked.sort(key=lambda x: (-x[0].risk, -x[0].size, x[1]))
    campaigns = [c for c, _ in ranked]
    for n, c in enumerate(campaigns, 1):
        c.id = f"camp-{n}"
    return campaigns


def _template_sims(members: list[CampaignFeatures], sigs: dict[str, np.ndarray]) -> list[float]:
    """Each member's estimated Jaccard to the campaign's most used opening (the member itself
    included); members whose opening is too short to compare are left out. Up to 500."""
    hashed = [f.template for f in members if f.template in sigs][:500]
    if not hashed:
        return []
    base = sigs[Counter(hashed).most_common(1)[0][0]]
    return [float((base == sigs[t]).mean()) for t in hashed]


def _campaign(
    members: list[CampaignFeatures], edges: list[_Edge], hits: list[WatchlistHit],
    sigs: dict[str, np.ndarray], s: GroupingSettings,
) -> Campaign:
    members.sort(key=lambda f: f.index)
    template_sims = _template_sims(members, sigs)
    reasons = _reasons(members, edges, template_sims, s)
    hits.sort(key=lambda h: -("weak", "medium", "strong").index(h.strength))
    reasons += [f"watchlist: {h.reason}" for h in hits]
    indicator_counts = Counter(i for f in members for i in f.strong | f.weak)
    indicators = [
        {"type": t, "value": v, "conversations": n}
        for (t, v), n in sorted(indicator_counts.items(), key=lambda x: (-x[1], x[0]))[:100]
    ]
    orgs = Counter(f.owner_org for f in members if f.owner_org)
    stamps = [f.first_contact for f in members if f.first_contact]
    lasts = [f.last_seen for f in members if f.last_seen]
    burst = _burst(stamps, s) is not None
    risk, risk_reasons = _risk(members, hits, burst)
    level = campaign_level(risk)
    first_contacts = sorted(
        ((f.conversation_id, f.first_contact) for f in members),
        key=lambda x: (x[1] is None, x[1] or datetime.min),
    )
    return Campaign(
        id="",
        conversation_ids=[f.conversation_id for f in members],
        personas=_distinct(f.persona for f in members),
        companies=_distinct(f.company for f in members),
        indicators=indicators,
        targeted_organisations=[{"organisation": o, "conversations": n}
                                for o, n in orgs.most_common()],
        first_seen=min(stamps) if stamps else None,
        last_seen=max(lasts) if lasts else None,
        first_contacts=first_contacts,
        reasons=reasons,
        similarity=fmean(template_sims) if len(template_sims) >= 2 else 0.0,
        risk=risk,
        level=level,
        assessment=_assessment(level, members, hits),
        risk_reasons=risk_reasons,
        watchlist_hits=hits,
    )
