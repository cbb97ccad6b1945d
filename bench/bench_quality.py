"""Quality benchmark (issue 3's targets): the project's scanner beside a TF-IDF baseline.

    PYTHONPATH=src .venv/bin/python bench/bench_quality.py [--data ../shared/data]
        [--json bench/results/quality.json]

Sets, read from the shared data folder (never copied into the repository) and skipped with
a message when absent:

- SEConvo `annotated_test.json` (360 conversations): macro F1 whole and on the first 3, 5
  and 7 messages, ROC-AUC;
- Enron/AESLC e-mails, split `test` (1,906, all benign): share flagged (`level != "low"`)
  and share rated high;
- the project's own corpus, `data/corpus/*.jsonl`, split `test`: ROC-AUC, ECE, macro F1.

The reference row is a plain TF-IDF + logistic regression (scikit-learn defaults,
random_state=0) trained on SEConvo's training files alone (`annotated_train.json` +
`unannotated_train.json`, 140 conversations), flagging at probability >= 0.5. It has no
`high` level. Test splits are only measured here, never used to choose anything.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data"
PREFIXES = (3, 5, 7)


def _conversations(paths: list[Path], split: str | None) -> list[Any]:
    from lurewatch.evaluate.harness import EvalOptions, labelled_conversations

    tallies: list[Any] = []
    convs = list(labelled_conversations([str(p) for p in paths], EvalOptions(split=split),
                                        tallies))
    for t in tallies:
        for line in t.errors:
            print(f"error: {line}", file=sys.stderr)
    return convs


def _text(conv: Any, k: int | None = None) -> str:
    messages = conv.messages if k is None else conv.messages[:k]
    return "\n".join(m.text for m in messages)


class Baseline:
    """TF-IDF + logistic regression on SEConvo train only, scikit-learn defaults."""

    def __init__(self, train: list[Any]) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        self.vectorizer = TfidfVectorizer()
        features = self.vectorizer.fit_transform([_text(c) for c in train])
        labels = [int(c.label == "hostile") for c in train]
        self.model = LogisticRegression(random_state=0).fit(features, labels)

    def scores(self, convs: list[Any], k: int | None = None) -> list[float]:
        features = self.vectorizer.transform([_text(c, k) for c in convs])
        return [float(p) for p in self.model.predict_proba(features)[:, 1]]

    def summary(self, convs: list[Any], k: int | None = None) -> dict[str, Any]:
        from lurewatch.evaluate.metrics import binary_summary, expected_calibration_error

        y = [int(c.label == "hostile") for c in convs]
        scores = self.scores(convs, k)
        out = binary_summary(y, scores, [int(s >= 0.5) for s in scores])
        out["ece"] = expected_calibration_error(y, scores)
        return out


def _project(paths: list[Path], split: str | None, title: str) -> dict[str, Any]:
    from lurewatch.evaluate.harness import EvalOptions, run_evaluation

    started = time.perf_counter()
    result = run_evaluation([str(p) for p in paths], EvalOptions(split=split, title=title))
    elapsed = time.perf_counter() - started
    result.pop("conversations", None)
    result["seconds"] = round(elapsed, 2)
    return result


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


def _num(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def _with_interval(value: float | None, block: dict[str, Any], key: str,
                   k: int | None = None, pct: bool = False) -> str:
    """The figure with its 95% bootstrap interval, when the run computed one."""
    shown = _pct(value) if pct else _num(value)
    spread = block.get("uncertainty") or {}
    intervals = spread.get("overall") if k is None else spread.get("early", {}).get(str(k))
    iv = (intervals or {}).get(key)
    if not iv:
        return shown
    fmt = _pct if pct else _num
    return f"{shown} [{fmt(iv[0])}, {fmt(iv[1])}]"


def _row(name: str, target: str, project: str, baseline: str, met: bool | None) -> str:
    verdict = "–" if met is None else ("met" if met else "missed")
    return f"| {name} | {target} | {project} | {baseline} | {verdict} |"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--corpus", type=Path, default=REPO / "data" / "corpus",
                        help="folder of the project's labelled JSON Lines")
    parser.add_argument("--json", type=Path, default=REPO / "bench" / "results" / "quality.json")
    args = parser.parse_args()

    seconvo = args.data / "seconvo"
    seconvo_train = [seconvo / "annotated_train.json", seconvo / "unannotated_train.json"]
    seconvo_test = seconvo / "annotated_test.json"
    enron = args.data / "enron_aeslc" / "aeslc_enron_emails.jsonl"
    corpus = sorted(args.corpus.glob("*.jsonl"))

    if not all(p.exists() for p in [*seconvo_train, seconvo_test]):
        print(f"skipped: SEConvo not found under {seconvo} (the data sets live outside the "
              "repository; pass --data)")
        return 0

    from lurewatch.pipeline import Scanner, tool_info

    baseline = Baseline(_conversations(seconvo_train, None))
    results: dict[str, Any] = {
        "schema": "lurewatch.bench-quality/1",
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "command": "PYTHONPATH=src .venv/bin/python bench/bench_quality.py",
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
        "tool": tool_info(Scanner()),
        "baseline": "TfidfVectorizer() + LogisticRegression(random_state=0), trained on "
                    "SEConvo annotated_train + unannotated_train; flagged at p >= 0.5",
        "sets": {},
    }
    sets = results["sets"]

    test_convs = _conversations([seconvo_test], None)
    sets["seconvo_test"] = {
        "project": _project([seconvo_test], None, "SEConvo test"),
        "baseline": {"overall": baseline.summary(test_convs),
                     "early": {str(k): baseline.summary(test_convs, k) for k in PREFIXES}},
    }
    if enron.exists():
        enron_convs = _conversations([enron], "test")
        sets["enron_test"] = {
            "project": _project([enron], "test", "Enron test"),
            "baseline": {"overall": baseline.summary(enron_convs)},
        }
    else:
        print(f"skipped Enron: {enron} not found")
    if corpus:
        corpus_convs = _conversations(corpus, "test")
        sets["corpus_test"] = {
            "project": _project(corpus, "test", "own corpus test"),
            "baseline": {"overall": baseline.summary(corpus_convs)},
        }
    else:
        print(f"skipped own corpus: no *.jsonl in {args.corpus}")

    print(markdown_table(results))
    for name, key in (("seconvo_test", "scenario"), ("corpus_test", "lang"),
                      ("corpus_test", "scenario")):
        if name in sets:
            print(f"\n{name}, by {key}:\n")
            print(breakdown_table(sets[name]["project"]["breakdowns"][key]))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n",
                         encoding="utf-8")
    print(f"\nwrote {args.json}")
    return 0


def markdown_table(results: dict[str, Any]) -> str:
    sets = results["sets"]
    lines = ["| measure | target | lurewatch | TF-IDF baseline | |", "|---|---|---|---|---|"]
    s = sets.get("seconvo_test")
    if s:
        p, b = s["project"], s["baseline"]
        f1 = p["overall"]["macro_f1"]
        lines.append(_row("SEConvo test, macro F1", ">= 0.92",
                          _with_interval(f1, p, "macro_f1"),
                          _num(b["overall"]["macro_f1"]), f1 is not None and f1 >= 0.92))
        for k in PREFIXES:
            fk = p["early"][str(k)]["macro_f1"]
            target = ">= 0.88" if k == 5 else ""
            met = (fk is not None and fk >= 0.88) if k == 5 else None
            lines.append(_row(f"SEConvo test, first {k} messages, macro F1", target,
                              _with_interval(fk, p, "macro_f1", k),
                              _num(b["early"][str(k)]["macro_f1"]), met))
        lines.append(_row("SEConvo test, ROC-AUC", "",
                          _with_interval(p["overall"]["roc_auc"], p, "roc_auc"),
                          _num(b["overall"]["roc_auc"]), None))
        lines.append(_row("SEConvo test, malicious-class F1", "",
                          _num(p["overall"]["malicious_f1"]),
                          _num(b["overall"]["malicious_f1"]), None))
    e = sets.get("enron_test")
    if e:
        p, b = e["project"]["overall"], e["baseline"]["overall"]
        lines.append(_row(f"Enron test e-mails ({p['n']:,}, benign) with level != low",
                          "<= 2%", _with_interval(p["flagged_rate"], e["project"],
                                                  "flagged_rate", pct=True),
                          _pct(b["flagged_rate"]),
                          p["flagged_rate"] is not None and p["flagged_rate"] <= 0.02))
        lines.append(_row("Enron test e-mails rated high", "<= 0.5%", _pct(p["high_rate"]),
                          "n/a", p["high_rate"] is not None and p["high_rate"] <= 0.005))
    c = sets.get("corpus_test")
    if c:
        p, b = c["project"], c["baseline"]["overall"]
        auc, ece = p["overall"]["roc_auc"], p["calibration"]["ece"]
        n = p["overall"]["n"]
        lines.append(_row(f"own held-out split ({n} conversations), ROC-AUC", ">= 0.97",
                          _with_interval(auc, p, "roc_auc"), _num(b["roc_auc"]),
                          auc is not None and auc >= 0.97))
        lines.append(_row("own held-out split, ECE (10 bins)", "<= 0.05",
                          _with_interval(ece, p, "ece"), _num(b["ece"]),
                          ece is not None and ece <= 0.05))
        noise = (p.get("uncertainty") or {}).get("calibration_noise") or {}
        if noise.get("median") is not None:
            lines.append(_row("own held-out split, ECE a perfectly calibrated scorer would "
                              "show on these risks (median, 95th percentile; share of draws "
                              ">= observed)", "",
                              f"{_num(noise['median'])}, {_num(noise['p95'])}; "
                              f"{_num(noise['p_value'])}", "", None))
        lines.append(_row("own held-out split, macro F1", "",
                          _with_interval(p["overall"]["macro_f1"], p, "macro_f1"),
                          _num(b["macro_f1"]), None))
    return "\n".join(lines)


def breakdown_table(groups: dict[str, dict[str, Any]]) -> str:
    lines = ["| group | n | hostile | ROC-AUC | macro F1 | flagged |", "|---|---|---|---|---|---|"]
    for name, b in groups.items():
        lines.append(f"| {name} | {b['n']} | {b['hostile']} | {_num(b['roc_auc'])} | "
                     f"{_num(b['macro_f1'])} | {_pct(b['flagged_rate'])} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.path.insert(0, str(REPO / "src"))
    raise SystemExit(main())
