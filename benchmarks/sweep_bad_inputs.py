"""Bad inputs, swept: every public constructor and fit/evaluate/predict/compile/save/load
argument given wrong types and values, and every CLI subcommand given bad flags.

An API case passes when it raises UserError, ValueError or TypeError (or a subclass; for a
missing file FileNotFoundError) whose
message says what was expected or what was received; a CLI case passes when the command
exits with code 2 and prints one error line on stderr (argparse's usage lines aside).
Anything else is listed:

    silent      the bad input was accepted
    unclear     a documented error type with a message that neither says what was
                expected nor shows what was received
    traceback   another exception type (API), or a traceback / other exit code (CLI)

    python benchmarks/sweep_bad_inputs.py            # both sweeps, a table of counts

tests/test_bad_inputs.py runs both sweeps and expects no failures.
"""
from __future__ import annotations

import collections
import contextlib
import io
import math
import sys
from pathlib import Path

CLEAR = ("expect", "got ", "must", "received", "should", "need", "only", "not a", "cannot",
         "unknown", "invalid", "one of", "at least", "at most", "between", "Use ", "missing",
         "give ", "holds ", "contains ", "pass ", "no rnnkit model")


# ---- the API cases ---------------------------------------------------------------------------

BAD_COUNT = [0, -1, 2.5, "8", True, [8], math.nan]              # units, filters, dims
BAD_RATE = [-0.1, 1.5, "a", math.nan, True]                      # dropout rates
BAD_FLAG = ["yes", 2, [True]]                                    # booleans
BAD_NAME = ["nope", 3]                                           # activations, modes
BAD_SHAPE = ["abc", (-1, 3), (0, 3), 3.5, (2.5, 3), ((2,),)]


def api_cases():
    """(label, callable) pairs; each callable makes one bad call."""
    import numpy as np

    from rnnkit import layers as L
    from rnnkit import optimizers as O
    from rnnkit.models import Sequential, load_model
    cases = []

    def case(label, fn):
        cases.append((label, fn))

    for name in ("Dense", "LSTM", "GRU", "SimpleRNN"):
        cls = getattr(L, name)
        for v in BAD_COUNT:
            case(f"{name}(units={v!r})", lambda c=cls, v=v: c(v))
        for v in BAD_NAME:
            case(f"{name}(1, activation={v!r})", lambda c=cls, v=v: c(1, activation=v))
        for v in BAD_FLAG:
            case(f"{name}(1, use_bias={v!r})", lambda c=cls, v=v: c(1, use_bias=v))
    for name in ("LSTM", "GRU", "SimpleRNN"):
        cls = getattr(L, name)
        for v in BAD_RATE:
            case(f"{name}(1, dropout={v!r})", lambda c=cls, v=v: c(1, dropout=v))
            case(f"{name}(1, recurrent_dropout={v!r})",
                 lambda c=cls, v=v: c(1, recurrent_dropout=v))
        for v in BAD_FLAG:
            case(f"{name}(1, return_sequences={v!r})",
                 lambda c=cls, v=v: c(1, return_sequences=v))
            case(f"{name}(1, return_state={v!r})", lambda c=cls, v=v: c(1, return_state=v))
            case(f"{name}(1, go_backwards={v!r})", lambda c=cls, v=v: c(1, go_backwards=v))
    for v in BAD_COUNT:
        case(f"Embedding(input_dim={v!r})", lambda v=v: L.Embedding(v, 4))
        case(f"Embedding(output_dim={v!r})", lambda v=v: L.Embedding(10, v))
        case(f"Conv1D(filters={v!r})", lambda v=v: L.Conv1D(v, 3))
        case(f"RepeatVector(n={v!r})", lambda v=v: L.RepeatVector(v))
        case(f"MultiHeadAttention(num_heads={v!r})", lambda v=v: L.MultiHeadAttention(v, 4))
    for v in BAD_RATE:
        case(f"Dropout({v!r})", lambda v=v: L.Dropout(v))
    for v in ["a", None, 3]:
        case(f"Bidirectional({v!r})", lambda v=v: L.Bidirectional(v))
    for v in ["sum_of", 3]:
        case(f"Bidirectional(LSTM(2), merge_mode={v!r})",
             lambda v=v: L.Bidirectional(L.LSTM(2), merge_mode=v))
    for v in BAD_SHAPE:
        case(f"Input(shape={v!r})", lambda v=v: L.Input(shape=v))
    for v in [0, -2, 2.5, "a"]:
        case(f"Input(shape=(3,), batch_size={v!r})", lambda v=v: L.Input(shape=(3,),
                                                                         batch_size=v))
    case("Input(shape=(3,), dtype='float99')", lambda: L.Input(shape=(3,), dtype="float99"))
    for opt in ("Adam", "SGD", "RMSprop", "Adagrad", "AdamW"):
        cls = getattr(O, opt)
        for v in [-0.1, math.nan, math.inf, "a", True, None]:
            case(f"{opt}(learning_rate={v!r})", lambda c=cls, v=v: c(learning_rate=v))
        for v in [-1.0, math.nan, "a"]:
            case(f"{opt}(clipnorm={v!r})", lambda c=cls, v=v: c(clipnorm=v))

    x = np.random.default_rng(0).standard_normal((8, 4, 2)).astype("float32")
    y = np.zeros((8, 1), "float32")

    def model():
        m = Sequential([L.Input(shape=(4, 2)), L.LSTM(3), L.Dense(1)])
        m.compile(optimizer="adam", loss="mse")
        return m

    for key, v in [("optimizer", "nope"), ("optimizer", 3), ("loss", "nope"), ("loss", 3),
                   ("metrics", "nope"), ("metrics", [3]), ("metrics", ["nope"]),
                   ("loss_weights", "a"), ("loss_weights", [1, 2, 3])]:
        def compile_bad(key=key, v=v):
            m = Sequential([L.Input(shape=(4, 2)), L.LSTM(3), L.Dense(1)])
            kwargs = {"optimizer": "adam", "loss": "mse"} | {key: v}
            m.compile(**kwargs)
        case(f"compile({key}={v!r})", compile_bad)
    fit_bad = {"batch_size": [0, -1, 2.5, "a", True], "epochs": [-1, 2.5, "a", True],
               "validation_split": [1.5, -0.1, "a", 1.0], "initial_epoch": [-3, "a", 2.5],
               "callbacks": [3, "a", [3]], "class_weight": ["a", [1]],
               "sample_weight": ["a", np.ones(3)], "shuffle": ["a"],
               "validation_data": ["a", (x,), (x, y, y, y)], "steps_per_epoch": [0, -1, "a"]}
    for key, values in fit_bad.items():
        for v in values:
            case(f"fit({key}={v!r})",
                 lambda k=key, v=v: model().fit(x, y, verbose=0, **{"epochs": 1, k: v}))
    x3 = x[..., :1].repeat(3, -1)
    for label, xx, yy in [("x=None", None, y), ("x='abc'", "abc", y),
                          ("x of the wrong rank", x[0], y), ("x with 3 features", x3, y),
                          ("y of another length", x, y[:5]),
                          ("x with NaN", np.full_like(x, np.nan), y),
                          ("x of strings", np.array([["a"]]), y)]:
        case(f"fit({label})", lambda xx=xx, yy=yy: model().fit(xx, yy, epochs=1, verbose=0))
    for method in ("evaluate", "predict"):
        for v in [0, -1, 2.5, "a", True]:
            def call(method=method, v=v):
                m = model()
                args = (x, y) if method == "evaluate" else (x,)
                getattr(m, method)(*args, batch_size=v, verbose=0)
            case(f"{method}(batch_size={v!r})", call)
        for label, xx in [("None", None), ("'abc'", "abc"), ("wrong rank", x[0]),
                          ("3 features", x[..., :1].repeat(3, -1))]:
            def call_x(method=method, xx=xx):
                m = model()
                (m.evaluate(xx, y, verbose=0) if method == "evaluate"
                 else m.predict(xx, verbose=0))
            case(f"{method}(x={label})", call_x)
    for v in [3, None, "", ["m"]]:
        case(f"save({v!r})", lambda v=v: model().save(v))
        case(f"load_model({v!r})", lambda v=v: load_model(v))
    case("load_model('missing/path')", lambda: load_model("/nonexistent/model.rnnkit"))
    case("save_weights('w.keras')", lambda: model().save_weights("/tmp/w.keras"))
    case("save('w.weights.h5')", lambda: model().save("/tmp/w.weights.h5"))
    return cases


def run_api():
    from rnnkit.errors import UserError
    results = collections.Counter()
    failures = []
    for label, fn in api_cases():
        try:
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(
                    io.StringIO()):
                fn()
            outcome = "silent"
        except (UserError, ValueError, TypeError, FileNotFoundError) as e:
            outcome = "clear" if any(w.lower() in str(e).lower() for w in CLEAR) else "unclear"
            detail = f"{type(e).__name__}: {str(e)[:160]}"
        except Exception as e:  # noqa: BLE001 - every outcome is counted
            outcome, detail = "traceback", f"{type(e).__name__}: {str(e)[:160]}"
        results[outcome] += 1
        if outcome != "clear":
            failures.append(f"[{outcome}] {label}" + ("" if outcome == "silent" else
                                                      f" -> {detail}"))
    return results, failures


# ---- the CLI cases ---------------------------------------------------------------------------

def cli_cases(tmp: Path):
    """(label, argv) pairs: bad flags and files for every subcommand."""
    (tmp / "empty.csv").write_text("")
    (tmp / "long.csv").write_text("a,b\n" + "1" * 200_000 + ",2\n")
    (tmp / "bin.csv").write_bytes(b"\xff\xfe\x00\x01" * 100)
    (tmp / "notrun").mkdir(exist_ok=True)
    (tmp / "fiforun").mkdir(exist_ok=True)
    if not (tmp / "fiforun" / "task.json").exists():
        import os
        os.mkfifo(tmp / "fiforun" / "task.json")
    out = str(tmp / "out")
    cases = []
    trainers = ("forecast", "classify", "tag", "translate", "generate", "compose", "ner",
                "speech")
    for cmd in trainers:
        cases += [(f"{cmd} --epochs -1", [cmd, "--epochs", "-1", "--out", out]),
                  (f"{cmd} --epochs abc", [cmd, "--epochs", "abc", "--out", out]),
                  (f"{cmd} --units 0", [cmd, "--units", "0", "--out", out]),
                  (f"{cmd} --batch-size 0", [cmd, "--batch-size", "0", "--out", out]),
                  (f"{cmd} --batch-size abc", [cmd, "--batch-size", "abc", "--out", out]),
                  (f"{cmd} missing file", [cmd, str(tmp / "nope.csv"), "--out", out]),
                  (f"{cmd} empty file", [cmd, str(tmp / "empty.csv"), "--out", out]),
                  (f"{cmd} --bogus", [cmd, "--bogus"])]
    cases += [("forecast long line", ["forecast", str(tmp / "long.csv"), "--out", out]),
              ("classify long line", ["classify", str(tmp / "long.csv"), "--out", out]),
              ("forecast binary", ["forecast", str(tmp / "bin.csv"), "--out", out]),
              ("predict missing", ["predict", str(tmp / "missing")]),
              ("predict not a run", ["predict", str(tmp / "notrun")]),
              ("predict --length -1", ["predict", str(tmp / "notrun"), "--length", "-1"]),
              ("predict a FIFO task.json", ["predict", str(tmp / "fiforun"), "x"]),
              ("unknown subcommand", ["frobnicate"])]
    return cases


def run_cli(tmp: Path):
    """Each case through rnnkit.cli.main in this process, as the entry point runs it."""
    from rnnkit.cli import main as cli_main
    results = collections.Counter()
    failures = []
    for label, argv in cli_cases(tmp):
        err = io.StringIO()
        try:
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
                code = cli_main(argv)
        except SystemExit as e:                     # argparse's usage errors
            code = e.code
        except Exception as e:  # noqa: BLE001 - a traceback for the user
            code, err = "traceback", io.StringIO(f"{type(e).__name__}: {e}")
        lines = [line for line in err.getvalue().splitlines() if line.strip()]
        usage = [line for line in lines if not line.startswith("usage:") and
                 not line.startswith(" ")]           # argparse: usage lines, then one error
        if code == 2 and len(usage) == 1:
            outcome = "clear"
        elif code == 0:
            outcome = "silent"
        else:
            outcome = "traceback"
        results[outcome] += 1
        if outcome != "clear":
            failures.append(f"[{outcome}] rnnkit {' '.join(argv)} -> exit {code}: "
                            f"{(lines or [''])[-1][:160]} ({len(lines)} lines)")
    return results, failures


def main() -> int:
    import tempfile
    api, api_failures = run_api()
    with tempfile.TemporaryDirectory() as tmp:
        cli, cli_failures = run_cli(Path(tmp))
    for line in api_failures + cli_failures:
        print(line)
    print(f"\n{'sweep':<6}{'cases':>7}{'clear':>8}{'unclear':>9}{'silent':>8}{'traceback':>11}")
    for name, c in (("API", api), ("CLI", cli)):
        print(f"{name:<6}{sum(c.values()):>7}{c['clear']:>8}{c['unclear']:>9}{c['silent']:>8}"
              f"{c['traceback']:>11}")
    return 1 if api_failures or cli_failures else 0


if __name__ == "__main__":
    sys.exit(main())
