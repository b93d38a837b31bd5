"""`tf.random` spelled on rnnkit, for programs written `import tensorflow as tf`:
`tf.random.set_seed(42)` seeds Python, NumPy and PyTorch (as keras.utils.set_random_seed).

    >>> set_seed(42)
    >>> a = torch.rand(2)
    >>> set_seed(42)
    >>> torch.equal(a, torch.rand(2))
    True
"""
from __future__ import annotations

import torch

from .utils import set_random_seed


def set_seed(seed: int) -> None:
    """Seed every random number generator rnnkit draws from."""
    set_random_seed(seed)


def normal(shape, mean: float = 0.0, stddev: float = 1.0, dtype=None, seed=None):
    """A tensor of normal draws (seeded draws repeat when `seed` is given)."""
    g = None if seed is None else torch.Generator().manual_seed(int(seed))
    return torch.empty(tuple(shape), dtype=dtype or torch.get_default_dtype()).normal_(
        mean, stddev, generator=g)


def uniform(shape, minval: float = 0.0, maxval: float = 1.0, dtype=None, seed=None):
    """A tensor of uniform draws in [minval, maxval)."""
    g = None if seed is None else torch.Generator().manual_seed(int(seed))
    return torch.empty(tuple(shape), dtype=dtype or torch.get_default_dtype()).uniform_(
        minval, maxval, generator=g)
