"""Utilities with Keras's names: set_random_seed, to_categorical."""
from __future__ import annotations

import random

import numpy as np
import torch

from .np_utils import to_categorical


def set_random_seed(seed: int) -> None:
    """Seed Python, NumPy and PyTorch: the same seed gives the same weights and batches on CPU."""
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}.")
    random.seed(int(seed))
    np.random.seed(int(seed) % 2**32)
    torch.manual_seed(int(seed))


__all__ = ["set_random_seed", "to_categorical"]
