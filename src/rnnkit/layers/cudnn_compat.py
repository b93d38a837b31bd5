"""Keras 2's CuDNNLSTM and CuDNNGRU, so that older programs run: the LSTM and GRU with the
only cell cuDNN had (tanh, sigmoid gates, no dropout; the GRU with reset_after=True). rnnkit
runs them on any device, on cuDNN when the model is on a GPU, like LSTM and GRU.

>>> CuDNNLSTM(4, return_sequences=True)(torch.zeros(2, 3, 5)).shape
torch.Size([2, 3, 4])
"""
from __future__ import annotations

import torch  # noqa: F401  (the doctest)

from .gru import GRU
from .lstm import LSTM

_FIXED = {"activation": "tanh", "recurrent_activation": "sigmoid", "dropout": 0.0,
          "recurrent_dropout": 0.0, "reset_after": True}


def _check_fixed(cls_name: str, kwargs: dict) -> None:
    for key, fixed in _FIXED.items():
        if key in kwargs and kwargs[key] != fixed:
            raise ValueError(f"{cls_name} has cuDNN's fixed cell: {key}={fixed!r}, got "
                             f"{kwargs[key]!r}. Use {cls_name[5:]}({key}={kwargs[key]!r}) "
                             "for another setting.")


class CuDNNLSTM(LSTM):
    """Keras 2's CuDNNLSTM: an LSTM with tanh and sigmoid gates and no dropout."""

    def __init__(self, units: int, **kwargs):
        _check_fixed("CuDNNLSTM", kwargs)
        super().__init__(units, **{k: v for k, v in kwargs.items() if k not in _FIXED})


class CuDNNGRU(GRU):
    """Keras 2's CuDNNGRU: a GRU with reset_after=True, sigmoid gates and no dropout."""

    def __init__(self, units: int, **kwargs):
        _check_fixed("CuDNNGRU", kwargs)
        super().__init__(units, **{k: v for k, v in kwargs.items() if k not in _FIXED})
