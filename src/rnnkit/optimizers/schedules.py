"""Learning-rate schedules, as Keras names them: `Adam(ExponentialDecay(1e-3, 1000, 0.9))`.

A schedule maps the optimizer's step count (0 for the first update) to a learning rate;
`fit` sets the rate before every update. With s the step:

    ExponentialDecay(lr0, n, r):        lr0 * r^(s / n)        (s // n with staircase=True)
    InverseTimeDecay(lr0, n, r):        lr0 / (1 + r * s / n)  (s // n with staircase=True)
    PolynomialDecay(lr0, n, end, p):    (lr0 - end) * (1 - min(s, n) / n)^p + end
    PiecewiseConstantDecay(b, v):       v[0] for s <= b[0], v[i] for b[i-1] < s <= b[i], v[-1] after
    CosineDecay(lr0, n, alpha):         lr0 * ((1 - alpha) * (1 + cos(pi * min(s, n) / n)) / 2 + alpha)
                                        (after a linear warmup to warmup_target over
                                        warmup_steps, when given)
    CosineDecayRestarts(lr0, n, t_mul, m_mul, alpha): cosine periods of n, n*t_mul, ...,
                                        each starting m_mul times lower

>>> ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)(20)
0.025
>>> PiecewiseConstantDecay([100, 200], [1.0, 0.5, 0.1])(150)
0.5
"""
from __future__ import annotations

import math
from typing import Any


def _positive(value, name: str, allow_zero: bool = False) -> float:
    ok = (not isinstance(value, bool) and isinstance(value, (int, float))
          and math.isfinite(value) and (value >= 0 if allow_zero else value > 0))
    if not ok:
        raise ValueError(f"{name} must be a {'non-negative' if allow_zero else 'positive'} "
                         f"number, got {value!r}.")
    return float(value)


class LearningRateSchedule:
    """Base class: `__call__(step) -> learning rate`, and `get_config()`."""

    def __call__(self, step: int) -> float:
        raise NotImplementedError(f"{type(self).__name__} must define __call__(self, step).")

    def get_config(self) -> dict[str, Any]:
        return {}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "LearningRateSchedule":
        return cls(**config)


class ExponentialDecay(LearningRateSchedule):
    def __init__(self, initial_learning_rate: float, decay_steps: int, decay_rate: float,
                 staircase: bool = False, name: str = "ExponentialDecay"):
        self.initial_learning_rate = _positive(initial_learning_rate, "initial_learning_rate",
                                               allow_zero=True)
        self.decay_steps = _positive(decay_steps, "decay_steps")
        self.decay_rate = _positive(decay_rate, "decay_rate", allow_zero=True)
        self.staircase, self.name = bool(staircase), name

    def __call__(self, step: int) -> float:
        p = step / self.decay_steps
        return self.initial_learning_rate * self.decay_rate ** (math.floor(p) if self.staircase
                                                                 else p)

    def get_config(self) -> dict[str, Any]:
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


class InverseTimeDecay(ExponentialDecay):
    def __call__(self, step: int) -> float:
        p = step / self.decay_steps
        return self.initial_learning_rate / (1 + self.decay_rate * (math.floor(p)
                                                                     if self.staircase else p))


class PolynomialDecay(LearningRateSchedule):
    def __init__(self, initial_learning_rate: float, decay_steps: int,
                 end_learning_rate: float = 0.0001, power: float = 1.0, cycle: bool = False,
                 name: str = "PolynomialDecay"):
        self.initial_learning_rate = _positive(initial_learning_rate, "initial_learning_rate",
                                               allow_zero=True)
        self.decay_steps = _positive(decay_steps, "decay_steps")
        self.end_learning_rate = _positive(end_learning_rate, "end_learning_rate",
                                           allow_zero=True)
        self.power, self.cycle, self.name = _positive(power, "power"), bool(cycle), name

    def __call__(self, step: int) -> float:
        n = self.decay_steps
        if self.cycle:
            n = n * max(1, math.ceil(step / n))
        else:
            step = min(step, n)
        frac = (1 - step / n) ** self.power
        return (self.initial_learning_rate - self.end_learning_rate) * frac + \
            self.end_learning_rate

    def get_config(self) -> dict[str, Any]:
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "end_learning_rate": self.end_learning_rate,
                "power": self.power, "cycle": self.cycle, "name": self.name}


class PiecewiseConstantDecay(LearningRateSchedule):
    def __init__(self, boundaries: list, values: list, name: str = "PiecewiseConstant"):
        if len(values) != len(boundaries) + 1:
            raise ValueError(f"PiecewiseConstantDecay needs one more value than boundaries, got "
                             f"{len(boundaries)} boundaries and {len(values)} values.")
        if list(boundaries) != sorted(boundaries):
            raise ValueError(f"PiecewiseConstantDecay boundaries must increase, got "
                             f"{list(boundaries)}.")
        self.boundaries, self.values, self.name = list(boundaries), list(values), name

    def __call__(self, step: int) -> float:
        for boundary, value in zip(self.boundaries, self.values):
            if step <= boundary:
                return float(value)
        return float(self.values[-1])

    def get_config(self) -> dict[str, Any]:
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class CosineDecay(LearningRateSchedule):
    def __init__(self, initial_learning_rate: float, decay_steps: int, alpha: float = 0.0,
                 name: str = "CosineDecay", warmup_target: float | None = None,
                 warmup_steps: int = 0):
        self.initial_learning_rate = _positive(initial_learning_rate, "initial_learning_rate",
                                               allow_zero=True)
        self.decay_steps = _positive(decay_steps, "decay_steps")
        self.alpha = _positive(alpha, "alpha", allow_zero=True)
        self.warmup_target = None if warmup_target is None else \
            _positive(warmup_target, "warmup_target", allow_zero=True)
        self.warmup_steps = _positive(warmup_steps, "warmup_steps", allow_zero=True)
        self.name = name

    def __call__(self, step: int) -> float:
        start = self.initial_learning_rate
        if self.warmup_target is not None:
            if step < self.warmup_steps:
                return start + (self.warmup_target - start) * step / self.warmup_steps
            start, step = self.warmup_target, step - self.warmup_steps
        done = min(step, self.decay_steps) / self.decay_steps
        cosine = 0.5 * (1 + math.cos(math.pi * done))
        return start * ((1 - self.alpha) * cosine + self.alpha)

    def get_config(self) -> dict[str, Any]:
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "alpha": self.alpha, "name": self.name,
                "warmup_target": self.warmup_target, "warmup_steps": self.warmup_steps}


class CosineDecayRestarts(LearningRateSchedule):
    def __init__(self, initial_learning_rate: float, first_decay_steps: int,
                 t_mul: float = 2.0, m_mul: float = 1.0, alpha: float = 0.0,
                 name: str = "SGDRDecay"):
        self.initial_learning_rate = _positive(initial_learning_rate, "initial_learning_rate",
                                               allow_zero=True)
        self.first_decay_steps = _positive(first_decay_steps, "first_decay_steps")
        self.t_mul, self.m_mul = _positive(t_mul, "t_mul"), _positive(m_mul, "m_mul")
        self.alpha, self.name = _positive(alpha, "alpha", allow_zero=True), name

    def __call__(self, step: int) -> float:
        done = step / self.first_decay_steps
        if self.t_mul == 1.0:
            restarts = math.floor(done)
            done -= restarts
        else:
            restarts = math.floor(math.log(1 - done * (1 - self.t_mul)) / math.log(self.t_mul))
            total = (1 - self.t_mul ** restarts) / (1 - self.t_mul)
            done = (done - total) / self.t_mul ** restarts
        cosine = 0.5 * self.m_mul ** restarts * (1 + math.cos(math.pi * done))
        return self.initial_learning_rate * ((1 - self.alpha) * cosine + self.alpha)

    def get_config(self) -> dict[str, Any]:
        return {"initial_learning_rate": self.initial_learning_rate,
                "first_decay_steps": self.first_decay_steps, "t_mul": self.t_mul,
                "m_mul": self.m_mul, "alpha": self.alpha, "name": self.name}


_CLASSES = {c.__name__: c for c in (ExponentialDecay, InverseTimeDecay, PolynomialDecay,
                                    PiecewiseConstantDecay, CosineDecay, CosineDecayRestarts)}


def serialize(schedule: LearningRateSchedule) -> dict[str, Any]:
    return {"class_name": type(schedule).__name__, "config": schedule.get_config()}


def deserialize(config: dict[str, Any]) -> LearningRateSchedule:
    name = config.get("class_name")
    if name not in _CLASSES:
        raise ValueError(f"Unknown learning-rate schedule {name!r}. Known: "
                         f"{', '.join(_CLASSES)}.")
    return _CLASSES[name].from_config(dict(config.get("config") or {}))
