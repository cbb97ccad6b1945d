"""A generated canonical JSON Lines corpus: a handful of realistic hostile and benign
templates (the CSIS/MI5/BfV playbook against genuine recruiters, expert networks, conference
invitations and ordinary chat), filled with seeded names and companies."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

OWNERS = ["Daniel Roy", "Sofia Brandt", "Marc Lefèvre", "Aisha Rahman", "Tom Okafor"]
APPROACHERS = ["Vivian K.", "Kevin Zhang", "Lena Wu", "Jason Li", "Amy Chen", "Robert Hsu"]
COVERS = ["Kestrel Bridge Talent", "Orient Horizon Consulting", "Silverline Advisory HK",
          "Pacific Insight Partners"]
RECRUITERS = ["Priya Natarajan", "Jonas Weber", "Claire Dubois", "Sam Patel"]
EMPLOYERS = ["Northwind Energy plc", "Helix Grid GmbH", "Aurora Systems Ltd"]

# (label, counterpart headline, [(sender, platform, text)]); {o} owner's first name,
# {c} counterpart's first name, {co} cover company, {h} a messaging handle, {n} a fee.
TEMPLATES: list[tuple[str, str, list[tuple[str, str, str]]]] = [
    ("hostile", "Senior Talent Partner | APAC", [
        ("counterpart", "linkedin", "Hi {o}, your grid work is impressive. I have clients who "
         "need an expert for paid advisory projects. Could we continue on WeChat? My ID is {h}."),
        ("owner", "linkedin", "Thanks {c}, happy to hear more."),
        ("counterpart", "wechat", "My clients would like a short report on your project for "
         "USD {n}. Please keep this between us, no need to tell your employer."),
        ("counterpart", "wechat", "For the next report they are interested in the internal "
         "discussions that are not public yet. They will also invite you to Shanghai, all "
         "expenses paid, to meet them."),
    ]),
    ("hostile", "Research Director", [
        ("counterpart", "linkedin", "Dear {o}, I run a think tank and we pay well for policy "
         "insights. LinkedIn is not convenient for me, please add me on WhatsApp {h}."),
        ("counterpart", "whatsapp", "Our client would like a short paper on the new export "
         "rules, USD {n} per report. Delete these messages after reading."),
    ]),
    ("hostile", "猎头顾问", [
        ("counterpart", "linkedin", "{o}您好，我们的客户想请您写一份报告，报酬是每篇{n}美元。"),
        ("counterpart", "wechat",
         "加我微信吧，我的微信是 {h}，领英不太方便。这件事不要告诉你的单位领导。"),
    ]),
    ("benign", "Talent Acquisition at {emp}", [
        ("counterpart", "email", "Dear {o}, we have an open Senior Grid Engineer position "
         "(requisition ID REQ-2023-{n}). The role is listed on our careers page."),
        ("owner", "email", "Thank you {c}, I have attached my CV."),
        ("counterpart", "email", "Thanks, I booked a first call on Tuesday at 10:00 with the "
         "hiring manager."),
    ]),
    ("benign", "Project Manager, expert network", [
        ("counterpart", "linkedin", "Hi {o}, a client of our expert network would like a "
         "one-hour call on grid storage, paid at USD {n} per hour."),
        ("counterpart", "linkedin", "Please do not share any confidential or non-public "
         "information; we run a conflict check and you may need your employer's approval."),
    ]),
    ("benign", "Programme Chair", [
        ("counterpart", "email", "Dear {o}, we would be delighted if you could speak at the "
         "Energy Futures Summit in Berlin. The public programme with the other speakers is on "
         "our website; we cover your flights and two hotel nights."),
    ]),
    ("benign", "", [
        ("counterpart", "whatsapp", "Are you coming to the alumni dinner in January?"),
        ("owner", "whatsapp", "Yes! Can we move the call to 3pm? Something came up."),
        ("counterpart", "whatsapp", "Sounds good, talk tomorrow."),
    ]),
]


# Ordinary lines that pad a conversation to a realistic length (for throughput runs).
SMALL_TALK = [
    ("owner", "Sounds good, talk tomorrow."), ("counterpart", "Great to hear from you!"),
    ("owner", "I'll send the slides after the meeting."),
    ("counterpart", "Where did you park? I'm at the entrance."),
    ("owner", "Thanks, I booked Tuesday at 10:00."), ("counterpart", "ok"),
    ("counterpart", "谢谢，周末愉快！"), ("owner", "Danke für die schnelle Antwort, bis morgen."),
]


def make_conversation(rng: random.Random, number: int, small_talk: int = 0) -> dict:
    label, headline, lines = rng.choice(TEMPLATES)
    owner = rng.choice(OWNERS)
    hostile = label == "hostile"
    name = rng.choice(APPROACHERS if hostile else RECRUITERS)
    company = rng.choice(COVERS if hostile else EMPLOYERS)
    fill = {"o": owner.split()[0], "c": name.split()[0], "co": company,
            "h": f"{name.split()[0].lower()}_{rng.randint(10, 999)}",
            "n": f"{rng.randint(1, 9)},{rng.randint(0, 9)}00", "emp": company}
    turns = [(sender, platform, text.format(**fill)) for sender, platform, text in lines]
    for _ in range(rng.randint(0, 2 * small_talk) if small_talk else 0):
        sender, text = rng.choice(SMALL_TALK)
        at = rng.randint(1, len(turns))
        turns.insert(at, (sender, turns[at - 1][1], text))
    ts = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(hours=rng.randint(0, 20_000))
    messages = []
    for sender, platform, text in turns:
        ts += timedelta(minutes=rng.randint(5, 3000))
        messages.append({"sender": sender, "platform": platform,
                         "ts": ts.isoformat().replace("+00:00", "Z"), "text": text})
    counterpart: dict = {"name": name, "headline": headline.format(**fill) or None,
                         "company": company}
    if hostile:
        counterpart.update(connections=rng.randint(20, 400),
                           account_age_days=rng.randint(5, 90))
    return {"id": f"c-{number:06d}", "owner": owner, "counterpart": counterpart,
            "messages": messages, "label": label}


def corpus_lines(n: int, seed: int = 7, small_talk: int = 0) -> list[str]:
    rng = random.Random(seed)
    return [json.dumps(make_conversation(rng, i, small_talk), ensure_ascii=False)
            for i in range(n)]


def write_corpus(path: Path, n: int, seed: int = 7, small_talk: int = 0) -> Path:
    lines = corpus_lines(n, seed, small_talk)
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path
