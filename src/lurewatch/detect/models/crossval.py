"""Cross-validation of the whole scan decision on the training material (nothing else).

Each outer fold refits everything `lurewatch train` fits (the conversation text model, the
stage heads, the conversation scorer and its `medium`/`high` levels, each with its own inner
out-of-fold stacking) on the other folds, then scores the held-out conversations the way the
scanner does: rule and platform-shift findings, the heads' findings on messages they never
saw, the text model's probability, the funnel risk, and the decision `level != low`. SEConvo
and corpus conversations are scored again cut to their first five messages (issue 3's early
target).

Folds are stratified by source and label and repeated with fixed seeds; Fraud-R1 lures (extra
positives without a conversation label) always stay on the training side. Test splits are
never loaded: the material is `training_data.load_training_material`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.metrics import f1_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold

from lurewatch.detect.models.detector import ModelDetector
from lurewatch.detect.models.embed import Encoded, StaticEncoder
from lurewatch.detect.models.text_risk import TextRiskModel
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
from lurewatch.detect.models.training_data import TrainingConversation
from lurewatch.evaluate.metrics import expected_calibration_error
from lurewatch.model import Finding
from lurewatch.score.features import funnel_features

EARLY_MESSAGES = 5  # issue 3: the decision after the first five messages
EARLY_SOURCES = ("seconvo", "corpus")
_TEXT_CACHE_FORMAT = 2  # cached text fits carry their prefix probabilities
# the folds' detectors quote no examples (explanations are not scored)
_NO_EXAMPLES = Path("/nonexistent/stage_examples.json")


class MemoEncoder(StaticEncoder):
    """The static encoder with every text of the material encoded once: the folds refit
    models many times over the same messages."""

    def __init__(self, texts: list[str]) -> None:
        super().__init__()
        unique = sorted(set(texts))
        self._row = {t: k for k, t in enumerate(unique)}
        enc = super().encode(unique)
        self._dense = enc.dense
        self._bag = enc.tokens().tocsr()

    def encode(self, texts: list[str]) -> Encoded:
        if any(t not in self._row for t in texts):
            return super().encode(texts)
        rows = np.array([self._row[t] for t in texts], dtype=np.int64)
        bag = sparse.coo_matrix(self._bag[rows]) if rows.size else sparse.coo_matrix(
            (0, self.n_features))
        order = np.lexsort((bag.col, bag.row))
        return Encoded(self._dense[rows], bag.row[order].astype(np.int64),
                       bag.col[order].astype(np.int64), bag.data[order].astype(np.float32),
                       self.n_features)


@dataclass(slots=True)
class OutOfFold:
    """Per labelled conversation (material order of `labelled`), the held-out risks and
    decisions of every repeat."""

    labelled: list[int]  # indices into the material
    sources: list[str]
    y: np.ndarray
    risk: np.ndarray  # (repeats, n)
    flagged: np.ndarray  # (repeats, n) bool, level != low
    early_risk: np.ndarray  # (repeats, n), NaN where not scored (Enron)
    early_flagged: np.ndarray  # (repeats, n) bool
    levels: list[tuple[float, float]] = field(default_factory=list)
    # (repeat, position) -> the held-out conversation's funnel features (not for Enron)
    features: dict[tuple[int, int], dict[str, float]] = field(default_factory=dict)


def _quiet(_: str) -> None:
    return None


def _strata(material: list[TrainingConversation], labelled: list[int]) -> np.ndarray:
    return np.array([f"{material[i].source}:{material[i].hostile}" for i in labelled])


def _risk(bias: float, weights: dict[str, float], values: dict[str, float]) -> float:
    z = bias + sum(weights.get(k, 0.0) * v for k, v in values.items() if v)
    return float(1.0 / (1.0 + np.exp(-np.clip(z, -50, 50))))


def _scan_held_out(tc: TrainingConversation, prior: list[Finding], detector: ModelDetector,
                   text_fit_model: TextRiskModel, bias: float, weights: dict[str, float],
                   upto: int | None) -> tuple[float, dict[str, float]]:
    """The funnel risk of a held-out conversation (cut after message `upto` when given)."""
    from lurewatch.profile.review import review_profile

    conv = tc.conversation
    if upto is not None:
        conv = replace(conv, messages=conv.messages[: upto + 1])
        prior = [f for f in prior if f.message_index <= upto]
    idx, probs = detector.probabilities(conv)
    found = sorted(prior + detector.findings_from(conv, idx, probs, prior),
                   key=lambda f: (f.message_index, f.start, f.stage))
    profile = (review_profile(conv.counterpart, conv, []) if conv.counterpart is not None
               else None)
    values = funnel_features(found, conv.messages, profile, []).values
    if "text_risk" in values:
        enc = detector.encoder.encode([conv.messages[i].text for i in idx])
        scores = text_fit_model.message_scores(enc)
        values["text_risk"] = (float(text_fit_model.prefix_probabilities(scores)[-1])
                               if scores.size else 0.0)
    return _risk(bias, weights, values), values


def cross_validate(material: list[TrainingConversation], repeats: int = 2, folds: int = 5,
                   log: Callable[[str], None] = print, cache: dict | None = None
                   ) -> OutOfFold:
    """Out-of-fold risks and decisions. `cache` (a dict the caller keeps) holds each fold's
    text model and heads, so experiments on the conversation scorer alone refit only it."""
    if cache is not None and "encoder" in cache:
        encoder = cache["encoder"]
    else:
        encoder = MemoEncoder([m.text for tc in material for m in tc.conversation.messages
                               if m.sender == "counterpart" and m.text.strip()])
        if cache is not None:
            cache["encoder"] = encoder
    prior = first_pass_findings(material)
    labelled = [i for i, tc in enumerate(material) if tc.hostile is not None]
    extra = [i for i, tc in enumerate(material) if tc.hostile is None]
    y = np.array([material[i].hostile for i in labelled], dtype=int)
    strata = _strata(material, labelled)
    sources = [material[i].source for i in labelled]
    n = len(labelled)
    risk = np.full((repeats, n), np.nan)
    early = np.full((repeats, n), np.nan)
    flagged = np.zeros((repeats, n), dtype=bool)
    early_flagged = np.zeros((repeats, n), dtype=bool)
    levels: list[tuple[float, float]] = []
    held_out: dict[tuple[int, int], dict[str, float]] = {}
    for r in range(repeats):
        splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=r)
        for f, (train, test) in enumerate(splitter.split(np.zeros(n), strata)):
            chosen = sorted([labelled[k] for k in train] + extra)
            sub = [material[i] for i in chosen]
            sub_prior = [prior[i] for i in chosen]
            key = (r, f, len(chosen))
            text_key = (*key, "text", text_signature(), _TEXT_CACHE_FORMAT)
            if cache is not None and text_key in cache:
                text_fit = cache[text_key]
            else:
                text_fit = fit_text_model(sub, encoder, _quiet)
                if cache is not None:
                    cache[text_key] = text_fit
            if cache is not None and key in cache:
                table, heads, oof = cache[key][-3:]
            else:
                table = message_table(sub)
                heads, oof, _ = fit_heads(table, encoder, _quiet)
                if cache is not None:
                    cache[key] = (table, heads, oof)
            detector = ModelDetector(heads, encoder, examples=_NO_EXAMPLES)
            found = model_findings(sub, detector, table, oof, sub_prior)
            both = [p + q for p, q in zip(sub_prior, found, strict=True)]
            x, yy, w, src = conversation_matrix(sub, both, text_fit.oof)
            fit = fit_funnel(x, yy, w, src,
                             prefixes=prefix_matrix(sub, both, text_fit.oof_prefix))
            levels.append((fit.medium, fit.high))
            for k in test:
                i = labelled[k]
                tc = material[i]
                risk[r, k], values = _scan_held_out(tc, prior[i], detector, text_fit.model,
                                                    fit.bias, fit.weights, None)
                if tc.source != "enron":
                    held_out[(r, k)] = values
                flagged[r, k] = risk[r, k] >= fit.medium
                if tc.source in EARLY_SOURCES:
                    early[r, k], _ = _scan_held_out(tc, prior[i], detector, text_fit.model,
                                                 fit.bias, fit.weights, EARLY_MESSAGES - 1)
                    early_flagged[r, k] = early[r, k] >= fit.medium
            log(f"repeat {r} fold {f}: medium {fit.medium} high {fit.high}")
    return OutOfFold(labelled, sources, y, risk, flagged, early, early_flagged, levels,
                     held_out)


def summary(oof: OutOfFold) -> dict[str, float]:
    """Mean over repeats of the figures issue 3 targets, on the training material."""
    src = np.array(oof.sources)
    sec, cor, enr = src == "seconvo", src == "corpus", src == "enron"
    out: dict[str, list[float]] = {}

    def add(name: str, value: float) -> None:
        out.setdefault(name, []).append(float(value))

    for r in range(oof.risk.shape[0]):
        if len(set(oof.y[sec])) == 2:
            add("seconvo_macro_f1", f1_score(oof.y[sec], oof.flagged[r, sec],
                                             average="macro"))
            add("seconvo_first5_macro_f1", f1_score(oof.y[sec], oof.early_flagged[r, sec],
                                                    average="macro"))
            add("seconvo_auc", roc_auc_score(oof.y[sec], oof.risk[r, sec]))
            add("seconvo_first5_auc", roc_auc_score(oof.y[sec], oof.early_risk[r, sec]))
            add("seconvo_benign_flagged", oof.flagged[r, sec & (oof.y == 0)].mean())
            add("seconvo_hostile_recall", oof.flagged[r, sec & (oof.y == 1)].mean())
        if enr.any():
            add("enron_flagged", oof.flagged[r, enr].mean())
        if len(set(oof.y[cor])) == 2:
            add("corpus_auc", roc_auc_score(oof.y[cor], oof.risk[r, cor]))
            add("corpus_macro_f1", f1_score(oof.y[cor], oof.flagged[r, cor],
                                            average="macro"))
            add("corpus_first5_auc", roc_auc_score(oof.y[cor], oof.early_risk[r, cor]))
            add("corpus_first5_macro_f1", f1_score(oof.y[cor], oof.early_flagged[r, cor],
                                                   average="macro"))
            # calibration as the quality benchmark measures it on the held-out split
            add("corpus_ece", expected_calibration_error(oof.y[cor].tolist(),
                                                         oof.risk[r, cor].tolist()))
    return {k: round(float(np.mean(v)), 4) for k, v in out.items()}

