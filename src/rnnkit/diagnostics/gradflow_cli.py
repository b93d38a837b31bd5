"""`rnnkit gradflow`: vanishing and exploding gradients on the adding problem, with real layers.

    rnnkit gradflow                      # ~1,200 steps each, a few minutes on 2 cores
    rnnkit gradflow --quick              # a smoke run (shorter sequences, fewer steps)

Trains SimpleRNN, LSTM and GRU of the same size for the same number of optimizer steps
(same optimizer, same data, same seed) on the adding problem at T=100, scores each on
held-out sequences against the always-predict-1 baseline (MSE ≈ 0.167), and measures
∂loss/∂h_t at every step before and after training. Then the exploding case: a SimpleRNN
whose recurrent matrix is scaled to spectral radius > 1, its gradient growing with the
distance from the loss, and plain SGD on it with and without clipnorm.

Writes runs/gradflow-<stamp>/ (or --out): gradient_flow.png, metrics.json,
gradient_flow.json (every per-step norm) and report.html.
"""
from __future__ import annotations

import argparse
import html
import math
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..errors import UserError
from ..layers import GRU, LSTM, Dense, Input, SimpleRNN
from ..models import Sequential
from ..optimizers import SGD, Adam
from ..tasks.runs import default_run_dir, run_folder, write_json, write_report
from ..utils import set_random_seed
from .adding_problem import BASELINE_MSE, baseline_mse, make_adding_problem
from .gradient_flow import GradientFlow, draw_gradient_flow, gradient_flow

KINDS = {"SimpleRNN": SimpleRNN, "LSTM": LSTM, "GRU": GRU}
COLORS = {"SimpleRNN": "tab:red", "LSTM": "tab:blue", "GRU": "tab:green"}
SOLVED_MSE = 0.05                 # the bar: well under the 0.167 baseline
STEPS_PER_EPOCH = 100             # the training set holds this many batches
SGD_LR = 0.1                      # the exploding case: a rate that suits a sane gradient

FULL = dict(T=100, units=64, steps=1200, batch_size=64, learning_rate=1e-2)
QUICK = dict(T=30, units=32, steps=300, batch_size=64, learning_rate=1e-2)


def run_gradflow(T: int | None = None, units: int | None = None, steps: int | None = None,
                 batch_size: int | None = None, learning_rate: float | None = None,
                 clipnorm: float = 1.0, seed: int = 0, out: str | Path | None = None,
                 quick: bool = False, explode_scale: float = 2.0, explode_steps: int = 60,
                 n_test: int | None = None, verbose: bool = True) -> dict[str, Any]:
    """Train the three layers on the adding problem, measure their gradient flow, write a run.

    Settings left as None come from FULL (T=100, 64 units, 1,200 steps of batch 64, lr 0.01)
    or, with quick=True, from QUICK. Every model gets `steps` Adam steps (learning_rate,
    clipnorm per weight); `steps` is rounded up to a whole number of epochs of 100 batches.
    Returns the metrics written to metrics.json.
    """
    preset = QUICK if quick else FULL
    T = preset["T"] if T is None else T
    units = preset["units"] if units is None else units
    steps = preset["steps"] if steps is None else steps
    batch_size = preset["batch_size"] if batch_size is None else batch_size
    learning_rate = preset["learning_rate"] if learning_rate is None else learning_rate
    n_test = (500 if quick else 2000) if n_test is None else n_test
    _check_settings(T, units, steps, batch_size, seed, learning_rate, clipnorm, explode_scale)
    say = print if verbose else (lambda *a, **k: None)
    epochs = -(-steps // STEPS_PER_EPOCH)
    steps = epochs * STEPS_PER_EPOCH
    x_train, y_train = make_adding_problem(STEPS_PER_EPOCH * batch_size, T, seed)
    x_test, y_test = make_adding_problem(n_test, T, seed + 1)
    x_probe, y_probe = x_test[:256], y_test[:256]          # the batch the flows are measured on
    started = time.perf_counter()

    results: dict[str, dict[str, Any]] = {}
    for kind, layer_cls in KINDS.items():
        say(f"{kind}({units}): {steps} Adam steps (lr {learning_rate:g}, clipnorm {clipnorm:g}, "
            f"batch {batch_size}) on the adding problem, T={T} ...", flush=True)
        set_random_seed(seed)                              # same init stream, same batches
        model = Sequential([Input(shape=(T, 2)), layer_cls(units), Dense(1)])
        model.compile(optimizer=Adam(learning_rate=learning_rate, clipnorm=clipnorm), loss="mse")
        flow_init = gradient_flow(model, x_probe, y_probe, dtype=torch.float64)
        t0 = time.perf_counter()
        history = model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs, verbose=0,
                            validation_data=(x_test, y_test))
        seconds = time.perf_counter() - t0
        test_mse = float(model.evaluate(x_test, y_test, batch_size=500, verbose=0))
        flow_trained = gradient_flow(model, x_probe, y_probe, dtype=torch.float64)
        results[kind] = {"model": model, "flow_init": flow_init, "flow_trained": flow_trained,
                         "test_mse": test_mse, "val_curve": history.history["val_loss"],
                         "seconds": seconds}
        say(f"  test MSE {test_mse:.4f}  first/last ratio: init "
            f"{flow_init.ratio_first_to_last():.3g}, trained "
            f"{flow_trained.ratio_first_to_last():.3g}  ({seconds:.0f} s)", flush=True)

    say(f"Exploding case: SimpleRNN({units}) with W_hh = {explode_scale:g} x orthogonal, "
        f"SGD with and without clipnorm ...", flush=True)
    exploding = _exploding_case(units, T, explode_scale, explode_steps, clipnorm, seed,
                                x_train, y_train, x_probe, y_probe, results["SimpleRNN"])
    metrics = _metrics(results, exploding, dict(
        T=T, units=units, steps=steps, batch_size=batch_size, learning_rate=learning_rate,
        clipnorm=clipnorm, seed=seed, quick=quick, n_test=n_test), baseline_mse(y_test))
    metrics["seconds"] = round(time.perf_counter() - started, 1)

    folder = Path(out) if out is not None else default_run_dir("gradflow")
    with run_folder(folder) as tmp:
        _plot(results, exploding, metrics, tmp / "gradient_flow.png")
        write_json(tmp / "metrics.json", _json_safe(metrics))
        write_json(tmp / "gradient_flow.json", _json_safe({
            **{f"{k}.{when}": r[f"flow_{when}"].to_dict() for k, r in results.items()
               for when in ("init", "trained")},
            "exploding": exploding["flow"].to_dict()}))
        _report(tmp, metrics)
    metrics["folder"] = str(folder)
    say(format_table(metrics))
    say(f"Wrote {folder}/ (gradient_flow.png, metrics.json, gradient_flow.json, report.html)")
    return metrics


def _json_safe(obj):
    """NaN and inf (a diverged loss) become null: strict JSON has no such numbers."""
    if isinstance(obj, dict):
        return {k: _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_json_safe(v) for v in obj]
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


# -- the exploding case ---------------------------------------------------------------------
def _exploding_case(units, T, scale, n_steps, clipnorm, seed, x_train, y_train,
                    x_probe, y_probe, simple_result) -> dict[str, Any]:
    """W_hh = scale x orthogonal (spectral radius = scale): ∂L/∂h_t grows going back in time.

    Plain SGD (lr 0.1) shows what that does to an update; with clipnorm every weight's gradient is
    cut to norm <= clipnorm before the step. (Adam divides by a running gradient scale, so
    it hides most of an explosion: SGD shows it.)
    """
    def make() -> Sequential:
        set_random_seed(seed)
        model = Sequential([Input(shape=(T, 2)), SimpleRNN(units), Dense(1)])
        with torch.no_grad():
            model.layers[0].cell.W_hh.mul_(scale)           # orthogonal -> radius = scale
        return model

    flow = gradient_flow(make(), x_probe, y_probe, loss="mse", dtype=torch.float64)
    runs = {}
    for label, clip in (("no clipping", None), (f"clipnorm={clipnorm:g}", clipnorm)):
        runs[label] = train_sgd(make(), SGD(learning_rate=SGD_LR, clipnorm=clip), x_train,
                                 y_train, n_steps)
    return {"flow": flow, "scale": scale, "runs": runs,
            "default_flow": simple_result["flow_init"]}


def train_sgd(model: Sequential, spec: SGD, x, y, n_steps: int) -> dict[str, list[float]]:
    """n_steps of SGD on consecutive batches: loss, weight-gradient norm before and after clip."""
    x, y = torch.as_tensor(x), torch.as_tensor(y)
    optimizer = spec.build(model.parameters())
    params = list(model.parameters())
    batch = 64
    log: dict[str, list[float]] = {"loss": [], "grad_norm": [], "clipped_grad_norm": [],
                                   "max_weight_grad_norm": [], "max_clipped_weight_grad_norm": []}
    model.train()
    for step in range(n_steps):
        start = (step * batch) % (len(x) - batch)
        xb, yb = x[start:start + batch], y[start:start + batch]
        optimizer.zero_grad(set_to_none=True)
        loss = (model(xb) - yb).square().mean()             # forward, mse
        loss.backward()                                     # BPTT
        before = [_grad_norm(p) for p in params]
        if spec.clips:
            spec.clip(params)                               # clipnorm: per weight, as Keras
        after = [_grad_norm(p) for p in params]
        optimizer.step()
        log["loss"].append(float(loss.detach()))
        log["grad_norm"].append(math.sqrt(sum(v * v for v in before)))
        log["clipped_grad_norm"].append(math.sqrt(sum(v * v for v in after)))
        log["max_weight_grad_norm"].append(max(before))
        log["max_clipped_weight_grad_norm"].append(max(after))
    return log


def _grad_norm(p: torch.nn.Parameter) -> float:
    return 0.0 if p.grad is None else float(torch.linalg.vector_norm(p.grad.double()))


# -- metrics, table, figure, report ---------------------------------------------------------
def _metrics(results, exploding, settings, test_baseline) -> dict[str, Any]:
    models = {}
    for kind, r in results.items():
        models[kind] = {
            "test_mse": round(r["test_mse"], 5),
            "solved": r["test_mse"] < SOLVED_MSE,
            "ratio_first_to_last_init": r["flow_init"].ratio_first_to_last(),
            "ratio_first_to_last_trained": r["flow_trained"].ratio_first_to_last(),
            "params": r["model"].count_params(),
            "train_seconds": round(r["seconds"], 1),
            "held_out_mse_every_100_steps": [round(v, 5) for v in r["val_curve"]]}
    runs = {}
    for label, log in exploding["runs"].items():
        losses = np.array(log["loss"])
        runs[label] = {
            "final_loss": float(losses[-1]),
            "max_loss": float(np.nanmax(np.where(np.isfinite(losses), losses, np.nan)))
            if np.isfinite(losses).any() else math.nan,
            "non_finite_steps": int((~np.isfinite(losses)).sum()),
            "max_grad_norm_before_clip": float(np.nanmax(log["grad_norm"])),
            "max_weight_grad_norm_before_clip": float(np.nanmax(log["max_weight_grad_norm"])),
            "max_weight_grad_norm_after_clip":
                float(np.nanmax(log["max_clipped_weight_grad_norm"])),
            "loss_every_step": [float(v) for v in losses]}
    flow: GradientFlow = exploding["flow"]
    return {
        "task": "adding problem (Hochreiter & Schmidhuber 1997)", **settings,
        "optimizer": f"Adam(learning_rate={settings['learning_rate']:g}, "
                     f"clipnorm={settings['clipnorm']:g})",
        "baseline_mse_theory": round(BASELINE_MSE, 5),
        "baseline_mse_test": round(test_baseline, 5),
        "solved_below": SOLVED_MSE,
        "norm": flow.reduction,
        "models": models,
        "exploding": {
            "recurrent_scale": exploding["scale"],
            "ratio_first_to_last": flow.ratio_first_to_last(),
            "ratio_first_to_last_default_init": exploding["default_flow"].ratio_first_to_last(),
            "grad_norm_at_init": flow.total_grad_norm,
            "optimizer": f"SGD(learning_rate={SGD_LR:g}), batch 64",
            "runs": runs}}


def format_table(metrics: dict[str, Any]) -> str:
    """The models' scores and gradient ratios as a plain-text table."""
    lines = [f"Adding problem T={metrics['T']}, {metrics['units']} units, {metrics['steps']} "
             f"steps of {metrics['optimizer']}, batch {metrics['batch_size']}; "
             f"baseline (predict 1) test MSE {metrics['baseline_mse_test']:.3f}",
             f"{'model':<10} {'params':>7} {'test MSE':>9} {'< 0.05':>7} "
             f"{'first/last at init':>19} {'first/last trained':>19}"]
    for kind, m in metrics["models"].items():
        lines.append(f"{kind:<10} {m['params']:>7} {m['test_mse']:>9.4f} "
                     f"{'yes' if m['solved'] else 'no':>7} "
                     f"{m['ratio_first_to_last_init']:>19.3g} "
                     f"{m['ratio_first_to_last_trained']:>19.3g}")
    e = metrics["exploding"]
    lines.append(f"Exploding: SimpleRNN with W_hh = {e['recurrent_scale']:g} x orthogonal: "
                 f"first/last {e['ratio_first_to_last']:.3g} (default init "
                 f"{e['ratio_first_to_last_default_init']:.3g}), gradient norm "
                 f"{e['grad_norm_at_init']:.3g}")
    for label, r in e["runs"].items():
        lines.append(f"  SGD {label:<14} max weight-gradient norm "
                     f"{r['max_weight_grad_norm_before_clip']:.3g}"
                     f" -> {r['max_weight_grad_norm_after_clip']:.3g} used; loss final "
                     f"{r['final_loss']:.3g}, max {r['max_loss']:.3g}, "
                     f"non-finite steps {r['non_finite_steps']}")
    return "\n".join(lines)


def _plot(results, exploding, metrics, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    styles = {k: {"color": c} for k, c in COLORS.items()}
    fig, axes = plt.subplots(2, 3, figsize=(17, 9.5))
    steps = metrics["steps"]
    draw_gradient_flow(axes[0, 0], {k: r["flow_init"] for k, r in results.items()},
                       "At initialization", styles)
    draw_gradient_flow(axes[0, 1], {k: r["flow_trained"] for k, r in results.items()},
                       f"After {steps} training steps", styles)

    ax = axes[0, 2]                                       # held-out MSE while training
    for kind, r in results.items():
        x = np.arange(1, len(r["val_curve"]) + 1) * STEPS_PER_EPOCH
        ax.plot(x, r["val_curve"], marker=".", color=COLORS[kind],
                label=f"{kind} (test MSE {r['test_mse']:.3g})")
    ax.axhline(metrics["baseline_mse_test"], color="gray", ls="--", label="predict 1 (baseline)")
    ax.axhline(SOLVED_MSE, color="gray", ls=":", label=f"MSE {SOLVED_MSE}")
    ax.set_yscale("log")
    ax.set_xlabel("optimizer steps")
    ax.set_ylabel("held-out MSE")
    ax.set_title(f"Adding problem, T={metrics['T']}")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)

    scale = exploding["scale"]
    draw_gradient_flow(axes[1, 0], {"SimpleRNN, default W_hh (orthogonal)":
                                    exploding["default_flow"],
                                    f"SimpleRNN, W_hh = {scale:g} x orthogonal":
                                    exploding["flow"]},
                       "Vanishing vs exploding (SimpleRNN at init)",
                       {f"SimpleRNN, W_hh = {scale:g} x orthogonal": {"color": "tab:purple"},
                        "SimpleRNN, default W_hh (orthogonal)": {"color": "tab:red"}})
    ax = axes[1, 1]
    for (label, log), color in zip(exploding["runs"].items(), ("tab:orange", "tab:purple")):
        ax.plot(log["max_weight_grad_norm"], color=color, label=f"{label}: computed")
        if label != "no clipping":
            ax.plot(log["max_clipped_weight_grad_norm"], color=color, ls="--",
                    label=f"{label}: used in the step")
    ax.set_yscale("log")
    ax.set_xlabel("SGD step")
    ax.set_ylabel("largest weight-gradient norm")
    ax.set_title(f"Exploding case: gradient norm, W_hh = {scale:g} x orthogonal")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    ax = axes[1, 2]
    for (label, log), color in zip(exploding["runs"].items(), ("tab:orange", "tab:purple")):
        losses = np.array(log["loss"])
        ax.plot(np.where(np.isfinite(losses), losses, np.nan), color=color, label=label)
        bad = np.flatnonzero(~np.isfinite(losses))
        if len(bad):
            ax.axvline(bad[0], color=color, ls=":",
                       label=f"{label}: loss NaN/inf from step {bad[0]}")
    ax.set_yscale("log")
    ax.set_xlabel("SGD step")
    ax.set_ylabel("training loss (MSE)")
    ax.set_title("Exploding case: loss with and without clipping")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    fig.suptitle("Gradient flow through time: ||∂loss/∂h_t|| (mean over samples) against steps "
                 "back from the loss")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _report(folder: Path, metrics: dict[str, Any]) -> None:
    rows = "".join(
        f"<tr><td>{k}</td><td>{m['params']}</td><td>{m['test_mse']:.4f}</td>"
        f"<td>{'yes' if m['solved'] else 'no'}</td><td>{m['ratio_first_to_last_init']:.3g}</td>"
        f"<td>{m['ratio_first_to_last_trained']:.3g}</td></tr>"
        for k, m in metrics["models"].items())
    extra = (
        "<h2>Models</h2><table><tr><th>model</th><th>params</th><th>test MSE</th>"
        f"<th>&lt; {SOLVED_MSE}</th><th>first/last at init</th><th>first/last trained</th></tr>"
        f"{rows}</table>"
        f"<p>first/last: {html.escape(metrics['norm'])} at the first step divided by the same "
        "at the last step; with the loss on the last step, the share of the gradient that "
        "travels back across the whole sequence.</p>"
        f"<pre>{html.escape(format_table(metrics))}</pre>")
    slim = {k: v for k, v in metrics.items() if k not in ("models", "exploding")}
    slim["models"] = {k: {kk: vv for kk, vv in m.items() if not isinstance(vv, list)}
                      for k, m in metrics["models"].items()}
    write_report(folder, "Gradient flow: vanishing and exploding gradients",
                 f"SimpleRNN, LSTM and GRU with {metrics['units']} units trained for "
                 f"{metrics['steps']} steps on the adding problem (T={metrics['T']}); then a "
                 "SimpleRNN with an oversized recurrent matrix, trained by SGD with and "
                 "without clipping.", slim,
                 [("gradient_flow.png", "Gradient norm per step, held-out MSE, and the "
                   "exploding case")], extra_html=extra)


# -- command line ---------------------------------------------------------------------------
def _check_settings(T, units, steps, batch_size, seed, learning_rate, clipnorm,
                    explode_scale):
    for name, value, low in (("T", T, 2), ("units", units, 1), ("steps", steps, 1),
                             ("batch_size", batch_size, 1), ("seed", seed, 0)):
        if not isinstance(value, int) or value < low:
            raise UserError(f"{name} must be an integer >= {low}, got {value!r}.")
    for name, value in (("learning_rate", learning_rate), ("clipnorm", clipnorm),
                        ("explode_scale", explode_scale)):
        if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
            raise UserError(f"{name} must be a positive number, got {value!r}.")


def configure_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quick", action="store_true",
                        help=f"a smoke run in well under a minute ({QUICK}); the sequences are "
                             "too short and the training too brief for the full claim")
    parser.add_argument("--T", type=int, default=None, help="sequence length (default 100)")
    parser.add_argument("--units", type=int, default=None, help="units of every recurrent layer "
                        "(default 64)")
    parser.add_argument("--steps", type=int, default=None,
                        help="optimizer steps per model, rounded up to a multiple of 100 "
                             "(default 1200)")
    parser.add_argument("--batch-size", type=int, default=None, help="default 64")
    parser.add_argument("--lr", type=float, default=None, help="Adam learning rate "
                        "(default 0.01)")
    parser.add_argument("--clipnorm", type=float, default=1.0,
                        help="clip each weight's gradient to this norm (default 1.0)")
    parser.add_argument("--explode-scale", type=float, default=2.0,
                        help="the exploding SimpleRNN's W_hh is this times an orthogonal "
                             "matrix (default 2)")
    parser.add_argument("--seed", type=int, default=0, help="data and weights seed")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads (default 1: the recurrent kernels gained nothing "
                             "from a second thread on a busy 2-core machine, and often lost)")
    parser.add_argument("--out", default=None, help="run folder (default runs/gradflow-<stamp>)")


def main(args: argparse.Namespace) -> int:
    if args.threads < 1:
        raise UserError(f"--threads must be >= 1, got {args.threads}.")
    threads = torch.get_num_threads()
    torch.set_num_threads(args.threads)
    try:
        run_gradflow(T=args.T, units=args.units, steps=args.steps, batch_size=args.batch_size,
                     learning_rate=args.lr, clipnorm=args.clipnorm, seed=args.seed,
                     out=args.out, quick=args.quick, explode_scale=args.explode_scale)
    finally:
        torch.set_num_threads(threads)
    return 0
