"""The training material, read into one shape: conversations with the labels each source can
honestly give.

- the project's corpus (`data/corpus/*.jsonl`), `split == "train"` only: every stage of every
  counterpart message is labelled, and the conversation is labelled hostile or benign;
- SEConvo `annotated_train.json` and `unannotated_train.json` (never `annotated_test.json`):
  conversation labels; in the annotated file the requester turns that ask for personal or
  workplace details, split by what is asked into `info_request_benign` (name, contact, role,
  publications) and `escalation_sensitive` (identity numbers, credentials, unpublished work,
  internal projects, access); the first turn is an unsolicited `approach`;
- Enron (AESLC) `split == "train"` (never `test`): real benign business mail, a negative for
  the stages a normal business e-mail does not carry, and a benign conversation;
- Fraud-R1 fake job postings and "network friendship" lures: extra `approach` positives
  only (the data set has no benign counterpart, so it never trains the conversation model).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from lurewatch.ingest.jsonl import conversation_from_record
from lurewatch.ingest.seconvo import conversation_from_item
from lurewatch.model import STAGES, Conversation, Message

# Stages an ordinary business e-mail does not carry: Enron mail is a negative for these only.
ENRON_NEGATIVE_STAGES: tuple[str, ...] = (
    "approach", "platform_shift", "tasking_for_payment", "client_introduction", "secrecy",
    "escalation_sensitive", "covert_comms", "coercion_leverage", "inducement_gifts",
    "technical_compromise",
)
SECONVO_STAGES: tuple[str, ...] = ("approach", "info_request_benign", "escalation_sensitive")
FRAUD_CATEGORIES = frozenset({"fake job posting", "network friendship"})
# SEConvo PII types whose request is for non-public, identifying or internal material.
_SENSITIVE_PII_WORDS = (
    "ssn", "social security", "credit card", "id", "login", "password", "bank", "utility",
    "birth", "address", "unpublished", "project", "proposal", "research", "repository",
    "database", "sensitive", "document", "draft", "software", "equipment", "plans",
    "medical", "proprietary", "encryption", "signature", "burth", "copy",
)
_BENIGN_PII = frozenset({"email address"})
MAX_ENRON_CHARS = 2000
MAX_FRAUD_CHARS = 800


@dataclass(slots=True)
class TrainingConversation:
    conversation: Conversation
    source: str  # corpus / seconvo / enron / fraud-r1
    hostile: int | None  # conversation label; None: not used by the conversation model
    # counterpart message index -> {stage: 0 or 1}, only the stages this source labels
    message_labels: dict[int, dict[str, int]] = field(default_factory=dict)
    for_heads: bool = True  # whether its messages train the stage heads


def stable_fraction(key: str) -> float:
    """A deterministic number in [0, 1) from a string (for subsets nobody picked by hand)."""
    return int(hashlib.sha256(key.encode("utf-8")).hexdigest()[:8], 16) / 0x100000000


def pii_stage(pii_type: str) -> str:
    words = pii_type.casefold().replace("/", " ").replace("?", " ").split()
    joined = " ".join(words)
    if joined in _BENIGN_PII:
        return "info_request_benign"
    for w in _SENSITIVE_PII_WORDS:
        if (" " in w and w in joined) or w in words or (len(w) > 3 and w in joined):
            return "escalation_sensitive"
    return "info_request_benign"


def corpus_conversations(corpus_dir: Path) -> Iterator[TrainingConversation]:
    for path in sorted(corpus_dir.glob("*.jsonl")):
        for line in path.read_text("utf-8").splitlines():
            if not line.strip():
                continue
            record = json.loads(line)
            if record.get("split") != "train":
                continue  # the held-out part is for evaluation only
            conv = conversation_from_record(record, source=str(path))
            labels = {
                i: {s: int(s in (m.extra.get("stages") or ())) for s in STAGES}
                for i, m in enumerate(conv.messages) if m.sender == "counterpart"
            }
            yield TrainingConversation(conv, "corpus", int(conv.label == "hostile"), labels)


def seconvo_conversations(seconvo_dir: Path) -> Iterator[TrainingConversation]:
    for name, annotated in (("annotated_train.json", True), ("unannotated_train.json", False)):
        path = seconvo_dir / name
        if not path.exists():
            continue
        items = json.loads(path.read_text("utf-8"))["Conversations"]
        for position, item in enumerate(items):
            conv = conversation_from_item(item, position, str(path))
            conv.id = f"{name}:{conv.id}"
            truth = item.get("GroundTruth") or {}
            labels: dict[int, dict[str, int]] = {}
            if annotated:
                asked: dict[int, set[str]] = {}
                for pii in truth.get("PII") or []:
                    for index in pii.get("Messages") or []:
                        asked.setdefault(int(index), set()).add(pii_stage(str(pii["Name"])))
                for i, m in enumerate(conv.messages):
                    if m.sender != "counterpart":
                        continue
                    labels[i] = {s: int(s in asked.get(i, ())) for s in SECONVO_STAGES}
                    labels[i]["approach"] = int(i == 0)
            yield TrainingConversation(conv, "seconvo", int(bool(truth.get("IsMalicious"))),
                                       labels, for_heads=annotated)


def enron_conversations(enron_dir: Path, heads_fraction: float = 0.25
                        ) -> Iterator[TrainingConversation]:
    path = enron_dir / "aeslc_enron_emails.jsonl"
    if not path.exists():
        return
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            record = json.loads(line)
            if record.get("split") != "train":
                continue  # dev is unused; test is for evaluation only
            text = f"{record.get('subject') or ''}\n{record.get('body') or ''}".strip()
            text = text[:MAX_ENRON_CHARS]
            conv = Conversation(id=f"enron:{record['id']}", messages=[
                Message(sender="counterpart", platform="email", text=text)], label="benign")
            for_heads = stable_fraction(conv.id) < heads_fraction
            labels = {0: dict.fromkeys(ENRON_NEGATIVE_STAGES, 0)}
            yield TrainingConversation(conv, "enron", 0, labels, for_heads=for_heads)


def fraud_conversations(fraud_dir: Path) -> Iterator[TrainingConversation]:
    path = fraud_dir / "FP-base-English.json"
    if not path.exists():
        return
    for item in json.loads(path.read_text("utf-8")):
        if item.get("category") not in FRAUD_CATEGORIES:
            continue
        text = str(item.get("generated text") or "").strip()[:MAX_FRAUD_CHARS]
        if not text:
            continue
        conv = Conversation(id=f"fraud-r1:{item['id']}", messages=[
            Message(sender="counterpart", platform="other", text=text)])
        yield TrainingConversation(conv, "fraud-r1", None, {0: {"approach": 1}})


def load_training_material(corpus_dir: Path, shared_data: Path | None
                           ) -> list[TrainingConversation]:
    """Everything, in a fixed order; `shared_data` None or missing trains on the corpus only."""
    out = list(corpus_conversations(corpus_dir))
    if shared_data is not None and shared_data.is_dir():
        out.extend(seconvo_conversations(shared_data / "seconvo"))
        out.extend(enron_conversations(shared_data / "enron_aeslc"))
        out.extend(fraud_conversations(shared_data / "fraud_r1"))
    return out
