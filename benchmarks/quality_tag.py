"""Test accuracy of `rnnkit tag` at its full default settings, over several seeds.

    .venv/bin/python benchmarks/quality_tag.py                        # seeds 0 1 2
    .venv/bin/python benchmarks/quality_tag.py --no-signatures        # one <oov> vector

Data: the bundled UD English EWT POS data, trained on the dev split (2,001 sentences, 10% of
them for early stopping) and scored on the test split (2,077 sentences, 25,094 tokens).
Baseline: the most frequent training tag of each word; for unknown words the most frequent
tag of the training words seen once with the same shape and suffix (tag/scores.py), else the
most frequent tag. Target: the BiLSTM beats the baseline's accuracy on all and on unknown
words.
The seed changes the weights, the batches and which sentences validate.
"""
from __future__ import annotations

import os

# Before torch starts OpenMP: idle threads sleep instead of spinning (see quality_classify).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse  # noqa: E402
import shlex  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

from rnnkit.tasks.tag import tag  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--no-signatures", dest="signatures", action="store_false",
                        help="rare and unknown words share one <oov> vector")
    parser.add_argument("--units", type=int, default=64)
    parser.add_argument("--embed-dim", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2, help="torch threads (default 2)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print("$ " + shlex.join([os.path.relpath(sys.executable), *sys.argv]))
    print(f"torch {torch.__version__}, {args.threads} thread(s), seeds {args.seeds}, "
          f"signatures {args.signatures}, units {args.units}, embed_dim {args.embed_dim}")
    rows: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as root:
        for seed in args.seeds:
            start = time.perf_counter()
            m = tag(seed=seed, signatures=args.signatures, units=args.units,
                    embed_dim=args.embed_dim, quiet=True,
                    out=os.path.join(root, f"tag-{seed}"))["metrics"]
            b = m["baselines"]["most_frequent_tag"]
            values = {"BiLSTM accuracy": m["model"]["accuracy"],
                      "BiLSTM unknown-word accuracy": m["model"]["unknown_accuracy"],
                      "BiLSTM known-word accuracy": m["model"]["known_accuracy"],
                      "baseline accuracy": b["accuracy"],
                      "baseline unknown-word accuracy": b["unknown_accuracy"],
                      "epochs": m["epochs_run"], "seconds": time.perf_counter() - start}
            print(f"  seed {seed}: " + ", ".join(f"{k} {v:.4g}" for k, v in values.items()),
                  flush=True)
            for k, v in values.items():
                rows.setdefault(k, []).append(v)

    print(f"\n{'metric (test split, 25,094 tokens)':<36} {'mean':>7} {'std':>7} {'min':>7} "
          f"{'max':>7}")
    for metric, values in rows.items():
        v = np.array(values)
        print(f"{metric:<36} {v.mean():7.4f} {v.std():7.4f} {v.min():7.4f} {v.max():7.4f}")
    ok = (min(rows["BiLSTM accuracy"]) > max(rows["baseline accuracy"])
          and min(rows["BiLSTM unknown-word accuracy"]) > max(rows["baseline unknown-word "
                                                                   "accuracy"]))
    print(f"{'target: beats the baseline, all seeds':<36} {'met' if ok else 'MISSED':>7}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
