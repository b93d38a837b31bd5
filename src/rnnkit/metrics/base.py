"""The metric protocol: a metric is accumulated over an epoch from sums, one small vector a
batch, and read once.

    statistics(y_true, y_pred, weight) -> (k,) tensor   summed over the epoch's batches
    result_from(totals)                -> scalar        the epoch's value

Keras-style subclasses that keep their own state instead (add_weight + update_state +
result) work too: EpochMetrics calls their update_state each batch and result once.

    >>> from rnnkit.metrics import MeanAbsoluteError
    >>> mae = MeanAbsoluteError()
    >>> mae.update_state(torch.tensor([[1.0], [2.0]]), torch.tensor([[1.5], [2.0]]))
    >>> round(float(mae.result()), 4)
    0.25
"""
from __future__ import annotations

from typing import Any, Callable

import torch
from torch import Tensor

from ..losses import _snake, _tensors


class Variable(torch.Tensor):
    """A metric's state made by add_weight: a tensor with Keras's assign methods."""

    @staticmethod
    def __new__(cls, data: Tensor):
        return torch.Tensor._make_subclass(cls, data)

    def assign(self, value) -> "Variable":
        with torch.no_grad():
            self.copy_(torch.as_tensor(value, dtype=self.dtype).detach())
        return self

    def assign_add(self, value) -> "Variable":
        with torch.no_grad():
            self.add_(torch.as_tensor(value, dtype=self.dtype).detach())
        return self

    def assign_sub(self, value) -> "Variable":
        with torch.no_grad():
            self.sub_(torch.as_tensor(value, dtype=self.dtype).detach())
        return self

    @property
    def value(self) -> Tensor:
        return self.as_subclass(torch.Tensor)


class Metric:
    """Keras's metric base class over sums: subclasses define `width` (the number of sums),
    `statistics(y_true, y_pred, weight)` and `result_from(totals)`; or, as in Keras, state
    from add_weight() with their own update_state() and result()."""

    width = 2

    def __init__(self, name: str | None = None, dtype=None):
        self.name = name or _snake(type(self).__name__)
        self.dtype = dtype
        self.totals = torch.zeros(self.width, dtype=torch.float64)
        self._variables: list[tuple[Variable, Any]] = []

    def add_weight(self, name: str | None = None, shape=(), initializer="zeros",
                   dtype=None) -> Variable:
        """State for a Keras-style subclass; reset_state() puts it back to `initializer`."""
        from .. import initializers
        t = torch.zeros(tuple(shape), dtype=getattr(torch, dtype) if isinstance(dtype, str)
                        else (dtype or torch.float32))
        variable = Variable(initializers.get(initializer)(t))
        self._variables.append((variable, initializer))
        return variable

    add_variable = add_weight          # Keras 3's other spelling

    def statistics(self, y_true, y_pred, weight: Tensor | None = None) -> Tensor:
        raise NotImplementedError

    def result_from(self, totals: Tensor) -> Tensor:
        raise NotImplementedError

    # -- Keras's standalone API -------------------------------------------------------------
    def reset_state(self) -> None:
        self.totals = torch.zeros(self.width, dtype=torch.float64)
        from .. import initializers
        for variable, initializer in self._variables:
            with torch.no_grad():
                initializers.get(initializer)(variable)

    reset_states = reset_state            # Keras 2's spelling

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        y_true, y_pred = _tensors(y_true, y_pred, integer_labels=True)
        w = None if sample_weight is None else torch.as_tensor(sample_weight, dtype=torch.float32)
        self.totals = self.totals + self.statistics(y_true, y_pred.detach(), w).double().cpu()

    def result(self) -> Tensor:
        return self.result_from(self.totals).float()

    def __call__(self, y_true, y_pred, sample_weight=None) -> Tensor:
        self.update_state(y_true, y_pred, sample_weight)
        return self.result()

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "Metric":
        return cls(**config)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"



def _weighted(values: Tensor, weight: Tensor | None) -> tuple[Tensor, Tensor]:
    """(sum w v, sum w), with w broadcast over v's trailing axes (w may be a (B, T) mask)."""
    values = values.float()
    if weight is None:
        return values.sum(), torch.tensor(float(values.numel()), device=values.device)
    w = weight.to(values.device, values.dtype)
    w = w.reshape(w.shape + (1,) * (values.dim() - w.dim())).expand_as(values)
    return (values * w).sum(), w.sum()


class MeanMetricWrapper(Metric):
    """The weighted mean of a per-sample function fn(y_true, y_pred, **kwargs)."""

    def __init__(self, fn: Callable[..., Tensor], name: str | None = None, dtype=None,
                 **kwargs):
        self.fn, self.kwargs = fn, kwargs
        super().__init__(name or getattr(fn, "__name__", "metric"), dtype)

    def per_sample(self, y_true, y_pred) -> Tensor:
        return self.fn(y_true, y_pred, **self.kwargs)

    def statistics(self, y_true, y_pred, weight=None) -> Tensor:
        return torch.stack(_weighted(self.per_sample(y_true, y_pred), weight))

    def result_from(self, totals: Tensor) -> Tensor:
        return totals[0] / totals[1].clamp(min=1e-12)

    def get_config(self):
        return {"name": self.name, **self.kwargs}



class EpochMetrics:
    """The sums of several metrics over an epoch, in one flat tensor: the fit loop adds
    `batch(y_true, y_pred, mask)` each batch and reads `results(totals)` once an epoch."""

    def __init__(self, metrics: list[tuple[str, Metric]]):
        self.names = [name for name, _ in metrics]
        self.metrics = [metric for _, metric in metrics]
        self.stateful = [keeps_own_state(m) for m in self.metrics]
        self.widths = [0 if own else m.width for m, own in zip(self.metrics, self.stateful)]

    def reset(self) -> None:
        """Start a pass (an epoch, an evaluation): metrics that keep their own state forget it."""
        for m, own in zip(self.metrics, self.stateful):
            if own:
                m.reset_state()

    def zeros(self, device) -> Tensor:
        """The sums of a new pass, after reset()."""
        self.reset()
        return torch.zeros(sum(self.widths), device=device)

    def batch(self, y_true: Tensor, y_pred: Tensor, mask: Tensor | None = None) -> Tensor:
        parts = [torch.zeros(0, device=y_pred.device)]
        for m, own in zip(self.metrics, self.stateful):
            if own:
                with torch.no_grad():
                    m.update_state(y_true, y_pred, sample_weight=mask)
            else:
                parts.append(m.statistics(y_true, y_pred, mask).float().reshape(-1))
        return torch.cat(parts)

    def results(self, totals: Tensor | list[float]) -> dict[str, float]:
        """Each metric's value from the pass's totals (a tensor, or its .tolist())."""
        values = totals.double().tolist() if isinstance(totals, Tensor) else totals
        out, pos = {}, 0
        for name, m, own, width in zip(self.names, self.metrics, self.stateful, self.widths):
            part = values[pos:pos + width]
            pos += width
            if own:
                out[name] = float(m.result())
            elif type(m).result_from is MeanMetricWrapper.result_from:   # plain Python
                out[name] = part[0] / max(part[1], 1e-12)
            else:
                out[name] = float(m.result_from(torch.tensor(part, dtype=torch.float64)))
        return out


def keeps_own_state(metric: Metric) -> bool:
    """A Keras-style subclass: its own update_state, no statistics()."""
    cls = type(metric)
    return cls.statistics is Metric.statistics and cls.update_state is not Metric.update_state


