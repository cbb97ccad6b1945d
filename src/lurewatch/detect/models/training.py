"""Fitting the stage heads and the conversation scorer, deterministically.

Heads: one logistic regression per stage (liblinear, fixed C, balanced classes) on the messages
whose label for that stage the source can give; Platt scaling fitted on grouped 5-fold
out-of-fold scores (folds by conversation, so no conversation is on both sides); the reporting
threshold is the one that maximises F1 on those out-of-fold probabilities.

Conversation text model (`text_risk`): logistic regression over the mean of the counterpart
messages' features, on every labelled conversation (the corpus, SEConvo, Enron mail as benign)
plus Fraud-R1 lures as extra positives; Platt scaling on grouped out-of-fold scores. Its
out-of-fold probability is the `text_risk` feature of the conversation scorer (stacking), so
the scorer learns how far to trust it on text it has not seen.

Conversation scorer: the funnel features of `score.features`, computed from the rule findings
plus the heads' out-of-fold findings (so it learns how much to trust a head as it behaves on
unseen text), and `text_risk`, fitted by logistic regression; Platt scaling on grouped
out-of-fold scores is folded into the weights, so the shipped file keeps the `weights.yaml`
format.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, roc_auc_score
from sklearn.model_selection import GroupKFold

from lurewatch.detect.models.detector import ModelDetector
from lurewatch.detect.models.embed import StaticEncoder
from lurewatch.detect.models.heads import StageHeads
from lurewatch.detect.models.signed_logistic import fit_signed_logistic, load_signs
from lurewatch.detect.models.text_risk import TEXT_FEATURE, TextRiskModel
from lurewatch.detect.models.training_data import TrainingConversation
from lurewatch.evaluate.metrics import ece_of_arrays
from lurewatch.model import STAGES, Finding
from lurewatch.score.features import FEATURE_NAMES, funnel_features

MIN_POSITIVES = 10  # a stage with fewer labelled positive messages gets no head
# the conversation scorer keeps the signs of feature_signs.yaml (chosen by scan-level CV,
# docs/scoring.md)
SIGNED_SCORER = True
HEAD_C = 4.0  # chosen by grouped CV over {1, 4}: higher CV AUC and F1 on 10 of 12 heads
DENSE_WEIGHT = 1.0
FOLDS = 5
THRESHOLD_GRID = tuple(round(float(x), 2) for x in np.arange(0.15, 0.91, 0.05))
SOURCE_WEIGHT = {"corpus": 2.0, "seconvo": 1.0}  # Enron: spread over the same total as SEConvo
# Text model, chosen by grouped 5-fold CV on the training material (conversation AUC per
# source, then the stacked scorer's AUC and ECE): C over {1, 4, 16, 64}, the embedding's
# weight beside the bag over {0, 0.1, 0.3, 1, 3}, Fraud-R1 weight over {0, 0.2}; the bag
# carries the signal, the small embedding weight costs nothing and helps unseen wording.
TEXT_C = 64.0
TEXT_DENSE_WEIGHT = 0.1
FRAUD_WEIGHT = 0.2
# SEConvo's weight in the text model (the scorer keeps SOURCE_WEIGHT): screened over
# {1, 3, 4, 6} on the text model's own out-of-fold AUC (stratified 5-fold, 2 repeats: 3 lifts
# SEConvo 0.848 -> 0.859, its first five messages 0.752 -> 0.778, for 0.007 of the corpus's),
# then 1 against 3 on the whole scan decision (crossval.py; docs/evaluation.md).
TEXT_SECONVO_WEIGHT = 3.0
# Prefix rows: the conversation scorer also learns from each labelled conversation cut after
# its 3rd, 5th and 7th message (where it is longer), labelled as the whole conversation: a
# person checks a conversation mid-way, before replying, so the risk of a prefix should be
# the chance that the conversation it begins is hostile. A conversation's cuts share
# PREFIX_WEIGHT times its own weight; 0 turns them off.
PREFIX_CUTS = (3, 5, 7)
PREFIX_WEIGHT = 0.0


def text_signature() -> tuple[float, ...]:
    """The text model's settings (what a cached fit depends on)."""
    return (TEXT_C, TEXT_DENSE_WEIGHT, FRAUD_WEIGHT, TEXT_SECONVO_WEIGHT)


@dataclass(slots=True)
class MessageTable:
    texts: list[str]
    labels: np.ndarray  # (n, S) with -1 where unknown
    groups: np.ndarray  # conversation number
    conv: np.ndarray  # index into the material list
    msg: np.ndarray  # message index within the conversation


def message_table(material: list[TrainingConversation]) -> MessageTable:
    texts, labels, groups, conv, msg = [], [], [], [], []
    for c_no, tc in enumerate(material):
        if not tc.for_heads:
            continue
        for i, known in sorted(tc.message_labels.items()):
            text = tc.conversation.messages[i].text
            if not text.strip():
                continue
            row = [-1] * len(STAGES)
            for stage, value in known.items():
                row[STAGES.index(stage)] = value
            texts.append(text)
            labels.append(row)
            groups.append(c_no)
            conv.append(c_no)
            msg.append(i)
    return MessageTable(texts, np.array(labels, dtype=np.int8).reshape(-1, len(STAGES)),
                        np.array(groups), np.array(conv), np.array(msg))


def _lr(c: float) -> LogisticRegression:
    return LogisticRegression(C=c, solver="liblinear", class_weight="balanced",
                              max_iter=2000, random_state=0)


def _platt(scores: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    model = LogisticRegression(C=1e4, solver="lbfgs", max_iter=1000)
    model.fit(scores.reshape(-1, 1), y)
    return float(model.coef_[0, 0]), float(model.intercept_[0])


def _best_threshold(probs: np.ndarray, y: np.ndarray) -> float:
    best, best_f1 = THRESHOLD_GRID[0], -1.0
    for t in THRESHOLD_GRID:
        f1 = f1_score(y, probs >= t, zero_division=0.0)
        if f1 > best_f1 + 1e-12:
            best, best_f1 = t, f1
    return float(best)


def fit_heads(table: MessageTable, encoder: StaticEncoder, log: Callable[[str], None] = print
              ) -> tuple[StageHeads, np.ndarray, dict[str, dict[str, float]]]:
    """The fitted heads, out-of-fold probabilities (n, H) and per-head CV figures."""
    enc = encoder.encode(table.texts)
    x = enc.matrix(DENSE_WEIGHT)
    stages = tuple(s for k, s in enumerate(STAGES) if (table.labels[:, k] == 1).sum()
                   >= MIN_POSITIVES and (table.labels[:, k] == 0).sum() >= MIN_POSITIVES)
    h = len(stages)
    w_dense = np.zeros((encoder.dims, h))
    w_bag = np.zeros((encoder.n_features, h))
    intercept, platt_a, platt_b, thresholds = (np.zeros(h) for _ in range(4))
    oof = np.full((len(table.texts), h), np.nan)
    report: dict[str, dict[str, float]] = {}
    for j, stage in enumerate(stages):
        k = STAGES.index(stage)
        rows = np.flatnonzero(table.labels[:, k] >= 0)
        y = table.labels[rows, k].astype(int)
        scores = np.zeros(rows.size)
        for train, test in GroupKFold(n_splits=FOLDS).split(rows, y, table.groups[rows]):
            model = _lr(HEAD_C).fit(x[rows[train]], y[train])
            scores[test] = model.decision_function(x[rows[test]])
        a, b = _platt(scores, y)
        probs = 1.0 / (1.0 + np.exp(-(a * scores + b)))
        oof[rows, j] = probs
        thresholds[j] = _best_threshold(probs, y)
        model = _lr(HEAD_C).fit(x[rows], y)
        w_dense[:, j] = model.coef_[0, : encoder.dims]
        w_bag[:, j] = model.coef_[0, encoder.dims:]
        intercept[j], platt_a[j], platt_b[j] = model.intercept_[0], a, b
        report[stage] = {
            "positives": int(y.sum()), "labelled": int(y.size),
            "cv_auc": round(float(roc_auc_score(y, scores)), 4),
            "cv_f1": round(float(f1_score(y, probs >= thresholds[j])), 4),
            "threshold": float(thresholds[j]),
        }
        log(f"head {stage}: {report[stage]}")
    heads = StageHeads(stages, DENSE_WEIGHT, w_dense, w_bag, intercept, platt_a, platt_b,
                       thresholds)
    return heads, oof, report


def first_pass_findings(material: list[TrainingConversation]) -> list[list[Finding]]:
    """Rule and platform-shift findings for every conversation (the scanner's first pass)."""
    from lurewatch.detect.rules.engine import RuleDetector
    from lurewatch.detect.rules.loader import load_packs
    from lurewatch.detect.shift import PlatformShiftDetector

    detectors = [RuleDetector(load_packs([])), PlatformShiftDetector()]
    out = []
    for tc in material:
        found: list[Finding] = []
        for d in detectors:
            found.extend(d.detect(tc.conversation, []))
        out.append(found)
    return out


def model_findings(material: list[TrainingConversation], detector: ModelDetector,
                   table: MessageTable, oof: np.ndarray, prior: list[list[Finding]]
                   ) -> list[list[Finding]]:
    """The heads' findings per conversation: out-of-fold where the message trained a head."""
    pairs = zip(table.conv, table.msg, strict=True)
    oof_at = {(int(c), int(m)): r for r, (c, m) in enumerate(pairs)}
    out = []
    for c_no, tc in enumerate(material):
        if tc.hostile is None:
            out.append([])
            continue
        idx, probs = detector.probabilities(tc.conversation)
        for row, i in enumerate(idx):
            r = oof_at.get((c_no, i))
            if r is not None:
                known = ~np.isnan(oof[r])
                probs[row, known] = oof[r, known]
        out.append(detector.findings_from(tc.conversation, idx, probs, prior[c_no]))
    return out


def source_weights(material: list[TrainingConversation]) -> dict[str, float]:
    """Per-conversation weight by source: the corpus counts double, each SEConvo conversation
    once, and all Enron mail together as much as SEConvo (so 14,000 e-mails do not drown 140
    conversations)."""
    n_enron = sum(1 for tc in material if tc.source == "enron")
    n_seconvo = sum(1 for tc in material if tc.source == "seconvo")
    return {**SOURCE_WEIGHT, "enron": max(n_seconvo, 1) / max(n_enron, 1),
            "fraud-r1": FRAUD_WEIGHT}


def _counterpart_indices(tc: TrainingConversation) -> list[int]:
    """The messages the text model reads: the counterpart's, with text."""
    return [i for i, m in enumerate(tc.conversation.messages)
            if m.sender == "counterpart" and m.text.strip()]


def _counterpart_texts(tc: TrainingConversation) -> list[str]:
    return [tc.conversation.messages[i].text for i in _counterpart_indices(tc)]


@dataclass(slots=True)
class TextFit:
    model: TextRiskModel
    oof: np.ndarray  # out-of-fold probability of each labelled conversation, material order
    report: dict[str, float]
    # per labelled conversation, the out-of-fold probability after each counterpart message
    # (the running mean the scanner scores prefixes with); the last equals `oof`
    oof_prefix: list[np.ndarray]


def fit_text_model(material: list[TrainingConversation], encoder: StaticEncoder,
                   log: Callable[[str], None] = print) -> TextFit:
    """The conversation text model and its out-of-fold probabilities (same folds as the
    conversation scorer's)."""
    labelled = [tc for tc in material if tc.hostile is not None]
    extra = [tc for tc in material if tc.hostile is None and tc.source == "fraud-r1"]
    convs = labelled + extra
    texts: list[str] = []
    owner: list[int] = []
    for k, tc in enumerate(convs):
        for text in _counterpart_texts(tc):
            texts.append(text)
            owner.append(k)
    owners = np.array(owner, dtype=np.int64)
    x_msg = encoder.encode(texts).matrix(TEXT_DENSE_WEIGHT)
    counts = np.bincount(owners, minlength=len(convs))
    mean = sparse.csr_matrix((1.0 / counts[owners], (owners, np.arange(len(texts)))),
                             shape=(len(convs), len(texts)))
    x = (mean @ x_msg).tocsr()  # a conversation without counterpart text is a zero row
    weight_of = {**source_weights(material), "seconvo": TEXT_SECONVO_WEIGHT}
    w = np.array([weight_of.get(tc.source, 1.0) for tc in convs])
    y = np.array([tc.hostile if tc.hostile is not None else 1 for tc in convs])
    n = len(labelled)
    scores = np.zeros(n)
    message_scores = np.zeros(len(texts))  # each held-out message's score, intercept included
    for train, test in GroupKFold(n_splits=FOLDS).split(np.zeros(n), y[:n], np.arange(n)):
        train = np.r_[train, np.arange(n, len(convs))]  # the extra positives always train
        model = _text_lr().fit(x[train], y[train], sample_weight=w[train])
        scores[test] = model.decision_function(x[test])
        held = np.isin(owners, test)
        message_scores[held] = model.decision_function(x_msg[held])
    platt = LogisticRegression(C=1e4, solver="lbfgs", max_iter=1000)
    platt.fit(scores.reshape(-1, 1), y[:n], sample_weight=w[:n])
    a, b = float(platt.coef_[0, 0]), float(platt.intercept_[0])
    oof = 1.0 / (1.0 + np.exp(-(a * scores + b)))
    starts = np.r_[0, np.cumsum(counts)]
    oof_prefix = []
    for k in range(n):
        own = message_scores[starts[k]:starts[k + 1]]
        means = np.cumsum(own) / np.arange(1, own.size + 1)
        oof_prefix.append(1.0 / (1.0 + np.exp(-(a * means + b))))
    final = _text_lr().fit(x, y, sample_weight=w)
    coef = final.coef_[0]
    model = TextRiskModel(TEXT_DENSE_WEIGHT, coef[:encoder.dims].copy(),
                          coef[encoder.dims:].copy(), float(final.intercept_[0]), a, b)
    report = _per_source(oof, y[:n], w[:n], [tc.source for tc in labelled], 0.5)
    log(f"conversation text model (cross-validated): {report}")
    return TextFit(model, oof, report, oof_prefix)


def _text_lr() -> LogisticRegression:
    return LogisticRegression(C=TEXT_C, solver="liblinear", max_iter=5000, random_state=0)


def _per_source(risk: np.ndarray, y: np.ndarray, w: np.ndarray, sources: list[str],
                medium: float) -> dict[str, float]:
    src = np.array(sources)
    labelled = src != "enron"
    report = {"cv_ece": round(ece_of_arrays(y, risk, weights=w), 4)}
    if len(set(y[labelled])) == 2:
        report["cv_auc_labelled"] = round(float(roc_auc_score(y[labelled], risk[labelled])), 4)
        report["cv_macro_f1_labelled"] = round(float(f1_score(
            y[labelled], risk[labelled] >= medium, average="macro")), 4)
    if (src == "enron").any():
        report["cv_enron_flagged"] = round(float((risk[src == "enron"] >= medium).mean()), 5)
    for name in ("corpus", "seconvo"):
        m = src == name
        if m.any() and len(set(y[m])) == 2:
            report[f"cv_auc_{name}"] = round(float(roc_auc_score(y[m], risk[m])), 4)
            report[f"cv_macro_f1_{name}"] = round(float(f1_score(
                y[m], risk[m] >= medium, average="macro")), 4)
            report[f"cv_ece_{name}"] = round(ece_of_arrays(y[m], risk[m]), 4)
    return report


def conversation_matrix(material: list[TrainingConversation], findings: list[list[Finding]],
                        text_risk: np.ndarray | None = None
                        ) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """Funnel features of every labelled conversation; `text_risk` (one value per labelled
    conversation, material order) fills the text model's feature."""
    from lurewatch.profile.review import review_profile

    rows, ys, weights, sources = [], [], [], []
    weight_of = source_weights(material)
    for tc, found in zip(material, findings, strict=True):
        if tc.hostile is None:
            continue
        conv = tc.conversation
        profile = (review_profile(conv.counterpart, conv, [])
                   if conv.counterpart is not None else None)
        found = sorted(found, key=lambda f: (f.message_index, f.start, f.stage))
        values = funnel_features(found, conv.messages, profile, []).values
        if text_risk is not None:
            values[TEXT_FEATURE] = float(text_risk[len(rows)])
        rows.append([values[name] for name in FEATURE_NAMES])
        ys.append(tc.hostile)
        weights.append(weight_of[tc.source])
        sources.append(tc.source)
    return np.array(rows), np.array(ys), np.array(weights), sources


@dataclass(slots=True)
class PrefixRows:
    """Funnel features of labelled conversations cut after `PREFIX_CUTS` messages."""

    x: np.ndarray
    y: np.ndarray
    w: np.ndarray
    owner: np.ndarray  # the whole conversation's row in `conversation_matrix`


def prefix_matrix(material: list[TrainingConversation], findings: list[list[Finding]],
                  text_prefix: list[np.ndarray], cuts: tuple[int, ...] = PREFIX_CUTS,
                  weight: float | None = None) -> PrefixRows:
    """Rows for each labelled conversation cut after each of `cuts` messages (where it is
    longer), read as the scanner reads a prefix; `text_prefix` is `TextFit.oof_prefix`."""
    from lurewatch.profile.review import review_profile

    share = PREFIX_WEIGHT if weight is None else weight
    weight_of = source_weights(material)
    rows, ys, weights, owners = [], [], [], []
    row = -1
    for tc, found in zip(material, findings, strict=True):
        if tc.hostile is None:
            continue
        row += 1
        conv = tc.conversation
        usable = [c for c in cuts if c < len(conv.messages)]
        if share <= 0 or not usable:
            continue
        found = sorted(found, key=lambda f: (f.message_index, f.start, f.stage))
        spoken = _counterpart_indices(tc)
        for cut in usable:
            part = replace(conv, messages=conv.messages[:cut])
            profile = (review_profile(conv.counterpart, part, [])
                       if conv.counterpart is not None else None)
            values = funnel_features(found, part.messages, profile, [], upto=cut - 1).values
            said = sum(1 for i in spoken if i < cut)
            values[TEXT_FEATURE] = float(text_prefix[row][said - 1]) if said else 0.0
            rows.append([values[name] for name in FEATURE_NAMES])
            ys.append(tc.hostile)
            weights.append(weight_of[tc.source] * share / len(usable))
            owners.append(row)
    return PrefixRows(np.array(rows).reshape(-1, len(FEATURE_NAMES)), np.array(ys, dtype=int),
                      np.array(weights), np.array(owners, dtype=np.int64))


@dataclass(slots=True)
class FunnelFit:
    bias: float
    weights: dict[str, float]
    medium: float
    high: float
    oof_risk: np.ndarray
    report: dict[str, float]


def _fit_scorer(x: np.ndarray, y: np.ndarray, w: np.ndarray, c: float,
                signs: list[str] | None) -> tuple[np.ndarray, float]:
    if signs is None:
        model = LogisticRegression(C=c, solver="lbfgs", max_iter=5000)
        model.fit(x, y, sample_weight=w)
        return model.coef_[0], float(model.intercept_[0])
    return fit_signed_logistic(x, y, w, c, signs)


def fit_funnel(x: np.ndarray, y: np.ndarray, w: np.ndarray, sources: list[str],
               c: float = 1.0, signed: bool | None = None,
               prefixes: PrefixRows | None = None) -> FunnelFit:
    """The conversation scorer: logistic regression over the funnel features, each weight
    kept to the sign `feature_signs.yaml` gives it (`signed`, default `SIGNED_SCORER`).
    `prefixes` add rows for cut conversations: they train and calibrate the scorer and follow
    their conversation's fold; the levels and the report read the whole conversations."""
    signs = load_signs(FEATURE_NAMES) if (SIGNED_SCORER if signed is None else signed) else None
    n = len(y)
    if prefixes is not None and prefixes.y.size:
        x_all = np.vstack([x, prefixes.x])
        y_all, w_all = np.r_[y, prefixes.y], np.r_[w, prefixes.w]
        owner = np.r_[np.arange(n), prefixes.owner]
    else:
        x_all, y_all, w_all, owner = x, y, w, np.arange(n)
    scores = np.zeros(len(y_all))
    for train, test in GroupKFold(n_splits=FOLDS).split(x, y, np.arange(n)):
        fit_rows, score_rows = np.isin(owner, train), np.isin(owner, test)
        coef, intercept = _fit_scorer(x_all[fit_rows], y_all[fit_rows], w_all[fit_rows], c,
                                      signs)
        scores[score_rows] = x_all[score_rows] @ coef + intercept
    platt = LogisticRegression(C=1e4, solver="lbfgs", max_iter=1000)
    platt.fit(scores.reshape(-1, 1), y_all, sample_weight=w_all)
    a, b = float(platt.coef_[0, 0]), float(platt.intercept_[0])
    oof_risk = 1.0 / (1.0 + np.exp(-(a * scores[:n] + b)))
    coef, intercept = _fit_scorer(x_all, y_all, w_all, c, signs)
    weights = {name: round(float(a * coef[k]), 6) for k, name in enumerate(FEATURE_NAMES)}
    bias = round(float(a * intercept + b), 6)
    medium, high = choose_levels(oof_risk, y, sources)
    src = np.array(sources)
    report = _per_source(oof_risk, y, w, sources, medium)
    if (src == "enron").any():
        report["cv_enron_high"] = round(float((oof_risk[src == "enron"] >= high).mean()), 5)
    labelled_high = (src != "enron") & (oof_risk >= high)
    if labelled_high.any():
        report["cv_precision_high_labelled"] = round(float(y[labelled_high].mean()), 4)
    return FunnelFit(bias, weights, medium, high, oof_risk, report)


def choose_levels(risk: np.ndarray, y: np.ndarray, sources: list[str]) -> tuple[float, float]:
    """Medium: the threshold with the best macro F1 on the labelled conversations among those
    that flag at most 1% of the Enron training mail; high: the lowest threshold above medium
    that rates at most 0.25% of Enron high and is at least 90% precise on the labelled ones."""
    src = np.array(sources)
    enron, labelled = src == "enron", src != "enron"
    grid = [round(t, 2) for t in np.arange(0.2, 0.96, 0.01)]
    medium, best = 0.5, -1.0
    for t in grid:
        if enron.any() and (risk[enron] >= t).mean() > 0.01:
            continue
        f1 = f1_score(y[labelled], risk[labelled] >= t, average="macro")
        if f1 > best + 1e-12:
            medium, best = t, f1
    high = min(0.95, round(medium + 0.2, 2))
    for t in grid:
        if t < medium + 0.1:
            continue
        flagged = risk[labelled] >= t
        precise = flagged.any() and y[labelled][flagged].mean() >= 0.9
        if precise and (not enron.any() or (risk[enron] >= t).mean() <= 0.0025):
            high = t
            break
    return float(medium), float(high)
