"""Text representations for the stage heads, all from one tokenisation pass.

- a static sentence embedding: the mean of the committed model2vec token vectors (distilled
  once from all-MiniLM-L6-v2 by `scripts/distill_static.py`), L2-normalised;
- hashed token unigrams and bigrams from the same word-piece tokenizer. Chinese text comes out
  of that tokenizer one character per token, so its bigrams are character bigrams, the usual
  representation for Chinese without a word segmenter.

Only `tokenizers`, `safetensors` and numpy are needed at run time: no torch, no model hub.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file
from scipy import sparse
from tokenizers import Tokenizer

from lurewatch.detect.models.segments import segment_sums

STATIC_DIR = "static"
MAX_CHARS = 2000  # longer texts (e-mails) are cut: the opening carries the approach
BIGRAM_BUCKETS = 1 << 15
_SENTENCE_END = re.compile(r"(?<=[.!?。！？;；])\s*|\n+")


def static_dir() -> Path:
    return Path(str(resources.files("lurewatch.detect.models").joinpath(STATIC_DIR)))


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans (start, end) of `text`, trimmed of surrounding white space."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        if m.end() == 0:
            continue
        _append_trimmed(text, start, m.start(), spans)
        start = m.end()
    _append_trimmed(text, start, len(text), spans)
    return spans


def _append_trimmed(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))


@dataclass(slots=True)
class Encoded:
    """A batch of texts as features; the sparse bag is kept as (row, column, value) triples,
    rows ascending, so heads can score it without building a matrix."""

    dense: np.ndarray  # (n, dims) float32, rows L2-normalised (zero for an empty text)
    rows: np.ndarray  # int64, ascending
    cols: np.ndarray  # int64, unique within a row
    values: np.ndarray  # float32: binary bag, L2-normalised per row
    n_features: int

    @property
    def n(self) -> int:
        return int(self.dense.shape[0])

    def tokens(self) -> sparse.csr_matrix:
        return sparse.csr_matrix((self.values, (self.rows, self.cols)),
                                 shape=(self.n, self.n_features))

    def matrix(self, dense_weight: float) -> sparse.csr_matrix:
        """Dense embedding (scaled) and the bag side by side, for training."""
        return sparse.hstack([sparse.csr_matrix(self.dense * dense_weight), self.tokens()],
                             format="csr")


class StaticEncoder:
    """Tokenises once, returns the static embedding and the hashed n-gram bag."""

    def __init__(self, directory: Path | None = None) -> None:
        directory = directory or static_dir()
        self.tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        self.tokenizer.no_truncation()
        self.tokenizer.no_padding()
        self.vectors = load_file(str(directory / "model.safetensors"))["embeddings"].astype(
            np.float32)
        self.vocab = int(self.vectors.shape[0])
        self.dims = int(self.vectors.shape[1])
        unk = json.loads((directory / "tokenizer.json").read_text("utf-8"))["model"].get(
            "unk_token")
        self.unk_id = self.tokenizer.token_to_id(unk) if unk else None
        self.n_features = self.vocab + BIGRAM_BUCKETS

    def encode(self, texts: list[str]) -> Encoded:
        """Each distinct text is tokenised once (templates and stock lines repeat across a
        batch) and its rows are copied: every row comes out as if encoded on its own."""
        first: dict[str, int] = {}
        inverse = [first.setdefault(t, len(first)) for t in texts]
        if len(first) == len(texts):
            return self._encode_distinct(texts)
        return _expand(self._encode_distinct(list(first)),
                       np.asarray(inverse, dtype=np.int64))

    def _encode_distinct(self, texts: list[str]) -> Encoded:
        n = len(texts)
        encodings = self.tokenizer.encode_batch_fast(
            [t[:MAX_CHARS] for t in texts], add_special_tokens=False)
        ids_list = [np.asarray(enc.ids, dtype=np.int64) for enc in encodings]
        lengths = np.fromiter((ids.size for ids in ids_list), dtype=np.int64, count=n)
        flat = np.concatenate(ids_list) if n else np.zeros(0, dtype=np.int64)
        rows = np.repeat(np.arange(n, dtype=np.int64), lengths)
        if self.unk_id is not None:
            keep = flat != self.unk_id
            flat, rows = flat[keep], rows[keep]
        dense = np.zeros((n, self.dims), dtype=np.float32)
        if flat.size:
            starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
            sums = segment_sums(self.vectors[flat], starts)  # = np.add.reduceat, faster
            dense[rows[starts]] = sums
        norms = np.linalg.norm(dense, axis=1, keepdims=True)
        dense /= np.where(norms > 0, norms, 1.0)
        # bigrams: consecutive ids inside one text
        same = rows[1:] == rows[:-1]
        bigrams = (flat[:-1][same] * 1_000_003 + flat[1:][same]) % BIGRAM_BUCKETS + self.vocab
        keys = sorted_unique(np.concatenate([rows * self.n_features + flat,
                                             rows[1:][same] * self.n_features + bigrams]))
        b_rows, b_cols = np.divmod(keys, self.n_features)
        counts = np.bincount(b_rows, minlength=n)
        values = (1.0 / np.sqrt(np.maximum(counts, 1)))[b_rows].astype(np.float32)
        return Encoded(dense, b_rows, b_cols, values, self.n_features)


def sorted_unique(keys: np.ndarray) -> np.ndarray:
    """`np.unique(keys)` for a 1-d integer array: the same sorted distinct values, by a sort
    and a comparison with the neighbour. numpy 2's `unique` hashes first and sorts after,
    which cost this encoder ten times as much on a batch of chat messages."""
    ordered = np.sort(keys)
    if ordered.size < 2:
        return ordered
    return ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))]


def _expand(enc: Encoded, inverse: np.ndarray) -> Encoded:
    """Row r of the result is row `inverse[r]` of `enc` (dense and bag alike)."""
    n = int(inverse.size)
    counts = np.bincount(enc.rows, minlength=enc.n)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    lengths = counts[inverse]
    total = int(lengths.sum())
    out_starts = np.cumsum(lengths) - lengths
    # position in enc's triples of every output triple
    take = np.repeat(starts[inverse] - out_starts, lengths) + np.arange(total, dtype=np.int64)
    return Encoded(enc.dense[inverse], np.repeat(np.arange(n, dtype=np.int64), lengths),
                   enc.cols[take], enc.values[take], enc.n_features)
