"""Throughput of the rule detector (all built-in packs) on typical chat lines.

Run: `PYTHONPATH=src .venv/bin/pytest bench/bench_rules.py --benchmark-only`. The figure to
read is `messages_per_second` in the benchmark's extra info (also printed with `-s`). The
optional SEConvo run uses ../shared/data when present and is skipped otherwise.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from lurewatch.detect.rules.engine import RuleDetector
from lurewatch.model import Conversation, Message

# Typical chat lines: mostly ordinary talk, some with the alarming words of benign
# approaches, a few lures, in the four languages of the built-in packs.
CHAT_LINES = [
    "Hi Daniel, thanks for connecting!",
    "Sounds good, talk tomorrow.",
    "Are you coming to the alumni dinner in January?",
    "I'll send the slides after the meeting.",
    "Can we move the call to 3pm? Something came up.",
    "Great to hear from you, hope the family is well.",
    "Thanks, I booked Tuesday at 10:00.",
    "We're hiring a Senior Policy Analyst (requisition R-20431, posted on our careers page).",
    "Please send your CV to priya.nair@northwind-energy.com and I'll set up a first call.",
    "The public programme with the other speakers is on our website.",
    "We cover your flights and two hotel nights for the summit in Berlin.",
    "You must not share any confidential or non-public information.",
    "Could you add me on WeChat? LinkedIn is not convenient for me.",
    "Our client would like a short report on the new export rules, USD 1,500 per report.",
    "No need to tell your employer, keep this just between us.",
    "For the next report they are interested in the internal discussions.",
    "lol that was hilarious 😂",
    "ok",
    "Where did you park? I'm at the entrance.",
    "Did you see the game last night?",
    "你好，最近怎么样？",
    "我明天下午有空，我们再聊。",
    "加我微信吧，我的微信是 vivian_kbt88，领英不太方便。",
    "我们的客户想请您写一份报告，报酬是每篇两千美元。",
    "这件事不要告诉你的单位领导。",
    "谢谢，周末愉快！",
    "Danke für die schnelle Antwort, bis morgen.",
    "Können wir auf WhatsApp weiterschreiben?",
    "Merci pour votre message, à bientôt.",
    "Nos clients souhaiteraient une note pour nos clients, rémunérée 2 000 euros.",
]


def _conversation(n: int) -> Conversation:
    lines = (CHAT_LINES * (n // len(CHAT_LINES) + 1))[:n]
    messages = [Message(sender="counterpart", platform="linkedin", text=t) for t in lines]
    return Conversation(id="bench", messages=messages)


@pytest.fixture(scope="module")
def detector() -> RuleDetector:
    return RuleDetector()


# CPU time, not wall time: on a shared machine other processes would otherwise set the figure.
@pytest.mark.benchmark(timer=time.process_time)
def test_rules_chat_lines(benchmark, detector: RuleDetector) -> None:
    conversation = _conversation(3000)
    findings = benchmark(detector.detect, conversation, [])
    rate = len(conversation.messages) / benchmark.stats.stats.mean
    benchmark.extra_info["messages_per_second"] = round(rate)
    print(f"\nrules: {rate:,.0f} chat lines/s over {len(detector.rules)} rules")
    assert findings  # the lures in the mix are found


SECONVO = (Path(__file__).resolve().parents[2] / "shared" / "data" / "seconvo"
           / "annotated_train.json")


@pytest.mark.skipif(not SECONVO.exists(), reason="SEConvo data set not present")
@pytest.mark.benchmark(timer=time.process_time)
def test_rules_seconvo_messages(benchmark, detector: RuleDetector) -> None:
    data = json.loads(SECONVO.read_text(encoding="utf-8"))
    texts = [m["Message"] for c in data["Conversations"] for m in c["Conversation"]]
    conversation = Conversation(
        id="seconvo", messages=[Message("counterpart", "linkedin", t) for t in texts])
    benchmark(detector.detect, conversation, [])
    rate = len(texts) / benchmark.stats.stats.mean
    benchmark.extra_info["messages_per_second"] = round(rate)
    print(f"\nrules: {rate:,.0f} SEConvo messages/s (about 290 characters each)")
