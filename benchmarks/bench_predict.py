"""Inference: single-sample predict latency, 400-character generation, and many-sample
throughput, on the character model of Keras's text-generation example:

    Input(40, 57) -> LSTM(128) -> Dense(57, softmax)

    python benchmarks/bench_predict.py                      # all, Keras/TF if installed
    python benchmarks/bench_predict.py --threads 1 --tf-python /tmp/tfenv/bin/python

Every side loads the same weights (Keras layout, written once to a .npz), so the generated
texts (greedy: the most probable character each time) must agree; the script says so.

- latency: one sample, `model.predict(x)` (Keras programs) and `model(x)`; plain PyTorch's
  nn.LSTM + nn.Linear under torch.inference_mode; medians and 90th percentiles.
- generation: 400 characters, one predict per character on the last 40 (as Keras programs
  do), and, for rnnkit and PyTorch, one stateful step per character (rnnkit's Stepper; the
  PyTorch loop carries (h, c) through nn.LSTM).
- throughput: predict on 8,192 windows at batch 256 and at once, against ONNX Runtime on
  the file `rnnkit.export.export_onnx` writes, samples per second.

Keras on TensorFlow runs in its own process (another Python with tensorflow and keras 3);
its rows and the in-process rows alternate per repeat so that they see the same load.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

T, V, H, GEN = 40, 57, 128, 400

# The program Keras 3 on TensorFlow runs (rnnkit runs the same loops in process): it prints
# one JSON line of timings and the generated text.
PROGRAM = '''
import json, sys, time
import numpy as np
import keras
from keras import layers

weights, reps = np.load(sys.argv[1]), int(sys.argv[2])
model = keras.Sequential([keras.Input(shape=(40, 57)), layers.LSTM(128),
                          layers.Dense(57, activation="softmax")])
model.set_weights([weights[f"w{i}"] for i in range(len(weights.files))])
x1 = np.eye(57, dtype="float32")[np.arange(40) % 57][None]

def latency(f, n):
    for _ in range(5):
        f()
    ts = []
    for _ in range(n):
        t = time.perf_counter(); f(); ts.append(time.perf_counter() - t)
    ts.sort()
    return [ts[n // 2], ts[int(n * 0.9)]]

def generate():
    window, text = x1.copy(), []
    for _ in range(400):
        p = model.predict(window, verbose=0)[0]
        c = int(np.argmax(p)); text.append(c)
        window = np.roll(window, -1, axis=1); window[0, -1] = 0; window[0, -1, c] = 1
    return text

out = {"predict": latency(lambda: model.predict(x1, verbose=0), reps),
       "call": latency(lambda: model(x1), reps)}
t = time.perf_counter(); text = generate(); out["generate_predict"] = time.perf_counter() - t
out["text"] = text
print("RESULT " + json.dumps(out))
'''


def keras_weights(rng) -> list[np.ndarray]:
    """LSTM kernel (57, 512), recurrent kernel (128, 512), bias (512,), Dense (128, 57), (57,)
    in Keras's layout and gate order (i, f, c, o), scaled as glorot would."""
    shapes = [(V, 4 * H), (H, 4 * H), (4 * H,), (H, V), (V,)]
    return [(rng.standard_normal(s) * (0.3 if len(s) == 2 else 0.1)).astype("float32")
            for s in shapes]


def run_program(python: str, weights_path: str, reps: int, env: dict) -> dict:
    """Keras 3 on TensorFlow, in its own Python."""
    out = subprocess.run([python, "-c", PROGRAM, weights_path, str(reps)], capture_output=True,
                         text=True, env=env, timeout=3600)
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("RESULT ")), None)
    if line is None:
        raise RuntimeError(f"Keras program failed:\n{out.stderr[-3000:]}")
    return json.loads(line[len("RESULT "):])


# -- in process: rnnkit's Stepper, plain PyTorch, ONNX Runtime ------------------------------
def in_process(weights: list[np.ndarray], reps: int, threads: int | None) -> dict:
    import torch
    from torch import nn

    import rnnkit
    from rnnkit.layers import LSTM, Dense, Input
    from rnnkit.models import Sequential
    from rnnkit.models.stepping import Stepper
    if threads:
        rnnkit.config.set_threads(threads)
    model = Sequential([Input((T, V)), LSTM(H), Dense(V, activation="softmax")])
    model.set_weights(weights)

    class Plain(nn.Module):                   # what a PyTorch user writes
        def __init__(self):
            super().__init__()
            self.lstm, self.out = nn.LSTM(V, H, batch_first=True), nn.Linear(H, V)

        def forward(self, x, state=None):
            y, state = self.lstm(x, state)
            return torch.softmax(self.out(y[:, -1]), -1), state

    plain = Plain().eval()
    with torch.no_grad():
        plain.lstm.weight_ih_l0.copy_(torch.from_numpy(weights[0].T))
        plain.lstm.weight_hh_l0.copy_(torch.from_numpy(weights[1].T))
        plain.lstm.bias_ih_l0.copy_(torch.from_numpy(weights[2]))
        plain.lstm.bias_hh_l0.zero_()
        plain.out.weight.copy_(torch.from_numpy(weights[3].T))
        plain.out.bias.copy_(torch.from_numpy(weights[4]))
    x1 = np.eye(V, dtype="float32")[np.arange(T) % V][None]
    x1t = torch.from_numpy(x1)

    def latency(f, n):
        for _ in range(5):
            f()
        ts = []
        for _ in range(n):
            t = time.perf_counter()
            f()
            ts.append(time.perf_counter() - t)
        ts.sort()
        return [ts[n // 2], ts[int(n * 0.9)]]

    def torch_call():
        with torch.inference_mode():
            return plain(x1t)[0]

    def gen_window(predict):
        window, text = x1.copy(), []
        for _ in range(GEN):
            c = int(np.argmax(predict(window)[0]))
            text.append(c)
            window = np.roll(window, -1, axis=1)
            window[0, -1] = 0
            window[0, -1, c] = 1
        return text

    def gen_rnnkit_steps():
        step = Stepper(model)
        p, text = step.warm_up(x1), []
        for _ in range(GEN):
            c = int(np.argmax(p[0]))
            text.append(c)
            p = step(np.eye(V, dtype="float32")[[c]])
        return text

    def gen_torch_steps():
        text = []
        with torch.inference_mode():
            p, state = plain(x1t)
            for _ in range(GEN):
                c = int(p[0].argmax())
                text.append(c)
                p, state = plain(torch.nn.functional.one_hot(torch.tensor([[c]]), V).float(),
                                 state)
        return text

    out = {"rnnkit": {"predict": latency(lambda: model.predict(x1, verbose=0), reps),
                      "call": latency(lambda: model(x1), reps)},
           "torch": {"call": latency(torch_call, reps)}}
    for side, name, fn in (("rnnkit", "generate_predict",
                            lambda: gen_window(lambda w: model.predict(w, verbose=0))),
                           ("rnnkit", "generate_step", gen_rnnkit_steps),
                           ("torch", "generate_predict",
                            lambda: gen_window(lambda w: torch_call_on(plain, w))),
                           ("torch", "generate_step", gen_torch_steps)):
        t = time.perf_counter()
        text = fn()
        out[side][name] = time.perf_counter() - t
        out[side][f"text_{name}"] = text
    out["throughput"] = throughput(model, plain, threads)
    return out


def torch_call_on(plain, window):
    import torch
    with torch.inference_mode():
        return plain(torch.from_numpy(window))[0].numpy()


def throughput(model, plain, threads, n: int = 8192) -> dict:
    """Samples per second on n windows, at batch 256 and all at once."""
    import onnxruntime as ort
    import torch

    from rnnkit.export import export_onnx
    rng = np.random.default_rng(1)
    X = np.eye(V, dtype="float32")[rng.integers(0, V, size=(n, T))]
    path = Path(tempfile.mkdtemp()) / "char_lstm.onnx"
    export_onnx(model, path, example=X[:2])
    opts = ort.SessionOptions()
    if threads:
        opts.intra_op_num_threads = threads
    session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    rows = {}
    for batch in (256, n):
        def run_ort():
            return np.concatenate([session.run(None, {name: X[i:i + batch]})[0]
                                   for i in range(0, n, batch)])

        def run_torch():
            with torch.inference_mode():
                return torch.cat([plain(torch.from_numpy(X[i:i + batch]))[0]
                                  for i in range(0, n, batch)]).numpy()
        times = {"rnnkit": [], "onnxruntime": [], "torch": []}
        for _ in range(3):                                 # interleaved
            for side, fn in (("rnnkit", lambda: model.predict(X, batch_size=batch, verbose=0)),
                             ("onnxruntime", run_ort), ("torch", run_torch)):
                t = time.perf_counter()
                fn()
                times[side].append(time.perf_counter() - t)
        rows[batch] = {side: n / statistics.median(ts) for side, ts in times.items()}
    ref = model.predict(X[:256], verbose=0)
    rows["max_abs_diff_onnx"] = float(np.abs(session.run(None, {name: X[:256]})[0] - ref).max())
    return rows


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=2, help="in-process/TF alternations")
    p.add_argument("--calls", type=int, default=200, help="predict calls timed for latency")
    p.add_argument("--threads", type=int, default=None,
                   help="threads for every side (default: each side's own default)")
    p.add_argument("--tf-python", default="/tmp/tfenv/bin/python",
                   help="a Python with tensorflow and keras 3 ('' to skip Keras/TF)")
    p.add_argument("--label", default="loaded", help="printed with the figures (quiet/loaded)")
    args = p.parse_args(argv)
    weights = keras_weights(np.random.default_rng(0))
    tmp = Path(tempfile.mkdtemp())
    np.savez(tmp / "w.npz", **{f"w{i}": w for i, w in enumerate(weights)})
    env = dict(os.environ, KERAS_BACKEND="tensorflow", TF_CPP_MIN_LOG_LEVEL="3")
    if args.threads:
        env.update(TF_NUM_INTRAOP_THREADS=str(args.threads), TF_NUM_INTEROP_THREADS="1")
    use_tf = bool(args.tf_python) and Path(args.tf_python).exists()
    runs = {"keras_tf": [], "local": []}
    for r in range(args.repeats):
        order = ["local", "keras_tf"] if r % 2 == 0 else ["keras_tf", "local"]
        for side in order:
            if side == "keras_tf" and use_tf:
                runs[side].append(run_program(args.tf_python, str(tmp / "w.npz"), args.calls,
                                              env))
            elif side == "local":
                runs[side].append(in_process(weights, args.calls, args.threads))
    report(runs, args, use_tf)


def _med(values):
    return statistics.median(values)


def report(runs: dict, args, use_tf: bool) -> None:
    local, tf = runs["local"], runs["keras_tf"]
    print(f"\nInference, Input(40,57)->LSTM(128)->Dense(57) ({args.label}; threads: "
          f"{args.threads or 'defaults'}; {len(local)} repeat(s), medians; load "
          f"{os.getloadavg()[0]:.1f}; {_env()})\n")
    print("| measure | rnnkit | plain PyTorch | Keras 3 / TF | rnnkit/PyTorch | rnnkit/Keras |")
    print("|---|---|---|---|---|---|")

    def cell(runs_, side, key, idx=None):
        vals = [(r[side] if side else r)[key] for r in runs_ if key in (r[side] if side else r)]
        if not vals:
            return None
        return _med([v[idx] if idx is not None else v for v in vals])

    rows = [("predict(1 sample), ms, median", "predict", 0, "call"),
            ("predict(1 sample), ms, p90", "predict", 1, "call"),
            ("model(x) (1 sample), ms, median", "call", 0, "call"),
            ("generate 400 chars, predict per char, s", "generate_predict", None,
             "generate_predict"),
            ("generate 400 chars, one stateful step per char, s", "generate_step", None,
             "generate_step")]
    for title, key, idx, torch_key in rows:
        ours = cell(local, "rnnkit", key, idx)
        theirs = cell(local, "torch", torch_key, idx)
        keras = cell(tf, None, key, idx) if use_tf and key != "generate_step" else None
        scale = 1e3 if "ms" in title else 1.0
        fmt = (lambda v: "-" if v is None else f"{v * scale:.3f}")
        ratio = (lambda a, b: "-" if a is None or b is None else f"{a / b:.2f}")
        print(f"| {title} | {fmt(ours)} | {fmt(theirs)} | {fmt(keras)} | {ratio(ours, theirs)} "
              f"| {ratio(ours, keras)} |")
    # a window of the last 40 characters and the whole history carried in the state are
    # different conditionings: compare windowed runs with each other, stateful ones likewise
    groups = {"predict on the last 40": {"rnnkit": local[0]["rnnkit"]["text_generate_predict"],
                                         "torch": local[0]["torch"]["text_generate_predict"]},
              "stateful steps": {"rnnkit": local[0]["rnnkit"]["text_generate_step"],
                                 "torch": local[0]["torch"]["text_generate_step"]}}
    if tf:
        groups["predict on the last 40"]["keras/tf"] = tf[0]["text"]
    for group, texts in groups.items():
        first = texts["rnnkit"]
        same = {k: next((i for i, (a, b) in enumerate(zip(first, t)) if a != b), len(t))
                for k, t in texts.items() if k != "rnnkit"}
        print(f"\nGenerated text ({group}), characters equal to rnnkit's before the first "
              f"difference (greedy choice; float32 rounding can flip a near-tie): "
              f"{', '.join(f'{k} {n} of {GEN}' for k, n in same.items())}.")
    print("\nThroughput, 8,192 windows, samples/s (higher is better), medians of 3 interleaved:\n")
    print("| batch | rnnkit predict | ONNX Runtime | plain PyTorch | rnnkit/ORT speed |")
    print("|---|---|---|---|---|")
    for batch in ("256", "8192"):
        vals = {s: _med([r["throughput"][int(batch)][s] if int(batch) in r["throughput"]
                         else r["throughput"][batch][s] for r in local])
                for s in ("rnnkit", "onnxruntime", "torch")}
        print(f"| {batch} | {vals['rnnkit']:.0f} | {vals['onnxruntime']:.0f} | "
              f"{vals['torch']:.0f} | {vals['rnnkit'] / vals['onnxruntime']:.2f} |")
    print(f"\nONNX Runtime vs rnnkit, largest difference on 256 windows: "
          f"{local[0]['throughput']['max_abs_diff_onnx']:.1e}")


def _env() -> str:
    return ", ".join(f"{k}={os.environ.get(k, 'unset')}" for k in
                     ("OMP_NUM_THREADS", "OMP_WAIT_POLICY", "RNNKIT_NUM_THREADS"))


if __name__ == "__main__":
    sys.exit(main())
