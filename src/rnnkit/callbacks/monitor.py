"""Watching one metric: which direction is better, reading it from the logs, comparing."""

from __future__ import annotations

import warnings

MODES = ("auto", "min", "max")
_HIGHER_IS_BETTER = ("acc", "auc")  # accuracy, val_accuracy, auc, ...


def check_monitor(monitor, mode, owner):
    """Validate the `monitor` and `mode` arguments of `owner` (a class name, for the message)."""
    if not isinstance(monitor, str) or not monitor:
        raise TypeError(
            f"{owner} expects monitor to be a metric name such as 'val_loss', got {monitor!r}.")
    if mode not in MODES:
        raise ValueError(
            f"{owner} got mode={mode!r}; expected 'auto', 'min' or 'max'. Use 'min' for "
            "losses and errors, 'max' for scores such as accuracy, or 'auto' to infer it.")


def resolve_mode(mode, monitor):
    """'auto' becomes 'max' for accuracy- and AUC-like names, 'min' for everything else.

    >>> resolve_mode("auto", "val_accuracy"), resolve_mode("auto", "val_loss")
    ('max', 'min')
    """
    if mode != "auto":
        return mode
    return "max" if any(hint in monitor.lower() for hint in _HIGHER_IS_BETTER) else "min"


def is_improvement(mode, current, reference, min_delta=0.0):
    """True if `current` beats `reference` by more than `min_delta` (None is always beaten).

    >>> is_improvement("min", 0.9, 1.0, min_delta=0.05), is_improvement("min", 0.97, 1.0, 0.05)
    (True, False)
    """
    if reference is None:
        return True
    if mode == "min":
        return current < reference - min_delta
    return current > reference + min_delta


def get_monitor_value(logs, monitor, owner, consequence=""):
    """logs[monitor] as a float, or None with a warning that names the available keys."""
    logs = logs or {}
    value = logs.get(monitor)
    if value is None:
        available = ", ".join(logs) or "(none)"
        hint = (" Pass validation_data (or validation_split) to fit to get val_ metrics."
                if monitor.startswith("val_") else "")
        warnings.warn(
            f"{owner} is conditioned on metric {monitor!r}, which is not available. "
            f"Available metrics are: {available}.{hint} {consequence}".rstrip(),
            UserWarning, stacklevel=3)
        return None
    return float(value)
