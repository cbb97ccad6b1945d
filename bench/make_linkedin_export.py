"""Write a synthetic LinkedIn export (messages.csv, Profile.csv) of N messages for speed
benchmarks. Deterministic; the text mixes ordinary professional chatter with a few approach
patterns so the rule prefilter sees realistic hit rates.

    python bench/make_linkedin_export.py OUT_DIR --messages 100000 [--unique]

`--unique` appends a reference number to every message, so that no text repeats and caches
keyed by text cannot help (the same messages otherwise).
"""

from __future__ import annotations

import argparse
import csv
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

HEADER = ["CONVERSATION ID", "CONVERSATION TITLE", "FROM", "SENDER PROFILE URL", "TO",
          "RECIPIENT PROFILE URLS", "DATE", "SUBJECT", "CONTENT", "FOLDER", "ATTACHMENTS",
          "IS MESSAGE DRAFT", "IS CONVERSATION DRAFT"]
OWNER = ("Alex Morgan", "https://www.linkedin.com/in/alex-morgan-eng")
LINES = [
    "Thanks for connecting! Hope you're well.",
    "Are you free for a quick call next week about the migration project?",
    "Congrats on the new role!",
    "Could you share the slides from yesterday's talk?",
    "We're hiring a senior engineer (job id 48213), would you be open to a chat?",
    "Sure, Tuesday at 3pm works for me.",
    "I saw your post about grid storage, very interesting analysis.",
    "Happy to introduce you to our CTO, she is working on something similar.",
    "Let me know if you need anything else from my side.",
    "Our client would value your perspective; we pay USD 2,000 for a short report.",
    "It's easier to continue on WhatsApp, can you add me? +44 7700 900{n:03d}",
    "Please keep this between us for now.",
    "The conference covers flights and hotel for speakers; the programme is public.",
    "Do not share any confidential information in the call; compliance rules apply.",
    "谢谢你的回复，我们下周可以聊一下。",
    "方便加个微信吗？我的微信是 hr_li{n:03d}",
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--per-conversation", type=int, default=8)
    parser.add_argument("--unique", action="store_true", help="no text repeats")
    args = parser.parse_args()
    rng = random.Random(20261128)
    args.out.mkdir(parents=True, exist_ok=True)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    with (args.out / "messages.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        written, conv_no = 0, 0
        while written < args.messages:
            conv_no += 1
            other = (f"Contact {conv_no}", f"https://www.linkedin.com/in/contact-{conv_no}")
            n = min(args.per_conversation, args.messages - written)
            t = start + timedelta(hours=conv_no)
            rows = []
            for i in range(n):
                mine = i % 2 == 1
                frm, to = (OWNER, other) if mine else (other, OWNER)
                text = rng.choice(LINES).format(n=conv_no % 1000)
                if args.unique:
                    text += f" (ref {conv_no}-{i})"
                t += timedelta(minutes=rng.randint(5, 3000))
                rows.append([f"2-{conv_no:08d}", "", frm[0], frm[1], to[0], to[1],
                             t.strftime("%Y-%m-%d %H:%M:%S UTC"), "", text, "INBOX", "",
                             "false", "false"])
            w.writerows(reversed(rows))  # newest first, as LinkedIn writes them
            written += n
    with (args.out / "Profile.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["First Name", "Last Name", "Headline"])
        w.writerow(["Alex", "Morgan", "Engineer"])
    print(f"wrote {written} messages in {conv_no} conversations to {args.out}")


if __name__ == "__main__":
    main()
