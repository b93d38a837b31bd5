"""Keras's backend functions that programs call: clear_session, floatx, epsilon, and the
Keras 2 math that custom losses and metrics are written in.

    from rnnkit import backend as K
    K.clear_session()          # fresh layer names (lstm, lstm_1, ... start over)

    def rmse(y_true, y_pred):  # a custom metric, as forecasting tutorials write it
        return K.sqrt(K.mean(K.square(y_pred - y_true), axis=-1))

    >>> floatx(), epsilon()
    ('float32', 1e-07)
    >>> y_true, y_pred = torch.tensor([[1.0, 2.0]]), torch.tensor([[1.0, 4.0]])
    >>> rmse = sqrt(mean(square(y_pred - y_true), axis=-1))       # Keras 2's math on torch
    >>> torch.allclose(rmse, torch.tensor([2.0 ** 0.5]))
    True
"""
from __future__ import annotations

import gc

import torch

_EPSILON = [1e-7]
_FLOATX = {"float16": torch.float16, "bfloat16": torch.bfloat16, "float32": torch.float32,
           "float64": torch.float64}


def clear_session(free_memory: bool = True) -> None:
    """Forget the layer names given so far and free memory. Models still referenced keep
    working: rnnkit has no global graph to reset."""
    from .layers import base
    base._name_counts.clear()
    if free_memory:
        gc.collect()
        if torch.cuda.is_available():
            torch.cuda.empty_cache()


def floatx() -> str:
    """The default float type of new weights: 'float32' unless set_floatx changed it."""
    return str(torch.get_default_dtype()).replace("torch.", "")


def set_floatx(value: str) -> None:
    """Make new weights and tensors use this float type (sets torch's default dtype)."""
    if value not in _FLOATX:
        raise ValueError(f"Unknown floatx {value!r}. Available: {', '.join(_FLOATX)}.")
    torch.set_default_dtype(_FLOATX[value])


def epsilon() -> float:
    """The fuzz factor of numeric expressions (1e-7, as Keras)."""
    return _EPSILON[0]


def set_epsilon(value: float) -> None:
    _EPSILON[0] = float(value)


def image_data_format() -> str:
    return "channels_last"


def backend() -> str:
    return "torch"


# -- Keras 2's backend math (`K.mean(K.square(y_pred - y_true))` in custom losses and metrics) --
# Each works on torch tensors (NumPy arrays and numbers are converted) and keeps autograd.

def _t(x) -> torch.Tensor:
    if isinstance(x, torch.Tensor):
        return x
    t = torch.as_tensor(x)
    return t.to(torch.get_default_dtype()) if t.is_floating_point() else t


def _reduce(fn_name: str):
    def reduce(x, axis=None, keepdims: bool = False) -> torch.Tensor:
        x = _t(x)
        if axis is None:
            out = getattr(x, fn_name)()
            return out.reshape([1] * x.dim()) if keepdims else out
        out = getattr(x, fn_name)(dim=axis, keepdim=keepdims)
        return out
    reduce.__name__ = fn_name
    reduce.__doc__ = f"{fn_name} over `axis` (all axes when None), as keras.backend.{fn_name}."
    return reduce


mean, sum, prod = _reduce("mean"), _reduce("sum"), _reduce("prod")     # noqa: A001 (Keras names)
max, min = _reduce("amax"), _reduce("amin")                            # noqa: A001


def std(x, axis=None, keepdims: bool = False) -> torch.Tensor:
    """Population standard deviation (Keras's, unlike torch's default unbiased one)."""
    x = _t(x)
    return x.std(dim=axis, keepdim=keepdims, unbiased=False)


def var(x, axis=None, keepdims: bool = False) -> torch.Tensor:
    """Population variance, as Keras."""
    x = _t(x)
    return x.var(dim=axis, keepdim=keepdims, unbiased=False)


def square(x): return _t(x).square()                                     # noqa: E704
def sqrt(x): return _t(x).clamp(min=0).sqrt()                            # noqa: E704
def abs(x): return _t(x).abs()                                           # noqa: E704,A001
def exp(x): return _t(x).exp()                                           # noqa: E704
def log(x): return _t(x).log()                                           # noqa: E704
def round(x): return _t(x).round()                                       # noqa: E704,A001
def sign(x): return _t(x).sign()                                         # noqa: E704
def pow(x, a): return _t(x).pow(a)                                       # noqa: E704,A001
def clip(x, lo, hi): return _t(x).clamp(lo, hi)                          # noqa: E704
def maximum(x, y): return torch.maximum(_t(x), _t(y))                    # noqa: E704
def minimum(x, y): return torch.minimum(_t(x), _t(y))                    # noqa: E704
def equal(x, y): return _t(x) == _t(y)                                   # noqa: E704
def argmax(x, axis=-1): return _t(x).argmax(dim=axis)                    # noqa: E704
def argmin(x, axis=-1): return _t(x).argmin(dim=axis)                    # noqa: E704
def sigmoid(x): return torch.sigmoid(_t(x))                              # noqa: E704
def tanh(x): return torch.tanh(_t(x))                                    # noqa: E704
def relu(x): return torch.relu(_t(x))                                    # noqa: E704
def softmax(x, axis=-1): return torch.softmax(_t(x), dim=axis)           # noqa: E704
def dot(x, y): return _t(x) @ _t(y)                                      # noqa: E704
def transpose(x): return _t(x).T                                         # noqa: E704
def reshape(x, shape): return _t(x).reshape(shape)                       # noqa: E704
def expand_dims(x, axis=-1): return _t(x).unsqueeze(axis)                # noqa: E704
def squeeze(x, axis): return _t(x).squeeze(axis)                         # noqa: E704
def flatten(x): return _t(x).reshape(-1)                                 # noqa: E704
def stack(xs, axis=0): return torch.stack([_t(x) for x in xs], dim=axis)  # noqa: E704
def concatenate(xs, axis=-1): return torch.cat([_t(x) for x in xs], dim=axis)  # noqa: E704
def zeros_like(x): return torch.zeros_like(_t(x))                        # noqa: E704
def ones_like(x): return torch.ones_like(_t(x))                          # noqa: E704
def int_shape(x): return tuple(_t(x).shape)                              # noqa: E704
def shape(x): return tuple(_t(x).shape)                                  # noqa: E704
def ndim(x): return _t(x).dim()                                          # noqa: E704
def constant(value, dtype=None): return cast(value, dtype or floatx())   # noqa: E704
def variable(value, dtype=None, name=None): return constant(value, dtype)  # noqa: E704


def cast(x, dtype) -> torch.Tensor:
    """x as `dtype` ('float32', 'int64', 'bool', or a torch dtype)."""
    dtype = dtype if isinstance(dtype, torch.dtype) else getattr(torch, str(dtype))
    return _t(x).to(dtype)


def get_value(x):
    """A tensor's value as a NumPy array (numbers pass through)."""
    return x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else x


def set_value(x: torch.Tensor, value) -> None:
    """Write `value` into the tensor x in place."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"set_value writes into a tensor, got {type(x).__name__}. To change a "
                        "learning rate, use a LearningRateScheduler or ReduceLROnPlateau callback.")
    with torch.no_grad():
        x.copy_(torch.as_tensor(value, dtype=x.dtype))
