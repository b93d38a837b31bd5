"""compile()'s per-output arguments: one value, a list in output order, or a dict by name."""
from __future__ import annotations

from typing import Any


def per_output(spec, names: list[str], what: str, none_ok: bool, lists: bool = False
               ) -> list[Any]:
    """The value of `spec` for each output name.

    >>> per_output("mse", ["a", "b"], "loss", none_ok=False)
    ['mse', 'mse']
    >>> per_output({"b": 2.0}, ["a", "b"], "loss_weights", none_ok=True)
    [None, 2.0]
    >>> per_output(["acc"], ["a"], "metrics", none_ok=True, lists=True)
    [['acc']]
    """
    n = len(names)
    if spec is None:
        return [[] if lists else None] * n
    if isinstance(spec, dict):
        unknown = [k for k in spec if k not in names]
        if unknown:
            raise ValueError(f"compile({what}=...) names {unknown}, which are not outputs of the "
                             f"model. Its outputs: {names}.")
        missing = [k for k in names if k not in spec]
        if missing and not none_ok:
            raise ValueError(f"compile({what}=...) gives no {what} for the outputs {missing}. "
                             f"Give one for each of {names}.")
        values = [spec.get(k) for k in names]
        return [_as_list(v, what) for v in values] if lists else values
    if lists:
        if isinstance(spec, str) or not hasattr(spec, "__iter__"):
            raise TypeError(f"metrics must be a list such as ['accuracy'], got {spec!r}.")
        spec = list(spec)
        if n > 1 and spec and all(isinstance(m, (list, tuple)) or m is None for m in spec):
            if len(spec) != n:
                raise ValueError(f"compile(metrics=...) has {len(spec)} lists for {n} outputs "
                                 f"{names}; give one list per output or a dict by name.")
            return [_as_list(m, what) for m in spec]
        return [list(spec) for _ in names]
    if isinstance(spec, (list, tuple)):
        if len(spec) != n:
            raise ValueError(f"compile({what}=...) has {len(spec)} entries for {n} outputs "
                             f"{names}; give one per output, or a dict by output name.")
        return list(spec)
    return [spec] * n


def _as_list(value, what: str) -> list:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def compile_config(model) -> dict[str, Any]:
    """What a compiled model was compiled with, as JSON: optimizer config, loss names,
    metric names and loss weights (one value for one output, dicts by output name for several)."""
    spec = model._optimizer_spec
    opt = spec.get_config() if hasattr(spec, "get_config") else None
    names = model.output_names
    metrics = {name: [m for m in ids if isinstance(m, str)]
               for name, ids in zip(names, model._metric_ids)}
    losses = {name: loss.name for name, loss in zip(names, model.losses_)}
    if len(names) == 1:
        return {"optimizer": opt, "loss": model.losses_[0].name, "metrics": metrics[names[0]],
                "loss_weights": model.loss_weights_}
    return {"optimizer": opt, "loss": losses, "metrics": metrics,
            "loss_weights": dict(zip(names, model.loss_weights_))}
