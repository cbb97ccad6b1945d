"""Count the corpus by split, label, language, scenario, platform and stage.

Prints Markdown tables for DATASHEET.md; `compute()` is what the corpus test compares
with the tables pasted in the datasheet.

Usage: .venv/bin/python data/corpus/stats.py   (from the repository root)
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
LANGS = ("en", "zh", "de", "fr", "mixed")


def load(directory: Path = HERE) -> list[dict]:
    conversations: list[dict] = []
    for path in sorted(directory.glob("*.jsonl")):
        with path.open(encoding="utf-8") as handle:
            conversations.extend(json.loads(line) for line in handle if line.strip())
    return conversations


def compute(conversations: list[dict]) -> dict[str, Counter]:
    """Counters keyed by table name; each key of a counter is a tuple of row labels."""
    tables: dict[str, Counter] = {
        "split_label": Counter(), "lang_label": Counter(), "scenario": Counter(),
        "platform": Counter(), "stage": Counter(), "length": Counter(), "sponsor": Counter(),
    }
    for conv in conversations:
        label, split = conv["label"], conv["split"]
        tables["split_label"][(split, label)] += 1
        tables["lang_label"][(conv["lang"], label, split)] += 1
        tables["scenario"][(label, conv["scenario"])] += 1
        if label == "hostile":
            tables["sponsor"][(conv.get("sponsor", "unknown"),)] += 1
        for platform in {m["platform"] for m in conv["messages"]}:
            tables["platform"][(platform, label)] += 1
        for stage in conv["stages"]:
            tables["stage"][(stage, label)] += 1
        n = len(conv["messages"])
        bucket = "2-3" if n <= 3 else "4-6" if n <= 6 else "7-10" if n <= 10 else "11-20"
        tables["length"][(bucket, label)] += 1
    return tables


def _row(cells: list[object]) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def render(tables: dict[str, Counter]) -> str:
    out: list[str] = []
    out += ["Split by label:", "", _row(["split", "hostile", "benign", "total"]),
            _row(["---"] * 4)]
    for split in ("train", "test"):
        h, b = tables["split_label"][(split, "hostile")], tables["split_label"][(split, "benign")]
        out.append(_row([split, h, b, h + b]))
    out += ["", "Language by label and split:", "",
            _row(["lang", "hostile train", "hostile test", "benign train", "benign test",
                  "total"]), _row(["---"] * 6)]
    for lang in LANGS:
        cells = [tables["lang_label"][(lang, lab, sp)]
                 for lab in ("hostile", "benign") for sp in ("train", "test")]
        out.append(_row([lang, *cells, sum(cells)]))
    out += ["", "Scenario:", "", _row(["label", "scenario", "conversations"]), _row(["---"] * 3)]
    for (label, scenario), n in sorted(tables["scenario"].items()):
        out.append(_row([label, scenario, n]))
    out += ["", "Sponsor (hostile only):", "", _row(["sponsor", "conversations"]),
            _row(["---"] * 2)]
    for (sponsor,), n in sorted(tables["sponsor"].items()):
        out.append(_row([sponsor, n]))
    for name, title in (("platform", "Platform (conversations with at least one message on it)"),
                        ("stage", "Stage (conversations carrying it)"),
                        ("length", "Length in messages")):
        out += ["", f"{title}:", "", _row([name, "hostile", "benign"]), _row(["---"] * 3)]
        keys = sorted({k[0] for k in tables[name]})
        for key in keys:
            out.append(_row([key, tables[name][(key, "hostile")], tables[name][(key, "benign")]]))
    return "\n".join(out)


def main() -> int:
    print(render(compute(load())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
