"""Saving a model artefact: arrays in one .npz, named by a digest of their content."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np


def save_versioned(path: Path, arrays: dict[str, np.ndarray], kind: str) -> str:
    """Write `arrays` to `path` with a `version` entry `KIND@DIGEST` (the first 12 hex digits
    of a SHA-256 over the sorted keys and their bytes) and return that version. np.savez writes
    zip entries with a fixed date, so equal arrays give equal bytes."""
    digest = hashlib.sha256()
    for key in sorted(arrays):
        digest.update(key.encode())
        digest.update(np.ascontiguousarray(arrays[key]).tobytes())
    version = f"{kind}@{digest.hexdigest()[:12]}"
    with path.open("wb") as fh:
        np.savez_compressed(fh, **arrays, version=np.array(version))
    return version
