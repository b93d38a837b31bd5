"""Held-out quality of `rnnkit translate` (Chinese to English) at its full settings.

    .venv/bin/python benchmarks/quality_translate.py                 # seed 0
    .venv/bin/python benchmarks/quality_translate.py --seeds 0 1 2
    .venv/bin/python benchmarks/quality_translate.py --quick         # the demo settings
    .venv/bin/python benchmarks/quality_translate.py --seeds 1 --threads 1 --keep runs/q

The bundled 5,575 Tatoeba pairs, one fixed 80/10/10 split (the seed changes the weights and
the batches, not the split). Prints test BLEU and chrF (sacrebleu, cased, 13a) of the
model's greedy and beam decoding and of the retrieval baseline, per seed and their mean,
after each seed's validation loss and validation BLEU / chrF (the split settings are
chosen on).
"""
from __future__ import annotations

import os

# Before torch starts OpenMP: idle threads sleep instead of spinning on a shared machine.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse  # noqa: E402
import tempfile  # noqa: E402

import numpy as np  # noqa: E402

from rnnkit.tasks.translate import translate  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--threads", type=int, default=None,
                        help="CPU threads per run (default: PyTorch's)")
    parser.add_argument("--keep", metavar="DIR", help="write the run folders (attention.png, "
                        "examples.tsv, report.html) to DIR/seed<N> instead of discarding them")
    args = parser.parse_args()
    rows: dict[str, list[tuple[float, float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = args.keep or tmp
        for seed in args.seeds:
            m = translate(out=os.path.join(root, f"seed{seed}"), seed=seed, quick=args.quick,
                          threads=args.threads, verbose=0)
            print(f"seed {seed}: {m['epochs_run']} epochs (best {m['best_epoch']}), "
                  f"{m['train_seconds']:.0f} s training, decoder kept: {m['decoder']}",
                  flush=True)
            v, b = m["validation"]["model"], m["validation"]["retrieval_baseline"]
            print(f"  validation: loss {m['val_loss']:.3f}, model BLEU {v['bleu']:.1f} chrF "
                  f"{v['chrf']:.1f}; retrieval baseline BLEU {b['bleu']:.1f} chrF "
                  f"{b['chrf']:.1f}", flush=True)
            for name, s in m["test"].items():
                if name != "model":
                    rows.setdefault(name, []).append((s["bleu"], s["chrf"]))
    seeds = " ".join(f"{'seed ' + str(s):>13s}" for s in args.seeds)
    print(f"\n{'test split (558 pairs)':24s} {seeds}   mean BLEU / chrF")
    for name, values in rows.items():
        cells = " ".join(f"{b:5.1f} / {c:5.1f}" for b, c in values)
        mean = np.mean(values, axis=0)
        print(f"{name:24s} {cells}   {mean[0]:5.1f} / {mean[1]:5.1f}")


if __name__ == "__main__":
    main()
