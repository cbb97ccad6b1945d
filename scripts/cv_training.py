"""Cross-validate the whole scan decision on the training material and record the figures.

Every fold refits the text model, the stage heads and the conversation scorer (levels
included) on the other folds and scores the held-out conversations as `lurewatch scan` does
(`lurewatch.detect.models.crossval`). Test splits are never read. About 15 minutes a repeat
on two cores; `--cache FILE` keeps each fold's fits between runs (settings are part of the
key), so a change to the scorer alone costs minutes.

    PYTHONPATH=src .venv/bin/python scripts/cv_training.py --repeats 1 --label after \
        [--report src/lurewatch/detect/models/training_report.json]

With `--report`, the figures are written under `scan_cv.<label>` of that training report
(with the date, the command and the text model's settings), and `lurewatch train` keeps that
block while the settings stay the same.
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
from datetime import UTC, datetime
from pathlib import Path

from lurewatch.detect.models import training
from lurewatch.detect.models.crossval import cross_validate, summary
from lurewatch.detect.models.training_data import load_training_material

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT / "data/corpus")
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared/data")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--cache", type=Path, default=None)
    parser.add_argument("--label", default="current")
    parser.add_argument("--report", type=Path, default=None)
    parser.add_argument("--prefix-weight", type=float, default=None,
                        help="override training.PREFIX_WEIGHT (the scorer's prefix rows)")
    args = parser.parse_args()
    if not args.data.is_dir():
        print(f"error: {args.data}: shared data not found", file=sys.stderr)
        raise SystemExit(2)
    if args.prefix_weight is not None:
        training.PREFIX_WEIGHT = args.prefix_weight
    material = load_training_material(args.corpus, args.data)
    cache: dict = {}
    if args.cache is not None and args.cache.exists():
        cache = pickle.loads(args.cache.read_bytes())
    before = len(cache)
    oof = cross_validate(material, repeats=args.repeats, cache=cache)
    if args.cache is not None and len(cache) > before:
        args.cache.write_bytes(pickle.dumps(cache))
    figures = summary(oof)
    print(json.dumps(figures, indent=1))
    if args.report is not None:
        report = json.loads(args.report.read_text("utf-8"))
        block = report.setdefault("scan_cv", {})
        block[args.label] = {
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "command": "PYTHONPATH=src .venv/bin/python scripts/cv_training.py "
                       f"--repeats {args.repeats} --label {args.label}",
            "folds": f"stratified 5-fold by source and label, {args.repeats} repeat(s)",
            "text_settings": list(training.text_signature()),
            "prefix_weight": training.PREFIX_WEIGHT,
            **figures,
        }
        args.report.write_text(json.dumps(report, indent=1, sort_keys=True) + "\n", "utf-8")


if __name__ == "__main__":
    main()
