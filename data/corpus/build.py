"""Turn the hand-written conversation sources into canonical JSON Lines.

The conversations are written by hand in `source/*.txt` (one file per batch); this script
only parses that light markup and writes `<batch>.jsonl` beside it. It fills no slots and
invents no text: every message is literal in the source.

Markup (one conversation per block):

    ### <id>
    lang en | label hostile | scenario fake-headhunter | sponsor prc
    owner <owner name>
    cp <name> | <headline> | <company> | <location> | <connections> | <account age days> | <mutual>
    notes <free text, optional>
    at 2023-03-02 14:05
    c linkedin [ap,ra] first message text        (c = counterpart, o = owner)
    o linkedin +3h reply text                    (+offset from the previous message: 1w, 2d4h, 30m)
      an indented line continues the previous message on a new line

`-` in the `cp` line means unknown (null). Stage abbreviations are in STAGE_CODES.

Usage: .venv/bin/python data/corpus/build.py   (from the repository root)
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE_DIR = HERE / "source"

STAGE_CODES: dict[str, str] = {
    "ap": "approach",
    "ra": "rapport",
    "ps": "platform_shift",
    "ir": "info_request_benign",
    "tp": "tasking_for_payment",
    "pay": "payment",
    "tm": "travel_meeting",
    "ci": "client_introduction",
    "sec": "secrecy",
    "esc": "escalation_sensitive",
    "cc": "covert_comms",
    "co": "coercion_leverage",
    "gift": "inducement_gifts",
    "tc": "technical_compromise",
    "urg": "urgency_pressure",
    "cs": "compliance_safeguards",
}
STAGE_ORDER = list(STAGE_CODES.values())
TEST_FRACTION_TENTHS = 3  # sha256(id) mod 10 < 3 -> test: about 30 %, never chosen by hand

_MESSAGE = re.compile(
    r"^(?P<who>[co]) (?P<platform>[a-z]+)"
    r"(?: \+(?P<offset>(?:\d+[wdhm])+))?"
    r"(?: \[(?P<stages>[a-z,]+)\])?"
    r"(?: (?P<text>.*))?$"
)
_OFFSET_PART = re.compile(r"(\d+)([wdhm])")
_KEY_ORDER = ("id", "lang", "label", "scenario", "sponsor", "split", "owner", "counterpart")
_UNIT = {"w": "weeks", "d": "days", "h": "hours", "m": "minutes"}


class SourceError(ValueError):
    """A source line that does not follow the markup; names file and line."""


def split_for(conversation_id: str) -> str:
    """Deterministic split from the id alone, so nobody picks which cases are held out."""
    digest = hashlib.sha256(conversation_id.encode("utf-8")).digest()
    return "test" if int.from_bytes(digest, "big") % 10 < TEST_FRACTION_TENTHS else "train"


def _offset(text: str) -> timedelta:
    delta = timedelta()
    for amount, unit in _OFFSET_PART.findall(text):
        delta += timedelta(**{_UNIT[unit]: int(amount)})
    return delta


def _null_or_int(value: str) -> int | None:
    return None if value in ("-", "") else int(value)


def _null_or_str(value: str) -> str | None:
    return None if value in ("-", "") else value


def _counterpart(value: str) -> dict:
    parts = [p.strip() for p in value.split("|")]
    parts += ["-"] * (7 - len(parts))
    name, headline, company, location, connections, age, mutual = parts[:7]
    return {
        "name": name,
        "headline": _null_or_str(headline),
        "company": _null_or_str(company),
        "location": _null_or_str(location),
        "connections": _null_or_int(connections),
        "account_age_days": _null_or_int(age),
        "mutual_connections": _null_or_int(mutual),
    }


def _finish(conv: dict) -> dict:
    stages: set[str] = set(conv.pop("_extra_stages", []))
    for message in conv["messages"]:
        stages.update(message.get("stages", []))
        message["ts"] = message["ts"].strftime("%Y-%m-%dT%H:%M:%SZ")
    conv["stages"] = [s for s in STAGE_ORDER if s in stages]
    conv["split"] = split_for(conv["id"])
    first = [k for k in _KEY_ORDER if k in conv]
    return {k: conv[k] for k in first + [k for k in conv if k not in _KEY_ORDER]}


def parse_source(path: Path) -> list[dict]:
    """Parse one source file into canonical conversation dicts, in file order."""
    conversations: list[dict] = []
    conv: dict | None = None
    clock: datetime | None = None
    for lineno, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        where = f"{path.name}:{lineno}"
        if not raw.strip() or raw.startswith("#!"):
            continue
        if raw.startswith("### "):
            if conv is not None:
                conversations.append(_finish(conv))
            conv = {"id": raw[4:].strip(), "messages": []}
            clock = None
            continue
        if conv is None:
            raise SourceError(f"{where}: text before the first '### id' line")
        if raw.startswith("  "):
            if not conv["messages"]:
                raise SourceError(f"{where}: continuation line with no message before it")
            conv["messages"][-1]["text"] += "\n" + raw.strip()
            continue
        key, _, value = raw.partition(" ")
        if key == "lang":
            for field in raw.split("|"):
                name, _, val = field.strip().partition(" ")
                if name == "stages":  # conversation-level stages not tied to one message
                    conv["_extra_stages"] = [STAGE_CODES[c] for c in val.split(",")]
                else:
                    conv[name] = val.strip()
        elif key == "owner":
            conv["owner"] = value.strip()
        elif key == "cp":
            conv["counterpart"] = _counterpart(value)
        elif key == "notes":
            conv.setdefault("counterpart", {"name": "unknown"})["notes"] = value.strip()
        elif key == "at":
            clock = datetime.strptime(value.strip(), "%Y-%m-%d %H:%M").replace(tzinfo=UTC)
        elif key in ("c", "o"):
            match = _MESSAGE.match(raw)
            if match is None or clock is None:
                raise SourceError(f"{where}: cannot read message line (or no 'at' line before it)")
            if match["offset"]:
                clock = clock + _offset(match["offset"])
            elif conv["messages"]:
                raise SourceError(f"{where}: message after the first needs a +offset")
            message: dict = {
                "sender": "counterpart" if match["who"] == "c" else "owner",
                "platform": match["platform"],
                "ts": clock,
                "text": match["text"] or "",
            }
            if match["stages"]:
                try:
                    message["stages"] = [STAGE_CODES[c] for c in match["stages"].split(",")]
                except KeyError as err:
                    raise SourceError(f"{where}: unknown stage code {err}") from None
            conv["messages"].append(message)
        else:
            raise SourceError(f"{where}: unknown line kind {key!r}")
    if conv is not None:
        conversations.append(_finish(conv))
    return conversations


def to_jsonl(conversations: list[dict]) -> str:
    return "".join(json.dumps(c, ensure_ascii=False) + "\n" for c in conversations)


def main() -> int:
    for source in sorted(SOURCE_DIR.glob("*.txt")):
        try:
            conversations = parse_source(source)
        except SourceError as err:
            print(f"error: {err}", file=sys.stderr)
            return 1
        (HERE / f"{source.stem}.jsonl").write_text(to_jsonl(conversations), encoding="utf-8")
        print(f"{source.stem}.jsonl: {len(conversations)} conversations")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
