"""Keras's backend functions that programs call: clear_session, floatx, epsilon.

    from rnnkit import backend as K
    K.clear_session()          # fresh layer names (lstm, lstm_1, ... start over)
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
