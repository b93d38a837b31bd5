"""Optimizers with Keras's names and defaults, building torch.optim optimizers.

    compile(optimizer="adam")                         Keras defaults (lr 0.001, eps 1e-7)
    compile(optimizer=Adam(learning_rate=3e-3, clipnorm=1.0))
    compile(optimizer=torch.optim.SGD(model.parameters(), lr=0.1))   a built torch optimizer

clipnorm clips each weight's gradient to that norm (Keras's meaning), global_clipnorm the
norm of all gradients together, clipvalue each element. `learning_rate` may be a schedule
(`rnnkit.optimizers.schedules`): `fit` sets the rate from it before every update.

Adam and AdamW compute Keras's update, whose epsilon is added to sqrt(v) (torch adds it to the
bias-corrected sqrt(v / (1 - beta_2^t))): torch's eps is set before each step to match.

    >>> opt = Adam(learning_rate=3e-3, clipnorm=1.0)
    >>> built = opt.build([torch.nn.Parameter(torch.zeros(2))])
    >>> type(built).__name__, built.param_groups[0]["lr"]
    ('Adam', 0.003)
    >>> type(get("sgd")).__name__
    'SGD'
"""
from __future__ import annotations

import math

from typing import Any, Iterable

import torch
from torch import nn

from . import schedules
from .schedules import LearningRateSchedule


class Optimizer:
    """A Keras optimizer spec: a name, torch's class, the arguments and the clipping."""

    torch_class: type[torch.optim.Optimizer]
    defaults: dict[str, Any] = {}

    def __init__(self, learning_rate: float = 0.001, clipnorm: float | None = None,
                 clipvalue: float | None = None, global_clipnorm: float | None = None,
                 **hyper: Any):
        self.schedule = None
        if isinstance(learning_rate, LearningRateSchedule):
            self.schedule, learning_rate = learning_rate, learning_rate(0)
        if isinstance(learning_rate, bool) or not isinstance(learning_rate, (int, float)) \
                or not math.isfinite(learning_rate) or learning_rate < 0:
            raise ValueError(f"learning_rate must be a non-negative number, such as 0.001, or a "
                             f"schedule such as schedules.ExponentialDecay(1e-3, 1000, 0.9), "
                             f"got {learning_rate!r}.")
        for arg, value in (("clipnorm", clipnorm), ("clipvalue", clipvalue),
                           ("global_clipnorm", global_clipnorm)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))
                                      or not math.isfinite(value) or value <= 0):
                raise ValueError(f"{arg} must be a positive number or None, got {value!r}.")
        unknown = set(hyper) - set(self.defaults)
        if unknown:
            raise TypeError(
                f"{type(self).__name__} got unknown arguments {sorted(unknown)}. It takes "
                f"learning_rate, clipnorm, clipvalue, global_clipnorm, {', '.join(self.defaults)}.")
        self.learning_rate = float(learning_rate)
        self.clipnorm, self.clipvalue, self.global_clipnorm = clipnorm, clipvalue, global_clipnorm
        self.hyper = {**self.defaults, **hyper}

    def torch_kwargs(self) -> dict[str, Any]:
        return {"lr": self.learning_rate}

    fusable = False    # torch has a fused (one kernel for all weights) version on CPU and CUDA

    def build(self, params: Iterable[nn.Parameter]) -> torch.optim.Optimizer:
        """The torch optimizer; the fused kernel when torch has one for these weights (one
        kernel for every weight: a shorter step, BENCHMARKS.md), else the multi-tensor one."""
        params = list(params)
        if self.fusable and all(p.is_floating_point() and p.device.type in ("cpu", "cuda")
                                for p in params):
            try:
                return self.torch_class(params, **self.torch_kwargs(), fused=True)
            except (RuntimeError, TypeError, ValueError):
                pass
        return self.torch_class(params, **self.torch_kwargs(), foreach=True)

    def clip(self, params: list[nn.Parameter]) -> None:
        """Clip gradients in place before the step, as configured."""
        grads = [p for p in params if p.grad is not None]
        if self.clipvalue is not None:
            torch.nn.utils.clip_grad_value_(grads, self.clipvalue)
        if self.clipnorm is not None:
            for p in grads:                                # per weight, as Keras
                torch.nn.utils.clip_grad_norm_([p], self.clipnorm)
        if self.global_clipnorm is not None:
            torch.nn.utils.clip_grad_norm_(grads, self.global_clipnorm)

    @property
    def steps_hook(self) -> bool:
        """Whether `before_step` must run before every update."""
        return self.schedule is not None

    def before_step(self, optimizer: torch.optim.Optimizer) -> None:
        """Set the next update's rate from the schedule (Keras's rate at `iterations`, 0 for
        the first update). The step count lives in the torch optimizer's param groups, so it
        is saved and restored with its state."""
        step = optimizer.param_groups[0].get("iterations", 0)
        rate = None if self.schedule is None else float(self.schedule(step))
        for group in optimizer.param_groups:
            group["iterations"] = step + 1
            if rate is not None:
                group["lr"] = rate
        self._adjust(optimizer, step + 1)

    def _adjust(self, optimizer: torch.optim.Optimizer, t: int) -> None:
        """Per-step changes of torch's hyper-parameters so that it computes Keras's update."""

    @property
    def clips(self) -> bool:
        return any(v is not None for v in (self.clipnorm, self.clipvalue, self.global_clipnorm))

    def get_config(self) -> dict[str, Any]:
        rate = self.learning_rate if self.schedule is None else \
            schedules.serialize(self.schedule)
        return {"name": type(self).__name__.lower(), "learning_rate": rate,
                "clipnorm": self.clipnorm, "clipvalue": self.clipvalue,
                "global_clipnorm": self.global_clipnorm, **self.hyper}


class SGD(Optimizer):
    fusable = True
    torch_class = torch.optim.SGD
    defaults = {"momentum": 0.0, "nesterov": False, "weight_decay": 0.0}

    def __init__(self, learning_rate: float = 0.01, **kwargs: Any):
        super().__init__(learning_rate, **kwargs)

    def torch_kwargs(self):
        return {"lr": self.learning_rate, **self.hyper}


class RMSprop(Optimizer):
    torch_class = torch.optim.RMSprop
    defaults = {"rho": 0.9, "momentum": 0.0, "epsilon": 1e-7, "centered": False}

    def torch_kwargs(self):
        h = self.hyper
        return {"lr": self.learning_rate, "alpha": h["rho"], "momentum": h["momentum"],
                "eps": h["epsilon"], "centered": h["centered"]}


class Adam(Optimizer):
    fusable = True
    torch_class = torch.optim.Adam
    defaults = {"beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7, "amsgrad": False,
                "weight_decay": 0.0}

    def torch_kwargs(self):
        h = self.hyper
        return {"lr": self.learning_rate, "betas": (h["beta_1"], h["beta_2"]),
                "eps": h["epsilon"], "amsgrad": h["amsgrad"], "weight_decay": h["weight_decay"]}

    steps_hook = True

    def _adjust(self, optimizer: torch.optim.Optimizer, t: int) -> None:
        """Keras adds epsilon to sqrt(v), torch to sqrt(v / (1 - beta_2^t)): torch's update
        equals Keras's when its eps is epsilon / sqrt(1 - beta_2^t), set before step t."""
        eps = self.hyper["epsilon"] / math.sqrt(1.0 - self.hyper["beta_2"] ** t)
        for group in optimizer.param_groups:
            group["eps"] = eps


class AdamW(Adam):
    torch_class = torch.optim.AdamW
    defaults = {**Adam.defaults, "weight_decay": 0.004}


class Adagrad(Optimizer):
    fusable = True
    torch_class = torch.optim.Adagrad
    defaults = {"initial_accumulator_value": 0.1, "epsilon": 1e-7}

    def torch_kwargs(self):
        h = self.hyper
        return {"lr": self.learning_rate, "initial_accumulator_value":
                h["initial_accumulator_value"], "eps": h["epsilon"]}


class Adamax(Optimizer):
    torch_class = torch.optim.Adamax
    defaults = {"beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7}

    def torch_kwargs(self):
        h = self.hyper
        return {"lr": self.learning_rate, "betas": (h["beta_1"], h["beta_2"]),
                "eps": h["epsilon"]}


class Nadam(Adamax):
    """Adam with Nesterov momentum and Keras 3's momentum schedule
    mu_t = beta_1 (1 - 0.5 * 0.96^t) (torch's NAdam with momentum_decay=1)."""
    torch_class = torch.optim.NAdam

    def torch_kwargs(self):
        return {**super().torch_kwargs(), "momentum_decay": 1.0}


class Adadelta(Optimizer):
    torch_class = torch.optim.Adadelta
    defaults = {"rho": 0.95, "epsilon": 1e-7}

    def torch_kwargs(self):
        return {"lr": self.learning_rate, "rho": self.hyper["rho"], "eps": self.hyper["epsilon"]}


OPTIMIZERS: dict[str, type[Optimizer]] = {
    "sgd": SGD, "rmsprop": RMSprop, "adam": Adam, "adamw": AdamW, "adagrad": Adagrad,
    "nadam": Nadam, "adamax": Adamax, "adadelta": Adadelta,
}


def get(identifier) -> Optimizer | torch.optim.Optimizer:
    """An optimizer spec from a Keras name or spec, or a torch optimizer used as it is."""
    if isinstance(identifier, (Optimizer, torch.optim.Optimizer)):
        return identifier
    if isinstance(identifier, str):
        key = identifier.lower()
        if key not in OPTIMIZERS:
            raise ValueError(
                f"Unknown optimizer {identifier!r}. Available: {', '.join(sorted(OPTIMIZERS))}.")
        return OPTIMIZERS[key]()
    if isinstance(identifier, dict) and identifier.get("name") in OPTIMIZERS:
        config = dict(identifier)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = schedules.deserialize(config["learning_rate"])
        return OPTIMIZERS[config.pop("name")](**config)
    raise TypeError(
        f"optimizer must be a name such as 'adam', a rnnkit.optimizers.Optimizer or a "
        f"torch.optim.Optimizer, got {type(identifier).__name__}.")
