"""Weight initializers with Keras's names and arguments, applied to tensors in PyTorch's layout.

    layer = LSTM(32, kernel_initializer=RandomNormal(stddev=0.01, seed=1))
    layer = Dense(8, kernel_initializer="glorot_uniform")

An initializer is called in one of two ways:

- `init(tensor)` fills a tensor in place in PyTorch's layout (what rnnkit's layers do): a
  kernel is (fan_out, fan_in, *kernel_size) as in nn.Linear / nn.Conv1d;
- `init(shape)` returns a new tensor in Keras's layout (what Keras programs do): a kernel is
  (*kernel_size, fan_in, fan_out).

The fans are the same either way, so the two calls draw from the same distribution. The
variance-scaling family draws with std or limit from

    n = fan_in | fan_out | (fan_in + fan_out) / 2        (mode)
    uniform:            U(-sqrt(3 s / n), sqrt(3 s / n))
    truncated normal:   N(0, sqrt(s / n) / 0.8796) cut at 2 std (0.8796 restores the std)

    GlorotUniform = VarianceScaling(1, "fan_avg", "uniform"), HeNormal = (2, "fan_in", ...),
    LecunNormal = (1, "fan_in", "truncated_normal"), ...

With `seed=` an initializer draws the same values at every call, as in Keras 3.

    >>> w = torch.empty(3, 2)
    >>> Ones()(w).tolist()
    [[1.0, 1.0], [1.0, 1.0], [1.0, 1.0]]
    >>> Constant(0.5)(shape=(2, 2)).tolist()
    [[0.5, 0.5], [0.5, 0.5]]
    >>> init = get("glorot_uniform")
    >>> bound = (6 / (3 + 2)) ** 0.5
    >>> bool(init(torch.empty(3, 2)).abs().max() <= bound)
    True
"""
from __future__ import annotations

import inspect
import math
from typing import Any, Callable

import numpy as np
import torch
from torch import Tensor

# std of N(0, 1) cut at +-2, to correct the std of a truncated normal (Keras's constant)
_TRUNCATED_STD = 0.87962566103423978


def _fans_torch(shape: tuple) -> tuple[int, int]:
    """(fan_in, fan_out) of a tensor in PyTorch's layout (out, in, *kernel_size)."""
    if len(shape) < 1:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


def _fans_keras(shape: tuple) -> tuple[int, int]:
    """(fan_in, fan_out) of a shape in Keras's layout (*kernel_size, in, out)."""
    if len(shape) < 1:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive = math.prod(shape[:-2])
    return shape[-2] * receptive, shape[-1] * receptive


def _truncated_normal_(t: Tensor, mean: float, std: float, generator) -> Tensor:
    """N(mean, std) cut at mean +- 2 std."""
    return torch.nn.init.trunc_normal_(t, mean, std, a=mean - 2 * std, b=mean + 2 * std,
                                       generator=generator)


class Initializer:
    """Base class: subclasses implement `fill_(tensor, fan_in, fan_out, generator)`."""

    seed: int | None = None

    def __call__(self, shape, dtype=None) -> Tensor:
        """Fill `shape` in place when it is a tensor (PyTorch layout); else a new tensor of
        that shape in Keras's layout (`init(shape=(3, 4))`, as Keras programs call it)."""
        if isinstance(shape, Tensor):                           # rnnkit: fill in place
            t = shape
            fan_in, fan_out = _fans_torch(tuple(t.shape))
        else:                                                   # Keras: a new tensor
            try:
                dims = tuple(int(d) for d in shape)
            except TypeError:
                raise TypeError(
                    f"{type(self).__name__} expects a shape such as (3, 4) or a tensor to fill, "
                    f"got {shape!r}.") from None
            t = torch.empty(dims, dtype=_torch_dtype(dtype))
            fan_in, fan_out = _fans_keras(dims)
        generator = None
        if self.seed is not None:                               # same values at every call
            generator = torch.Generator().manual_seed(int(self.seed))
        with torch.no_grad():
            return self.fill_(t, fan_in, fan_out, generator)

    def fill_(self, t: Tensor, fan_in: int, fan_out: int, generator) -> Tensor:
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        return {}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "Initializer":
        return cls(**config)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"

    def __eq__(self, other) -> bool:
        return type(self) is type(other) and self.get_config() == other.get_config()

    __hash__ = object.__hash__


def _torch_dtype(dtype) -> torch.dtype:
    if dtype is None:
        return torch.get_default_dtype()
    return dtype if isinstance(dtype, torch.dtype) else getattr(torch, str(dtype))


class Constant(Initializer):
    """Every entry equal to `value`, or the array `value` itself: the Keras idiom for
    pretrained embeddings, `Embedding(V, E, embeddings_initializer=Constant(matrix))`.

    An array in Keras's layout is moved to PyTorch's when the shapes say so (a Dense kernel
    (in, out) fills W (out, in)); an array already of the weight's shape is copied as is
    (an Embedding table is (V, E) in both).
    """

    def __init__(self, value=0.0):
        array = np.asarray(value, dtype=np.float32)
        self.value = float(array) if array.ndim == 0 else array

    def fill_(self, t, fan_in, fan_out, generator):
        if isinstance(self.value, float):
            return t.fill_(self.value)
        value = torch.as_tensor(self.value, dtype=t.dtype)
        if tuple(value.shape) != tuple(t.shape) and value.dim() >= 2:
            value = value.permute(value.dim() - 1, value.dim() - 2, *range(value.dim() - 2))
        if tuple(value.shape) != tuple(t.shape):
            raise ValueError(f"Constant holds an array of shape {tuple(self.value.shape)}, the "
                             f"weight is {tuple(t.shape)} (PyTorch layout). Give an array of the "
                             "weight's shape, e.g. (input_dim, output_dim) for an Embedding.")
        return t.copy_(value)

    def get_config(self):
        return {"value": self.value if isinstance(self.value, float) else self.value.tolist()}


class Zeros(Constant):
    def __init__(self):
        super().__init__(0.0)

    def get_config(self):
        return {}


class Ones(Constant):
    def __init__(self):
        super().__init__(1.0)

    def get_config(self):
        return {}


class RandomNormal(Initializer):
    """w ~ N(mean, stddev)."""

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: int | None = None):
        self.mean, self.stddev, self.seed = float(mean), float(stddev), _check_seed(seed)

    def fill_(self, t, fan_in, fan_out, generator):
        return t.normal_(self.mean, self.stddev, generator=generator)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class RandomUniform(Initializer):
    """w ~ U(minval, maxval)."""

    def __init__(self, minval: float = -0.05, maxval: float = 0.05, seed: int | None = None):
        if not minval < maxval:
            raise ValueError(f"RandomUniform needs minval < maxval, got minval={minval}, "
                             f"maxval={maxval}.")
        self.minval, self.maxval, self.seed = float(minval), float(maxval), _check_seed(seed)

    def fill_(self, t, fan_in, fan_out, generator):
        return t.uniform_(self.minval, self.maxval, generator=generator)

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


class TruncatedNormal(Initializer):
    """w ~ N(mean, stddev), redrawn beyond 2 stddev from the mean."""

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: int | None = None):
        self.mean, self.stddev, self.seed = float(mean), float(stddev), _check_seed(seed)

    def fill_(self, t, fan_in, fan_out, generator):
        return _truncated_normal_(t, self.mean, self.stddev, generator)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class VarianceScaling(Initializer):
    """Draws with variance scale / n, n from the fans by `mode` (see the module docstring)."""

    MODES = ("fan_in", "fan_out", "fan_avg")
    DISTRIBUTIONS = ("truncated_normal", "untruncated_normal", "uniform")

    def __init__(self, scale: float = 1.0, mode: str = "fan_in",
                 distribution: str = "truncated_normal", seed: int | None = None):
        if distribution == "normal":                   # Keras 2's name for truncated_normal
            distribution = "truncated_normal"
        if not scale > 0:
            raise ValueError(f"VarianceScaling scale must be positive, got {scale!r}.")
        if mode not in self.MODES:
            raise ValueError(f"VarianceScaling mode must be one of {self.MODES}, got {mode!r}.")
        if distribution not in self.DISTRIBUTIONS:
            raise ValueError(f"VarianceScaling distribution must be one of "
                             f"{self.DISTRIBUTIONS}, got {distribution!r}.")
        self.scale, self.mode, self.distribution = float(scale), mode, distribution
        self.seed = _check_seed(seed)

    def fill_(self, t, fan_in, fan_out, generator):
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        variance = self.scale / max(1.0, n)
        if self.distribution == "uniform":
            limit = math.sqrt(3.0 * variance)
            return t.uniform_(-limit, limit, generator=generator)
        if self.distribution == "untruncated_normal":
            return t.normal_(0.0, math.sqrt(variance), generator=generator)
        return _truncated_normal_(t, 0.0, math.sqrt(variance) / _TRUNCATED_STD, generator)

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution,
                "seed": self.seed}


def _scaled(name: str, scale: float, mode: str, distribution: str, doc: str) -> type:
    """A named VarianceScaling with fixed arguments and only `seed` to choose (as Keras's)."""
    def __init__(self, seed: int | None = None):
        VarianceScaling.__init__(self, scale, mode, distribution, seed)

    def get_config(self):
        return {"seed": self.seed}

    return type(name, (VarianceScaling,), {"__init__": __init__, "get_config": get_config,
                                           "__doc__": doc, "__module__": __name__})


GlorotUniform = _scaled("GlorotUniform", 1.0, "fan_avg", "uniform",
                        "Glorot (Xavier) uniform: U(-l, l), l = sqrt(6 / (fan_in + fan_out)).")
GlorotNormal = _scaled("GlorotNormal", 1.0, "fan_avg", "truncated_normal",
                       "Glorot (Xavier) normal: std sqrt(2 / (fan_in + fan_out)), truncated.")
HeUniform = _scaled("HeUniform", 2.0, "fan_in", "uniform",
                    "He uniform: U(-l, l), l = sqrt(6 / fan_in).")
HeNormal = _scaled("HeNormal", 2.0, "fan_in", "truncated_normal",
                   "He normal: std sqrt(2 / fan_in), truncated.")
LecunUniform = _scaled("LecunUniform", 1.0, "fan_in", "uniform",
                       "LeCun uniform: U(-l, l), l = sqrt(3 / fan_in).")
LecunNormal = _scaled("LecunNormal", 1.0, "fan_in", "truncated_normal",
                      "LeCun normal: std sqrt(1 / fan_in), truncated.")


class Orthogonal(Initializer):
    """W = gain * Q, Q from the QR decomposition of a normal matrix (signs made unique): the
    rows (or columns, whichever are fewer) are orthonormal. The default recurrent kernel."""

    def __init__(self, gain: float = 1.0, seed: int | None = None):
        self.gain, self.seed = float(gain), _check_seed(seed)

    def fill_(self, t, fan_in, fan_out, generator):
        if t.dim() < 2:
            raise ValueError(f"Orthogonal needs a tensor of at least 2 dimensions, got shape "
                             f"{tuple(t.shape)}. Use it for kernels, not biases.")
        return torch.nn.init.orthogonal_(t, self.gain, generator=generator)

    def get_config(self):
        return {"gain": self.gain, "seed": self.seed}


class Identity(Initializer):
    """gain * I for a 2-D kernel (non-square: ones on the main diagonal)."""

    def __init__(self, gain: float = 1.0):
        self.gain = float(gain)

    def fill_(self, t, fan_in, fan_out, generator):
        if t.dim() != 2:
            raise ValueError(f"Identity needs a 2-D kernel, got shape {tuple(t.shape)}.")
        return t.copy_(self.gain * torch.eye(*t.shape))

    def get_config(self):
        return {"gain": self.gain}


def _check_seed(seed) -> int | None:
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise TypeError(f"seed must be an integer or None, got {seed!r}.")
    return seed


CLASSES = [Constant, Zeros, Ones, RandomNormal, RandomUniform, TruncatedNormal, VarianceScaling,
           GlorotUniform, GlorotNormal, HeUniform, HeNormal, LecunUniform, LecunNormal,
           Orthogonal, Identity]


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() and i else c.lower()
                   for i, c in enumerate(name))


INITIALIZERS: dict[str, type[Initializer]] = {
    **{c.__name__: c for c in CLASSES}, **{_snake(c.__name__): c for c in CLASSES},
    "uniform": RandomUniform, "normal": RandomNormal, "zero": Zeros, "one": Ones,
    "IdentityInitializer": Identity, "OrthogonalInitializer": Orthogonal,
}


def _functional(cls: type[Initializer]) -> Callable:
    """The lowercase spelling: fills a tensor, or with no tensor returns an instance."""
    def init(t: Tensor | None = None, **kwargs):
        instance = cls(**kwargs)
        return instance if t is None else instance(t)
    init.__name__ = _snake(cls.__name__)
    init.__doc__ = cls.__doc__
    return init


glorot_uniform, glorot_normal = _functional(GlorotUniform), _functional(GlorotNormal)
he_uniform, he_normal = _functional(HeUniform), _functional(HeNormal)
lecun_uniform, lecun_normal = _functional(LecunUniform), _functional(LecunNormal)
orthogonal, identity = _functional(Orthogonal), _functional(Identity)
zeros, ones, constant = _functional(Zeros), _functional(Ones), _functional(Constant)
random_uniform, random_normal = _functional(RandomUniform), _functional(RandomNormal)
truncated_normal, variance_scaling = _functional(TruncatedNormal), _functional(VarianceScaling)


class _KerasFunction(Initializer):
    """A Keras-style function f(shape, dtype=None) -> array, filled into PyTorch's layout:
    Keras's (*kernel_size, in, out) becomes (out, in, *kernel_size)."""

    def __init__(self, fn: Callable):
        self.fn = fn

    def fill_(self, t, fan_in, fan_out, generator):
        shape = tuple(t.shape)
        keras_shape = shape if len(shape) < 2 else (*shape[2:], shape[1], shape[0])
        value = torch.as_tensor(_to_numpy(self.fn(keras_shape, dtype="float32")))
        if tuple(value.shape) != keras_shape:
            raise ValueError(f"Initializer {self.fn!r} returned shape {tuple(value.shape)} for "
                             f"the requested shape {keras_shape}.")
        if value.dim() >= 2:
            value = value.permute(value.dim() - 1, value.dim() - 2, *range(value.dim() - 2))
        return t.copy_(value)


def _to_numpy(value):
    return value.detach().cpu() if isinstance(value, Tensor) else value


def serialize(initializer) -> str | dict[str, Any]:
    """A name stays a name; an Initializer becomes {"class_name": ..., "config": {...}}."""
    if isinstance(initializer, Initializer) and not isinstance(initializer, _KerasFunction):
        return {"class_name": type(initializer).__name__, "config": initializer.get_config()}
    return initializer


def deserialize(config: dict[str, Any]) -> Initializer:
    """An Initializer from {"class_name": ..., "config": {...}} (extra Keras keys ignored)."""
    name = config.get("class_name")
    if name not in INITIALIZERS:
        raise ValueError(f"Unknown initializer class {name!r}. Available: "
                         f"{', '.join(sorted(c.__name__ for c in CLASSES))}.")
    return INITIALIZERS[name].from_config(dict(config.get("config") or {}))


def get(identifier) -> Callable[[Tensor], Tensor]:
    """A callable that fills a tensor in place, from a name, a config dict, an Initializer
    (instance or class), a function f(tensor) or a Keras function f(shape, dtype=None)."""
    if isinstance(identifier, str):
        if identifier not in INITIALIZERS:
            names = sorted({_snake(c.__name__) for c in CLASSES})
            raise ValueError(f"Unknown initializer {identifier!r}. Available: {', '.join(names)} "
                             "(or their class names, such as 'GlorotUniform').")
        return INITIALIZERS[identifier]()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, type) and issubclass(identifier, Initializer):
        return identifier()
    if isinstance(identifier, Initializer):
        return identifier
    if callable(identifier):
        params = _parameter_names(identifier)
        return _KerasFunction(identifier) if params[:1] == ["shape"] else identifier
    raise TypeError(f"initializer must be a name such as 'glorot_uniform', an initializer such "
                    f"as RandomNormal(stddev=0.01) or a function, got "
                    f"{type(identifier).__name__}.")


def _parameter_names(fn: Callable) -> list[str]:
    try:
        return list(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        return []
