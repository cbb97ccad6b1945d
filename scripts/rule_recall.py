"""Message-level recall and precision of the RULES ALONE (rule packs + platform-shift detector,
no learned model) on the project corpus's TRAIN split, for one language.

    cd /work/main && PYTHONPATH=src .venv/bin/python scripts/rule_recall.py fr [--misses STAGE]

Never reads the test split. --misses STAGE prints the train-split messages labelled STAGE that
no rule catches (and --false STAGE those a rule marks STAGE without the label), so you can see
which phrasings the pack lacks. --enron N also counts, per stage, the rule findings on the
first N Enron `train` e-mails (real, benign business mail: every finding there is one a
genuine sender triggers; --enron-show STAGE prints them).
"""
from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from lurewatch.extract.indicators import extract_indicators
from lurewatch.ingest.base import ReadContext
from lurewatch.ingest.inputs import expand_inputs, read_unit
from lurewatch.pipeline import Scanner, ScanOptions

parser = argparse.ArgumentParser()
parser.add_argument("lang")
parser.add_argument("--misses")
parser.add_argument("--false")
parser.add_argument("--enron", type=int, default=0)
parser.add_argument("--enron-show")
parser.add_argument("--data", type=Path, default=Path("../shared/data"))
args = parser.parse_args()

scanner = Scanner(ScanOptions(deep=0))


def first_pass(conv):
    """The rule and platform-shift findings of one conversation, as the scanner's first pass."""
    indicators = extract_indicators(conv)
    return [f for det in scanner.detectors for f in det.detect(conv, indicators)]


labels_by_id = {}
for f in sorted(Path("data/corpus").glob("*.jsonl")):
    for line in f.read_text("utf-8").splitlines():
        c = json.loads(line)
        if c["split"] == "train" and c["lang"] == args.lang:
            labels_by_id[c["id"]] = c

tp, fp, fn = Counter(), Counter(), Counter()
for unit in expand_inputs([str(p) for p in sorted(Path("data/corpus").glob("*.jsonl"))], None):
    for conv in read_unit(unit, ReadContext(path=unit.display)):
        raw = labels_by_id.get(conv.id)
        if raw is None:
            continue
        by_msg = {}
        for fnd in first_pass(conv):
            by_msg.setdefault(fnd.message_index, set()).add(fnd.stage)
        for i, m in enumerate(raw["messages"]):
            gold = set(m.get("stages") or [])
            pred = by_msg.get(i, set())
            for s in gold & pred:
                tp[s] += 1
            for s in pred - gold:
                fp[s] += 1
                if args.false == s:
                    print(f"FALSE {conv.id} [{raw['label']}] msg {i}: {m['text'][:300]}")
            for s in gold - pred:
                fn[s] += 1
                if args.misses == s:
                    print(f"MISS {conv.id} [{raw['label']}] msg {i}: {m['text'][:300]}")

print(f"{'stage':24s} labelled  caught  recall  false_hits")
for s in sorted(set(tp) | set(fn) | set(fp)):
    lab = tp[s] + fn[s]
    print(f"{s:24s} {lab:8d} {tp[s]:7d} {tp[s]/lab if lab else 0:7.2f} {fp[s]:10d}")

if args.enron:
    from itertools import islice

    from lurewatch.detect.models.training_data import enron_conversations

    hits: Counter = Counter()
    mails = list(islice(enron_conversations(args.data / "enron_aeslc"), args.enron))
    for tc in mails:
        stages = set()
        for fnd in first_pass(tc.conversation):
            stages.add(fnd.stage)
            if args.enron_show == fnd.stage:
                print(f"ENRON {tc.conversation.id} [{fnd.explanation.rule_id}] {fnd.evidence!r}")
        hits.update(stages)
    print(f"\nEnron train e-mails with a finding, per stage (of {len(mails)}):")
    for s_name, count in sorted(hits.items()):
        print(f"{s_name:24s} {count:6d} {count / max(len(mails), 1):8.2%}")
