"""Held-out quality of `rnnkit classify` at its full default settings, over several seeds.

    .venv/bin/python benchmarks/quality_classify.py                 # seeds 0 1 2, both tasks
    .venv/bin/python benchmarks/quality_classify.py --only text --seeds 0 1 2 3 4
    .venv/bin/python benchmarks/quality_classify.py --cell mingru     # the parallel layer
    .venv/bin/python benchmarks/quality_classify.py --quick --only text  # the demo's settings

Targets (issue 3): sentiment sentences (amazon + yelp, 2,000), 20% of each class held out:
accuracy >= 80%; Japanese Vowels, the official split (270 train / 370 test): accuracy >=
97%. Issue 10: the mean accuracy also beats the mean of the strongest baseline (for text
the bag-of-words logistic regression, which the network alone does not beat; the model is
the network averaged with it, the weight chosen on validation). The seed changes the
weights, the batches and, for the sentiment set, which sentences are held out.

Measured (seeds 0-4, 1 thread, a loaded 2-core machine), held-out accuracy mean +- std:
sentiment, the defaults (= --quick since quick stops at 8 epochs): blend 82.95 +- 1.02,
BiLSTM alone 82.55 +- 1.22, bag of words 82.35 +- 0.56 (the blend loses on seed 1: 81.75
against 82.25). Japanese Vowels, defaults: blend 98.70 +- 0.20, BiGRU alone 98.16 +- 0.46,
regression on summary statistics 98.65 (no seed dependence), 1-NN 96.22; --quick: blend
98.27 +- 0.50, BiGRU alone 98.00 +- 0.28, so there the regression wins.
"""
from __future__ import annotations

import os

# Before torch starts OpenMP: idle threads sleep instead of spinning, which otherwise makes
# 2 threads 10-50x slower than 1 on a machine whose cores other jobs are using.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse  # noqa: E402
import shlex  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

from rnnkit.tasks.classify import classify_sequences, classify_text  # noqa: E402

TASKS = {
    "text": ("sentiment sentences, BiLSTM", classify_text, 0.80),
    "vowels": ("Japanese Vowels, BiGRU", classify_sequences, 0.97),
}


def run(task: str, seeds: list[int], root: str, cell: str | None = None, quick: bool = False
        ) -> dict[str, list[float]]:
    _, recipe, _ = TASKS[task]
    settings = {"cell": cell} if cell else {}
    settings["quick"] = quick
    rows: dict[str, list[float]] = {}
    for seed in seeds:
        start = time.perf_counter()
        result = recipe(seed=seed, out=os.path.join(root, f"{task}-{seed}"), quiet=True,
                        **settings)
        m = result["metrics"]
        values = {"accuracy": m["model"]["accuracy"], "macro F1": m["model"]["macro_f1"]}
        if "network_alone" in m:
            values["network alone acc"] = m["network_alone"]["accuracy"]
        if m.get("blend"):
            partner = [k for k in m["blend"] if k not in ("network", "fitted_on")][0]
            values.update({"blend weight a (network)": m["blend"]["network"],
                           f"blend weight b ({partner.replace('_', ' ')})": m["blend"][partner]})
        values.update({**{f"{name} acc": b["accuracy"] for name, b in m["baselines"].items()},
                       "strongest baseline acc": result["baseline_score"],
                       "epochs": m["epochs_run"], "seconds": time.perf_counter() - start})
        print(f"  {task} seed {seed}: " + ", ".join(f"{k} {v:.4g}" for k, v in values.items()),
              flush=True)
        for k, v in values.items():
            rows.setdefault(k, []).append(v)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--only", choices=sorted(TASKS), help="run one task only")
    parser.add_argument("--threads", type=int, default=2, help="torch threads (default 2)")
    parser.add_argument("--cell", choices=("lstm", "gru", "mingru", "minlstm"),
                        help="recurrent cell for both tasks (default: each task's own)")
    parser.add_argument("--quick", action="store_true", help="the demo's short settings")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print("$ " + shlex.join([os.path.relpath(sys.executable), *sys.argv]))
    print(f"torch {torch.__version__}, {args.threads} thread(s), seeds {args.seeds}")
    results = {}
    with tempfile.TemporaryDirectory() as root:
        for task in [args.only] if args.only else list(TASKS):
            results[task] = run(task, args.seeds, root, args.cell, args.quick)

    print(f"\n{'task':<30} {'metric':<40} {'mean':>7} {'std':>7} {'min':>7} {'max':>7}")
    ok = True
    for task, rows in results.items():
        title, _, target = TASKS[task]
        if args.cell:
            title = f"{title.split(',')[0]}, Bi{args.cell.upper()}"
        for metric, values in rows.items():
            v = np.array(values)
            print(f"{title:<30} {metric:<40} {v.mean():7.4f} {v.std():7.4f} {v.min():7.4f} "
                  f"{v.max():7.4f}")
        mean = float(np.mean(rows["accuracy"]))
        ok &= mean >= target
        print(f"{title:<30} {'target: mean accuracy >= ' + format(target, '.0%'):<40} "
              f"{'met' if mean >= target else 'MISSED':>7}")
        beats = mean > float(np.mean(rows["strongest baseline acc"]))
        ok &= beats
        print(f"{title:<30} {'target: mean beats the strongest baseline':<40} "
              f"{'met' if beats else 'MISSED':>7}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
