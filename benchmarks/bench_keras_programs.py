"""The five training workloads of issue 14 written as Keras programs, run three ways:

    Keras 3 on TensorFlow      the program as written (`import keras`)
    rnnkit                     the same text with the prefix changed (`import rnnkit as keras`)
    plain PyTorch              an idiomatic loop (nn.Embedding/nn.RNN/nn.LSTM/nn.GRU/nn.Linear,
                               DataLoader(batch_size=32, shuffle=True), the loss on logits, the
                               same optimizer with Keras's hyper-parameters, PyTorch's own init)

    python benchmarks/bench_keras_programs.py                       # all five, 3 epochs, 1 seed
    python benchmarks/bench_keras_programs.py --only char_lstm --epochs 5 --seeds 0 1 2
    python benchmarks/bench_keras_programs.py --inference           # then bench_predict.py
    python benchmarks/bench_keras_programs.py --busy 2 --label "under load"
                                     # with two busy processes (one per core) all along

Each (workload, seed, framework) is its own process (so each framework sees its own
defaults: rnnkit's threads, TF's pools), run one after another in an order that rotates
from seed to seed so that all three see the same load. Each trains on the same data
(NumPy, from the seed) with batch 32; the first epoch is untimed; s/epoch is the median of
the rest, and the table gives medians over seeds, same-run ratios and the mean final
training loss (initial weights differ between frameworks: Keras's glorot/orthogonal init
for Keras and rnnkit, PyTorch's uniform init for PyTorch; shared/MEASUREMENTS.md shows that
this moves final losses more than the framework does).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SHAKESPEARE = HERE.parent / "src/rnnkit/datasets/data/tiny_shakespeare/input.txt"

# -- data: NumPy only, the same lines in every program --------------------------------------
DATA = {
    "sine": '''
t = np.arange(2020) * 0.1
s = (np.sin(t) + 0.1 * rng.standard_normal(len(t))).astype("float32")
x = np.stack([s[i:i + 20] for i in range(2000)])[..., None]
y = s[20:2020, None]
''',
    "ids": '''
x = rng.integers(1, 1000, size=(4000, 80))
y = ((x < 100).sum(1) > 8).astype("float32")[:, None]
''',
    "chars": '''
text = open(DATA_PATH).read()
vocab = {c: i for i, c in enumerate(sorted(set(text)))}
ids = np.array([vocab[c] for c in text[:200 * 101 * 2]])
starts = rng.choice(len(ids) - 101, size=200, replace=False)
chunks = np.stack([ids[s:s + 101] for s in starts])
x, y = chunks[:, :-1], chunks[:, 1:]
''',
    "long": '''
t = np.arange(1001) * 0.05
phase = rng.uniform(0, 2 * np.pi, size=(256, 1))
s = (np.sin(t + phase) + 0.1 * rng.standard_normal((256, 1001))).astype("float32")
x, y = s[:, :1000, None], s[:, 1000:]
''',
}

# name: (title, data, Keras layers, optimizer, loss, torch spec)
# torch spec: (embedding (V, E) or None, rnn, input size, units, return sequences, outputs)
WORKLOADS = {
    "simple_rnn": ("SimpleRNN(50), 20-step windows (2,000), rmsprop, mse", "sine",
                   "keras.Input(shape=(20, 1)), layers.SimpleRNN(50), layers.Dense(1)",
                   "rmsprop", "mse", (None, "RNN", 1, 50, False, 1)),
    "embed_rnn": ("Embedding(1000,128)+SimpleRNN(128)+Dense(1,sigmoid), 4,000 x 80 ids, adam",
                  "ids", "keras.Input(shape=(80,)), layers.Embedding(1000, 128), "
                  "layers.SimpleRNN(128), layers.Dense(1, activation='sigmoid')",
                  "adam", "binary_crossentropy", ((1000, 128), "RNN", 128, 128, False, 1)),
    "char_lstm": ("Embedding(65,64)+LSTM(256,seq)+Dense(65,softmax), 200 x 100 chars, adam",
                  "chars", "keras.Input(shape=(100,)), layers.Embedding(65, 64), "
                  "layers.LSTM(256, return_sequences=True), "
                  "layers.Dense(65, activation='softmax')",
                  "adam", "sparse_categorical_crossentropy",
                  ((65, 64), "LSTM", 64, 256, True, 65)),
    "long_lstm": ("LSTM(64) on 256 sequences of 1,000 steps, adam, mse", "long",
                  "keras.Input(shape=(1000, 1)), layers.LSTM(64), layers.Dense(1)",
                  "adam", "mse", (None, "LSTM", 1, 64, False, 1)),
    "embed_gru": ("Embedding(1000,128)+GRU(128)+Dense(1,sigmoid), 4,000 x 80 ids, adam",
                  "ids", "keras.Input(shape=(80,)), layers.Embedding(1000, 128), "
                  "layers.GRU(128), layers.Dense(1, activation='sigmoid')",
                  "adam", "binary_crossentropy", ((1000, 128), "GRU", 128, 128, False, 1)),
}

KERAS_PROGRAM = '''
import json, sys, time
import numpy as np
import keras
from keras import layers

SEED, EPOCHS, DATA_PATH = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
rng = np.random.default_rng(SEED)
{data}
keras.utils.set_random_seed(SEED)
model = keras.Sequential([{layers}])
model.compile(optimizer="{optimizer}", loss="{loss}")
times = []


class EpochTimer(keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        times.append(time.perf_counter() - self.start)


history = model.fit(x, y, batch_size=32, epochs=EPOCHS, verbose=0, callbacks=[EpochTimer()])
print("RESULT " + json.dumps({{"times": times, "loss": float(history.history["loss"][-1])}}))
'''

TORCH_PROGRAM = '''
import json, sys, time
import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

SEED, EPOCHS, DATA_PATH = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
rng = np.random.default_rng(SEED)
{data}
torch.manual_seed(SEED)
EMBED, RNN, D, H, SEQ, OUT = {spec}
LOSS, OPT = "{loss}", "{optimizer}"


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(*EMBED) if EMBED else None
        self.rnn = getattr(nn, RNN)(D, H, batch_first=True)
        self.out = nn.Linear(H, OUT)

    def forward(self, x):
        if self.embed is not None:
            x = self.embed(x)
        y, _ = self.rnn(x)
        return self.out(y if SEQ else y[:, -1])        # logits


net = Net()
xt = torch.from_numpy(x).long() if EMBED else torch.from_numpy(x)
yt = torch.from_numpy(y).long() if LOSS.startswith("sparse") else torch.from_numpy(y)
loader = DataLoader(TensorDataset(xt, yt), batch_size=32, shuffle=True)
loss_fn = {{"mse": nn.MSELoss(), "binary_crossentropy": nn.BCEWithLogitsLoss(),
           "sparse_categorical_crossentropy": nn.CrossEntropyLoss()}}[LOSS]
opt = (torch.optim.Adam(net.parameters(), lr=1e-3, eps=1e-7) if OPT == "adam" else
       torch.optim.RMSprop(net.parameters(), lr=1e-3, alpha=0.9, eps=1e-7))
times = []
for epoch in range(EPOCHS):
    start, total, seen = time.perf_counter(), 0.0, 0
    for xb, yb in loader:
        opt.zero_grad()
        out = net(xb)
        loss = loss_fn(out.reshape(-1, OUT), yb.reshape(-1)) if SEQ else loss_fn(out, yb)
        loss.backward()
        opt.step()
        total += loss.item() * len(xb); seen += len(xb)
    times.append(time.perf_counter() - start)
print("RESULT " + json.dumps({{"times": times, "loss": total / seen}}))
'''


def program(framework: str, name: str) -> str:
    title, data, layers, optimizer, loss, spec = WORKLOADS[name]
    if framework == "torch":
        return TORCH_PROGRAM.format(data=DATA[data], spec=repr(spec), loss=loss,
                                    optimizer=optimizer)
    text = KERAS_PROGRAM.format(data=DATA[data], layers=layers, optimizer=optimizer, loss=loss)
    if framework == "rnnkit_bf16":        # the Keras line that turns on mixed precision
        text = text.replace("model = keras.Sequential", 'keras.mixed_precision.set_global_policy('
                            '"mixed_bfloat16")\nmodel = keras.Sequential')
    if framework.startswith("rnnkit"):    # the prefix change a Keras user makes
        text = text.replace("import keras\n", "import rnnkit as keras\n").replace(
            "from keras import", "from rnnkit import")
    return text


def run(framework: str, name: str, seed: int, epochs: int, args) -> dict:
    python = args.tf_python if framework == "keras" else sys.executable
    env = dict(os.environ)
    if framework == "keras":
        env.update(KERAS_BACKEND="tensorflow", TF_CPP_MIN_LOG_LEVEL="3")
    if args.threads:
        env.update(OMP_NUM_THREADS=str(args.threads), TF_NUM_INTRAOP_THREADS=str(args.threads),
                   TF_NUM_INTEROP_THREADS="1")
    if framework.startswith("rnnkit"):
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HERE.parent / "src"),
                                                          env.get("PYTHONPATH")]))
    out = subprocess.run([python, "-c", program(framework, name), str(seed), str(epochs),
                          str(SHAKESPEARE)], capture_output=True, text=True, env=env,
                         timeout=7200)
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("RESULT ")), None)
    if line is None:
        raise RuntimeError(f"{framework} {name} seed {seed} failed:\n{out.stderr[-3000:]}")
    result = json.loads(line[len("RESULT "):])
    times = result["times"][1:] or result["times"]
    return {"s_epoch": statistics.median(times), "loss": result["loss"]}


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--only", nargs="*", choices=list(WORKLOADS), default=list(WORKLOADS))
    p.add_argument("--epochs", type=int, default=3, help="epochs per run, the first untimed")
    p.add_argument("--seeds", type=int, nargs="*", default=[0])
    p.add_argument("--threads", type=int, default=None,
                   help="threads for all three (default: each framework's own default)")
    p.add_argument("--tf-python", default="/tmp/tfenv/bin/python",
                   help="a Python with tensorflow and keras 3")
    p.add_argument("--skip", nargs="*", default=[], choices=["keras", "torch", "rnnkit"])
    p.add_argument("--label", default="loaded", help="printed with the figures (quiet/loaded)")
    p.add_argument("--inference", action="store_true", help="then run bench_predict.py")
    p.add_argument("--busy", type=int, default=0,
                   help="start this many busy processes (a Python loop each, one per core) "
                        "and keep them running through every run: the machine under load")
    p.add_argument("--bf16", action="store_true",
                   help="also rnnkit with keras.mixed_precision.set_global_policy"
                        "('mixed_bfloat16') in the program")
    args = p.parse_args(argv)
    frameworks = [f for f in ("rnnkit", "torch", "keras") if f not in args.skip]
    if args.bf16:
        frameworks.append("rnnkit_bf16")
    if "keras" in frameworks and not Path(args.tf_python).exists():
        print(f"No Keras/TF Python at {args.tf_python}: skipping Keras 3 on TensorFlow.")
        frameworks.remove("keras")
    busy = [subprocess.Popen([sys.executable, "-c", BUSY]) for _ in range(args.busy)]
    try:
        results = run_all(args, frameworks)
    finally:
        for proc in busy:
            proc.kill()
            proc.wait()
    report(results, args, frameworks)
    if args.inference:
        from bench_predict import main as predict_main
        predict_main(["--tf-python", args.tf_python, "--label", args.label] +
                     (["--threads", str(args.threads)] if args.threads else []))


BUSY = "import time\nt = time.time()\nwhile time.time() - t < 7200: pass\n"


def run_all(args, frameworks: list[str]) -> dict:
    results = {}
    for name in args.only:
        for k, seed in enumerate(args.seeds):
            order = frameworks[k % len(frameworks):] + frameworks[:k % len(frameworks)]
            for fw in order:
                results.setdefault((name, fw), []).append(run(fw, name, seed, args.epochs,
                                                              args))
                r = results[(name, fw)][-1]
                print(f"  {name:10s} seed {seed} {fw:7s} {r['s_epoch']:.3f} s/epoch, "
                      f"final loss {r['loss']:.4f}", flush=True)
    return results


def report(results: dict, args, frameworks: list[str]) -> None:
    print(f"\nKeras programs, s/epoch ({args.label}; {args.busy} busy processes; "
          f"{args.epochs} epochs, first untimed; "
          f"seeds {args.seeds}; threads {args.threads or 'each framework default'}; "
          f"load now {os.getloadavg()[0]:.1f}; {_env()}); ratio below 1.0: rnnkit faster\n")
    bf16 = "rnnkit_bf16" in frameworks
    print("| workload | rnnkit | plain PyTorch | Keras/TF | rnnkit/PyTorch | rnnkit/Keras | "
          "final loss rnnkit / PyTorch / Keras |" +
          (" rnnkit bf16 | bf16/PyTorch | bf16/Keras | bf16 loss |" if bf16 else ""))
    print("|---|---|---|---|---|---|---|" + ("---|---|---|---|" if bf16 else ""))
    for name in args.only:
        med = {fw: statistics.median(r["s_epoch"] for r in results[(name, fw)])
               for fw in frameworks}
        loss = {fw: statistics.mean(r["loss"] for r in results[(name, fw)])
                for fw in frameworks}
        # same-run ratios: per seed, then the median over seeds
        ratio = {fw: statistics.median(a["s_epoch"] / b["s_epoch"] for a, b in
                                       zip(results[(name, "rnnkit")], results[(name, fw)]))
                 for fw in frameworks if fw != "rnnkit" and "rnnkit" in frameworks}
        ratio16 = {fw: statistics.median(a["s_epoch"] / b["s_epoch"] for a, b in
                                         zip(results[(name, "rnnkit_bf16")], results[(name, fw)]))
                   for fw in frameworks if fw in ("torch", "keras") and bf16}
        fmt = (lambda d, k, f: f.format(d[k]) if k in d else "-")
        print(f"| {WORKLOADS[name][0]} | {fmt(med, 'rnnkit', '{:.3f}')} | "
              f"{fmt(med, 'torch', '{:.3f}')} | {fmt(med, 'keras', '{:.3f}')} | "
              f"{fmt(ratio, 'torch', '{:.2f}')} | {fmt(ratio, 'keras', '{:.2f}')} | "
              f"{' / '.join(fmt(loss, fw, '{:.4f}') for fw in ('rnnkit', 'torch', 'keras'))} |"
              + (f" {med['rnnkit_bf16']:.3f} | {fmt(ratio16, 'torch', '{:.2f}')} | "
                 f"{fmt(ratio16, 'keras', '{:.2f}')} | {loss['rnnkit_bf16']:.4f} |"
                 if bf16 else ""))


def _env() -> str:
    return ", ".join(f"{k}={os.environ.get(k, 'unset')}" for k in
                     ("OMP_NUM_THREADS", "OMP_WAIT_POLICY", "RNNKIT_NUM_THREADS"))


if __name__ == "__main__":
    sys.exit(main())
