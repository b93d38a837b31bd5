"""Entity F1 of `rnnkit ner` with and without the CRF, over several seeds, against the
gazetteer baseline.

    .venv/bin/python benchmarks/quality_ner.py                        # seeds 0 1 2
    .venv/bin/python benchmarks/quality_ner.py --seeds 0 --quick      # the demo's setting

Data: the bundled Universal NER English EWT data, trained on the dev split (2,001
sentences, 10% of them for early stopping) and scored on the test split (2,077 sentences,
1,088 entities: PER 449, ORG 322, LOC 317). Scores are entity-level (seqeval, conlleval
semantics). Baseline: the training entity strings tagged wherever they occur, longest
match first. Both models are the same BiLSTM over word vectors and a character CNN; one
ends in a CRF, the other in a softmax per word. The seed changes the weights, the batches
and which sentences validate. Target: both beat the gazetteer's F1 on every seed.

Run once (2026-11-29, `--threads 1`, on a machine shared by ~8 jobs, load average 10-17 on
2 cores, so the seconds are several times a quiet machine's), seeds 0 1 2, mean +- std:

    BiLSTM-CRF      F1 0.518 +- 0.002 (P 0.577, R 0.470; PER 0.580, LOC 0.552, ORG 0.348),
                    unseen-entity recall 0.352; 10-15 epochs run (best 6-11), 174-267 s
    BiLSTM-softmax  F1 0.472 +- 0.003 (P 0.516, R 0.437; PER 0.543, LOC 0.533, ORG 0.266),
                    unseen-entity recall 0.306; 10-11 epochs run (best 6-7), 145-168 s
    gazetteer       F1 0.384 (P 0.738, R 0.259); 787 of the 1,088 test entities never occur
                    in training, and it finds none of them
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

from rnnkit.tasks.ner import ner  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--quick", action="store_true", help="the demo's short setting")
    parser.add_argument("--threads", type=int, default=2, help="torch threads (default 2)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print("$ " + shlex.join([os.path.relpath(sys.executable), *sys.argv]))
    print(f"torch {torch.__version__}, {args.threads} thread(s), seeds {args.seeds}, "
          f"quick {args.quick}")
    rows: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as root:
        for seed in args.seeds:
            for crf in (True, False):
                name = "BiLSTM-CRF" if crf else "BiLSTM-softmax"
                start = time.perf_counter()
                m = ner(seed=seed, crf=crf, quick=args.quick,
                        out=os.path.join(root, f"ner-{seed}-{crf}"))["metrics"]
                values = {f"{name} F1": m["model"]["f1"],
                          f"{name} precision": m["model"]["precision"],
                          f"{name} recall": m["model"]["recall"],
                          **{f"{name} F1 {t}": s["f1"]
                             for t, s in m["model"]["per_type"].items()},
                          f"{name} unseen-entity recall": m["model"]["unseen_recall"],
                          f"{name} epochs (best)": m["best_epoch"],
                          f"{name} epochs run": m["epochs_run"],
                          f"{name} seconds": time.perf_counter() - start}
                if crf:
                    b = m["baselines"]["gazetteer"]
                    values.update({"gazetteer F1": b["f1"], "gazetteer precision":
                                   b["precision"], "gazetteer recall": b["recall"]})
                print(f"  seed {seed} {name}: " + ", ".join(
                    f"{k.removeprefix(name + ' ')} {v:.4g}" for k, v in values.items()),
                    flush=True)
                for k, v in values.items():
                    rows.setdefault(k, []).append(v)

    print(f"\n{'metric (test split, 1,088 entities)':<40} {'mean':>8} {'std':>7} {'min':>8} "
          f"{'max':>8}")
    for metric, values in sorted(rows.items()):
        v = np.array(values)
        print(f"{metric:<40} {v.mean():8.4f} {v.std():7.4f} {v.min():8.4f} {v.max():8.4f}")
    gazetteer = max(rows["gazetteer F1"])
    ok = all(min(rows[f"{n} F1"]) > gazetteer for n in ("BiLSTM-CRF", "BiLSTM-softmax"))
    print(f"{'target: both beat the gazetteer, all seeds':<40} {'met' if ok else 'MISSED':>8}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
