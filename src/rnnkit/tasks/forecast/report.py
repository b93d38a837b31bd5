"""What a person reads: the console table, forecast.png with interval bands, report.html."""
from __future__ import annotations

import html
import shlex

import numpy as np

from rnnkit.tasks.runs import plot_learning_curves, plt, write_history, write_report

COLUMNS = (("rmse", "RMSE"), ("mae", "MAE"), ("mase", "MASE"), ("smape", "sMAPE %"),
           ("mape", "MAPE %"))


def _rows(metrics) -> list[tuple[str, dict]]:
    rows = [(f"model: {metrics['model']['name']}", metrics["model"])]
    if metrics["partner"]:
        rows.append((f"network alone: {metrics['network']['name']}", metrics["network"]))
    strongest = metrics["baseline"]["name"]
    rows += [(name + ("  <- strongest baseline" if name == strongest else ""), scores)
             for name, scores in metrics["baselines"].items()]
    return rows


def _cell(value) -> str:
    return "n/a" if value is None else f"{value:.4g}"


def _columns(metrics):
    return [c for c in COLUMNS if c[0] != "mape" or metrics["mape_reported"]]


def _before_test(intervals) -> str:
    """The same intervals checked before the test: what to expect if the test is like the
    recent past (a calm test span covers more)."""
    value = intervals.get("before_test")
    return "" if value is None else (f" ({value:.1f}% of the later pre-test origins' values, "
                                     "each calibrated on the earlier ones)")


def console_summary(metrics, run_dir: str) -> str:
    """The table every run prints: each method, the strongest baseline, the verdict."""
    p, columns = metrics["protocol"], _columns(metrics)
    rows = _rows(metrics)
    width = max(len(label) for label, _ in rows) + 2
    lines = [f"forecast of {metrics['column']!r} ({metrics['n_values']} values, season "
             f"{metrics['transform']['season']} {metrics['transform']['season_from']}, "
             f"{metrics['transform']['kind']} scale); test: {p['description']}"]
    lines += [f"  note: {note}" for note in metrics["notes"]]
    lines.append("  " + "method".ljust(width) + "".join(f"{t:>10}" for _, t in columns))
    for label, scores in rows:
        lines.append("  " + label.ljust(width) + "".join(f"{_cell(scores[k]):>10}"
                                                         for k, _ in columns))
    i = metrics["intervals"]
    lines.append(f"  {i['nominal']:.0f}% prediction intervals: {i['coverage']:.1f}% of the "
                 "held-out values inside" + _before_test(i))
    lines += [f"  skipped: {text}" for text in metrics["skipped"]]
    if metrics["failed"]:
        lines.append(f"  failed to fit on some block: {', '.join(metrics['failed'])}")
    lines.append(f"verdict: {metrics['verdict']}")
    lines.append(f"run folder: {run_dir} (open report.html)")
    return "\n".join(lines)


def save_artifacts(folder, plan, metrics, y_test, histories, interval) -> None:
    curves = histories[0] if len(histories) == 1 else {
        f"{key} (member {k + 1})": v for k, h in enumerate(histories) for key, v in h.items()}
    write_history(histories[0] if len(histories) == 1 else {
        f"{key}_member{k + 1}": v for k, h in enumerate(histories) for key, v in h.items()},
        folder / "history.csv")
    target = {"profile": "changes from the last value (seasonal profile removed)",
              "differences": "seasonal differences",
              "hybrid": "residuals of seasonal naive with drift"}
    plot_learning_curves(curves, folder / "curves.png", "Learning curves: mse on the scaled "
                         + target[plan.representation])
    plot_forecast(folder / "forecast.png", plan, metrics, y_test, interval)
    write_forecasts(folder / "forecasts.csv", plan, y_test, interval)
    _write_report(folder, plan, metrics)


def write_forecasts(path, plan, y_test, interval) -> None:
    """forecasts.csv: each test step's label, the truth, the model, its interval, and every
    other method (network alone and the baselines), for a reader's own comparisons."""
    names = ["model", *[k for k in y_test if k != "model"]]
    truth = plan.series.values[plan.n_pre:]
    lines = [",".join(["index", "truth", "model", "lower", "upper", *names[1:]])]
    for i, label in enumerate(plan.series.index[plan.n_pre:]):
        cells = [truth[i], y_test["model"][i], interval[0][i], interval[1][i],
                 *[y_test[k][i] for k in names[1:]]]
        lines.append(",".join([label, *("" if np.isnan(c) else f"{c:.6g}" for c in cells)]))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _tick(label: str) -> str:
    """Compact dates (YYYYMMDD, as in the CO2 file) read as dates on the axis.

    >>> _tick("19580329"), _tick("1958-03"), _tick("17")
    ('1958-03-29', '1958-03', '17')
    """
    if len(label) == 8 and label.isdigit() and "01" <= label[4:6] <= "12":
        return f"{label[:4]}-{label[4:6]}-{label[6:]}"
    return label


def plot_forecast(path, plan, metrics, y_test, interval) -> None:
    """Top: the whole series with the parts shaded; bottom: the test span up close, the
    model's interval band, the strongest baseline."""
    index, raw = plan.series.index, plan.series.values
    n_train, n_pre, n = plan.n_train, plan.n_pre, len(raw)
    t = np.arange(n)
    start = max(0, n_pre - max(n - n_pre, 3 * plan.settings.horizon))   # the zoom: a test span
    low, high = interval
    strongest = metrics["baseline"]["name"]
    fig, (top, zoom) = plt.subplots(2, 1, figsize=(11, 7.5))
    top.axvspan(n_train, n_pre, color="tab:orange", alpha=0.12, label="validation")
    top.axvspan(n_pre, n - 1, color="tab:blue", alpha=0.08, label="test")
    for ax, lo in ((top, 0), (zoom, start)):
        ax.plot(t[lo:n_pre], raw[lo:n_pre], color="0.35", lw=1, label="history")
        ax.plot(t[n_pre - 1:], raw[n_pre - 1:], color="black", lw=1.6, label="truth (held out)")
        ax.fill_between(t[n_pre:], low, high, color="tab:red", alpha=0.18, lw=0,
                        label=f"{metrics['intervals']['nominal']:.0f}% interval "
                        f"(covers {metrics['intervals']['coverage']:.0f}%)")
        ax.plot(t[n_pre:], y_test["model"], color="tab:red", lw=1.6,
                label=f"model {metrics['model']['name']}: RMSE {metrics['model']['rmse']:.4g}")
        ax.plot(t[n_pre:], y_test[strongest], color="tab:green", ls="--", lw=1.3,
                label=f"strongest baseline, {strongest}: RMSE "
                f"{metrics['baseline']['rmse']:.4g}")
        ticks = np.unique(np.linspace(lo, n - 1, 8).round().astype(int))
        ax.set_xticks(ticks, [_tick(index[i]) for i in ticks], fontsize=8)
        ax.set_ylabel(metrics["column"])
        ax.grid(alpha=0.3)
    for b in range(n_pre, n, plan.settings.horizon):
        zoom.axvline(b, color="tab:blue", ls=":", lw=1)
    top.legend(fontsize=8, loc="upper left")
    zoom.set_title("the test span (dotted lines: starts of the forecast blocks)", fontsize=10)
    fig.suptitle(f"{metrics['column']}: {metrics['protocol']['description']}", fontsize=9,
                 wrap=True)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def command(plan) -> list[str]:
    """The command that reproduces the run."""
    s = plan.settings
    argv = ["rnnkit", "forecast"]
    dataset = plan.series.dataset
    argv += ["--dataset", dataset] if dataset else [plan.series.source]
    argv += ["--column", plan.series.column]
    for key in ("id", "series", "horizon", "window", "cell", "units", "epochs", "patience",
                "batch_size", "learning_rate", "season", "test_size", "val_fraction", "missing",
                "log", "protocol", "members", "combine", "coverage", "val_origins", "seed"):
        value = getattr(s, key)
        if value is not None:
            argv += [f"--{key.replace('_', '-')}", str(value)]
    return argv + (["--quick"] if plan.quick else [])


def _write_report(folder, plan, metrics) -> None:
    columns = _columns(metrics)
    head = "".join(f"<th>{t}</th>" for _, t in columns)
    body = "".join(f"<tr><td>{html.escape(label)}</td>" + "".join(
        f"<td>{_cell(scores[k])}</td>" for k, _ in columns) + "</tr>"
        for label, scores in _rows(metrics))
    i, tr = metrics["intervals"], metrics["transform"]
    notes = "".join(f"<li>{html.escape(n)}</li>" for n in metrics["notes"] + [
        f"skipped: {x}" for x in metrics["skipped"]])
    summary = (f"{metrics['model']['name']} on {metrics['column']!r}: test RMSE "
               f"{metrics['model']['rmse']:.4g}; strongest baseline "
               f"{metrics['baseline']['name']}: {metrics['baseline']['rmse']:.4g}. Verdict: "
               f"{metrics['verdict']}.")
    extra = (f"<h2>Every method on the held-out test</h2><table><tr><th>method</th>{head}</tr>"
             f"{body}</table>"
             + (f"<ul>{notes}</ul>" if notes else "") +
             f"<p>MASE divides by the in-sample MAE of the seasonal naive forecast (season "
             f"{tr['season']}, {tr['season_from']}); MAPE is shown only when the series stays "
             "away from zero.</p>"
             f"<h2>Protocol</h2><p>{html.escape(metrics['protocol']['description'])}. The "
             "scaler, early stopping, the choice of the classical partner and the interval "
             "widths use only data before the test span.</p>"
             f"<h2>Command</h2><pre>{html.escape(shlex.join(command(plan)))}</pre>")
    table = {"verdict": metrics["verdict"],
             "strongest baseline": metrics["baseline"]["name"],
             "classical partner of the network": metrics["partner"] or "none",
             f"{i['nominal']:.0f}% interval coverage on the test (%)": i["coverage"],
             "the same checked before the test (%): the later pre-test origins, each "
             "calibrated on the earlier ones": "n/a" if i.get("before_test") is None else
             round(i["before_test"], 1),
             "interval calibration": i["calibration"],
             "season": f"{tr['season']} ({tr['season_from']})",
             "scale": tr["kind"] + (", forecasts clipped at 0" if tr["non_negative"] else ""),
             "window (steps the network sees)": tr["window"],
             "what the network sees": {"profile": "the series minus a seasonal profile "
                                       "(changes and level)", "differences":
                                       "seasonal differences", "hybrid": "seasonal differences "
                                       "minus their mean: it corrects seasonal naive with "
                                       "drift"}[tr["representation"]],
             "train / validation / test values": "{train} / {validation} / {test}".format(
                 **metrics["split"]),
             "epochs run (per network)": ", ".join(map(str, metrics["epochs_run"]))}
    images = [("forecast.png", "History, held-out truth, the model with its interval band, "
               "the strongest baseline"), ("curves.png", "Learning curves")]
    write_report(folder, f"Forecast: {metrics['column']}", summary, table, images, extra)
