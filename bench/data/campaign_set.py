"""The project's own campaign set, generated deterministically (no third-party data).

Three kinds of sender, each conversation labelled with the operator who really sent it:
- hostile operators (the BfV/MI5 pattern): a few personas whose names and cover companies
  drift in spelling and transliteration, two or three opening templates with per-target
  variation, WeChat/WhatsApp handles reused across targets, approaches in bursts, targets
  concentrated in a few organisations;
- genuine recruiters: one person at a real-looking firm sending one templated note (with the
  target's name, role and city filled in) to many people, from a company-domain e-mail;
- unrelated conversations: colleagues, conference organisers, expert networks, each written
  differently.
Verdicts are simulated the way the scorer would roughly see them: hostile operators' threads
mostly medium/high (some targets never reply, so low), genuine ones low.

    python bench/data/campaign_set.py --n 2000 --out campaign_set.jsonl   # write it
"""

from __future__ import annotations

import argparse
import json
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from lurewatch.model import (
    Conversation,
    Counterpart,
    Indicator,
    Message,
    ScannedConversation,
    Verdict,
)

START = datetime(2024, 1, 8, 9, 0, tzinfo=UTC)
FIRST = ["Daniel", "Sophie", "Markus", "Claire", "Jonas", "Priya", "Tom", "Helena", "Ahmed",
         "Julia", "Peter", "Ines", "Lukas", "Maria", "Oliver", "Anna", "Felix", "Grace", "Omar",
         "Eva", "Simon", "Laura", "Niklas", "Chloe", "David", "Mei", "Kofi", "Sara", "Ivan", "Zoe"]
LAST = ["Roy", "Becker", "Martin", "Schmidt", "Dubois", "Patel", "Wright", "Novak", "Khan",
        "Fischer", "Moreau", "Jensen", "Meyer", "Rossi", "Kowalski", "Lindqvist", "Brennan",
        "Okafor", "Haddad", "Silva", "Nakamura", "Weber", "Costa", "Andersen", "Murphy", "Ito"]
ORGS = ["bundestag.de", "fco.gov.uk", "defra.gov.uk", "esa.int", "airbus.com", "siemens.com",
        "kcl.ac.uk", "tum.de", "rheinmetall.com", "ec.europa.eu", "baesystems.com", "ox.ac.uk",
        "nato.int", "bmvg.de", "qinetiq.com", "thalesgroup.com", "imperial.ac.uk", "dlr.de"]
SECTORS = ["energy policy", "semiconductor supply chains", "defence procurement",
           "EU trade policy", "aerospace engineering", "telecoms security", "AI regulation",
           "maritime security", "quantum computing", "export controls"]
CITIES = ["London", "Berlin", "Munich", "Brussels", "Paris", "Frankfurt", "Manchester", "Hamburg"]


@dataclass(frozen=True)
class Operator:
    """A hostile operator: persona spellings, cover company spellings, templates, handles."""

    label: str
    personas: tuple[str, ...]
    companies: tuple[str, ...]
    templates: tuple[str, ...]
    handles: tuple[tuple[str, str], ...]  # (indicator type, value)
    orgs: tuple[str, ...]


OPERATORS: tuple[Operator, ...] = (
    Operator(
        "op-risehr",
        ("Rachel Li", "Rachael Lee", "Rachel Lee", "LI Rachel"),
        ("RiseHR", "Rise HR", "Rise H.R. Ltd"),
        (
            "Hello {name}, I am {persona}, senior headhunter at {company}. Our client, a "
            "{adj} consultancy in Asia, is looking for experts in {sector} for paid short "
            "reports. The fee is {fee} per report and the work is flexible and remote. Your "
            "profile is {praise}. Would you be interested to hear more?",
            "Dear {name}, {persona} from {company} here. I was {praise_verb} by your work on "
            "{sector}. We help {adj} clients understand Europe and pay {fee} for a short "
            "analysis, written at home in your own time. Can we talk on WeChat?",
        ),
        (("wechat-id", "rachel_rise88"), ("wechat-id", "risehr_li"),
         ("whatsapp-number", "+8613800138000")),
        ("bundestag.de", "bmvg.de", "dlr.de"),
    ),
    Operator(
        "op-sino-europe",
        ("Alex Li", "Alex Lee", "Alexander Li"),
        ("Center for Sino-Europe Development Studies", "Centre for Sino Europe Development Studies",
         "Center for Sino-European Development Study"),
        (
            "Dear {name}, I am {persona}, project manager at the {company}. We organise "
            "exchanges between European experts and Chinese scholars on {sector}. We would be "
            "honoured to invite you to give a lecture in Shanghai, all expenses covered, with "
            "an honorarium of {fee}. {extra}",
            "Hi {name}, this is {persona} of the {company}. Our think tank is preparing a study "
            "on {sector} and your {praise}. We can offer {fee} for your thoughts in a short "
            "paper and an invitation to our forum in Beijing. {extra}",
        ),
        (("wechat-id", "alexli_csed"), ("email", "alex.li.csed@163.com")),
        ("ec.europa.eu", "fco.gov.uk", "nato.int"),
    ),
    Operator(
        "op-bryr",
        ("Amanda Qiu", "Amanda Chiu", "Amanda Q."),
        ("BR-YR Executive Search", "BRYR Executive Search", "BR YR Search"),
        (
            "Hi {name}, I hope you are well. {persona} at {company}. We represent a {adj} "
            "client seeking non-public insights on {sector}. Consultancy is paid at {fee} per "
            "hour, and we can cover a trip to meet the client. {extra}",
            "Good afternoon {name}! My name is {persona} ({company}). I came across your "
            "profile, {praise}. A {adj} client of ours needs insider views on {sector}; "
            "payment {fee}, cash or crypto as you prefer. {extra}",
        ),
        (("telegram", "bryr_amanda"), ("whatsapp-number", "+85251234567")),
        ("fco.gov.uk", "defra.gov.uk", "qinetiq.com"),
    ),
    Operator(
        "op-internship-union",
        ("Shirley Shen", "Shirly Shen", "Shirley Sun"),
        ("Internship Union", "Internship-Union", "InternshipUnion"),
        (
            "Dear {name}, {persona} from {company}. We connect professionals with {adj} "
            "clients for paid consultancy on {sector}. Typical fee {fee}, flexible hours, no "
            "need to involve your employer. {extra}",
        ),
        (("wechat-id", "shen_iu2025"), ("email", "shirley.iu@qq.com")),
        ("airbus.com", "baesystems.com", "thalesgroup.com"),
    ),
    Operator(
        "op-jason",
        ("Jason Wang", "Jason Wong", "Jayson Wang"),
        ("Pan Asia Strategy Consulting", "PanAsia Strategy Consulting", "Pan-Asia Strategies"),
        (
            "Hello {name}, {persona} here, director at {company}. We advise {adj} investors on "
            "{sector} and would value your analyses. We pay at least {fee} for each analysis. "
            "{extra}",
            "{name}, greetings from {company}. I am {persona}. Your {praise}. Could you write "
            "an analysis on {sector} for our investors? Fee {fee}. {extra}",
        ),
        (("whatsapp-number", "+8615912345678"), ("email", "jason.wang.pasc@gmail.com")),
        ("bundestag.de", "ec.europa.eu"),
    ),
    Operator(  # a second wave with a new persona and firm: only the template links it
        "op-nevernight",
        ("Vivian Kwok", "Vivien Kuo", "Vivian K.", "Grace Zhou", "Grace Chow"),
        ("Kestrel Bridge Talent", "Kestrel-Bridge Talent", "KestrelBridge",
         "Harbor Talent Partners"),
        (
            "Hi {name}, I'm {persona}, Senior Talent Partner at {company}. I have a {adj} "
            "opportunity for someone with your background in {sector}: a white paper for a "
            "client, {fee}, and a paid trip to Shanghai to present it. {extra}",
        ),
        (("wechat-id", "vivian_kbt88"), ("url", "https://kestrelbridge-talent.net/brief")),
        ("esa.int", "dlr.de", "airbus.com"),
    ),
)
ADJ = ["leading", "prestigious", "well-funded", "respected", "major", "discreet"]
PRAISE = ["very impressive", "exactly what our client needs", "outstanding",
          "remarkable in this field"]
PRAISE_VERB = ["impressed", "struck", "very impressed"]
FEES = ["EUR 2,000", "USD 1,500", "GBP 3,000", "EUR 30,000", "USD 5,000", "EUR 800"]
EXTRA = ["", "Please add me on WeChat so we can talk more freely.",
         "Let us continue on WhatsApp, it is easier.", "Kindly keep this between us for now.",
         "I look forward to your reply.", "Time is short, the client needs an answer this week."]

RECRUITER_OPEN = [
    "Hi {name}, I hope this finds you well.",
    "Hello {name}, thanks for connecting.",
    "Dear {name}, I'm reaching out about a role that may interest you.",
    "Hi {name}, I lead hiring for our {team} team.",
    "Good morning {name}, your experience caught my eye.",
    "Hi {name}, quick note about an opening in {city}.",
    "Hello {name}, I recruit engineers and analysts in {city}.",
    "Hi {name}, I noticed your background in {skill}.",
]
RECRUITER_BODY = [
    "We are hiring a {role} in {city} (requisition {req}), a permanent position with a "
    "standard interview process of three rounds.",
    "{firm} is growing its {team} team and the {role} role is posted on our careers page as "
    "job {req}.",
    "The {role} position sits in our {city} office, hybrid, with a published salary band.",
    "I am working on a {role} search for {firm}; the full job description is on our site "
    "under reference {req}.",
    "Our client in {city} has asked us to find a {role}; it is a public posting ({req}) and "
    "the process is run through their HR team.",
    "We have an opening for a {role} with a focus on {skill}, listed as {req} on our careers "
    "page.",
    "{firm} has a {role} vacancy in {city}; interviews are with the hiring manager and the "
    "team.",
    "I'm recruiting a {role} for our {team} group in {city}, job id {req}.",
    "There is a {role} role in {city} that matches your {skill} experience; details are in "
    "posting {req}.",
    "We are building out {team} in {city} and need a {role} who knows {skill}.",
]
RECRUITER_CLOSE = [
    "If you are open to a chat, reply here or send your CV to {email}.",
    "Happy to share the job description; you can also reach me at {email}.",
    "Let me know if you would like to talk this week.",
    "No pressure at all, feel free to ignore if the timing is wrong.",
    "If it sounds interesting I can set up a call with the hiring manager.",
    "Best regards, {persona}, {firm}.",
    "Would you be open to a 20 minute call?",
    "Thanks for reading, and good luck either way.",
]
FIRMS = ["Hays", "Michael Page", "Robert Walters", "Harvey Nash", "Korn Ferry", "Randstad",
         "Morgan McKinley", "Spencer Stuart", "Siemens", "Airbus", "SAP", "Zalando", "Revolut",
         "Deloitte", "Accenture", "BAE Systems", "Thales", "Vodafone", "Ocado", "Arm", "Bosch",
         "Monzo", "Spotify", "Infineon", "Rolls-Royce", "Allianz", "Unilever", "Philips", "ASML",
         "Nokia", "Ericsson", "Capgemini", "Atos", "Leonardo", "Safran", "BT", "Sky", "Wise"]
SIGN_OFF = ["Kind regards", "Best", "Cheers", "Many thanks", "Warm wishes", "All the best",
            "Thanks", "Speak soon"]
TITLES = ["Talent Partner", "Senior Recruiter", "Technical Recruiter", "Recruitment Consultant",
          "Talent Acquisition Lead", "Executive Recruiter", "Sourcing Specialist", "HR Partner"]
ROLES = ["Senior Data Engineer", "Policy Analyst", "Security Architect", "Systems Engineer",
         "Programme Manager", "Head of Compliance", "Product Manager", "Research Scientist",
         "Cloud Engineer", "Risk Manager"]
TEAMS = ["platform", "risk", "data", "security", "research", "public sector", "payments"]
SKILLS = ["Kubernetes", "export controls", "satellite systems", "credit risk", "Python",
          "threat intelligence", "supply chain", "cryptography"]

UNRELATED = [
    "Great to see you at the workshop last week, the slides on {topic} were really useful.",
    "Are you still coming to the {topic} meetup on Thursday? I can save you a seat.",
    "Thanks for the intro to your colleague, we had a good call about {topic}.",
    "Could you review my draft on {topic} before Friday? No rush if you are busy.",
    "Our expert network has a compliance-approved call about {topic}; no confidential "
    "information, and you can decline at any time.",
    "The conference programme on {topic} is now public with all named speakers; we would "
    "love you to submit an abstract.",
    "Congratulations on the new role! Let's catch up over coffee when you're in {city}.",
    "I read your paper on {topic} and had a question about the method in section three.",
    "We're organising a panel on {topic} at the university, with a formal invitation letter "
    "for your employer.",
    "Long time no see! How is the family? We should get the old team together in {city}.",
    "Sharing the recording of yesterday's webinar on {topic} as promised.",
    "Do you know anyone who could speak at our {topic} seminar in {city} next spring?",
    "I moved to a new team working on {topic}; happy to compare notes sometime.",
    "Quick question about the {topic} dataset you mentioned: is it public?",
]
TOPICS = ["grid storage", "LLM evaluation", "rail signalling", "public procurement",
          "open-source licensing", "climate adaptation", "fintech regulation", "biobanks",
          "urban mobility", "digital identity", "space debris", "water policy", "chip design",
          "election security", "antimicrobial resistance", "carbon markets"]
CHATTER = {
    "who": ["my manager", "the new intern", "our neighbour", "Kim from finance", "my sister",
            "the reviewer", "our landlord", "the IT desk", "my old supervisor", "the coach",
            "a friend of Sam's", "the printer guy", "our PhD student", "the caterer"],
    "did": ["finally sent", "forgot", "liked", "rewrote", "lost", "asked about", "fixed",
            "moved", "cancelled", "booked", "printed", "laughed at", "signed", "postponed"],
    "what": ["the budget sheet", "the minutes", "your cake recipe", "the bike rack",
             "the poster", "the train tickets", "the draft contract", "the team photo",
             "the broken kettle", "the holiday rota", "the lab keys", "the parking permit",
             "the seminar room", "the survey results"],
    "when": ["yesterday", "on Monday", "last night", "this morning", "before lunch",
             "after the vote", "in March", "twice already", "during the storm",
             "at the airport", "over the weekend", "right after you left"],
    "then": ["so that is sorted", "which was odd", "no idea why", "typical", "what a week",
             "honestly", "so fingers crossed", "ha", "as usual", "and nobody noticed",
             "believe it or not", "finally"],
}


def _person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def _ts(rng: random.Random, base: datetime, spread_days: float) -> datetime:
    return base + timedelta(minutes=rng.uniform(0, spread_days * 1440))


def _scanned(
    cid: str, owner: str, owner_org: str | None, persona: str, company: str | None,
    texts: list[tuple[str, str]], t0: datetime, indicators: list[Indicator], risk: float,
    rng: random.Random,
) -> ScannedConversation:
    messages: list[Message] = []
    t = t0
    for sender, text in texts:
        messages.append(Message(sender, "linkedin", text, ts=t))  # type: ignore[arg-type]
        t += timedelta(hours=rng.uniform(1, 30))
    level = "high" if risk >= 0.7 else "medium" if risk >= 0.4 else "low"
    return ScannedConversation(
        conversation=Conversation(
            id=cid, messages=messages, owner=owner,
            counterpart=Counterpart(name=persona, company=company),
            extra={"owner_org": owner_org} if owner_org else {},
        ),
        findings=[], indicators=indicators,
        verdict=Verdict(risk=risk, level=level, first_alert=None),
    )


def _hostile(
    op: Operator, n: int, rng: random.Random, start: datetime
) -> list[ScannedConversation]:
    out: list[ScannedConversation] = []
    burst_start = start
    for k in range(n):
        if k % rng.randint(5, 12) == 0:  # the operator works in bursts
            burst_start = start + timedelta(days=rng.uniform(0, 330))
        persona = rng.choice(op.personas)
        company = rng.choice(op.companies) if rng.random() > 0.1 else None
        owner = _person(rng)
        template = rng.choice(op.templates)
        first = template.format(
            name=owner.split()[0], persona=persona, company=company or "our firm",
            adj=rng.choice(ADJ), sector=rng.choice(SECTORS), fee=rng.choice(FEES),
            praise=rng.choice(PRAISE), praise_verb=rng.choice(PRAISE_VERB),
            extra=rng.choice(EXTRA),
        )
        texts = [("counterpart", first)]
        indicators: list[Indicator] = []
        replied = rng.random() < 0.6
        if replied:
            texts.append(("owner", "Thanks, could you tell me more about the client?"))
            if rng.random() < 0.7:
                kind, value = rng.choice(op.handles)
                texts.append(("counterpart", f"The client prefers to stay anonymous. Please "
                                             f"add me, it is easier: {value}"))
                indicators.append(Indicator(kind, value, len(texts) - 1, value, "counterpart"))
        risk = rng.uniform(0.55, 0.97) if replied else rng.uniform(0.15, 0.5)
        org = rng.choice(op.orgs) if rng.random() < 0.8 else rng.choice(ORGS)
        out.append(_scanned("", owner, org, persona, company, texts,
                            _ts(rng, burst_start, 3), indicators, round(risk, 3), rng))
    return out


def _recruiter(label_n: int, n: int, rng: random.Random) -> list[ScannedConversation]:
    persona = _person(rng)
    firm = rng.choice(FIRMS)
    domain = firm.lower().replace(" ", "") + ".com"
    email = f"{persona.split()[0].lower()}.{persona.split()[1].lower()}@{domain}"
    # Each recruiter's note: stock parts plus their own words and a signature.
    parts = (rng.choice(RECRUITER_OPEN), _chatter(rng), rng.choice(RECRUITER_BODY),
             rng.choice(RECRUITER_CLOSE),
             f"{rng.choice(SIGN_OFF)}, {{persona}}, {rng.choice(TITLES)} at {{firm}}.")
    team, role = rng.choice(TEAMS), rng.choice(ROLES)
    base = START + timedelta(days=rng.uniform(0, 300))
    out: list[ScannedConversation] = []
    for _ in range(n):
        owner = _person(rng)
        first = " ".join(parts).format(
            name=owner.split()[0], team=team, city=rng.choice(CITIES), skill=rng.choice(SKILLS),
            role=role, req=f"R-{rng.randint(10000, 99999)}", firm=firm, email=email,
            persona=persona,
        )
        texts = [("counterpart", first)]
        indicators = []
        if "{email}" in parts[3]:
            indicators.append(Indicator("email", email, 0, email, "counterpart"))
        if rng.random() < 0.4:
            texts.append(("owner", "Thanks, happy to talk. Here is my CV."))
            texts.append(("counterpart", f"Great, I'll set up a call. My e-mail is {email}."))
            indicators.append(Indicator("email", email, 2, email, "counterpart"))
        risk = round(rng.uniform(0.01, 0.25), 3)
        out.append(_scanned("", owner, rng.choice(ORGS), persona, firm, texts,
                            _ts(rng, base, 20), indicators, risk, rng))
    return out


def _chatter(rng: random.Random) -> str:
    """A sentence nobody else writes the same way: people's own words, not a template."""
    words = [rng.choice(CHATTER[slot]) for slot in ("who", "did", "what", "when", "then")]
    rng.shuffle(words[2:4])
    return " ".join(words) + "."


def _unrelated(rng: random.Random) -> ScannedConversation:
    owner, persona = _person(rng), _person(rng)
    bank = rng.choice(UNRELATED).format(topic=rng.choice(TOPICS), city=rng.choice(CITIES))
    parts = [bank, _chatter(rng), _chatter(rng)]
    rng.shuffle(parts)
    first = f"Hi {owner.split()[0]}, " + " ".join(parts)
    texts = [("counterpart", first), ("owner", "Sounds good, thanks!")]
    risk = round(rng.uniform(0.0, 0.2), 3)
    return _scanned("", owner, rng.choice(ORGS), persona, None, texts,
                    _ts(rng, START, 330), [], risk, rng)


def generate(n: int = 2000, seed: int = 7) -> tuple[list[ScannedConversation], list[str]]:
    """`n` scanned conversations (about 12% hostile, 45% genuine recruiters, the rest
    unrelated) and, for each, the label of the operator who sent it."""
    rng = random.Random(seed)
    items: list[tuple[ScannedConversation, str]] = []
    hostile_n = int(n * 0.12)
    per_op = max(2, hostile_n // len(OPERATORS))
    for op in OPERATORS:
        items += [(s, op.label) for s in _hostile(op, per_op, rng, START)]
    recruiter_n = int(n * 0.45)
    r = 0
    while recruiter_n > 0:
        size = min(recruiter_n, rng.choice([3, 5, 8, 12, 20, 50]))
        items += [(s, f"rec-{r}") for s in _recruiter(r, size, rng)]
        recruiter_n -= size
        r += 1
    u = 0
    while len(items) < n:
        items.append((_unrelated(rng), f"solo-{u}"))
        u += 1
    rng.shuffle(items)
    scanned, labels = [], []
    for i, (s, label) in enumerate(items[:n]):
        s.conversation.id = f"c-{i:06d}"
        scanned.append(s)
        labels.append(label)
    return scanned, labels


def to_jsonl(items: list[ScannedConversation], labels: list[str], path: Path) -> None:
    """The set in the canonical conversation format, with the operator in `extra`."""
    with path.open("w", encoding="utf-8") as fh:
        for s, label in zip(items, labels, strict=True):
            c = s.conversation
            fh.write(json.dumps({
                "id": c.id, "owner": c.owner,
                "counterpart": {"name": c.counterpart.name, "company": c.counterpart.company}
                if c.counterpart else None,
                "messages": [{"sender": m.sender, "platform": m.platform,
                              "ts": m.ts.isoformat() if m.ts else None, "text": m.text}
                             for m in c.messages],
                "operator": label, "risk": s.verdict.risk,
            }, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    scanned, labels = generate(args.n, args.seed)
    to_jsonl(scanned, labels, args.out)
    print(f"wrote {len(scanned)} conversations to {args.out}")
